"""Search keys: which word-key function joins the forms a press officer expects, and which it wrongly joins.

A small hand-made set of Serbian word pairs: forms of one word that should get one key (case endings, the
fleeting a of sastanak/sastanka, sibilarisation in Amerika/Americi, Cyrillic/Latin, diacritics) and pairs of
different words that should not (stranac/stranka, novac/Novak …). Each candidate key function is scored by
recall (share of should-join pairs that get equal keys) and false joins (share of should-not pairs that do).
Candidates: plain folding (no stemming), the project's suffix rules (``nlp.inflection.suffix_key``), Snowball's
Serbian stemmer from PyStemmer (``nlp.normalize.stem``, the tagging key) and Snowball with the alternation rules
of ``nlp.normalize.search_key`` (the search key). Takes milliseconds; the table is copied into docs/search.md.
"""

from __future__ import annotations

from collections.abc import Callable

# Forms of one word or name: every pair inside a group should join.
SHOULD_JOIN: list[tuple[str, ...]] = [
    ("birački", "biračkog", "biračkom"),
    ("spisak", "spiska", "spisku", "spiskovi"),
    ("sastanak", "sastanka", "sastanku", "sastanke"),
    ("Amerika", "Americi", "Ameriku", "Amerikom"),
    ("Afrika", "Africi", "Afriku"),
    ("knjiga", "knjizi", "knjige"),
    ("ruka", "ruci", "ruku"),
    ("vojnik", "vojnici", "vojnika"),
    ("iseljenik", "iseljenici", "iseljenika"),
    ("povratnik", "povratnici", "povratnika"),
    ("ponedeljak", "ponedeljka", "ponedeljku"),
    ("početak", "početka", "početku"),
    ("zadatak", "zadatka", "zadatke"),
    ("pisac", "pisca", "pisci"),
    ("stranac", "stranca", "stranci"),
    ("Nemac", "Nemca", "Nemci"),
    ("novac", "novca", "novcem"),
    ("dijaspora", "dijaspori", "dijasporom", "дијаспоре"),
    ("Srbija", "Srbiji", "Србију"),
    ("Beč", "Beča", "Beču", "Беч"),
    ("Čikago", "Čikagu", "Чикагу"),
    ("konzulat", "konzulata", "konzulatu"),
    ("ambasada", "ambasadi", "ambasadom"),
    ("udžbenik", "udžbenika", "udžbenici"),
    ("škola", "školi", "школе"),
    ("izbori", "izbora", "izborima"),
    ("glasanje", "glasanja", "glasanju"),
    ("Kokanović", "Kokanovića", "Kokanoviću", "Кокановић"),
    ("Đorđević", "Djordjević", "Đorđevića"),
    ("Nemačka", "Nemačkoj", "Nemačku"),
    ("ministar", "ministra", "ministru"),
    ("zakon", "zakona", "zakonu"),
    ("momak", "momka", "momku"),
]

# Different words that should keep apart.
SHOULD_NOT_JOIN: list[tuple[str, str]] = [
    ("stranac", "stranka"),
    ("novac", "Novak"),
    ("ruka", "ručak"),
    ("pisac", "pisak"),
    ("Beč", "bek"),
    ("sastanak", "stan"),
    ("spisak", "spis"),
    ("škola", "školarina"),
    ("grad", "grana"),
    ("uprava", "upravnik"),
    ("dijaspora", "dijalog"),
    ("glas", "glasanje"),
    ("ministar", "ministarstvo"),
    ("zakon", "zakonik"),
    ("Srbija", "Srbin"),
    ("konac", "konak"),
]


def _pairs(groups: list[tuple[str, ...]]) -> list[tuple[str, str]]:
    return [(g[i], g[j]) for g in groups for i in range(len(g)) for j in range(i + 1, len(g))]


def candidates() -> dict[str, Callable[[str], str]]:
    from nlp.inflection import suffix_key
    from nlp.normalize import fold, search_key, stem

    return {"folding only (no stemming)": fold, "project's suffix rules (suffix_key)": suffix_key,
            "Snowball Serbian (stem)": stem, "Snowball + alternations (search_key)": search_key}


def score(key: Callable[[str], str]) -> tuple[float, float, list[tuple[str, str]], list[tuple[str, str]]]:
    """Recall over SHOULD_JOIN pairs, false-join rate over SHOULD_NOT_JOIN, and the pairs each got wrong."""
    join = _pairs(SHOULD_JOIN)
    missed = [(a, b) for a, b in join if key(a) != key(b)]
    wrong = [(a, b) for a, b in SHOULD_NOT_JOIN if key(a) == key(b)]
    return 1 - len(missed) / len(join), len(wrong) / len(SHOULD_NOT_JOIN), missed, wrong


def table() -> str:
    lines = [f"| key function | recall ({len(_pairs(SHOULD_JOIN))} pairs that should join) |"
             f" false joins ({len(SHOULD_NOT_JOIN)} pairs that should not) | examples missed | examples wrongly joined |",
             "|---|---:|---:|---|---|"]
    for name, key in candidates().items():
        recall, false_rate, missed, wrong = score(key)
        def show(pairs):
            return ", ".join(f"{a}/{b}" for a, b in pairs[:4]) or "—"

        lines.append(f"| {name} | {recall:.1%} | {false_rate:.1%} | {show(missed)} | {show(wrong)} |")
    return "\n".join(lines)


def run(quick: bool) -> str:
    return ("## Search keys (`bench/bench_stemmer.py`)\n\nRecall and false joins of each word-key function on a"
            " hand-made set of Serbian word pairs (see the module docstring):\n\n" + table() + "\n")


if __name__ == "__main__":
    print(run(quick=True))

"""Organisation links: relinking a 100,000-article archive after a registry change, incremental against full.

The archive: the synthetic articles of ``bench/bench_search.py`` (about 360 words each, Serbian in both
scripts and English) on SQLite; one article in a hundred gets a sentence naming an organisation of the sample
registry (``sampleweb/orgs.csv``) in some case and script, and one in two hundred a look-alike (the same name
with another city). Measured, in one run:

1. the registry imported into the archive for the first time, and ``relink`` (incremental: only articles
   holding every word of a changed entry's name, found through the search index, are read and linked);
2. a change of two entries (one entry gets a new short form and moves city; one entry is added) and ``relink``;
3. the baseline: linking every article (``relink --all``), timed on a sample of the archive and scaled to
   its size (the full pass over 100,000 articles would take as long as the measured rate says).

The links after each incremental relink are checked against the injected sentences.
"""

from __future__ import annotations

import random
import tempfile
import time
from pathlib import Path

FULL_SIZE = 100_000
QUICK_SIZE = 5_000
SAMPLE = 3_000  # articles of the baseline's full relink
MENTION_EVERY = 100
LOOKALIKE_EVERY = 200
REGISTRY = Path(__file__).resolve().parent.parent / "sampleweb" / "orgs.csv"

# (sentence, expected org id or None); names in several cases and both scripts.
SENTENCES = [
    ("Predstavnici Saveza srpskih udruženja Štajerske razgovarali su o školi.", "ssu-stajerske"),
    ("Заједница Срба Баварске организовала је летњи камп.", "zajednica-srba-bavarske"),
    ("Srpsko kulturno društvo „Vidovdanski venac“ iz Beča slavi jubilej.", "vidovdanski-venac-bec"),
    ("Crkveno-školskoj opštini „Sveti Prohor Pčinjski“ stigla je donacija.", "cso-prohor-cikago"),
    ("The Serbian Heritage Circle of Leeds opened an archive.", "heritage-circle-leeds"),
    ("Клуб српских студената „Косовски божур“ отвара трибину.", "kosovski-bozur-zagreb"),
]
LOOKALIKES = [
    "Srpsko kulturno društvo „Vidovdanski venac“ iz Linca slavi jubilej.",
    "Клуб српских студената „Косовски божур“ из Београда гостује.",
]
CHANGE_CSV = ("id,name,names,short_names,country,city,city_names,type\n"
              "vidovdanski-venac-bec,Srpsko kulturno društvo „Vidovdanski venac“,,Venac,AT,Linc,Linz,association\n"
              "sloga-salcburg,Srpski klub „Sloga“,,,AT,Salcburg,Salzburg,club\n")


def expected(sentence: str, moved: bool) -> set[str]:
    """The entries a sentence should link to, before and after the change (Vienna entry moved to Linz)."""
    org = dict(SENTENCES).get(sentence)
    if moved and org == "vidovdanski-venac-bec":
        return set()
    if moved and sentence == LOOKALIKES[0]:
        return {"vidovdanski-venac-bec"}
    return {org} if org else set()


def _rows(size: int) -> tuple[list[dict], dict[int, str]]:
    """Archive rows with injected organisation sentences; article id → the sentence."""
    from bench.bench_search import _articles
    from nlp.normalize import normalize_text

    rows = _articles(size, seed=18)
    rng = random.Random(18)
    injected: dict[int, str] = {}
    for index, row in enumerate(rows):
        sentence = None
        if index % MENTION_EVERY == 0:
            sentence = rng.choice(SENTENCES)[0]
        elif index % LOOKALIKE_EVERY == 7:
            sentence = rng.choice(LOOKALIKES)
        if sentence:
            row["text"] = row["text"] + "\n\n" + sentence
            row["search_body"] = normalize_text(row["text"])
            injected[index + 1] = sentence
    return rows, injected


def _links(db) -> dict[int, set[str]]:
    out: dict[int, set[str]] = {}
    for r in db.query("SELECT article_id, org_id FROM org_mentions"):
        out.setdefault(int(r["article_id"]), set()).add(r["org_id"])
    return out


def _check(links: dict[int, set[str]], injected: dict[int, str], moved: bool) -> tuple[int, int, int]:
    """(articles that should have a link, those linked as expected, links that should not be there)."""
    should = right = wrong = 0
    for article_id, sentence in injected.items():
        got, want = links.get(article_id, set()), expected(sentence, moved)
        should += int(bool(want))
        right += int(got == want and bool(want))
        wrong += len(got - want)
    wrong += sum(len(v) for k, v in links.items() if k not in injected)
    return should, right, wrong


def run(quick: bool) -> str:
    from archive import open_archive
    from archive.orgs import import_orgs, link_and_store, list_orgs, read_rows, relink
    from bench.bench_search import _load
    from nlp.orgs import registry_linker

    size = QUICK_SIZE if quick else FULL_SIZE
    rows, injected = _rows(size)
    with tempfile.TemporaryDirectory() as tmp:
        db = open_archive(f"sqlite:///{tmp}/bench.db")
        load_s = _load(db, rows)

        started = time.perf_counter()
        import_orgs(db, read_rows(REGISTRY))
        first = relink(db)
        first_s = time.perf_counter() - started
        first_should, first_right, first_wrong = _check(_links(db), injected, moved=False)

        change_path = Path(tmp) / "change.csv"
        change_path.write_text(CHANGE_CSV, encoding="utf-8")
        started = time.perf_counter()
        import_orgs(db, read_rows(change_path))
        second = relink(db)
        second_s = time.perf_counter() - started
        second_should, second_right, second_wrong = _check(_links(db), injected, moved=True)

        # Baseline: every article through the linker (what relink --all does), on a sample.
        linker = registry_linker(list_orgs(db))
        sample = db.query("SELECT id, title, text, language FROM articles ORDER BY id LIMIT ?", (min(SAMPLE, size),))
        items = [(int(r["id"]), f"{r['title']}\n\n{r['text']}", r["language"], "RS") for r in sample]
        started = time.perf_counter()
        link_and_store(db, items, linker)
        sample_s = time.perf_counter() - started
        db.close()
    full_s = sample_s / len(items) * size
    return "\n".join([
        "## Organisation links: relinking after a registry change (`bench/bench_orgs.py`)", "",
        f"{size:,} synthetic articles on SQLite (loaded in {load_s:.0f} s); one in {MENTION_EVERY} names an entry "
        f"of the sample registry ({first_should:,} articles), one in {LOOKALIKE_EVERY} a look-alike in another "
        "city. `relink` reads only the articles holding every word of a changed entry's old or new names "
        "(through the search index) and those linked to it; the baseline links every article.", "",
        "| step | entries changed | articles read | time | links as expected | wrong links |",
        "|---|---:|---:|---:|---:|---:|",
        f"| registry imported, `relink` | {len(first['changed'])} | {first['articles']:,} | {first_s:.1f} s | "
        f"{first_right:,} / {first_should:,} | {first_wrong} |",
        f"| two entries changed, `relink` | {len(second['changed'])} | {second['articles']:,} | {second_s:.1f} s | "
        f"{second_right:,} / {second_should:,} | {second_wrong} |",
        f"| baseline: `relink --all` (every article) | any | {size:,} | {full_s:.0f} s (scaled from "
        f"{len(items):,} articles in {sample_s:.1f} s) | | |", "",
        f"The incremental relink after the change read {second['articles'] / size:.2%} of the archive and took "
        f"{second_s / full_s:.1%} of the full pass. In the second step the Vienna entry moved to Linz: its "
        "Vienna mentions must be dropped and the Linz look-alikes become its mentions (both checked).",
    ])

"""A matcher for lexicon patterns, indexed by the first word's key.

spaCy's ``Matcher`` tries every pattern at every token, so with the hundreds of gazetteer and
topic patterns it was the pipeline's bottleneck (about 25× slower than tokenising, see
``docs/tagging.md``). Lexicon patterns are simple — a word key (LEMMA) or folded form (NORM)
per position, optional words, optional quotes, bounded gaps — so this matcher looks each token's
key up in a dict of patterns starting with it and checks only those: cost grows with the text,
not with the lexicon. It accepts the pattern dicts that ``nlp.lexicon.compile_phrase`` produces.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from spacy.attrs import IS_QUOTE, IS_SPACE, LEMMA, NORM
from spacy.tokens import Doc
from spacy.vocab import Vocab

_GAP_RE = re.compile(r"^\{(\d*),(\d+)\}$")
_KEY_ATTRS = ("LEMMA", "NORM")
_NONE: list[int] = []


@dataclass(frozen=True, slots=True)
class Element:
    """One pattern position: a set of key hashes on an attribute, a quote, or a gap."""

    kind: str  # "LEMMA" | "NORM" | "QUOTE" | "GAP"
    hashes: frozenset[int] = frozenset()
    optional: bool = False
    max_gap: int = 0


class KeyMatcher:
    """Finds (match id, start, end) for patterns; the longest match per pattern and start."""

    def __init__(self, vocab: Vocab):
        self.strings = vocab.strings
        self.patterns: list[tuple[str, tuple[Element, ...]]] = []
        self.index: dict[str, dict[int, list[int]]] = {"LEMMA": {}, "NORM": {}}

    def __len__(self) -> int:
        return len(self.patterns)

    def add(self, match_id: str, patterns: list[list[dict]]) -> None:
        """Add patterns (compile_phrase output) under one match id."""
        for pattern in patterns:
            elements = tuple(self._element(spec) for spec in pattern)
            for variant in _without_leading_optionals(elements):
                number = len(self.patterns)
                self.patterns.append((match_id, variant))
                first = variant[0]
                for value in first.hashes:
                    self.index[first.kind].setdefault(value, []).append(number)

    def _element(self, spec: dict) -> Element:
        """Translate one Matcher-style token spec."""
        op = spec.get("OP")
        gap = _GAP_RE.match(op) if isinstance(op, str) else None
        if gap:
            return Element("GAP", max_gap=int(gap.group(2)))
        optional = op == "?"
        if op not in (None, "?"):
            raise ValueError(f"unsupported operator {op!r} in {spec}")
        if spec.get("IS_QUOTE"):
            return Element("QUOTE", optional=optional)
        attr = next((name for name in _KEY_ATTRS if name in spec), None)
        if attr is None:
            raise ValueError(f"unsupported token spec {spec}")
        value = spec[attr]
        values = value["IN"] if isinstance(value, dict) else [value]
        return Element(attr, frozenset(self.strings.add(v) for v in values), optional=optional)

    def __call__(self, doc: Doc) -> list[tuple[str, int, int]]:
        """All matches in the doc, in order of start."""
        if not len(doc) or not self.patterns:
            return []
        lemmas, norms, quotes, positions = _columns(doc)
        columns = {"LEMMA": lemmas, "NORM": norms}
        lemma_index, norm_index = self.index["LEMMA"], self.index["NORM"]
        found = []
        for start in range(len(lemmas)):
            by_lemma = lemma_index.get(lemmas[start], _NONE)
            by_norm = norm_index.get(norms[start], _NONE)
            for number in (by_lemma + by_norm if by_norm else by_lemma):
                match_id, elements = self.patterns[number]
                end = max(_ends(elements, 1, start + 1, columns, quotes), default=None)
                if end is not None:
                    found.append((match_id, start, end))
        if positions is None:
            return found
        # Matched over the text without whitespace tokens: map back to the doc's token indices.
        return [(match_id, positions[start], positions[end - 1] + 1) for match_id, start, end in found]


def _columns(doc: Doc) -> tuple[list[int], list[int], list[bool], list[int] | None]:
    """LEMMA, NORM and IS_QUOTE per token, read once per doc and shared by the matchers.

    Whitespace tokens (a double space, a no-break space, a line break inside a name pasted from
    a PDF) are left out, so a name matches across them; ``positions`` then maps the compressed
    index back to the doc's token index (None when the doc has no whitespace tokens).
    Cached in ``doc.user_data`` by token count; the matchers run after the components that set
    NORM and LEMMA, which do not change afterwards.
    """
    cached = doc.user_data.get(_COLUMNS_KEY)
    if cached is not None and cached[4] == len(doc):
        return cached[:4]
    lemmas, norms, quotes, spaces = (list(column) for column in
                                     doc.to_array([LEMMA, NORM, IS_QUOTE, IS_SPACE]).T.tolist())
    positions = None
    if any(spaces):
        positions = [i for i, space in enumerate(spaces) if not space]
        lemmas = [lemmas[i] for i in positions]
        norms = [norms[i] for i in positions]
        quotes = [quotes[i] for i in positions]
    columns = (lemmas, norms, [bool(q) for q in quotes], positions, len(doc))
    doc.user_data[_COLUMNS_KEY] = columns
    return columns[:4]


_COLUMNS_KEY = "odjek_matching_columns"


def _without_leading_optionals(elements: tuple[Element, ...]) -> Iterator[tuple[Element, ...]]:
    """Variants of a pattern that start with a required word (so it can be indexed)."""
    while elements and (elements[0].optional or elements[0].kind in ("GAP", "QUOTE")):
        if elements[0].kind not in ("GAP", "QUOTE"):
            yield from _without_leading_optionals((Element(elements[0].kind, elements[0].hashes),) + elements[1:])
        elements = elements[1:]
    if elements:
        yield elements


def _ends(elements: tuple[Element, ...], k: int, position: int, columns: dict[str, list[int]],
          quotes: list[bool]) -> Iterator[int]:
    """End positions where elements[k:] match from ``position`` (the first element has matched)."""
    if k == len(elements):
        yield position
        return
    element = elements[k]
    length = len(quotes)
    if element.kind == "GAP":
        for skip in range(element.max_gap + 1):
            if position + skip > length:
                break
            yield from _ends(elements, k + 1, position + skip, columns, quotes)
        return
    if element.optional:
        yield from _ends(elements, k + 1, position, columns, quotes)
    if position >= length:
        return
    if element.kind == "QUOTE":
        if quotes[position]:
            yield from _ends(elements, k + 1, position + 1, columns, quotes)
    elif columns[element.kind][position] in element.hashes:
        yield from _ends(elements, k + 1, position + 1, columns, quotes)

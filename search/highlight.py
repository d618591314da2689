"""Highlighting: the query's hits marked in titles, snippets (the densest passages) and article pages. Pure.

A hit is found on search keys (:func:`nlp.normalize.search_key`), so it is marked whatever the script, case or
ending; what is shown is always the original text, HTML-escaped.
"""

from __future__ import annotations

import html
import itertools
from collections.abc import Sequence
from dataclasses import dataclass

from nlp.normalize import TOKEN_RE, search_key, search_tokens
from search.query import And, Node, Or, ParsedQuery, Phrase, Term

SNIPPET_WORDS = 28
SNIPPET_FRAGMENTS = 2
MAX_WINDOW_HITS = 200  # hits considered when choosing passages (the choice is quadratic)


@dataclass
class Segment:
    """A piece of original text; ``match`` marks a query hit."""

    text: str
    match: bool = False


@dataclass
class Fragment:
    """A passage of the original text, with ellipses where it was cut."""

    segments: list[Segment]
    cut_before: bool = False
    cut_after: bool = False

    def html(self) -> str:
        """The passage HTML-escaped, with hits in <mark>."""
        body = "".join(f"<mark>{html.escape(s.text)}</mark>" if s.match else html.escape(s.text)
                       for s in self.segments)
        return ("… " if self.cut_before else "") + body + (" …" if self.cut_after else "")

    def plain(self, marker: tuple[str, str] = ("[", "]")) -> str:
        body = "".join(f"{marker[0]}{s.text}{marker[1]}" if s.match else s.text for s in self.segments)
        return ("… " if self.cut_before else "") + body + (" …" if self.cut_after else "")



# Highlighting -------------------------------------------------------------------------------------------
#
# A word of the query is marked wherever its key occurs; a phrase only where all its words occur in order (so
# '"uprava za saradnju"' never marks every "za"). Consecutive marked words on one line become one mark, so marks
# never overlap or abut.

@dataclass(frozen=True)
class Marks:
    """What to mark in a text: single keys, prefixes and phrases (tuples of keys)."""

    keys: frozenset[str] = frozenset()
    prefixes: tuple[str, ...] = ()
    phrases: tuple[tuple[str, ...], ...] = ()

    def __bool__(self) -> bool:
        return bool(self.keys or self.prefixes or self.phrases)

    def hit_indices(self, token_keys: Sequence[str]) -> list[int]:
        """Indices of the tokens (given by their keys, in order) to mark."""
        hits: set[int] = set()
        prefixes = self.prefixes
        starts = self._phrase_starts()
        for i, k in enumerate(token_keys):
            if not k:
                continue
            if k in self.keys or (prefixes and k.startswith(prefixes)):
                hits.add(i)
            for phrase in starts.get(k, ()):
                if tuple(token_keys[i:i + len(phrase)]) == phrase:
                    hits.update(range(i, i + len(phrase)))
        return sorted(hits)

    def _phrase_starts(self) -> dict[str, list[tuple[str, ...]]]:
        starts: dict[str, list[tuple[str, ...]]] = {}
        for phrase in self.phrases:
            starts.setdefault(phrase[0], []).append(phrase)
        return starts


def query_marks(node: Node | None) -> Marks:
    """The marks of a query's positive parts (excluded words are never marked)."""
    keys: set[str] = set()
    prefixes: list[str] = []
    phrases: list[tuple[str, ...]] = []

    def walk(n: Node) -> None:
        if isinstance(n, Term):
            (prefixes.append(n.key) if n.prefix else keys.add(n.key))
        elif isinstance(n, Phrase):
            phrases.append(n.keys)
        elif isinstance(n, (And, Or)):
            for c in n.children:
                walk(c)

    if node is not None:
        walk(node)
    return Marks(frozenset(keys), tuple(dict.fromkeys(prefixes)), tuple(dict.fromkeys(phrases)))


def marks_for(parsed: ParsedQuery) -> Marks:
    """The marks of a parsed query, with the Directorate's names when the query named it."""
    marks = query_marks(parsed.ast)
    if parsed.office:
        from search.expansion import default_index

        office = [keys for e in default_index().entities if e.kind == "office" for keys, _ in e.covering(None)]
        marks = Marks(marks.keys, marks.prefixes, tuple(dict.fromkeys([*marks.phrases, *office])))
    return marks


def _as_marks(keys, prefixes: tuple[str, ...] = ()) -> Marks:
    return keys if isinstance(keys, Marks) else Marks(frozenset(keys), tuple(prefixes))


def _runs(text: str, spans: Sequence) -> list[_Span]:
    """Marked token spans merged where only spaces or punctuation on the same line lie between them."""
    out: list[_Span] = []
    for sp in spans:
        if out and "\n" not in text[out[-1].end:sp.start] and not any(
                ch.isalnum() for ch in text[out[-1].end:sp.start]):
            out[-1] = _Span(out[-1].start, sp.end)
        else:
            out.append(_Span(sp.start, sp.end))
    return out


def highlight_whole(text: str, keys, prefixes: tuple[str, ...] = ()) -> Fragment:
    """All of ``text`` with the query's hits marked (titles); ``keys`` is a :class:`Marks` or a set of keys."""
    marks = _as_marks(keys, prefixes)
    if not marks:
        return Fragment(_segments(text, 0, len(text), []))
    tokens = search_tokens(text)
    hit = marks.hit_indices([t.key for t in tokens])
    return Fragment(_segments(text, 0, len(text), _runs(text, [tokens[i] for i in hit])))


def _segments(text: str, start: int, end: int, marked) -> list[Segment]:
    """Cut text[start:end] into plain and marked segments on the original characters."""
    out, pos = [], start
    for tok in marked:
        if tok.start < start or tok.end > end or tok.start < pos:
            continue
        if tok.start > pos:
            out.append(Segment(text[pos:tok.start]))
        out.append(Segment(text[tok.start:tok.end], True))
        pos = tok.end
    if pos < end:
        out.append(Segment(text[pos:end]))
    return out


def _windows(hit_idx: list[int], n_tokens: int, words: int, fragments: int) -> list[tuple[int, int]]:
    """Token ranges (inclusive) of up to ``fragments`` passages covering the most hits; the start when none."""
    if not hit_idx:
        return [(0, min(words, n_tokens) - 1)]
    lead = words // 4
    remaining = hit_idx[:MAX_WINDOW_HITS]
    windows: list[tuple[int, int]] = []
    while remaining and len(windows) < fragments:
        # Pick the window (starting a little before a hit) that covers the most hits not yet shown.
        best = max(remaining, key=lambda i: sum(1 for j in remaining if i - lead <= j <= i - lead + words - 1))
        lo = max(0, best - lead)
        hi = min(n_tokens - 1, lo + words - 1)
        windows.append((lo, hi))
        remaining = [j for j in remaining if not any(a <= j <= b for a, b in windows)]
    return sorted(windows)


def snippet(text: str, keys, prefixes: tuple[str, ...] = (), *, shadow: str | None = None,
            words: int = SNIPPET_WORDS, fragments: int = SNIPPET_FRAGMENTS) -> list[Fragment]:
    """Up to ``fragments`` passages of the original text around the densest query hits, hits marked.

    ``keys`` is a :class:`Marks` (or a set of single keys). With ``shadow`` (the stored normalised text: the keys
    of the text's tokens, in order, joined by single spaces) the hits are found on the keys and only the chosen
    passages are re-tokenised; the marked tokens are checked against their keys, and any disagreement falls back
    to tokenising the whole text.
    """
    marks = _as_marks(keys, prefixes)
    if shadow is not None:
        fast = _snippet_from_shadow(text, shadow, marks, words, fragments)
        if fast is not None:
            return fast
    tokens = search_tokens(text)
    if not tokens:
        return []
    hit_idx = marks.hit_indices([t.key for t in tokens]) if marks else []
    marked = _runs(text, [tokens[i] for i in hit_idx])
    return [Fragment(_segments(text, tokens[lo].start, tokens[hi].end, marked), cut_before=lo > 0,
                     cut_after=hi < len(tokens) - 1)
            for lo, hi in _windows(hit_idx, len(tokens), words, fragments)]


def _snippet_from_shadow(text: str, shadow: str, marks: Marks, words: int, fragments: int) -> list[Fragment] | None:
    """The snippet located via the shadow keys; None when shadow and text disagree (then tokenise instead)."""
    parts = shadow.split(" ") if shadow else []
    if not parts:
        return None
    hit_idx = marks.hit_indices(parts) if marks else []
    out = []
    hits = set(hit_idx)
    for lo, hi in _windows(hit_idx, len(parts), words, fragments):
        found = list(itertools.islice(TOKEN_RE.finditer(text), lo, hi + 1))
        if len(found) != hi - lo + 1:
            return None
        marked = []
        for offset, m in enumerate(found):
            if search_key(m.group()) != parts[lo + offset]:
                return None  # the stored keys are stale or misaligned
            if lo + offset in hits:
                marked.append(_Span(m.start(), m.end()))
        out.append(Fragment(_segments(text, found[0].start(), found[-1].end(), _runs(text, marked)),
                            cut_before=lo > 0, cut_after=hi < len(parts) - 1))
    return out


@dataclass(frozen=True, slots=True)
class _Span:
    start: int
    end: int


def mark_spans(text: str, spans: Sequence[tuple[int, int, str]]) -> list[tuple[str, str | None]]:
    """Cut text into (piece, class) by non-overlapping spans (start, end, class); overlaps keep the first."""
    out: list[tuple[str, str | None]] = []
    pos = 0
    for start, end, cls in sorted(spans):
        start, end = max(start, pos), min(end, len(text))
        if start >= end:
            continue
        if start > pos:
            out.append((text[pos:start], None))
        out.append((text[start:end], cls))
        pos = end
    if pos < len(text):
        out.append((text[pos:], None))
    return out


def query_spans(text: str, parsed: ParsedQuery) -> list[tuple[int, int, str]]:
    """Offsets of the query's hits in ``text`` (for the article page): non-overlapping, a phrase as one span."""
    marks = marks_for(parsed)
    if not marks:
        return []
    tokens = search_tokens(text)
    runs = _runs(text, [tokens[i] for i in marks.hit_indices([t.key for t in tokens])])
    return [(r.start, r.end, "hit") for r in runs]

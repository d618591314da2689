"""The project's spaCy components, each registered with ``Language.factory`` and usable alone.

Order in a pipeline: ``odjek_script_normalizer`` (NORM = folded form) → ``odjek_inflection``
(LEMMA = matching key) → ``odjek_office_matcher`` → ``odjek_people_matcher`` →
``odjek_region_tagger`` → ``odjek_topic_tagger`` (topics use found regions as context). Matchers run
on LEMMA (generated place-name case forms on NORM), so one pattern covers
Cyrillic and Latin, every case, and text with or without diacritics. Findings are stored on the
Doc as ``doc._.odjek_mentions`` (label, token start, token end) and ``doc._.odjek_scores``.
"""

from __future__ import annotations

import logging
import math
from collections import Counter
from pathlib import Path
from typing import Any

import numpy
from spacy.attrs import LEMMA, NORM, ORTH
from spacy.language import Language
from spacy.tokens import Doc, Span, Token
from spacy.util import filter_spans

from nlp.inflection import key_function
from nlp.lexicon import LexiconError, Term, compile_phrase, load_lexicon, weighted_terms
from nlp.matching import KeyMatcher
from nlp.normalize import fold

LOGGER = logging.getLogger(__name__)

OFFICE = "office"
DIRECTOR = "director"
NONE_LABEL = "none"  # blockers: phrases that win a span so nothing inside it counts
QUOTE_SKIP_TOKENS = 2  # role words may be separated from the office's name by quotes
# Entity scores: a full name is certain; a short form shared with other states' offices that passed
# the foreign-marker check is very likely. Both are over the entity threshold (0.5).
STRONG_NAME_SCORE = 1.0
WEAK_NAME_SCORE = 0.8
MAX_CACHED_LEXEMES = 500_000  # per-lexeme caches of the per-token components (~50 MB at the cap)


def _register_extensions() -> None:
    """Guarded, so re-importing (tests, reloads) does not raise."""
    if not Token.has_extension("fold"):
        Token.set_extension("fold", getter=lambda token: token.norm_)
    if not Token.has_extension("key"):
        Token.set_extension("key", getter=lambda token: token.lemma_)
    if not Doc.has_extension("odjek_mentions"):
        Doc.set_extension("odjek_mentions", default=None)
    if not Doc.has_extension("odjek_scores"):
        Doc.set_extension("odjek_scores", default=None)
    if not Doc.has_extension("odjek_people"):
        Doc.set_extension("odjek_people", default=None)
    if not Doc.has_extension("odjek_countries"):
        Doc.set_extension("odjek_countries", default=None)


_register_extensions()


def mentions_of(doc: Doc) -> list[tuple[str, int, int]]:
    """The doc's mention list (label, token start, token end), created on first use."""
    if doc._.odjek_mentions is None:
        doc._.odjek_mentions = []
    return doc._.odjek_mentions


def scores_of(doc: Doc) -> dict[str, float]:
    """The doc's label → score map, created on first use."""
    if doc._.odjek_scores is None:
        doc._.odjek_scores = {}
    return doc._.odjek_scores


class _PerLexemeAttribute:
    """Sets one token attribute from a function of the token text, cached per lexeme (orth id)."""

    attr: int = NORM

    def __init__(self, nlp: Language, name: str, function):
        self.name = name
        self.strings = nlp.vocab.strings
        self.function = function
        self.cache: dict[int, int] = {}

    def _value(self, orth: int) -> int:
        value = self.cache.get(orth)
        if value is None:
            if len(self.cache) >= MAX_CACHED_LEXEMES:
                self.cache.clear()  # a long-running worker sees an open vocabulary; keep memory bounded
            value = self.strings.add(self.function(self.strings[orth]))
            self.cache[orth] = value
        return value

    def __call__(self, doc: Doc) -> Doc:
        if not len(doc):
            return doc
        cache = self.cache
        values = [cache.get(orth) or self._value(orth) for orth in doc.to_array(ORTH).tolist()]
        doc.from_array([self.attr], numpy.asarray(values, dtype="uint64").reshape(-1, 1))
        return doc


class ScriptNormalizer(_PerLexemeAttribute):
    """Token NORM := folded form (lowercase, Latin, no diacritics); offsets stay those of the text."""

    attr = NORM


class Inflection(_PerLexemeAttribute):
    """Token LEMMA := the matching key that conflates inflected forms (stem, or folded word)."""

    attr = LEMMA


@Language.factory("odjek_script_normalizer", assigns=["token.norm"], default_config={})
def make_script_normalizer(nlp: Language, name: str) -> ScriptNormalizer:
    """Folds every token: 'Дијаспора', 'dijaspora' and 'dijaspóra' get the same NORM."""
    return ScriptNormalizer(nlp, name, fold)


@Language.factory("odjek_inflection", assigns=["token.lemma"], default_config={"method": "snowball"})
def make_inflection(nlp: Language, name: str, method: str) -> Inflection:
    """Keys every token (Snowball/suffix rules/fold for Serbian, Snowball for en/de/ru)."""
    return Inflection(nlp, name, key_function(nlp.lang, method))


def _tokenizer_words(nlp: Language):
    """Split a lexicon word the way the pipeline's tokenizer splits text."""
    return lambda text: [token.text for token in nlp.tokenizer(text)]


def _key(nlp: Language) -> Any:
    """The pipeline's key function, taken from its inflection component when present."""
    if "odjek_inflection" in nlp.pipe_names:
        return nlp.get_pipe("odjek_inflection").function
    return key_function(nlp.lang)


def _add_patterns(matcher: KeyMatcher, nlp: Language, match_id: str, phrases: list[str], *,
                  decline: bool = False, quotes_between: bool = False) -> None:
    """Compile lexicon phrases into the matcher under one match id."""
    tokenize, key = _tokenizer_words(nlp), _key(nlp)
    patterns = [compile_phrase(p, tokenize, key, decline=decline, quotes_between=quotes_between)
                for p in phrases]
    if patterns:
        matcher.add(match_id, patterns)


def _near(doc: Doc, starts: set[int], ends: set[int], span: tuple[int, int], window: int) -> bool:
    """True when a context match ends just before the span or starts just after it."""
    start, end = span
    return any(e in ends for e in range(max(0, start - window), start + 1)) or any(
        s in starts for s in range(end, min(len(doc), end + window) + 1))


def sentence_bounds(doc: Doc, start: int, end: int, max_tokens: int = 150) -> tuple[int, int]:
    """Token range [first, last] of the sentence holding tokens [start, end): out to the nearest
    sentence-final punctuation or line break on each side ("npr." is one token, so it does not count)."""
    first = start
    while first > max(0, start - max_tokens) and not ends_sentence(doc[first - 1]):
        first -= 1
    last = end - 1
    while last < min(len(doc) - 1, end + max_tokens) and not ends_sentence(doc[last]):
        last += 1
    return first, last


_SENTENCE_FINAL = {".", "!", "?", "…", "...", "?!", "!?"}
LEAD_SENTENCES = 2  # the title line and the first sentence of the body


def ends_sentence(token: Token) -> bool:
    """A sentence-final punctuation token, or one followed by a line break."""
    return token.text in _SENTENCE_FINAL or "\n" in token.whitespace_ or (token.is_space and "\n" in token.text)


def lead_end(doc: Doc, sentences: int = LEAD_SENTENCES) -> int:
    """Token index where the lead (title + first sentence) ends."""
    seen = 0
    for token in doc:
        if ends_sentence(token) and not token.is_space:
            seen += 1
            if seen >= sentences:
                return token.i + 1
    return len(doc)


def _any_within(spans: list[tuple[int, int]], first: int, last: int) -> bool:
    return any(first <= start and end <= last + 1 for start, end in spans)


class OfficeMatcher:
    """Finds the Directorate under any of its names (strong and weak forms), minus decoys.

    Short forms are shared with look-alike bodies (Montenegro's own "Uprava za dijasporu", city
    diaspora offices, Croatian and Republika Srpska bodies): ``office.yaml``'s ``lookalike`` rules
    reject them from the article's context (see docs/tagging.md).
    """

    def __init__(self, nlp: Language, name: str, lexicon: str, window: int, people_file: str = ""):
        data = load_lexicon(lexicon)
        self.name, self.window = name, window
        self.matcher = KeyMatcher(nlp.vocab)
        _add_patterns(self.matcher, nlp, "strong", data.get("strong", []), quotes_between=True)
        _add_patterns(self.matcher, nlp, "weak", data.get("weak", []), quotes_between=True)
        _add_patterns(self.matcher, nlp, "foreign", data.get("foreign", []))
        _add_patterns(self.matcher, nlp, "context", data.get("weak_context", []))
        lookalike = data.get("lookalike") or {}
        _add_patterns(self.matcher, nlp, "marker", lookalike.get("markers", []))
        _add_patterns(self.matcher, nlp, "attached", lookalike.get("attached", []))
        _add_patterns(self.matcher, nlp, "other_director", lookalike.get("directors", []))
        _add_patterns(self.matcher, nlp, "own_attached", lookalike.get("own_attached", []))
        own = list(lookalike.get("own_markers", []))
        if people_file:
            own += _people_names(Path(people_file))
        _add_patterns(self.matcher, nlp, "own", own)
        self.outlet_countries = set(lookalike.get("outlet_countries", []))
        self.language_countries = dict(lookalike.get("language_countries", {}))
        self.context_languages = set(data.get("weak_context_languages", []))
        self.needs_context = nlp.lang in self.context_languages
        self.strings = nlp.vocab.strings

    def __call__(self, doc: Doc) -> Doc:
        found: dict[str, list[tuple[int, int]]] = {
            "strong": [], "weak": [], "foreign": [], "context": [], "marker": [], "attached": [],
            "other_director": [], "own": [], "own_attached": []}
        for match_id, start, end in self.matcher(doc):
            found[match_id].append((start, end))
        names = filter_spans([Span(doc, s, e, label=kind) for kind in ("strong", "weak") for s, e in found[kind]])
        foreign_starts = {s for s, _ in found["foreign"]}
        foreign_ends = {e for _, e in found["foreign"]}
        attached_starts = {s for s, _ in found["attached"]}
        attached_ends = {e for _, e in found["attached"]}
        has_context = bool(found["context"])
        lead = lead_end(doc)
        marker_in_lead = any(start < lead for start, _ in found["marker"])
        country = self._outlet_country(doc)
        accepted = []
        for span in sorted(names, key=lambda sp: sp.start):
            if _near(doc, attached_starts, attached_ends, (span.start, span.end), 1):
                continue  # "Kancelarija za saradnju s dijasporom grada Niša", "gradska Kancelarija …"
            if span.label_ == "weak" and not self._weak_accepted(doc, span, found, foreign_starts, foreign_ends,
                                                                 has_context, marker_in_lead, country):
                continue
            accepted.append(span)
        best = 0.0
        mentions = mentions_of(doc)
        for span in accepted:
            mentions.append((OFFICE, span.start, span.end))
            best = max(best, WEAK_NAME_SCORE if span.label_ == "weak" else STRONG_NAME_SCORE)
        if best:
            scores_of(doc)[OFFICE] = best
        return doc

    def _weak_accepted(self, doc: Doc, span: Span, found: dict[str, list[tuple[int, int]]],
                       foreign_starts: set[int], foreign_ends: set[int], has_context: bool,
                       marker_in_lead: bool, country: str | None) -> bool:
        """Whether a short form names the Directorate rather than a look-alike body."""
        if _near(doc, foreign_starts, foreign_ends, (span.start, span.end), self.window):
            return False  # another state's diaspora office ("crnogorska Uprava za dijasporu")
        if any(start in (span.end, span.end + 1) for start, _ in found["own_attached"]):
            return not (self.needs_context and not has_context)  # "Uprava za dijasporu Srbije"
        first, last = sentence_bounds(doc, span.start, span.end)
        if _any_within(found["other_director"], first, last):
            return False  # the look-alike body's own director is named in the sentence
        own = _any_within(found["own"], first, last)
        if not own and _any_within(found["marker"], first, last):
            return False  # "… Uprava za dijasporu … Crne Gore" anywhere in the sentence
        certain = bool(found["strong"]) or bool(found["own"])
        if not own and not certain and (marker_in_lead or country in self.outlet_countries):
            return False  # a Montenegrin outlet's "Uprava za dijasporu" is Montenegro's
        return not (self.needs_context and not has_context)

    def _outlet_country(self, doc: Doc) -> str | None:
        context = doc.user_data.get(CONTEXT_KEY)
        if context is not None and getattr(context, "country", None):
            return str(context.country).upper()
        return self.language_countries.get(doc.user_data.get(LANGUAGE_KEY))


CONTEXT_KEY = "odjek_context"  # doc.user_data: the TagContext (publication date, outlet country)
LANGUAGE_KEY = "odjek_language"  # doc.user_data: the language code the caller gave (cnr, hr …)


def _people_names(path: Path) -> list[str]:
    """Every name and alias of the people file (they mark a sentence as about the Serbian office)."""
    from schemas.config import load_people  # noqa: PLC0415 - pydantic only when the pipe is built

    return [name for person in load_people(path) for name in person.names]


@Language.factory("odjek_office_matcher", assigns=["doc._.odjek_mentions", "doc._.odjek_scores"],
                  default_config={"lexicon": "office.yaml", "window": 2, "people_file": ""})
def make_office_matcher(nlp: Language, name: str, lexicon: str, window: int, people_file: str) -> OfficeMatcher:
    """The watchlist matcher for the ``office`` label."""
    return OfficeMatcher(nlp, name, lexicon, window, people_file)


class PeopleMatcher:
    """Finds watched people by name/alias, and by role ('direktor' + the office's name).

    Each mention is resolved against the article's date (``doc.user_data[CONTEXT_KEY]``): the person
    named, or for a bare role the person in office that day, and whether that is a former director.
    Results: ``doc._.odjek_people`` maps (start, end) of each director mention to (person id, former).
    """

    def __init__(self, nlp: Language, name: str, people_file: str, office_lexicon: str):
        from schemas.config import load_people_file  # noqa: PLC0415 - pydantic only when the pipe is built

        self.name = name
        self.matcher = KeyMatcher(nlp.vocab)
        self.strings = nlp.vocab.strings
        people_data = load_people_file(Path(people_file))
        self.people = list(people_data.people)
        for person in self.people:
            _add_patterns(self.matcher, nlp, f"name::{person.id}", person.names)
            if person.role_patterns:
                _add_patterns(self.matcher, nlp, f"role::{person.id}", person.role_patterns)
        if people_data.role_patterns:
            _add_patterns(self.matcher, nlp, "role::", people_data.role_patterns)
        _add_patterns(self.matcher, nlp, "not_role::", people_data.not_roles)
        _add_patterns(self.matcher, nlp, "former::", people_data.former_markers)
        self.labels = {person.id: person.label for person in self.people}
        office = load_lexicon(office_lexicon)
        tokenize, key = _tokenizer_words(nlp), _key(nlp)
        self.bare_heads = {key(w) for word in office.get("bare_heads", []) for w in tokenize(word)}
        self.bare_followers = {key(w) for word in office.get("bare_role_followers", []) for w in tokenize(word)}

    def __call__(self, doc: Doc) -> Doc:
        from nlp.people import resolve  # noqa: PLC0415 - avoids an import cycle at module load

        mentions = mentions_of(doc)
        office_starts = {start: end for label, start, end in mentions if label == OFFICE}
        matches = self.matcher(doc)
        not_role_ends = {end for match_id, _, end in matches if match_id == "not_role::"}
        former_ends = {end for match_id, _, end in matches if match_id == "former::"}
        name_starts = {start: (match_id.split("::", 1)[1], end) for match_id, start, end in matches
                       if match_id.startswith("name::")}
        spans = []
        for match_id, start, end in matches:
            kind, person_id = match_id.split("::", 1)
            if kind == "name":
                spans.append(Span(doc, start, end, label=f"name::{person_id}"))
                continue
            if kind != "role" or _ends_near(not_role_ends, start):
                continue  # "zamenica direktora Uprave" is not the director
            said_former = _ends_near(former_ends, start)
            office_end = self._office_after(doc, end, office_starts)
            if office_end is not None:
                spans.append(Span(doc, start, office_end, label=f"role::{person_id}::{int(said_former)}"))
            elif self._bare_role(doc, end, bool(office_starts), name_starts):
                spans.append(Span(doc, start, _next_word(doc, end) + 1,
                                  label=f"role::{person_id}::{int(said_former)}"))
        context = doc.user_data.get(CONTEXT_KEY)
        day = getattr(context, "published", None)
        resolved: dict[tuple[int, int], tuple[str | None, bool]] = {}
        for span in filter_spans(spans):
            parts = span.label_.split("::")
            if parts[0] == "name":
                person_id, said_former = parts[1], _ends_near(former_ends, span.start)
            else:
                named = self._name_after(doc, span.end, name_starts)
                person_id, said_former = named or parts[1] or None, parts[2] == "1"
            result = resolve(self.people, person_id, day, said_former=said_former)
            if not result.counts:
                continue  # named before their first term: not the Directorate's director yet
            label = self.labels.get(result.person_id or "", DIRECTOR)
            mentions.append((label, span.start, span.end))
            resolved[(span.start, span.end)] = (result.person_id, result.former)
            scores_of(doc)[label] = 1.0
        doc._.odjek_people = resolved
        return doc

    @staticmethod
    def _name_after(doc: Doc, end: int, name_starts: dict[int, tuple[str, int]]) -> str | None:
        """The person named right after a role ("direktor Uprave, Vladimir Kokanović")."""
        position = end
        for _ in range(QUOTE_SKIP_TOKENS + 2):
            if position in name_starts:
                return name_starts[position][0]
            if position >= len(doc) or not (doc[position].is_punct or doc[position].is_space):
                return None
            position += 1
        return None

    @staticmethod
    def _office_after(doc: Doc, end: int, office_starts: dict[int, int]) -> int | None:
        """End of an office mention starting right after the role words (quotes may intervene)."""
        for offset in range(QUOTE_SKIP_TOKENS + 1):
            position = end + offset
            if position in office_starts:
                return office_starts[position]
            if position >= len(doc) or not (doc[position].is_quote or doc[position].is_space):
                return None
        return None

    def _bare_role(self, doc: Doc, end: int, has_office: bool, name_starts: dict[int, tuple[str, int]]) -> bool:
        """'direktor Uprave' + a known name, punctuation, the end or an auxiliary/speech verb, in a text naming
        the office; another capitalised name after it is another body's director ("direktor Uprave Zenović")."""
        head = _next_word(doc, end)
        if not has_office or head >= len(doc) or doc[head].lemma_ not in self.bare_heads:
            return False
        following_index = _next_word(doc, head + 1)
        if following_index >= len(doc):
            return True
        following = doc[following_index]
        if following.is_alpha and following.text[:1].isupper():
            return following_index in name_starts
        return not (following.is_alpha and following.text[:1].islower()) or following.lemma_ in self.bare_followers


def _next_word(doc: Doc, position: int) -> int:
    """The first index at or after ``position`` that is not a whitespace token."""
    while position < len(doc) and doc[position].is_space:
        position += 1
    return position


def _ends_near(ends: set[int], start: int) -> bool:
    """A match (a deputy word, "bivši") ends right before ``start``, or one token before."""
    return start in ends or (start - 1) in ends


@Language.factory("odjek_people_matcher", assigns=["doc._.odjek_mentions", "doc._.odjek_scores"],
                  default_config={"people_file": "config/people.yaml", "office_lexicon": "office.yaml"})
def make_people_matcher(nlp: Language, name: str, people_file: str, office_lexicon: str) -> PeopleMatcher:
    """The people matcher for the ``director`` label (names and roles from the people file)."""
    return PeopleMatcher(nlp, name, people_file, office_lexicon)


class LexiconTagger:
    """Scores labels from weighted terms found outside entity names, with context rules.

    score = (1 − e^(−Σ weights)) × penalty, a term counting at most ``max_repeats`` times and the
    penalty applying when none of a label's required context groups occurs in the text.
    """

    def __init__(self, nlp: Language, name: str, lexicon: str, kind: str, labels_key: str):
        data = load_lexicon(lexicon)
        self.name, self.kind = name, kind
        self.threshold = float(data.get("threshold", 0.5))
        self.max_repeats = int(data.get("max_repeats", 2))
        self.penalty = float(data.get("context_penalty", 0.3))
        self.strings = nlp.vocab.strings
        self.matcher = KeyMatcher(nlp.vocab)
        self.terms: list[Term] = []
        self.requires: dict[str, list[str]] = {}
        self.suppressed_by: dict[str, list[str]] = {}  # label → labels whose presence voids it (× penalty)
        place_weight = float(data.get("place_weight", 1.0))
        for label, spec in (data.get(labels_key) or {}).items():
            spec = spec or {}
            self.requires[label] = list(spec.get("requires", []))
            self.suppressed_by[label] = list(spec.get("suppressed_by", []))
            self.terms += weighted_terms(label, _for_language(spec.get("terms"), nlp.lang))
            self.terms += _place_terms(label, spec.get("places") or {}, nlp.lang, place_weight, None)
            for country, places in (spec.get("countries") or {}).items():
                self.terms += _place_terms(label, places or {}, nlp.lang, place_weight, str(country))
        self.terms += weighted_terms(NONE_LABEL, data.get("blockers"))
        tokenize, key = _tokenizer_words(nlp), _key(nlp)
        for index, term in enumerate(self.terms):
            pattern = compile_phrase(term.phrase, tokenize, key, decline=term.decline)
            self.matcher.add(f"term::{index}", [pattern])
        self.context_labels: dict[str, set[str]] = {}
        for group, phrases in (data.get("context") or {}).items():
            self.context_labels[group] = {p[1:] for p in phrases if p.startswith("$")}
            _add_patterns(self.matcher, nlp, f"context::{group}", [p for p in phrases if not p.startswith("$")])
        language_context = data.get("language_context") or {}
        self.language_gate = nlp.lang in set(language_context.get("languages", []))
        if self.language_gate:
            _add_patterns(self.matcher, nlp, "context::@language", language_context.get("phrases", []))
        _add_patterns(self.matcher, nlp, "foreign::", data.get("foreign_nationality") or [])
        _add_patterns(self.matcher, nlp, "otherstate::", data.get("other_state_diaspora") or [])
        self.own_people = {key(word) for word in data.get("own_people", [])}
        unknown = {g for groups in self.requires.values() for g in groups} - set(data.get("context") or {})
        if unknown:
            raise LexiconError(f"{lexicon}: requires unknown context group(s) {sorted(unknown)}")

    def __call__(self, doc: Doc) -> Doc:
        mentions = mentions_of(doc)
        taken = [(start, end) for label, start, end in mentions if label in (OFFICE, DIRECTOR)]
        foreign_ends: set[int] = set()
        other_state = False
        contexts: list[tuple[str, int, int]] = []
        candidates: list[Span] = []
        for match_id, start, end in self.matcher(doc):
            kind, _, rest = match_id.partition("::")
            if kind == "foreign":
                foreign_ends.add(end)
            elif kind == "otherstate":
                other_state = True
            elif kind == "context":
                contexts.append((rest, start, end))
            elif self._well_formed(doc, self.terms[int(rest)], start, end):
                candidates.append(Span(doc, start, end, label=rest))
        present = {group for group, start, end in contexts
                   if not _inside(start, end, taken) and not _after_foreign(start, foreign_ends)}
        present |= self._label_contexts(scores_of(doc))
        totals: Counter[str] = Counter()
        countries: Counter[str] = Counter()
        country_region: dict[str, str] = {}
        repeats: Counter[int] = Counter()
        seen: set[tuple[str, int, int]] = set()
        for span in _longest(candidates):
            term = self.terms[int(span.label_)]
            if (term.label, span.start, span.end) in seen:
                continue  # the same place listed in two languages ("Vukovar", "Вуковар")
            seen.add((term.label, span.start, span.end))
            if term.label == NONE_LABEL or _inside(span.start, span.end, taken):
                continue  # words of the office's own name are not evidence
            if _after_foreign(span.start, foreign_ends) and doc[span.start].lemma_ not in self.own_people:
                continue  # someone else's diaspora ("armenska dijaspora"), but "hrvatski Srbi" stays
            repeats[int(span.label_)] += 1
            if repeats[int(span.label_)] > self.max_repeats:
                continue
            totals[term.label] += term.weight
            if term.country:
                countries[term.country] += term.weight
                country_region[term.country] = term.label
            mentions.append((term.label, span.start, span.end))
        if countries:
            doc._.odjek_countries = {code: (country_region[code], round(1.0 - math.exp(-total), 4))
                                     for code, total in countries.items()}
        scores = scores_of(doc)
        for label, total in totals.items():
            score = 1.0 - math.exp(-total)
            if self.requires.get(label) and not present.intersection(self.requires[label]):
                score *= self.penalty
            if self.language_gate and "@language" not in present:
                score *= self.penalty  # a foreign-language text that says nothing about Serbia
            if other_state:
                score *= self.penalty  # another state's diaspora ("dijaspora – iseljenici" of Montenegro)
            scores[label] = round(score, 4)
        for label, others in self.suppressed_by.items():
            if label in scores and any(scores.get(other, 0.0) >= self.threshold for other in others):
                scores[label] = round(scores[label] * self.penalty, 4)
        return doc

    def _label_contexts(self, scores: dict[str, float]) -> set[str]:
        """Context groups satisfied by labels an earlier tagger assigned ('$region' in the lexicon)."""
        return {group for group, labels in self.context_labels.items()
                if any(scores.get(label, 0.0) >= self.threshold for label in labels)}

    @staticmethod
    def _well_formed(doc: Doc, term: Term, start: int, end: int) -> bool:
        """Proper names must be capitalised in the text (so 'sad' is not 'SAD', 'bar' not 'Bar')."""
        if term.upper:
            return doc[start].text.isupper()
        if term.proper:
            return doc[start].text[:1].isupper()
        return True


def _place_terms(label: str, places: dict, language: str, weight: float, country: str | None) -> list[Term]:
    """Gazetteer terms of one country (or of a region without country): Serbian names declined,
    the pipeline's own language as written."""
    terms = weighted_terms(label, places.get("sr"), proper=True, decline=True, default_weight=weight,
                           country=country)
    if language != "sr":
        terms += weighted_terms(label, places.get(language), proper=True, default_weight=weight, country=country)
    return terms


def _longest(spans: list[Span]) -> list[Span]:
    """Spans not strictly inside a longer one ("Srbe u regionu" inside the committee's name).

    Partly overlapping spans and equal spans of different labels all stay: each is evidence.
    """
    ordered = sorted(spans, key=lambda sp: (sp.start, -sp.end))
    kept = []
    for span in ordered:
        if any(o.start <= span.start and span.end <= o.end and (o.end - o.start) > (span.end - span.start)
               for o in ordered):
            continue
        kept.append(span)
    return kept


def _for_language(terms: Any, language: str) -> Any:
    """Terms for one language when the lexicon splits them by language code, else all of them."""
    if isinstance(terms, dict) and terms and set(terms) <= {"sr", "en", "de", "ru"}:
        return terms.get(language) or {}
    return terms


def _inside(start: int, end: int, zones: list[tuple[int, int]]) -> bool:
    """True when [start, end) overlaps one of the zones."""
    return any(start < zone_end and zone_start < end for zone_start, zone_end in zones)


def _after_foreign(start: int, foreign_ends: set[int]) -> bool:
    """True when a foreign nationality word ends right before (or one word before) ``start``."""
    return start in foreign_ends or (start - 1) in foreign_ends


@Language.factory("odjek_topic_tagger", assigns=["doc._.odjek_mentions", "doc._.odjek_scores"],
                  default_config={"lexicon": "topics.yaml"})
def make_topic_tagger(nlp: Language, name: str, lexicon: str) -> LexiconTagger:
    """The topic tagger (labels and terms in ``nlp/lexicon/topics.yaml``)."""
    return LexiconTagger(nlp, name, lexicon, "topic", "topics")


@Language.factory("odjek_region_tagger", assigns=["doc._.odjek_mentions", "doc._.odjek_scores"],
                  default_config={"lexicon": "regions.yaml"})
def make_region_tagger(nlp: Language, name: str, lexicon: str) -> LexiconTagger:
    """The region tagger (gazetteer in ``nlp/lexicon/regions.yaml``)."""
    return LexiconTagger(nlp, name, lexicon, "region", "regions")


CRITICAL = "critical"


class CriticalTagger:
    """Flags coverage critical of the Directorate or its director (``critical``), per article.

    Only the sentences that mention the office or a director count: critical terms found there
    (criticism, accusations, calls for resignation, protests, complaints) are summed like topic
    terms, ``1 − e^(−Σ weights)``. Verbs listed under ``own_voice`` (``osudila``, ``kritikovao``)
    do not count when the office or director is named before them in the sentence: that is the
    Directorate criticising someone else. Terms inside the office's or director's name never count.
    """

    def __init__(self, nlp: Language, name: str, lexicon: str):
        data = load_lexicon(lexicon)
        self.name = name
        self.threshold = float(data.get("threshold", 0.5))
        self.max_repeats = int(data.get("max_repeats", 2))
        self.matcher = KeyMatcher(nlp.vocab)
        self.terms = weighted_terms(CRITICAL, _for_language(data.get("terms"), nlp.lang))
        self.own_voice = weighted_terms(CRITICAL, _for_language(data.get("own_voice"), nlp.lang))
        tokenize, key = _tokenizer_words(nlp), _key(nlp)
        for index, term in enumerate(self.terms):
            self.matcher.add(f"term::{index}", [compile_phrase(term.phrase, tokenize, key)])
        for index, term in enumerate(self.own_voice):
            self.matcher.add(f"own::{index}", [compile_phrase(term.phrase, tokenize, key)])
        _add_patterns(self.matcher, nlp, "block::", data.get("blockers") or [])
        _add_patterns(self.matcher, nlp, "speaker::", data.get("speaker_verbs") or [])
        self.speaker_window = int(data.get("speaker_window", 2))
        # Words that, between a mention and a later speaker verb, hand the verb to someone else:
        # "… Kancelarije za saradnju sa dijasporom, navodi savez", "… Kancelarije i kažu čitaoci".
        self.speaker_breaks = {str(word).casefold() for word in data.get("speaker_breaks") or []}
        self.requires = {CRITICAL: []}  # label_specs() reads this: one label, kind "flag"
        self.kind = "flag"

    def __call__(self, doc: Doc) -> Doc:
        mentions = mentions_of(doc)
        entities = [(start, end) for label, start, end in mentions if label in (OFFICE, DIRECTOR)]
        if not entities:
            return doc
        sentences = sorted({sentence_bounds(doc, start, end) for start, end in entities})
        found = self.matcher(doc)
        blocked = [(start, end) for match_id, start, end in found if match_id == "block::"]
        speakers = [start for match_id, start, _ in found if match_id == "speaker::"]
        own_voice = {sentence for sentence in sentences if self._spoken_by_entity(doc, sentence, entities, speakers)}
        spans = []
        for match_id, start, end in found:
            kind, _, rest = match_id.partition("::")
            if kind in ("term", "own") and not _inside(start, end, entities) and not _inside(start, end, blocked):
                spans.append(Span(doc, start, end, label=f"{kind}::{rest}"))
        total = 0.0
        repeats: Counter[str] = Counter()
        for span in _longest(spans):
            sentence = next(((a, b) for a, b in sentences if a <= span.start <= b), None)
            if sentence is None or sentence in own_voice:
                continue  # not about them, or their own words ("…, napisao je Arno Gujon")
            kind, index = span.label_.split("::")
            term = (self.terms if kind == "term" else self.own_voice)[int(index)]
            if kind == "own" and any(sentence[0] <= start < span.start for start, _ in entities):
                continue  # "Uprava je oštro osudila …": the Directorate's own criticism of others
            repeats[span.label_] += 1
            if repeats[span.label_] > self.max_repeats:
                continue
            total += term.weight
            mentions.append((CRITICAL, span.start, span.end))
        if total:
            scores_of(doc)[CRITICAL] = round(1.0 - math.exp(-total), 4)
        return doc


    def _spoken_by_entity(self, doc: Doc, sentence: tuple[int, int], entities: list[tuple[int, int]],
                          speakers: list[int]) -> bool:
        """The office or a director is the speaker of the sentence: a speaker verb next to its mention.

        A verb before the mention ("napisao je Arno Gujon") or right after it ("Kokanović je rekao") is
        theirs; after a comma or a conjunction it belongs to a new subject ("…, navodi savez").
        """
        first, last = sentence
        window = self.speaker_window
        return any(first <= start <= last and (start - window <= verb < start
                                               or (end <= verb < end + window and not self._handed_on(doc, end, verb)))
                   for start, end in entities for verb in speakers)

    def _handed_on(self, doc: Doc, end: int, verb: int) -> bool:
        return any(token.is_punct or token.lower_ in self.speaker_breaks for token in doc[end:verb])


@Language.factory("odjek_critical_tagger", assigns=["doc._.odjek_mentions", "doc._.odjek_scores"],
                  default_config={"lexicon": "critical.yaml"})
def make_critical_tagger(nlp: Language, name: str, lexicon: str) -> CriticalTagger:
    """The ``critical`` flag (terms and own-voice verbs in ``nlp/lexicon/critical.yaml``)."""
    return CriticalTagger(nlp, name, lexicon)

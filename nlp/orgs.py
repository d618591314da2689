"""Linking mentions of registered diaspora organisations to their registry entries.

``odjek_org_linker`` is a spaCy component (after ``odjek_script_normalizer`` and ``odjek_inflection``)
that finds registry names with the same :class:`nlp.matching.KeyMatcher` and word keys as the
Directorate's names: every word of a name matches on its key (stem) and on the keys of its generated
Serbian case forms, so one registry entry covers both scripts, every case and text without diacritics.

Namesakes and look-alikes are told apart by place (see ``docs/orgs.md``):

- a place right after the name ("… iz Linca", "… u Beču", "(Graz)") must be the entry's city or country,
  otherwise the match is a look-alike (same words, another city) and is dropped;
- without such a place, a full name shared by no other entry links; a short form or a name shared by
  several entries links to the one entry with the strongest evidence in the article (its city named,
  its full name named, its country named, the outlet's country), and to none when that is a tie.

Links are stored on the Doc as ``doc._.odjek_orgs`` (entry id, token start, token end).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from spacy.language import Language
from spacy.tokens import Doc

import nlp.components  # noqa: F401 - registers the normaliser and inflection factories
from nlp.components import CONTEXT_KEY
from nlp.inflection import declensions
from nlp.lexicon import load_lexicon
from nlp.matching import KeyMatcher
from nlp.normalize import fold, to_latin
from schemas.orgs import Org, OrgMention

LOGGER = logging.getLogger(__name__)

QUOTES = "\"'„“”«»‘’‚›‹"
# Words that put a place right after a name: "društvo Jedinstvo iz Linca", "Union of Serbs in Vienna".
PLACE_PREPOSITIONS = frozenset({"iz", "u", "in", "from", "aus", "v", "na", "of", "im", "bei"})
PLACE_LOOKAHEAD = 3  # tokens after the name (quotes, a comma, a bracket and the preposition) to look for it
MIN_ACRONYM_CHARS = 3
ACRONYM_ENDINGS = ("a", "u", "om", "e", "i", "ov", "ova", "ovi", "ove", "ovu", "ovom")
# Places in Serbia are not in the region gazetteer (they are no region); an organisation "iz Beograda"
# is not the registered one abroad.
SERBIA = ("RS", ["Srbija", "Beograd", "Novi Sad", "Niš", "Kragujevac", "Subotica", "Kraljevo", "Čačak",
                 "Novi Pazar", "Zrenjanin", "Pančevo", "Valjevo", "Šabac", "Leskovac", "Vranje", "Smederevo",
                 "Sombor", "Užice", "Loznica", "Pirot", "Zaječar", "Kruševac", "Jagodina", "Sremska Mitrovica",
                 # case forms the generated declension misses (adjective + noun, a fleeting a)
                 "Novog Sada", "Novom Sadu", "Kragujevca", "Kragujevcu", "Pančeva", "Čačka", "Čačku"])

# Evidence for one of several candidates, strongest first.
CITY_EVIDENCE, NAME_EVIDENCE, COUNTRY_EVIDENCE, OUTLET_EVIDENCE = 4, 3, 2, 1


def _register_extensions() -> None:
    if not Doc.has_extension("odjek_orgs"):
        Doc.set_extension("odjek_orgs", default=None)


_register_extensions()


@dataclass(slots=True)
class _Place:
    country: str
    is_country: bool
    orgs: set[str] = field(default_factory=set)  # registry entries whose city this is


@dataclass(slots=True)
class _Name:
    orgs: dict[str, bool] = field(default_factory=dict)  # entry id → is a short form
    acronym: bool = False


def clean_name(name: str) -> str:
    """A registry name without quotation marks (the text may quote the proper part, or not)."""
    return " ".join("".join(" " if ch in QUOTES else ch for ch in name).split())


def is_acronym(name: str) -> bool:
    letters = [ch for ch in name if ch.isalpha()]
    return len(letters) >= 2 and " " not in name.strip() and all(ch.isupper() for ch in letters)


class OrgLinker:
    """Finds registry names and resolves each to at most one entry (see the module docstring)."""

    def __init__(self, nlp: Language, places_lexicon: str = "regions.yaml"):
        self.nlp = nlp
        self.vocab = nlp.vocab
        self.places_lexicon = places_lexicon
        self.orgs: dict[str, Org] = {}
        self.set_registry([])

    # Building -------------------------------------------------------------------------------------------
    def _words(self, text: str) -> list[str]:
        return [t.text for t in self.nlp.tokenizer(text) if not t.is_space and t.text not in QUOTES]

    def _key(self):
        if "odjek_inflection" in self.nlp.pipe_names:
            return self.nlp.get_pipe("odjek_inflection").function
        from nlp.inflection import key_function

        return key_function(self.nlp.lang)

    def _name_pattern(self, name: str) -> list[dict[str, Any]] | None:
        """Every word on its key and its generated case forms' keys; optional quotes between words."""
        key = self._key()
        pattern: list[dict[str, Any]] = []
        for word in self._words(clean_name(name)):
            keys = {key(word)} | {key(form) for form in declensions(word)} if word[:1].isalpha() else {key(word)}
            if is_acronym(word):
                keys |= {key(f"{word}-{ending}") for ending in ACRONYM_ENDINGS}  # SNV-a, SNV-om: one token
            keys.discard("")
            if not keys:
                continue
            if pattern:
                pattern.append({"IS_QUOTE": True, "OP": "?"})
            pattern.append({"LEMMA": {"IN": sorted(keys)}})
        return pattern or None

    def _place_pattern(self, name: str) -> list[dict[str, Any]] | None:
        """A place on the folded forms of its generated cases (Beč → Beča, Beču; not stems: Rim is not Romi)."""
        pattern = []
        for word in self._words(name):
            forms = {fold(f) for f in declensions(word)} | {fold(word)}
            forms.discard("")
            pattern.append({"NORM": {"IN": sorted(forms)}})
        return pattern or None

    def set_registry(self, orgs: Sequence[Org]) -> None:
        """(Re)build the name and place matchers for a registry."""
        self.orgs = {o.id: o for o in orgs}
        self.names = KeyMatcher(self.vocab)
        self.name_info: dict[str, _Name] = {}
        by_pattern: dict[str, str] = {}
        for org in orgs:
            entries = [(n, False) for n in org.full_names] + [(n, True) for n in org.short_names]
            for name, short in entries:
                pattern = self._name_pattern(name)
                if pattern is None:
                    continue
                signature = repr(pattern) + ("|A" if is_acronym(name) else "")
                match_id = by_pattern.get(signature)
                if match_id is None:
                    match_id = by_pattern[signature] = f"n{len(by_pattern)}"
                    self.name_info[match_id] = _Name(acronym=is_acronym(name))
                    self.names.add(match_id, [pattern])
                info = self.name_info[match_id]
                info.orgs[org.id] = info.orgs.get(org.id, True) and short
        self._build_places(orgs)

    def _build_places(self, orgs: Sequence[Org]) -> None:
        self.places = KeyMatcher(self.vocab)
        self.place_info: dict[str, _Place] = {}
        by_pattern: dict[tuple[str, str], str] = {}

        def add(name: str, country: str, is_country: bool, org_id: str | None = None) -> None:
            pattern = self._place_pattern(name)
            if pattern is None:
                return
            signature = (repr(pattern), country)
            match_id = by_pattern.get(signature)
            if match_id is None:
                match_id = by_pattern[signature] = f"p{len(by_pattern)}"
                self.place_info[match_id] = _Place(country, is_country)
                self.places.add(match_id, [pattern])
            place = self.place_info[match_id]
            place.is_country = place.is_country or is_country
            if org_id:
                place.orgs.add(org_id)

        for code, languages in _gazetteer(self.places_lexicon):
            for names in languages:
                for index, name in enumerate(names):
                    add(name, code, index == 0)
        for index, name in enumerate(SERBIA[1]):
            add(name, SERBIA[0], index == 0)
        for org in orgs:
            for city in org.cities:
                add(city, org.country, False, org.id)

    # Linking --------------------------------------------------------------------------------------------
    def __call__(self, doc: Doc) -> Doc:
        found: list[tuple[str, int, int]] = []
        doc._.odjek_orgs = found
        if not self.orgs or not len(doc):
            return doc
        matches = [(m, s, e) for m, s, e in self.names(doc) if self._written_as_name(doc, m, s, e)]
        if not matches:
            return doc
        places: dict[int, list[_Place]] = {}
        for match_id, start, _end in self.places(doc):
            if doc[start].text[:1].isupper():
                places.setdefault(start, []).append(self.place_info[match_id])
        context = doc.user_data.get(CONTEXT_KEY)
        outlet_country = getattr(context, "country", None)
        taken: set[int] = set()
        resolved: list[tuple[str, int, int, str | None]] = []
        # Longest first: "Savez Srba Slovenije" wins over a short form inside it.
        for match_id, start, end in sorted(matches, key=lambda m: (m[1] - m[2], m[1])):
            if any(i in taken for i in range(start, end)):
                continue
            taken.update(range(start, end))
            resolved.append((match_id, start, end, None))
        # Entries named in full under a name no other entry has: evidence for their short forms.
        full_names = {org for match_id, *_ in resolved for org, short in self.name_info[match_id].orgs.items()
                      if not short and len(self.name_info[match_id].orgs) == 1}
        all_places = [p for found_places in places.values() for p in found_places]
        for match_id, start, end, _ in sorted(resolved, key=lambda m: m[1]):
            org_id = self._resolve(doc, self.name_info[match_id], end, places, all_places, full_names,
                                   outlet_country)
            if org_id is not None:
                found.append((org_id, start, _closing_quote(doc, start, end)))
        return doc

    def _written_as_name(self, doc: Doc, match_id: str, start: int, end: int) -> bool:
        """A name has a capital somewhere; an acronym is written in capitals (SKD, not skd)."""
        words = [t.text for t in doc[start:end] if t.text not in QUOTES and not t.is_punct]
        if self.name_info[match_id].acronym:
            return all(is_acronym(to_latin(w).split("-")[0]) for w in words)
        return any(w[:1].isupper() for w in words)

    def _adjacent_places(self, doc: Doc, end: int, places: dict[int, list[_Place]]) -> list[_Place]:
        """Places right after the name: after quotes/brackets/commas, behind a preposition or in brackets."""
        position, limit = end, min(len(doc), end + PLACE_LOOKAHEAD + 1)
        bracket = False
        while position < limit:
            token = doc[position]
            text = fold(token.text)
            if token.text in QUOTES or token.is_space or token.text == ",":
                position += 1
                continue
            if token.text == "(":
                bracket = True
                position += 1
                continue
            if text in PLACE_PREPOSITIONS:
                position += 1
                return places.get(position, []) if position < len(doc) else []
            return places.get(position, []) if bracket else []
        return []

    def _resolve(self, doc: Doc, name: _Name, end: int, places: dict[int, list[_Place]],
                 all_places: list[_Place], full_names: set[str], outlet_country: str | None) -> str | None:
        candidates = list(name.orgs)
        adjacent = self._adjacent_places(doc, end, places)
        if adjacent:
            fitting = [o for o in candidates if any(_fits(self.orgs[o], p) for p in adjacent)]
            return fitting[0] if len(fitting) == 1 else None
        if len(candidates) == 1:
            org_id = candidates[0]
            if not name.orgs[org_id]:
                return org_id  # a full name no other entry has
            if name.acronym and len(name.orgs) == 1:
                return org_id
        # Another entry of the same country named in full sets the scene as a place name does.
        named_countries = {self.orgs[o].country for o in full_names if o not in name.orgs}
        scores = {o: self._evidence(self.orgs[o], all_places, full_names, outlet_country, named_countries)
                  for o in candidates}
        best = max(scores.values(), default=0)
        if best == 0:
            return None
        winners = [o for o, s in scores.items() if s == best]
        return winners[0] if len(winners) == 1 else None

    @staticmethod
    def _evidence(org: Org, all_places: list[_Place], full_names: set[str], outlet_country: str | None,
                  named_countries: set[str]) -> int:
        if any(org.id in p.orgs for p in all_places):
            return CITY_EVIDENCE
        if org.id in full_names:
            return NAME_EVIDENCE
        if any(p.is_country and p.country == org.country for p in all_places) or org.country in named_countries:
            return COUNTRY_EVIDENCE
        if outlet_country and outlet_country.upper() == org.country:
            return OUTLET_EVIDENCE
        return 0


def _closing_quote(doc: Doc, start: int, end: int) -> int:
    """The end past a closing quote when the name opened one inside the span (Друштво „Јединство“)."""
    opened = sum(1 for t in doc[start:end] if t.text in QUOTES)
    if opened % 2 == 1 and end < len(doc) and doc[end].text in QUOTES:
        return end + 1
    return end


def _fits(org: Org, place: _Place) -> bool:
    """A place after a name is the entry's own city, or its country."""
    return place.country == org.country and (place.is_country or org.id in place.orgs)


def _gazetteer(path: str) -> list[tuple[str, list[list[str]]]]:
    """(country code, [names per language, the country's own name first]) from the region lexicon."""
    data = load_lexicon(path)
    out = []
    for region in (data.get("regions") or {}).values():
        for code, languages in ((region or {}).get("countries") or {}).items():
            out.append((str(code), [list(names or []) for names in (languages or {}).values()]))
    return out


@Language.factory("odjek_org_linker", assigns=["doc._.odjek_orgs"], default_config={"places_lexicon": "regions.yaml"})
def make_org_linker(nlp: Language, name: str, places_lexicon: str) -> OrgLinker:
    """Links registry names to entries; give it the registry with ``set_registry``."""
    return OrgLinker(nlp, places_lexicon)


# The linking pipeline and its API ---------------------------------------------------------------------------

def build_linker_pipeline(language: str, orgs: Sequence[Org], inflection: str = "snowball") -> Language:
    """A light pipeline (normaliser, inflection, org linker) for one pipeline language."""
    import spacy
    from thinc.api import Config

    from nlp.pipeline import _add_abbreviations, _split_final_period_after_cyrillic

    components = {
        "odjek_script_normalizer": {"factory": "odjek_script_normalizer"},
        "odjek_inflection": {"factory": "odjek_inflection", "method": inflection},
        "odjek_org_linker": {"factory": "odjek_org_linker"},
    }
    config = Config({"nlp": {"lang": language, "pipeline": list(components)}, "components": components})
    nlp = spacy.util.load_model_from_config(config, auto_fill=True, validate=True)
    _add_abbreviations(nlp)
    _split_final_period_after_cyrillic(nlp)
    nlp.get_pipe("odjek_org_linker").set_registry(orgs)
    return nlp


class RegistryLinker:
    """Links (key, text, language, outlet country) items against one registry; pipelines built per language."""

    def __init__(self, orgs: Sequence[Org]):
        self.orgs = list(orgs)
        self.pipelines: dict[str, Language] = {}

    def pipeline(self, language: str | None) -> Language:
        from nlp.pipeline import pipeline_language

        code = pipeline_language(language or "sr")
        if code not in self.pipelines:
            self.pipelines[code] = build_linker_pipeline(code, self.orgs)
        return self.pipelines[code]

    def __call__(self, items: Sequence[tuple[Any, str, str | None, str | None]]) -> dict[Any, list[OrgMention]]:
        from nlp.normalize import same_length_whitespace
        from nlp.pipeline import sentence_around
        from schemas.records import TagContext

        out: dict[Any, list[OrgMention]] = {}
        if not self.orgs:
            return out
        for key, text, language, country in items:
            text = text or ""
            nlp = self.pipeline(language)
            doc = nlp.make_doc(same_length_whitespace(text))
            doc.user_data[CONTEXT_KEY] = TagContext(published=None, country=country)
            for _, component in nlp.pipeline:
                doc = component(doc)
            mentions = []
            for org_id, start, end in doc._.odjek_orgs or []:
                span = doc[start:end]
                mentions.append(OrgMention(org_id, span.start_char, span.end_char,
                                           text[span.start_char:span.end_char], sentence_around(doc, start, end, text)))
            if mentions:
                out[key] = mentions
        return out


_LINKERS: dict[tuple[Org, ...], RegistryLinker] = {}


def registry_linker(orgs: Sequence[Org]) -> RegistryLinker:
    """The linker of a registry, cached while the registry stays the same (the tag stage calls it per batch)."""
    key = tuple(orgs)
    linker = _LINKERS.get(key)
    if linker is None:
        _LINKERS.clear()
        linker = _LINKERS[key] = RegistryLinker(orgs)
    return linker


def link_text(text: str, orgs: Sequence[Org], language: str | None = "sr", country: str | None = None
              ) -> list[OrgMention]:
    """The registered organisations one text names (tests, evaluation)."""
    return registry_linker(orgs)([(0, text, language, country)]).get(0, [])



"""Tagging: one spaCy pipeline per language, built from configuration, and the public API.

``tag_texts`` / ``tag_text`` are what the archive stage and the CLI call. Serbian, Croatian,
Bosnian and Montenegrin share the Serbian pipeline; any other language falls back to the English
one (tokenisation and matching still work: names and places are multilingual lexicon entries).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from functools import lru_cache
from itertools import islice
from pathlib import Path
from typing import Any

import spacy
from spacy.attrs import ORTH
from spacy.language import Language
from spacy.tokens import Doc
from thinc.api import Config

import nlp.components  # noqa: F401 - registers the factories
from extract.language import guess_language
from nlp.components import (
    CONTEXT_KEY,
    CRITICAL,
    DIRECTOR,
    LANGUAGE_KEY,
    OFFICE,
    CriticalTagger,
    LexiconTagger,
    mentions_of,
    scores_of,
    sentence_bounds,
)
from nlp.lexicon import load_lexicon
from nlp.normalize import same_length_whitespace, script_of
from schemas.records import Label, Mention, TagContext, TagResult

LOGGER = logging.getLogger(__name__)

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_PEOPLE_FILE = REPO_ROOT / "config" / "people.yaml"
PIPELINE_LANGUAGES = ("sr", "en", "de", "ru")
SERBIAN_FAMILY = {"sr", "hr", "bs", "cnr", "sh", "me"}
ENTITY_LABELS = (OFFICE, DIRECTOR)
ENTITY_THRESHOLD = 0.5
KIND_ORDER = ("entity", "flag", "topic", "region", "country")
COUNTRY_THRESHOLD = 0.5  # a country of an assigned region, from its own places
SENTENCE_MAX_CHARS = 600  # a mention's sentence is cut around it beyond this (long list items)
SENTENCE_MAX_TOKENS = 150  # bounds the walk in text without punctuation (tables, lists)
SCRIPT_SAMPLE_CHARS = 3000

@dataclass(frozen=True, slots=True)
class TaggingSettings:
    """How pipelines are built; one object for the whole tagging concern."""

    people_file: Path = DEFAULT_PEOPLE_FILE
    inflection: str = "snowball"  # Serbian keys: "snowball" | "suffix" | "fold" (docs/tagging.md)
    office_lexicon: str = "office.yaml"
    topic_lexicon: str = "topics.yaml"
    region_lexicon: str = "regions.yaml"
    critical_lexicon: str = "critical.yaml"


def pipeline_language(language: str | None) -> str:
    """The pipeline that handles a language code ('hr' → 'sr', 'fr' → 'en')."""
    code = (language or "").lower().split("-")[0]
    if code in SERBIAN_FAMILY:
        return "sr"
    if code in PIPELINE_LANGUAGES:
        return code
    return "en"


def pipeline_config(language: str, settings: TaggingSettings) -> Config:
    """The spaCy config of one pipeline: blank language + the project's components."""
    components = {
        "odjek_script_normalizer": {"factory": "odjek_script_normalizer"},
        "odjek_inflection": {"factory": "odjek_inflection", "method": settings.inflection},
        "odjek_office_matcher": {"factory": "odjek_office_matcher", "lexicon": settings.office_lexicon,
                                 "people_file": str(settings.people_file)},
        "odjek_people_matcher": {"factory": "odjek_people_matcher", "people_file": str(settings.people_file),
                                 "office_lexicon": settings.office_lexicon},
        "odjek_region_tagger": {"factory": "odjek_region_tagger", "lexicon": settings.region_lexicon},
        "odjek_topic_tagger": {"factory": "odjek_topic_tagger", "lexicon": settings.topic_lexicon},
        "odjek_critical_tagger": {"factory": "odjek_critical_tagger", "lexicon": settings.critical_lexicon},
    }
    return Config({"nlp": {"lang": language, "pipeline": list(components)}, "components": components})


def build_pipeline(language: str, settings: TaggingSettings | None = None) -> Language:
    """Build (uncached) the tagging pipeline for a pipeline language."""
    settings = settings or TaggingSettings()
    nlp = spacy.util.load_model_from_config(pipeline_config(language, settings), auto_fill=True, validate=True)
    _add_abbreviations(nlp)
    _split_final_period_after_cyrillic(nlp)
    LOGGER.info("built tagging pipeline %s: %s", language, ", ".join(nlp.pipe_names))
    return nlp


def _split_final_period_after_cyrillic(nlp: Language) -> None:
    """spaCy's Serbian suffix rules leave the full stop on words ending in some Cyrillic letters
    ("Кокановић." stayed one token, so the surname was missed at the end of a sentence)."""
    suffixes = [*nlp.Defaults.suffixes, r"(?<=[\u0400-\u04ff])\."]
    nlp.tokenizer.suffix_search = spacy.util.compile_suffix_regex(suffixes).search


def _add_abbreviations(nlp: Language) -> None:
    """Keep Latin abbreviations ('npr.') whole, so they do not end sentences."""
    for abbreviation in load_lexicon("abbreviations.yaml").get(nlp.lang) or []:
        for form in {abbreviation, abbreviation.capitalize()}:
            nlp.tokenizer.add_special_case(form, [{ORTH: form}])


@lru_cache(maxsize=16)
def _cached_pipeline(language: str, settings: TaggingSettings) -> Language:
    return build_pipeline(language, settings)


def get_pipeline(language: str | None, people_file: Path | None = None,
                 settings: TaggingSettings | None = None) -> Language:
    """The cached pipeline for a language code and people file."""
    settings = settings or TaggingSettings()
    if people_file is not None:
        settings = replace(settings, people_file=Path(people_file).resolve())
    return _cached_pipeline(pipeline_language(language), settings)


def detect_language(text: str) -> str:
    """Language code of a text that came without one: the extraction's detector, reading the text as a
    Serbian outlet's would be read (Serbian news is what this service follows), Serbian when it has no letters."""
    return guess_language(text, ("sr",), "RS").language or "sr"


Item = tuple[Any, str, str | None] | tuple[Any, str, str | None, TagContext | None]


def tag_texts(items: Iterable[Item], *, people_file: Path | None = None,
              batch_size: int = 64) -> Iterator[tuple[Any, TagResult]]:
    """Tag (key, text, language-or-None[, TagContext]) items in batches, yielding (key, TagResult) in order.

    The optional TagContext carries the publication date (director mentions are resolved against
    it) and the outlet's country (look-alike diaspora offices of that country are rejected).
    """
    settings = TaggingSettings()
    if people_file is not None:
        settings = replace(settings, people_file=Path(people_file).resolve())
    return tag_with_settings(items, settings, batch_size=batch_size)


def tag_with_settings(items: Iterable[Item], settings: TaggingSettings, *,
                      batch_size: int = 64) -> Iterator[tuple[Any, TagResult]]:
    """``tag_texts`` with explicit settings (the evaluation compares inflection methods with it)."""
    iterator = iter(items)
    while batch := list(islice(iterator, batch_size)):
        prepared = [_prepare(item) for item in batch]
        results: dict[int, TagResult] = {}
        for pipe_language in dict.fromkeys(pipeline_language(p[2]) for p in prepared):
            indices = [i for i, p in enumerate(prepared) if pipeline_language(p[2]) == pipe_language]
            nlp = _cached_pipeline(pipe_language, settings)
            specs = label_specs(nlp)
            docs = nlp.pipe((_make_doc(nlp, prepared[i]) for i in indices), batch_size=batch_size)
            for doc, index in zip(docs, indices):
                results[index] = doc_to_result(doc, prepared[index][2], specs, prepared[index][1])
        for index, prepared_item in enumerate(prepared):
            yield prepared_item[0], results[index]


def _prepare(item: Item) -> tuple[Any, str, str, TagContext | None]:
    """(key, original text, language, context) with the language detected when missing."""
    key, text, language = item[0], item[1] or "", item[2]
    context = item[3] if len(item) > 3 else None
    return key, text, language or detect_language(text), context


def _make_doc(nlp: Language, prepared: tuple[Any, str, str, TagContext | None]) -> Doc:
    """The doc of one text: odd whitespace made plain (same length, so offsets hold) and the
    context (date, outlet country, language code) where the components can read it."""
    doc = nlp.make_doc(same_length_whitespace(prepared[1]))
    doc.user_data[CONTEXT_KEY] = prepared[3]
    doc.user_data[LANGUAGE_KEY] = (prepared[2] or "").lower().split("-")[0]
    return doc


def tag_text(text: str, language: str | None = None) -> TagResult:
    """Tag one text (title first line, then the body)."""
    return next(tag_texts([(None, text, language)]))[1]


def label_specs(nlp: Language) -> dict[str, tuple[str, float]]:
    """label → (kind, threshold) for every label the pipeline can assign."""
    specs = dict.fromkeys(ENTITY_LABELS, ("entity", ENTITY_THRESHOLD))
    for _, component in nlp.pipeline:
        if isinstance(component, LexiconTagger):
            specs.update(dict.fromkeys(component.requires, (component.kind, component.threshold)))
        elif isinstance(component, CriticalTagger):
            specs[CRITICAL] = ("flag", component.threshold)
    return specs


def doc_to_result(doc: Doc, language: str, specs: dict[str, tuple[str, float]],
                  original: str | None = None) -> TagResult:
    """Turn a processed Doc into a TagResult: labels over threshold, their mentions with sentences.

    ``original`` is the text as received (the doc's text differs only in odd whitespace made
    plain, same length), so mention texts and sentences are slices of what the caller gave.
    """
    labels = [Label(label, specs[label][0], score) for label, score in scores_of(doc).items()
              if label in specs and score >= specs[label][1]]
    accepted = {lab.label for lab in labels}
    for code, (region, score) in (doc._.odjek_countries or {}).items():
        if region in accepted and score >= COUNTRY_THRESHOLD:
            labels.append(Label(code, "country", score))
    labels.sort(key=lambda lab: (KIND_ORDER.index(lab.kind), -lab.score, lab.label))
    text = doc.text if original is None else original
    people = doc._.odjek_people or {}
    mentions = []
    for label, start, end in sorted(mentions_of(doc), key=lambda m: (m[1], m[2])):
        if label in accepted:
            span = doc[start:end]
            person, former = people.get((start, end), (None, False)) if label == DIRECTOR else (None, False)
            mentions.append(Mention(label, span.start_char, span.end_char, text[span.start_char:span.end_char],
                                    sentence_around(doc, start, end, text), person=person, former=former))
    # The script of the title and lead is the article's; counting every letter of a long text
    # cost more than all matchers together.
    script = script_of(text[:SCRIPT_SAMPLE_CHARS])
    return TagResult(language=language, script=script, labels=labels, mentions=mentions)


def sentence_around(doc: Doc, start: int, end: int, text: str | None = None) -> str:
    """The sentence holding tokens [start, end): out to the nearest sentence-final punctuation or
    line break on each side (titles have no full stop; "npr." is one token, so it does not count).

    Found by walking tokens from the mention, not by a sentencizer over the whole text: only texts
    with mentions pay for it (measured in bench/bench_tagging.py).
    """
    first, last = sentence_bounds(doc, start, end, SENTENCE_MAX_TOKENS)
    begin, finish = doc[first].idx, doc[last].idx + len(doc[last])
    if finish - begin > SENTENCE_MAX_CHARS:
        middle = (doc[start].idx + doc[end - 1].idx) // 2
        begin = max(begin, middle - SENTENCE_MAX_CHARS // 2)
        finish = min(finish, begin + SENTENCE_MAX_CHARS)
    text = doc.text if text is None else text  # Doc.text is rebuilt from the tokens on every access
    return re.sub(r"\s+", " ", text[begin:finish]).strip()

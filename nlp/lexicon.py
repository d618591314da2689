"""The tagging lexicons (``nlp/lexicon/*.yaml``) and the phrase syntax they are written in.

A phrase is words separated by spaces, matched on word keys (folded and stemmed), so one entry
covers every script, case and diacritics variant. Syntax inside a phrase:

- ``s|sa``   alternatives for one word;
- ``the?``   an optional word;
- ``...``    up to five arbitrary words;
- ``Kina~``  the word in every Serbian case (generated and matched exactly on the folded form,
  not on the stem), for names the stemmer handles badly;
- ``=grada``  exactly this form (folded, not stemmed): ``=grada =Niša`` is the genitive attachment
  "grada Niša", not "Grad Niš" as a sentence's subject. ``=`` applies to every alternative of the word.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from nlp.inflection import KeyFunction, declensions
from nlp.normalize import fold

LOGGER = logging.getLogger(__name__)

LEXICON_DIR = Path(__file__).resolve().parent / "lexicon"
GAP_MAX_WORDS = 5  # German separable verbs: 'ziehen in die Heimat ihrer Eltern zurück'

Tokenize = Callable[[str], list[str]]


class LexiconError(ValueError):
    """A lexicon file is missing, malformed or uses the phrase syntax wrongly."""


@dataclass(frozen=True, slots=True)
class Term:
    """One weighted phrase for a label; ``proper`` terms must start with a capital letter."""

    label: str
    phrase: str
    weight: float = 1.0
    proper: bool = False
    upper: bool = False
    decline: bool = False
    country: str | None = None  # region gazetteer: the place's country (ISO 3166-1 alpha-2)


@lru_cache(maxsize=32)
def load_lexicon(path: str) -> dict[str, Any]:
    """Read one lexicon YAML file (cached: lexicons are read-only data)."""
    file = Path(path)
    if not file.is_absolute() and not file.exists():
        file = LEXICON_DIR / file
    try:
        data = yaml.safe_load(file.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise LexiconError(f"{file}: cannot load lexicon: {exc}") from None
    if not isinstance(data, dict):
        raise LexiconError(f"{file}: a lexicon must be a mapping")
    return data


def compile_phrase(phrase: str, tokenize: Tokenize, key: KeyFunction, *, decline: bool = False,
                   quotes_between: bool = False) -> list[dict[str, Any]]:
    """Turn a lexicon phrase into a spaCy Matcher pattern on LEMMA (where the word keys live)."""
    pattern: list[dict[str, Any]] = []
    for chunk in phrase.split():
        if pattern and quotes_between:
            pattern.append({"IS_QUOTE": True, "OP": "?"})
        if chunk == "...":
            pattern.append({"OP": f"{{0,{GAP_MAX_WORDS}}}"})
            continue
        optional = chunk.endswith("?") and len(chunk) > 1
        chunk = chunk.rstrip("?") if optional else chunk
        exact = chunk.startswith("=") and len(chunk) > 1
        chunk = chunk.lstrip("=") if exact else chunk
        inflect = decline or chunk.endswith("~")
        chunk = chunk.rstrip("~")
        alternatives = chunk.split("|")
        if exact:
            spec = {"NORM": {"IN": sorted({fold(alt) for alt in alternatives if fold(alt)})}}
            if optional:
                spec["OP"] = "?"
            pattern.append(spec)
            continue
        if len(alternatives) == 1 and not optional:
            words = tokenize(chunk)
            for word in words[:-1]:
                pattern.append(_word_spec(word, key, inflect))
            pattern.append(_word_spec(words[-1], key, inflect))
            continue
        keys: set[str] = set()
        for alternative in alternatives:
            words = tokenize(alternative)
            if len(words) != 1:
                raise LexiconError(f"phrase {phrase!r}: alternative {alternative!r} is not one word")
            keys |= _word_keys(words[0], key, inflect)
        spec: dict[str, Any] = {"NORM" if inflect else "LEMMA": {"IN": sorted(keys)}}
        if optional:
            spec["OP"] = "?"
        pattern.append(spec)
    if not pattern or all(spec.get("OP") for spec in pattern):
        raise LexiconError(f"phrase {phrase!r} has no required word")
    return pattern


def _word_keys(word: str, key: KeyFunction, inflect: bool) -> set[str]:
    """Keys of one lexicon word; for generated case forms their folded forms (matched on NORM)."""
    if inflect:
        # Exact folded case forms, not stems: the stemmer would also conflate the country with
        # its adjective (Francuska/francuski) or with unrelated words (Rim/Romi).
        return {fold(form) for form in declensions(word) if fold(form)}
    return {key(word)} if key(word) else set()


def _word_spec(word: str, key: KeyFunction, inflect: bool) -> dict[str, Any]:
    """Matcher spec for one required word."""
    attr = "NORM" if inflect else "LEMMA"
    keys = sorted(_word_keys(word, key, inflect))
    if len(keys) == 1:
        return {attr: keys[0]}
    return {attr: {"IN": keys}}


def weighted_terms(label: str, entries: Any, *, proper: bool = False, decline: bool = False,
                   default_weight: float = 1.0, country: str | None = None) -> list[Term]:
    """Terms from a YAML list of phrases or a mapping phrase → weight."""
    if entries is None:
        return []
    if isinstance(entries, dict):
        items: Iterable[tuple[str, Any]] = entries.items()
    elif isinstance(entries, list):
        items = ((phrase, default_weight) for phrase in entries)
    else:
        raise LexiconError(f"{label}: terms must be a list or a mapping, not {type(entries).__name__}")
    terms = []
    for phrase, weight in items:
        if not isinstance(phrase, str) or not isinstance(weight, (int, float)):
            raise LexiconError(f"{label}: bad term {phrase!r}: {weight!r}")
        upper = proper and phrase.isupper() and len(phrase) > 1
        terms.append(Term(label, phrase, float(weight), proper=proper, upper=upper, decline=decline,
                          country=country))
    return terms

"""Per-language word keys that conflate inflected forms, and Serbian declension of lexicon names.

Three key functions are available for Serbian (chosen in the pipeline settings, compared in
``docs/tagging.md``): the Snowball Serbian stemmer used by search (``normalize.stem``), a small
suffix-stripping rule set written here, and plain folding (no stemming, the baseline).
Other languages use their Snowball stemmer from PyStemmer, folded after stemming.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache

import Stemmer

from nlp.normalize import fold, stem, to_latin

KeyFunction = Callable[[str], str]

SNOWBALL_LANGUAGES = {"en": "english", "de": "german", "ru": "russian"}

# Longest first; the remaining stem must keep at least MIN_STEM_CHARS so short words stay whole.
_SERBIAN_SUFFIXES = tuple(sorted((
    "ovima", "evima", "ijama", "ijom", "ijoj", "ije", "iji", "iju", "ija",
    "ama", "ima", "oma", "ome", "omu", "ega", "emu", "ih", "im", "og", "om", "oj", "em", "ov", "ev",
    "a", "e", "i", "o", "u",
), key=len, reverse=True))
MIN_STEM_CHARS = 3

# Case endings generated for lexicon names, so a gazetteer entry written once in the nominative
# matches every case whatever the stemmer does with foreign names (Šangaj, Tokio, Kina).
_DECLENSIONS = {
    "ija": ("ija", "ije", "iji", "iju", "ijom"),
    "a": ("a", "e", "i", "u", "om", "oj"),
    "o": ("o", "a", "u", "om"),
    "e": ("e", "a", "u", "om"),
    "": ("", "a", "u", "om", "e", "i"),
    "adjective": ("a", "e", "oj", "u", "om"),
}
_ADJECTIVAL_NAME_ENDINGS = ("ska", "čka", "ška", "cka", "ška", "ška")


@lru_cache(maxsize=200_000)
def suffix_key(word: str) -> str:
    """Folded word with one Serbian case/number suffix stripped (own rules, no dictionary)."""
    folded = fold(word)
    for suffix in _SERBIAN_SUFFIXES:
        if folded.endswith(suffix) and len(folded) - len(suffix) >= MIN_STEM_CHARS:
            return folded[: -len(suffix)]
    return folded


@lru_cache(maxsize=8)
def _snowball(algorithm: str) -> Stemmer.Stemmer:
    return Stemmer.Stemmer(algorithm)


def snowball_key_function(language: str) -> KeyFunction:
    """Key function for a non-Serbian language: lowercase, Snowball stem, fold."""
    stemmer = _snowball(SNOWBALL_LANGUAGES[language])

    @lru_cache(maxsize=200_000)
    def key(word: str) -> str:
        return fold(stemmer.stemWord(word.lower()))

    return key


def key_function(language: str, method: str = "snowball") -> KeyFunction:
    """The key function for a pipeline language ('sr', 'en', 'de', 'ru') and Serbian method."""
    if language in SNOWBALL_LANGUAGES:
        return snowball_key_function(language)
    if method == "snowball":
        return stem
    if method == "suffix":
        return suffix_key
    if method == "fold":
        return fold
    raise ValueError(f"unknown inflection method {method!r}; known: snowball, suffix, fold")


def declensions(word: str) -> list[str]:
    """Serbian case forms of a (Latin or Cyrillic) name given in the nominative, the word itself first."""
    latin = to_latin(word)
    lowered = latin.lower()
    for ending in ("ija", "a", "o", "e"):
        if lowered.endswith(ending) and len(lowered) > len(ending) + 1:
            base = latin[: len(latin) - len(ending)]
            break
    else:
        ending, base = "", latin
    if ending == "a" and lowered.endswith(_ADJECTIVAL_NAME_ENDINGS):
        ending = "adjective"  # Hrvatska, Nemačka: -oj/-u, never the masculine -i (hrvatski)
    forms = [word] + [_join(base, suffix) for suffix in _DECLENSIONS[ending]]
    return list(dict.fromkeys(forms))


def _join(base: str, suffix: str) -> str:
    """Base + ending, with the sibilarisation k/g/h → c/z/s before -i (Amerika → Americi)."""
    if suffix == "i" and base[-1:].lower() in _SIBILANT:
        replacement = _SIBILANT[base[-1].lower()]
        base = base[:-1] + (replacement.upper() if base[-1].isupper() else replacement)
    return base + suffix


_SIBILANT = {"k": "c", "g": "z", "h": "s"}

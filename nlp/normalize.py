"""Script folding and Serbian stemming: the one normalisation shared by tagging, clustering and search.

The chain follows Lucene's SerbianAnalyzer, measured in ``../shared/notes/serbian-nlp.md``:
lowercase → Cyrillic to Latin → fold diacritics (đ → dj) → Snowball Serbian stemmer → fold again.
Folding before stemming makes forms typed without diacritics conflate with the accented ones.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

import Stemmer

_CYR_TO_LAT = {
    "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "ђ": "đ", "е": "e", "ж": "ž", "з": "z", "и": "i",
    "ј": "j", "к": "k", "л": "l", "љ": "lj", "м": "m", "н": "n", "њ": "nj", "о": "o", "п": "p", "р": "r",
    "с": "s", "т": "t", "ћ": "ć", "у": "u", "ф": "f", "х": "h", "ц": "c", "ч": "č", "џ": "dž", "ш": "š",
    # Russian, Macedonian and Ukrainian letters, so foreign Cyrillic folds too (lossy but stable).
    "ё": "e", "й": "j", "щ": "šč", "ъ": "", "ы": "y", "ь": "", "э": "e", "ю": "ju", "я": "ja",
    "ѓ": "đ", "ќ": "ć", "ѕ": "dz", "і": "i", "ї": "ji", "є": "je", "ґ": "g",
}
_CYR_TO_LAT.update({k.upper(): v.capitalize() for k, v in list(_CYR_TO_LAT.items())})
CYRILLIC_TO_LATIN = str.maketrans(_CYR_TO_LAT)

# Letters NFKD does not decompose into base + mark.
_SPECIAL_FOLDS = str.maketrans({"đ": "dj", "Đ": "Dj", "ß": "ss", "ø": "o", "Ø": "O", "ł": "l", "Ł": "L",
                                "æ": "ae", "Æ": "Ae", "œ": "oe", "Œ": "Oe", "ı": "i"})

TOKEN_RE = re.compile(r"[^\W_]+(?:[\u0300-\u036f]+[^\W_]*)*", re.UNICODE)

_STEMMER = Stemmer.Stemmer("serbian")


def to_latin(text: str) -> str:
    """Transliterate Serbian (and other) Cyrillic to Serbian Latin; unambiguous, length may change."""
    return text.translate(CYRILLIC_TO_LATIN)


def fold_diacritics(text: str) -> str:
    """Strip combining marks and map đ → dj, so 'čestitka', 'cestitka' and 'čestítka' agree."""
    text = text.translate(_SPECIAL_FOLDS)
    if text.isascii():
        return text
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


@lru_cache(maxsize=200_000)
def fold(word: str) -> str:
    """Lowercased, Latin, diacritic-free form of one word (script-independent, not stemmed)."""
    return fold_diacritics(to_latin(word.lower()))


@lru_cache(maxsize=200_000)
def stem(word: str) -> str:
    """The search/matching key of one word: folded, Serbian-stemmed, folded again."""
    folded = fold(word)
    if not folded:
        return folded
    return fold_diacritics(_STEMMER.stemWord(folded))


@dataclass(frozen=True, slots=True)
class Token:
    """A word of the original text with its offsets and its normalised forms."""

    text: str
    start: int
    end: int
    folded: str
    key: str


def tokenize(text: str) -> list[Token]:
    """Split text into word tokens with offsets into the original string and their keys."""
    return [Token(m.group(), m.start(), m.end(), fold(m.group()), stem(m.group()))
            for m in TOKEN_RE.finditer(text)]


def keys(text: str) -> list[str]:
    """The normalised keys of all words of ``text``, in order."""
    return [stem(m.group()) for m in TOKEN_RE.finditer(text)]


def normalize_text(text: str) -> str:
    """The normalised shadow text indexed for search: keys joined by spaces."""
    return " ".join(keys(text))


def fold_text(text: str) -> str:
    """Folded (not stemmed) words joined by spaces: the input for shingling in clustering."""
    return " ".join(fold(m.group()) for m in TOKEN_RE.finditer(text))


def script_of(text: str) -> str | None:
    """'Cyrl' or 'Latn' by counting letters of each Unicode block; None when there are no letters."""
    cyr = lat = 0
    for ch in text:
        if ch.isalpha():
            code = ord(ch)
            if 0x0400 <= code <= 0x052F:
                cyr += 1
            elif code < 0x0250 or 0x1E00 <= code <= 0x1EFF:
                lat += 1
    if not cyr and not lat:
        return None
    return "Cyrl" if cyr >= lat else "Latn"

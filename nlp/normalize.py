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

# Characters that hide words from the tagger in pasted or imported text. Space-like ones become a
# plain space and line/paragraph separators a line break, one character for one, so offsets into
# the original text still hold; zero-width joiners and soft hyphens sit inside words and are
# dropped when a word is folded (``fold``).
_SPACE_LIKE = "\u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a" \
              "\u202f\u205f\u3000\u200b\u2060\ufeff\u180e\t\v\f"
SAME_LENGTH_WHITESPACE = str.maketrans({**dict.fromkeys(_SPACE_LIKE, " "), "\u2028": "\n", "\u2029": "\n",
                                        "\r": " "})
_INVISIBLE = dict.fromkeys(map(ord, "\u00ad\u200c\u200d\u034f"), None)
_SPACES_RE = re.compile(r"[ ]{2,}")
_BLANK_LINES_RE = re.compile(r"\n[ ]*\n(?:[ ]*\n)+")


def same_length_whitespace(text: str) -> str:
    """Odd spaces (no-break, thin, zero-width, BOM, tabs) as plain spaces; same length as ``text``."""
    return text.translate(SAME_LENGTH_WHITESPACE)


def normalize_whitespace(text: str) -> str:
    """Text as crawled pages are stored: plain spaces, no invisible characters, no space runs,
    at most one blank line between paragraphs, no trailing spaces (for imported text)."""
    text = text.replace("\r\n", "\n").translate(SAME_LENGTH_WHITESPACE).translate(_INVISIBLE)
    text = _SPACES_RE.sub(" ", text)
    text = "\n".join(line.strip() for line in text.split("\n"))
    return _BLANK_LINES_RE.sub("\n\n", text).strip()


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
    return fold_diacritics(to_latin(word.lower().translate(_INVISIBLE)))


@lru_cache(maxsize=200_000)
def stem(word: str) -> str:
    """The search/matching key of one word: folded, Serbian-stemmed, folded again."""
    folded = fold(word)
    if not folded:
        return folded
    return fold_diacritics(_STEMMER.stemWord(folded))


# Search keys: Snowball's Serbian stemmer leaves two regular alternations apart — the fleeting a
# (sastanak/sastanka → "sastanak"/"sastank") and sibilarisation before -i (Amerika/Americi → "amerik"/"americ",
# knjiga/knjizi, vojnik/vojnici). Search joins them by rewriting the end of the stem; tagging keeps
# :func:`stem` (its lexicons are written against it). Measured in docs/search.md.
SEARCH_KEY_VERSION = 2  # bump when search_key changes: stored shadow columns must then be rebuilt (migration)
_FLEETING_A_RE = re.compile(r"(?<=[^aeiou])ak$")
_SIBILANT_RE = re.compile(r"(?<=[aeiou])([cz])$")
_SIBILANT_BACK = {"c": "k", "z": "g"}
_MIN_FLEETING_STEM = 5  # "znak", "mak": too short to tell a fleeting a from a root vowel


@lru_cache(maxsize=200_000)
def search_key(word: str) -> str:
    """The search key of one word: :func:`stem`, then a fleeting a before a final k dropped (sastanak/sastanka)
    and a final c/z after a vowel read as k/g (Amerika/Americi, knjiga/knjizi, vojnik/vojnici).

    A c after a consonant stays: it is the -ac of nouns like stranac/stranci or novac/novca, which Snowball
    already joins, and reading it as k would join them with stranka or Novak.
    """
    key = stem(word)
    if len(key) >= _MIN_FLEETING_STEM:
        key = _FLEETING_A_RE.sub("k", key)
    if len(key) >= 3:
        key = _SIBILANT_RE.sub(lambda m: _SIBILANT_BACK[m.group(1)], key)
    return key


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


def search_tokens(text: str) -> list[Token]:
    """:func:`tokenize` with search keys (:func:`search_key`) as the tokens' keys (search highlighting)."""
    return [Token(m.group(), m.start(), m.end(), fold(m.group()), search_key(m.group()))
            for m in TOKEN_RE.finditer(text)]


def keys(text: str) -> list[str]:
    """The normalised keys of all words of ``text``, in order."""
    return [stem(m.group()) for m in TOKEN_RE.finditer(text)]


def search_keys(text: str) -> list[str]:
    """The search keys (:func:`search_key`) of all words of ``text``, in order."""
    return [search_key(m.group()) for m in TOKEN_RE.finditer(text)]


def normalize_text(text: str) -> str:
    """The normalised shadow text indexed for search: search keys joined by spaces."""
    return " ".join(search_keys(text))


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

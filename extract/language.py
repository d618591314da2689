"""Language and script of a text: script by Unicode blocks, language by py3langid, outlet config for BCMS.

The one language detector: extraction asks it with the outlet's configuration, the tagger (nlp.pipeline)
for a text that came without a language, reading it as a Serbian outlet's.

No offline detector separates Serbian Latin from Croatian or Bosnian (py3langid says ``bs`` for most
Serbian Latin, see ``../shared/notes/serbian-nlp.md``), so within that family the outlet's configured
languages and country decide, and Serbian in either script is ``sr``.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

from nlp.normalize import script_of
from schemas.config import Source

LOGGER = logging.getLogger(__name__)

# Serbian, Croatian, Bosnian, Montenegrin: one pluricentric language the detector cannot split.
BCMS = frozenset({"sr", "hr", "bs", "cnr"})
# The neighbours py3langid ranks right after BCMS on Serbian and Croatian sentences (checked here:
# sl follows bs/hr/sr in Latin, mk/bg/uk follow sr in Cyrillic); short texts can flip to them. They count as BCMS only for an outlet configured for BCMS
# and not for that neighbour, so a Slovenian or Macedonian outlet keeps its own language.
LATIN_CONFUSIONS = frozenset({"sl", "sk", "cs", "pl"})
CYRILLIC_CONFUSIONS = frozenset({"mk", "bg", "ru", "uk", "be", "kk", "ky", "mn"})
# The family member an outlet's country writes, when the outlet lists several (and not Serbian).
COUNTRY_LANGUAGE = {"RS": "sr", "HR": "hr", "BA": "bs", "ME": "cnr", "XK": "sr"}
# Letters only Serbian/Montenegrin Cyrillic has among the Cyrillic languages py3langid knows.
SERBIAN_CYRILLIC_LETTERS = frozenset("ђћЂЋ")
# Cyrillic letters the Serbian alphabet does not have (Russian, Bulgarian, Ukrainian, Macedonian ones):
# text containing them is not Serbian, whatever the outlet.
NON_SERBIAN_CYRILLIC = frozenset("ыэёщъйьїєіґѓќѕЫЭЁЩЪЙЬЇЄІҐЃЌЅ")


@dataclass(frozen=True, slots=True)
class LanguageGuess:
    """The decided language code (or None), the script, and what the detector said before the family rule."""

    language: str | None
    script: str | None
    detected: str | None


def detect_raw(text: str) -> str | None:
    """py3langid's best language code for ``text`` (None for text without letters)."""
    if not any(ch.isalpha() for ch in text[:2000]):
        return None
    import py3langid

    code, _score = py3langid.classify(text)
    return code


def _bcms_member(detected: str, script: str | None, text: str, languages: Sequence[str],
                 country: str | None) -> str | None:
    """The family code for text py3langid put in (or next to) BCMS, or None when it is not BCMS."""
    configured = [code for code in languages if code in BCMS]
    if detected not in BCMS:
        confusions = CYRILLIC_CONFUSIONS if script == "Cyrl" else LATIN_CONFUSIONS
        own = set(languages)
        if detected not in confusions or detected in own:
            return None
        if script == "Cyrl":
            if any(ch in NON_SERBIAN_CYRILLIC for ch in text):
                return None
            if not (configured or any(ch in SERBIAN_CYRILLIC_LETTERS for ch in text)):
                return None
        elif not configured:
            return None
    if script == "Cyrl":
        # Cyrillic BCMS is Serbian, or Montenegrin for an outlet configured only as Montenegrin.
        return "cnr" if configured == ["cnr"] else "sr"
    if "sr" in configured:
        # An outlet that covers Serbian among others (a Montenegrin daily configured [sr, cnr]): the
        # detector cannot say which one a text is in, and Serbian is what this service follows.
        return "sr"
    if len(configured) == 1:
        return configured[0]
    if configured:
        by_country = COUNTRY_LANGUAGE.get(country.upper()) if country else None
        return by_country if by_country in configured else configured[0]
    # Not configured for BCMS (a diaspora outlet in German, say): this service follows Serbian news.
    return "sr"


def detect_language(text: str, source: Source | None = None, *, sample_chars: int = 1500) -> LanguageGuess:
    """Language and script of an article text, with the BCMS family decided by the outlet's configuration."""
    if source is None:
        return guess_language(text, sample_chars=sample_chars)
    return guess_language(text, source.languages, source.country, sample_chars=sample_chars)


def guess_language(text: str, languages: Sequence[str] = (), country: str | None = None, *,
                   sample_chars: int = 1500) -> LanguageGuess:
    """Language and script of a text written for an outlet with these configured languages and country."""
    sample = text[:sample_chars]
    script = script_of(sample)
    detected = detect_raw(sample)
    if detected is None:
        return LanguageGuess(None, script, None)
    member = _bcms_member(detected, script, sample, languages, country)
    return LanguageGuess(member or detected, script, detected)

"""KeyMatcher finds what spaCy's Matcher finds on the same lexicon patterns (longest per start)."""

from __future__ import annotations

import pytest
import spacy
from spacy.matcher import Matcher

import nlp.components  # noqa: F401 - registers the factories
from nlp.inflection import key_function
from nlp.lexicon import compile_phrase
from nlp.matching import KeyMatcher

PHRASES = {
    "office": ["Uprava za saradnju|suradnju s|sa dijasporom i Srbima u regionu|regiji", "Uprava za dijasporu"],
    "gap": ["povratak ... u Srbiju|domovinu"],
    "optional": ["Directorate|Office for the? Diaspora"],
    "place": ["Crna~ Gora~", "Kina~"],
    "leading": ["the? Serbian community"],
}
TEXTS = [
    "Јуче је „Управа за сарадњу с дијаспором и Србима у региону“ саопштила, а Uprava za dijasporu потврдила.",
    "Povratak mladih iz inostranstva u Srbiju i povratak u domovinu, pa povratak kući posle mnogo, mnogo godina u Srbiju.",
    "The Office for the Diaspora and the Directorate for Diaspora; the Serbian community and Serbian community.",
    "U Crnoj Gori i u Kini, a ne u Crnoj Reci ni u kinu.",
    "",
]


@pytest.fixture(scope="module")
def nlp():
    pipeline = spacy.blank("sr")
    pipeline.add_pipe("odjek_script_normalizer")
    pipeline.add_pipe("odjek_inflection")
    return pipeline


def compiled(nlp, quotes: bool):
    tokenize = lambda text: [t.text for t in nlp.tokenizer(text)]  # noqa: E731
    key = key_function("sr")
    return {name: [compile_phrase(p, tokenize, key, quotes_between=quotes) for p in phrases]
            for name, phrases in PHRASES.items()}


@pytest.mark.parametrize("quotes", [False, True])
def test_same_matches_as_spacy_matcher(nlp, quotes):
    patterns = compiled(nlp, quotes)
    ours, theirs = KeyMatcher(nlp.vocab), Matcher(nlp.vocab)
    for name, pats in patterns.items():
        ours.add(name, pats)
        theirs.add(name, pats)
    for text in TEXTS:
        doc = nlp(text)
        longest: dict[tuple[str, int], int] = {}
        for match_id, start, end in theirs(doc):
            key = (nlp.vocab.strings[match_id], start)
            longest[key] = max(end, longest.get(key, end))
        # With a leading optional word both matchers also report the match without it.
        assert {(m, s, e) for m, s, e in ours(doc)} == {(m, s, e) for (m, s), e in longest.items()}


def test_matches_on_examples(nlp):
    matcher = KeyMatcher(nlp.vocab)
    for name, pats in compiled(nlp, True).items():
        matcher.add(name, pats)
    doc = nlp(TEXTS[0])
    assert [(m, doc[s:e].text) for m, s, e in matcher(doc)] == [
        ("office", "Управа за сарадњу с дијаспором и Србима у региону"), ("office", "Uprava za dijasporu")]
    doc = nlp(TEXTS[3])
    assert [doc[s:e].text for _, s, e in matcher(doc)] == ["Crnoj Gori", "Kini", "kinu"]
    assert len(matcher) > 0


def test_unsupported_specs_are_rejected(nlp):
    matcher = KeyMatcher(nlp.vocab)
    with pytest.raises(ValueError):
        matcher.add("x", [[{"LEMMA": "a", "OP": "+"}]])
    with pytest.raises(ValueError):
        matcher.add("x", [[{"POS": "NOUN"}]])

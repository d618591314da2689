"""The lexicon phrase syntax and the shipped lexicon files."""

from __future__ import annotations

import pytest
import spacy

from nlp.inflection import key_function
from nlp.lexicon import LEXICON_DIR, LexiconError, compile_phrase, load_lexicon, weighted_terms
from nlp.normalize import stem

TOKENIZE = (lambda nlp: (lambda text: [t.text for t in nlp.tokenizer(text)]))(spacy.blank("sr"))
KEY = key_function("sr")


def test_words_become_lemma_keys():
    assert compile_phrase("Uprava za dijasporu", TOKENIZE, KEY) == [
        {"LEMMA": stem("Uprava")}, {"LEMMA": "za"}, {"LEMMA": stem("dijasporu")}]


def test_alternatives_optional_words_and_gaps():
    pattern = compile_phrase("s|sa the? ... Srbima", TOKENIZE, KEY)
    assert pattern[0] == {"LEMMA": {"IN": sorted({stem("s"), stem("sa")})}}
    assert pattern[1] == {"LEMMA": {"IN": [stem("the")]}, "OP": "?"}
    assert pattern[2] == {"OP": "{0,5}"}
    assert pattern[3] == {"LEMMA": stem("Srbima")}


def test_quotes_may_be_allowed_between_words():
    pattern = compile_phrase("Uprava za", TOKENIZE, KEY, quotes_between=True)
    assert pattern[1] == {"IS_QUOTE": True, "OP": "?"}


def test_declined_names_match_exact_folded_case_forms_on_norm():
    (spec,) = compile_phrase("Kina~", TOKENIZE, KEY)
    assert set(spec["NORM"]["IN"]) == {"kina", "kine", "kini", "kinu", "kinom", "kinoj"}
    (spec,) = compile_phrase("Francuska", TOKENIZE, KEY, decline=True)
    assert "francuski" not in spec["NORM"]["IN"]  # the adjective is not the country


def test_bad_phrases_are_errors():
    with pytest.raises(LexiconError, match="not one word"):
        compile_phrase("a|b-c d", lambda text: text.replace("-", " - ").split(), KEY)
    with pytest.raises(LexiconError, match="no required word"):
        compile_phrase("the?", TOKENIZE, KEY)


def test_weighted_terms_from_list_and_mapping():
    terms = weighted_terms("x", {"SAD": 1.0, "Kanada": 0.5}, proper=True)
    assert [(t.phrase, t.weight, t.upper) for t in terms] == [("SAD", 1.0, True), ("Kanada", 0.5, False)]
    assert [t.weight for t in weighted_terms("x", ["a", "b"], default_weight=0.3)] == [0.3, 0.3]
    with pytest.raises(LexiconError):
        weighted_terms("x", {"a": "heavy"})


@pytest.mark.parametrize("language", ["sr", "en", "de", "ru"])
def test_every_shipped_lexicon_compiles_in_every_pipeline(language):
    from nlp.pipeline import build_pipeline

    nlp = build_pipeline(language)
    assert nlp.pipe_names[:2] == ["odjek_script_normalizer", "odjek_inflection"]
    assert len(nlp.get_pipe("odjek_topic_tagger").terms) > 20
    assert len(nlp.get_pipe("odjek_region_tagger").terms) > 50


def test_lexicons_are_data_files():
    names = {path.name for path in LEXICON_DIR.glob("*.yaml")}
    assert {"office.yaml", "topics.yaml", "regions.yaml", "abbreviations.yaml"} <= names
    topics = load_lexicon("topics.yaml")["topics"]
    assert set(topics) == {"voting_abroad", "return_migration", "serbs_in_region", "diaspora_bodies",
                           "diaspora_organizations", "language_culture_education", "economy_remittances",
                           "status_consular", "information_media"}
    assert set(load_lexicon("regions.yaml")["regions"]) == {"region", "europe_russia", "overseas_far_east"}


def test_missing_lexicon_is_a_clear_error(tmp_path):
    with pytest.raises(LexiconError, match="cannot load"):
        load_lexicon(str(tmp_path / "nope.yaml"))

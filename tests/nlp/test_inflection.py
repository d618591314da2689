"""Serbian keys (three methods) and generated declensions of lexicon names."""

from __future__ import annotations

import pytest

from nlp.inflection import declensions, key_function, suffix_key


def test_suffix_rules_conflate_the_office_forms():
    forms = ["dijaspora", "dijaspori", "dijasporom", "дијаспоре", "dijasporu"]
    assert {suffix_key(f) for f in forms} == {"dijaspor"}
    assert {suffix_key(f) for f in ["Uprava", "Uprave", "Upravi", "Upravom", "Управу"]} == {"uprav"}


def test_suffix_rules_keep_short_words_whole():
    assert suffix_key("sa") == "sa"
    assert suffix_key("oni") == "oni"


def test_key_functions_per_language():
    assert key_function("sr", "fold")("Дијаспором") == "dijasporom"
    assert key_function("de")("Diaspora") == key_function("de")("Diaspora")
    assert key_function("en")("returnees") == key_function("en")("returnee")
    with pytest.raises(ValueError):
        key_function("sr", "nonsense")


@pytest.mark.parametrize(("name", "expected"), [
    ("Kina", {"Kina", "Kine", "Kini", "Kinu", "Kinom", "Kinoj"}),
    ("Amerika", {"Amerika", "Amerike", "Americi", "Ameriku", "Amerikom", "Amerikoj"}),
    ("Rusija", {"Rusija", "Rusije", "Rusiji", "Rusiju", "Rusijom"}),
    ("Beč", {"Beč", "Beča", "Beču", "Bečom", "Beče", "Beči"}),
    ("Hrvatska", {"Hrvatska", "Hrvatske", "Hrvatskoj", "Hrvatsku", "Hrvatskom"}),
])
def test_declensions(name, expected):
    assert set(declensions(name)) == expected


def test_cyrillic_names_are_declined_in_latin():
    assert "Moskvi" in declensions("Москва")

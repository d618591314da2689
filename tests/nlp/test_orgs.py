"""Linking registry names: inflection and script, namesakes told apart by place, look-alikes dropped."""

from __future__ import annotations

from pathlib import Path

import pytest
import spacy

from archive.orgs import read_rows, validate_rows
from nlp.orgs import link_text, registry_linker
from schemas.orgs import Org

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def sample_orgs() -> list[Org]:
    orgs, errors = validate_rows(read_rows(ROOT / "sampleweb" / "orgs.csv"))
    assert not errors
    return orgs


def _ids(text: str, orgs, language="sr", country=None) -> list[str]:
    return [m.org_id for m in link_text(text, orgs, language, country)]


@pytest.mark.parametrize("text", [
    "Savez srpskih udruženja Štajerske održao je skupštinu.",
    "Predstavnici Saveza srpskih udruženja Štajerske bili su u Beogradu.",
    "Sa Savezom srpskih udruženja Stajerske razgovarano je o školi.",  # no diacritics
    "Савез српских удружења Штајерске одржао је скупштину.",
    "Представници Савеза српских удружења Штајерске били су у Београду.",
    "Der Verband serbischer Vereine der Steiermark tagte in Graz.",
])
def test_inflected_forms_in_both_scripts_link_to_the_entry(sample_orgs, text):
    language = "de" if text.startswith("Der") else "sr"
    assert _ids(text, sample_orgs, language) == ["ssu-stajerske"]


def test_namesakes_are_told_apart_by_the_city(sample_orgs):
    name = "Srpsko kulturno društvo „Vidovdanski venac“"
    assert _ids(f"{name} iz Beča slavi jubilej.", sample_orgs) == ["vidovdanski-venac-bec"]
    assert _ids(f"{name} iz Čikaga slavi jubilej.", sample_orgs) == ["vidovdanski-venac-cikago"]
    assert _ids(f"{name} slavi jubilej. Proslava je u Čikagu.", sample_orgs) == ["vidovdanski-venac-cikago"]
    # No place at all: the outlet's country decides; without it, it is a tie and nothing links.
    assert _ids(f"{name} slavi jubilej.", sample_orgs, country="AT") == ["vidovdanski-venac-bec"]
    assert _ids(f"{name} slavi jubilej.", sample_orgs) == []


@pytest.mark.parametrize("text", [
    "Srpsko kulturno društvo „Vidovdanski venac“ iz Linca slavi jubilej.",
    "Удружење српских лекара и фармацеута „Дунав“ из Ниша предало је опрему.",
    "Klub srpskih studenata „Kosovski božur“ iz Beograda gostuje u Zagrebu.",
    "Klub srpskih studenata „Kosovski božur“ (Beograd) gostuje u Zagrebu.",
])
def test_look_alikes_in_another_city_do_not_link(sample_orgs, text):
    assert _ids(text, sample_orgs) == []


def test_short_forms_need_evidence_and_acronyms_need_capitals(sample_orgs):
    assert _ids("Jubilej je proslavio i Vidovdanski venac.", sample_orgs) == []
    assert _ids("U Beču je jubilej proslavio i Vidovdanski venac.", sample_orgs) == ["vidovdanski-venac-bec"]
    assert _ids("SSUŠ je predstavio mrežu škola.", sample_orgs) == ["ssu-stajerske"]
    assert _ids("Ssuš je predstavio mrežu škola.", sample_orgs) == []
    assert _ids("vidovdanski venac od cveća", sample_orgs, country="AT") == []  # no capital: not a name


def test_mentions_carry_offsets_sentence_and_the_closing_quote(sample_orgs):
    text = "Uvod.\n\nJuče je Klub srpskih studenata „Kosovski božur“ otvorio tribinu u Zagrebu. Kraj."
    [mention] = link_text(text, sample_orgs)
    assert text[mention.start:mention.end] == mention.text == "Klub srpskih studenata „Kosovski božur“"
    assert mention.sentence == "Juče je Klub srpskih studenata „Kosovski božur“ otvorio tribinu u Zagrebu."


def test_the_component_is_a_registered_spacy_factory(sample_orgs):
    nlp = spacy.blank("sr")
    nlp.add_pipe("odjek_script_normalizer")
    nlp.add_pipe("odjek_inflection")
    linker = nlp.add_pipe("odjek_org_linker")
    linker.set_registry(sample_orgs)
    doc = nlp("Заједница Срба Баварске позива на пикник.")
    assert [(org, doc[s:e].text) for org, s, e in doc._.odjek_orgs] == [
        ("zajednica-srba-bavarske", "Заједница Срба Баварске")]


def test_every_sample_web_article_links_exactly_its_expected_orgs(sample_orgs):
    from sampleweb.content import load_articles, load_outlets

    countries = {o.id: o.country for o in load_outlets()}
    articles = load_articles()
    items = [(i, "\n".join(p for p in (a.title, a.lead, a.text) if p), a.language, countries[a.outlet_id])
             for i, a in enumerate(articles)]
    found = registry_linker(sample_orgs)(items)
    wrong = {a.slug: (sorted({m.org_id for m in found.get(i, [])}), sorted(a.expect.orgs))
             for i, a in enumerate(articles) if sorted({m.org_id for m in found.get(i, [])}) != sorted(a.expect.orgs)}
    assert wrong == {}
    assert sum(bool(a.expect.orgs) for a in articles) >= 6
    assert any("Линца" in a.text for a in articles) and any("из Ниша" in a.text for a in articles)  # look-alikes

"""Real-press behaviour: look-alike bodies, countries and datelines, critical coverage, lexicon phrasing."""

from __future__ import annotations

import datetime as dt

import pytest

from nlp.pipeline import tag_texts
from schemas.records import TagContext


def tag(text: str, language: str = "sr", day: dt.date | None = dt.date(2026, 2, 1), country: str | None = None):
    return dict(tag_texts([(0, text, language, TagContext(published=day, country=country))]))[0]


def countries(result) -> set[str]:
    return {lab.label for lab in result.labels if lab.kind == "country"}


# --- look-alike bodies -------------------------------------------------------------------------

@pytest.mark.parametrize("text, language, country", [
    ("Uprava za dijasporu Crne Gore raspisala je konkurs za iseljenička udruženja.", "cnr", None),
    ("Direktor Uprave za dijasporu Predrag Mitrović sastao se sa iseljenicima u Utrehtu.", "sr", None),
    ("Na osnovu Zakona o saradnji Crne Gore sa dijasporom – iseljenicima, Uprava za dijasporu upućuje poziv.", "sr", None),
    ("Uprava za dijasporu objavila je javni poziv za nagrade pripadnicima dijaspore-iseljenicima.", "sr", None),
    ("Uprava za dijasporu objavila je javni poziv za nagrade iseljenicima.", "sr", "ME"),
    ("Kancelarija za saradnju sa dijasporom grada Niša organizuje skup povratnika.", "sr", None),
    ("Gradonačelnica je najavila da će u gradu biti otvorena Kancelarija za dijasporu.", "sr", None),
    ("The Office for Cooperation with the Diaspora was set up under the City Administration of Nis.", "en", None),
    ("Vlada Crne Gore\nUprava za dijasporu pokrenula je online kurs jezika za iseljenike.", "sr", None),
])
def test_look_alike_bodies_are_not_the_directorate(text, language, country):
    assert "office" not in tag(text, language, country=country).label_ids


@pytest.mark.parametrize("text, country", [
    ("Uprava za dijasporu Srbije raspisala je konkurs za udruženja u Crnoj Gori.", "ME"),
    ("Grad Čačak je sa Upravom za dijasporu dogovorio zajedničku izložbu.", None),
    ("Direktor Uprave za dijasporu Vladimir Kokanović posetio je Crnu Goru i Srbe u Nikšiću.", "ME"),
    ("Uprava za saradnju s dijasporom i Srbima u regionu podržala je škole u Crnoj Gori.", "ME"),
])
def test_the_serbian_directorate_survives_the_look_alike_rules(text, country):
    assert "office" in tag(text, country=country).label_ids


@pytest.mark.parametrize("text, language", [
    ("Uprava Ministarstva spoljnih poslova Srbije za saradnju s dijasporom i Srbima u regionu je objavila konkurs.", "sr"),
    ("Uprava za saradnju sa Srbima u dijaspori i regionu objavila je konkurs.", "sr"),
    ("Арноу Гујону, новоименованом директору Управе за сарадњу са Србима у дијаспори и региону.", "sr"),
    ("Gouillon ist neuer Direktor des Büros für die Zusammenarbeit mit der Diaspora und den Serben in der Region.", "de"),
    ("Serbien ernennt Arnaud Gouillon zum Leiter des Diaspora-Büros.", "de"),
    ("He headed the Office for Cooperation with the Diaspora and the Serbs in the Region.", "en"),
])
def test_word_order_and_case_variants_of_the_name(text, language):
    assert "office" in tag(text, language).label_ids


# --- regions, countries, datelines ---------------------------------------------------------------

def test_novi_sad_dateline_is_not_the_usa():
    result = tag("NOVI SAD - Konferencija srpskih organizacija otvorena je danas u Matici srpskoj.")
    assert "overseas_far_east" not in result.label_ids and not countries(result)


@pytest.mark.parametrize("text, language, region, code", [
    ("Srpske škole otvaraju se u Sjedinjenim Američkim Državama i Kanadi.", "sr", "overseas_far_east", "US"),
    ("Serbian schools will open in the US next year, in Chicago and Milwaukee.", "en", "overseas_far_east", "US"),
    ("Srbi u FBiH traže povratak imovine.", "sr", "region", "BA"),
    ("Direktor je posetio udruženja u Beču i Grazu, u Austriji.", "sr", "europe_russia", "AT"),
    ("Srbi na Kosovu i Metohiji i dalje su pod pritiskom.", "sr", "region", "XK"),
])
def test_places_give_their_region_and_iso_country(text, language, region, code):
    result = tag(text, language)
    assert region in result.label_ids and code in countries(result)


def test_us_pronoun_is_no_country():
    assert not countries(tag("Serbia's diaspora asked us to help with the school.", "en"))


def test_country_labels_are_stored_like_other_labels():
    result = tag("Kokanović je posetio Srbe u Hrvatskoj i Sloveniji.")
    kinds = {lab.label: lab.kind for lab in result.labels}
    assert kinds["HR"] == "country" and kinds["SI"] == "country" and kinds["region"] == "region"


# --- topics as reporters write them -------------------------------------------------------------

@pytest.mark.parametrize("text, topic", [
    ("Doznake iz rasejanja prošle godine premašile su pet milijardi evra.", "economy_remittances"),
    ("Peta Letnja škola srpskog jezika i kulture okupila je decu iz rasejanja.", "language_culture_education"),
    ("Birači u inostranstvu mogu preko konzulata da zatraže da glasaju u inostranstvu.", "voting_abroad"),
    ("Srbi u rasejanju i sunarodnici iz regiona dobiće nove udžbenike za dopunsku nastavu.", "language_culture_education"),
])
def test_topics_in_reporters_words(text, topic):
    assert topic in tag(text).label_ids


def test_serbs_in_region_not_from_the_stock_phrase_in_body_names():
    result = tag("Ministar zadužen za dijasporu i Srbe u regionu sastao se sa predstavnicima Vlade.")
    assert "serbs_in_region" not in result.label_ids


def test_status_consular_not_from_consulates_in_a_voting_notice():
    text = ("Birači u inostranstvu mogu do 25. novembra da se prijave za glasanje u ambasadama i konzulatima; "
            "glasa se uz važeći pasoš ili ličnu kartu u diplomatsko-konzularnom predstavništvu.")
    result = tag(text)
    assert "voting_abroad" in result.label_ids and "status_consular" not in result.label_ids


def test_other_states_diaspora_is_no_topic():
    result = tag("Savjet za saradnju sa dijasporom – iseljenicima okuplja organizacije crnogorske dijaspore.", "cnr")
    assert not [lab for lab in result.labels if lab.kind == "topic"]


# --- critical coverage --------------------------------------------------------------------------

@pytest.mark.parametrize("text", [
    "Udruženja iz dijaspore traže ostavku direktora Uprave za dijasporu zbog nameštenih konkursa.",
    "Savez organizuje protest zbog katastrofalnog učinka Kancelarije za saradnju sa dijasporom i Srbima regiona.",
    "Delegati kažu da im direktorka Drašković nije odgovorila na pitanja i da Kancelarija ne radi.",
    ("Diaspora groups accused the Directorate for Cooperation with the Diaspora and Serbs in the Region of "
    "mismanagement and called for the director's resignation in Serbia."),
])
def test_criticism_of_the_directorate_is_flagged(text):
    result = tag(text, "en" if text.startswith("Diaspora") else "sr", day=dt.date(2013, 6, 1))
    assert "critical" in result.label_ids
    assert any(m.label == "critical" for m in result.mentions)


@pytest.mark.parametrize("text", [
    "Uprava za saradnju s dijasporom i Srbima u regionu oštro je osudila napad na Srbe u Vukovaru.",
    "Zloupotreba dijaspore u izborne svrhe je degutantna, napisao je Arno Gujon.",
    "Direktor Uprave za dijasporu Vladimir Kokanović zahvalio je udruženjima na saradnji.",
    "Opozicija traži ostavku ministra; Uprava za dijasporu nastavlja konkurs za škole.",
    "Hrvatsko iseljeništvo nezadovoljno je radom Državnog ureda za Hrvate izvan RH.",
])
def test_own_voice_praise_and_other_bodies_are_not_critical(text):
    assert "critical" not in tag(text, day=dt.date(2023, 1, 1)).label_ids


# --- round 2: speakers after a comma, complaints about posts left empty, returning people -------

@pytest.mark.parametrize("text", [
    "Uzrok protesta je nezadovoljstvo radom Kancelarije za saradnju sa dijasporom, navodi savez.",
    "Neki čitaoci traže zatvaranje Kancelarije za dijasporu i kažu da su konkursi bili namešteni.",
    "Управа за дијаспору Министарства спољних послова годину и по дана ради без директора и обавља само техничке послове.",
    "Izbor direktora Uprave za saradnju sa dijasporom sedam godina je stopiran, a vlast nije uradila ništa.",
])
def test_criticism_reported_by_others_is_flagged(text):
    assert "critical" in tag(text).label_ids


def test_the_directorate_speaking_right_after_its_name_is_still_its_own_voice():
    result = tag("Kokanović je rekao da su kritike opozicije na račun dijaspore neprihvatljive.")
    assert "director" in result.label_ids and "critical" not in result.label_ids


@pytest.mark.parametrize("text, language", [
    ("Concluding its mission, the fund said inflation had returned to the central bank's target range.", "en"),
    ("Inflacija se vratila u ciljani raspon, saopštila je Narodna banka posle sastanka sa misijom iz Nemačke.", "sr"),
])
def test_return_migration_needs_people_returning(text, language):
    assert "return_migration" not in tag(text, language).label_ids


@pytest.mark.parametrize("text, language", [
    ("Many young professionals from the diaspora returned to Serbia last year.", "en"),
    ("Nakon petnaest godina u Švedskoj, medicinska sestra odlučila je da se vrati kući.", "sr"),
    ("Kancelarija podržava povratak građana iz inostranstva u Republiku Srbiju.", "sr"),
])
def test_people_returning_is_return_migration(text, language):
    assert "return_migration" in tag(text, language).label_ids

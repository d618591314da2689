"""Each tagging component alone, on a blank pipeline with only what it needs in front of it."""

from __future__ import annotations

import unicodedata
from pathlib import Path

import pytest
import spacy

import nlp.components  # noqa: F401 - registers the factories
from nlp.components import mentions_of, scores_of

REPO_ROOT = Path(__file__).resolve().parents[2]
PEOPLE_FILE = REPO_ROOT / "config" / "people.yaml"


def blank(lang: str = "sr", *pipes: tuple[str, dict]) -> spacy.language.Language:
    """A blank pipeline with the normaliser, the inflection keys and the given components."""
    nlp = spacy.blank(lang)
    nlp.add_pipe("odjek_script_normalizer")
    nlp.add_pipe("odjek_inflection")
    for name, config in pipes:
        nlp.add_pipe(name, config=config)
    return nlp


@pytest.fixture(scope="module")
def office_nlp():
    return blank("sr", ("odjek_office_matcher", {}))


def labelled(doc, label: str) -> list[str]:
    """Texts of the doc's mentions with this label."""
    return [doc[start:end].text for lab, start, end in mentions_of(doc) if lab == label]


# --- script normaliser -------------------------------------------------------------------------------


def test_normaliser_gives_one_folded_form_for_both_scripts_and_diacritics():
    nlp = spacy.blank("sr")
    nlp.add_pipe("odjek_script_normalizer")
    nfd = unicodedata.normalize("NFD", "dijaspóra")
    doc = nlp(f"Дијаспора dijaspora dijaspóra {nfd} DIJASPORA čestitka cestitka честитка Čestítka")
    folded = [token._.fold for token in doc]
    assert folded[:5] == ["dijaspora"] * 5
    assert folded[5:] == ["cestitka"] * 4


def test_normaliser_keeps_offsets_into_the_original_text_with_combining_marks():
    nlp = spacy.blank("sr")
    nlp.add_pipe("odjek_script_normalizer")
    text = "Reč „dijaspo\u0301ra“ i Дија\u0301спора, pa cestitka."
    doc = nlp(text)
    assert doc.text == text
    for token in doc:
        assert text[token.idx: token.idx + len(token.text)] == token.text
    accented = [t for t in doc if t._.fold == "dijaspora"]
    assert [t.text for t in accented] == ["dijaspo\u0301ra", "Дија\u0301спора"]
    assert text[accented[0].idx: accented[0].idx + len(accented[0])] == "dijaspo\u0301ra"


def test_normaliser_caches_per_lexeme_not_per_token():
    nlp = spacy.blank("sr")
    normaliser = nlp.add_pipe("odjek_script_normalizer")
    nlp(" ".join(["Dijaspora", "dijaspora", "Dijaspora"] * 50))
    assert len(normaliser.cache) == 2  # two distinct spellings, 150 tokens


def test_lexeme_cache_stays_bounded(monkeypatch):
    monkeypatch.setattr(nlp.components, "MAX_CACHED_LEXEMES", 10)
    pipeline = spacy.blank("sr")
    normaliser = pipeline.add_pipe("odjek_script_normalizer")
    doc = pipeline(" ".join(f"Reč{i}" for i in range(25)))
    assert len(normaliser.cache) <= 10
    assert [t._.fold for t in doc][-1] == "rec24"


# --- inflection ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("method", ["snowball", "suffix"])
def test_inflection_conflates_cases_in_both_scripts(method):
    nlp = spacy.blank("sr")
    nlp.add_pipe("odjek_script_normalizer")
    nlp.add_pipe("odjek_inflection", config={"method": method})
    diaspora = {t._.key for t in nlp("dijaspora dijaspori dijasporom дијаспоре Dijaspóru")}
    office = {t._.key for t in nlp("Uprava Uprave Upravi Upravom Управу УПРАВА")}
    assert len(diaspora) == 1
    assert len(office) == 1
    assert diaspora != office


def test_inflection_fold_method_only_folds():
    nlp = spacy.blank("sr")
    nlp.add_pipe("odjek_inflection", config={"method": "fold"})
    assert [t.lemma_ for t in nlp("Upravom Управу")] == ["upravom", "upravu"]


def test_inflection_uses_each_languages_stemmer():
    nlp = spacy.blank("ru")
    nlp.add_pipe("odjek_inflection")
    keys = [t._.key for t in nlp("Управление Управления Гуйон Гуйона")]
    assert keys[0] == keys[1] and keys[2] == keys[3] == "gujon"


def test_unknown_inflection_method_is_rejected():
    nlp = spacy.blank("sr")
    with pytest.raises(ValueError, match="unknown inflection method"):
        nlp.add_pipe("odjek_inflection", config={"method": "magic"})


# --- office matcher -----------------------------------------------------------------------------------

OFFICE_POSITIVES = [
    ("Uprava za saradnju s dijasporom i Srbima u regionu je saopštila", "Uprava za saradnju s dijasporom i Srbima u regionu"),
    ("Iz Uprave za saradnju sa dijasporom i Srbima u regionu kažu", "Uprave za saradnju sa dijasporom i Srbima u regionu"),
    ("zahvalnica Upravi za saradnju s dijasporom i Srbima u regionu", "Upravi za saradnju s dijasporom i Srbima u regionu"),
    ("posetio je Upravu za saradnju s dijasporom", "Upravu za saradnju s dijasporom"),
    ("sa Upravom za saradnju sa dijasporom i Srbima u regionu", "Upravom za saradnju sa dijasporom i Srbima u regionu"),
    ("Управа за сарадњу с дијаспором и Србима у региону", "Управа за сарадњу с дијаспором и Србима у региону"),
    ("састанак са Управом за дијаспору", "Управом за дијаспору"),
    ("UPRAVA ZA SARADNJU S DIJASPOROM I SRBIMA U REGIONU", "UPRAVA ZA SARADNJU S DIJASPOROM I SRBIMA U REGIONU"),
    ("uprava za saradnju sa dijasporom i srbima u regionu", "uprava za saradnju sa dijasporom i srbima u regionu"),
    ("iz „Uprave za dijasporu“ kažu", "Uprave za dijasporu"),
    ("Uprava \"za dijasporu\" je saopštila", "Uprava \"za dijasporu"),
    ("bivša Kancelarija za saradnju s dijasporom i Srbima u regionu", "Kancelarija za saradnju s dijasporom i Srbima u regionu"),
    ("u Kancelariji za dijasporu", "Kancelariji za dijasporu"),
    ("Sektor za unapređenje položaja Srba u dijaspori i regionu", "Sektor za unapređenje položaja Srba u dijaspori i regionu"),
    ("Odsek za statusna pitanja Uprave", "Odsek za statusna pitanja Uprave"),
    ("Grupa za unapredjenje komunikacije Uprave", "Grupa za unapredjenje komunikacije Uprave"),
    ("iz Uprave za suradnju s dijasporom i Srbima u regiji", "Uprave za suradnju s dijasporom i Srbima u regiji"),
]


@pytest.mark.parametrize(("text", "expected"), OFFICE_POSITIVES)
def test_office_forms_are_found(office_nlp, text, expected):
    doc = office_nlp(text)
    assert labelled(doc, "office") == [expected]
    assert scores_of(doc)["office"] >= 0.8


@pytest.mark.parametrize(("lang", "text", "expected"), [
    ("en", "Serbia's Directorate for Cooperation with the Diaspora and Serbs in the Region said",
     "Directorate for Cooperation with the Diaspora and Serbs in the Region"),
    ("en", "a spokesman of the Serbian Office for Diaspora", "Office for Diaspora"),
    ("de", "die Direktion für die Zusammenarbeit mit der Diaspora und den Serben in der Region",
     "Direktion für die Zusammenarbeit mit der Diaspora und den Serben in der Region"),
    ("ru", "Представители Управления по сотрудничеству с диаспорой и сербами в регионе",
     "Управления по сотрудничеству с диаспорой и сербами в регионе"),
])
def test_office_in_other_languages(lang, text, expected):
    doc = blank(lang, ("odjek_office_matcher", {}))(text)
    assert labelled(doc, "office") == [expected]


@pytest.mark.parametrize("text", [
    "Uprava carina saopštila je da je zaplenjena roba.",
    "Poreska uprava podseća na rok za prijavu.",
    "Kancelarija za Kosovo i Metohiju osudila je napad.",
    "Kancelarija za ljudska i manjinska prava organizovala je obuku.",
    "Odbor za dijasporu i Srbe u regionu Narodne skupštine zasedao je.",
    "Crnogorska Uprava za dijasporu organizovala je susret.",
    "Uprava za dijasporu Crne Gore objavila je konkurs.",
    "Uprava za trezor objavila je izveštaj.",
    "Ministarstvo za dijasporu je ukinuto.",
])
def test_office_decoys_are_not_found(office_nlp, text):
    doc = office_nlp(text)
    assert labelled(doc, "office") == []
    assert "office" not in scores_of(doc)


def test_weak_english_form_needs_a_serbian_context():
    nlp = blank("en", ("odjek_office_matcher", {}))
    assert labelled(nlp("Armenia's Office for Diaspora Affairs launched a programme."), "office") == []
    assert labelled(nlp("The Office for Diaspora opened a desk in Dublin."), "office") == []
    assert labelled(nlp("The Office for Diaspora opened a desk in Belgrade."), "office") == ["Office for Diaspora"]


def test_office_offsets_point_at_the_cyrillic_name(office_nlp):
    text = "Јуче је Управа за сарадњу с дијаспором и Србима у региону објавила конкурс."
    doc = office_nlp(text)
    (label, start, end), = mentions_of(doc)
    span = doc[start:end]
    assert text[span.start_char: span.end_char] == "Управа за сарадњу с дијаспором и Србима у региону"


# --- people matcher -----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def people_nlp():
    return blank("sr", ("odjek_office_matcher", {}), ("odjek_people_matcher", {"people_file": str(PEOPLE_FILE)}))


@pytest.mark.parametrize(("text", "expected"), [
    ("Arno Gujon je rekao", "Arno Gujon"),
    ("Арно Гујон је рекао", "Арно Гујон"),
    ("изјава Гујона", "Гујона"),
    ("obratili su se Gujonu", "Gujonu"),
    ("razgovor sa Gujonom", "Gujonom"),
    ("Arnaud Gouillon said", "Arnaud Gouillon"),
])
def test_director_by_name_in_every_case_and_script(people_nlp, text, expected):
    assert labelled(people_nlp(text), "director") == [expected]


def test_director_by_role_followed_by_the_office(people_nlp):
    doc = people_nlp("Direktor Uprave za saradnju s dijasporom i Srbima u regionu otvorio je izložbu.")
    assert labelled(doc, "director") == ["Direktor Uprave za saradnju s dijasporom i Srbima u regionu"]
    doc = people_nlp("Директор Управе за дијаспору честитао је празник.")
    assert labelled(doc, "director") == ["Директор Управе за дијаспору"]


def test_bare_role_counts_only_beside_a_name_or_punctuation_in_a_text_about_the_office(people_nlp):
    doc = people_nlp("Директор Управе, како је рекао, посетио је Управу за сарадњу с дијаспором.")
    assert labelled(doc, "director") == ["Директор Управе"]
    doc = people_nlp("Uprava za dijasporu ima novi program. Direktor Uprave je rekao da počinje u maju.")
    assert labelled(doc, "director") == ["Direktor Uprave"]
    assert labelled(people_nlp("Direktor Uprave carina obišao je prelaz."), "director") == []
    assert labelled(people_nlp("Direktor Uprave, rekao je on."), "director") == []  # no office in the text


@pytest.mark.parametrize("text", [
    "Direktor Uprave carina obišao je granični prelaz.",
    "Direktorka Poreske uprave najavila je kontrole.",
    "Direktor Kancelarije za Kosovo i Metohiju izjavio je.",
    "Francuski pevač Arno nastupiće u subotu.",
    "Direktor crnogorske Uprave za dijasporu obišao je iseljenike.",
])
def test_director_decoys(people_nlp, text):
    assert labelled(people_nlp(text), "director") == []


def test_people_come_from_the_configuration(tmp_path):
    people = tmp_path / "people.yaml"
    people.write_text("people:\n  - id: test\n    name: Petar Petrović Njegoš\n    role: test\n"
                      "    aliases: [Његош]\n    role_patterns: [vladika]\n", encoding="utf-8")
    nlp = blank("sr", ("odjek_office_matcher", {}), ("odjek_people_matcher", {"people_file": str(people)}))
    assert labelled(nlp("Njegoševim rečima: Petar Petrović Njegoš"), "director") == ["Petar Petrović Njegoš"]
    assert labelled(nlp("Ni Gujon ni Његоша"), "director") == ["Његоша"]


# --- topic and region taggers ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def full_nlp():
    from nlp.pipeline import build_pipeline

    return build_pipeline("sr")


def test_words_of_the_office_name_are_not_topic_or_region_evidence(full_nlp):
    doc = full_nlp("Uprava za saradnju s dijasporom i Srbima u regionu održala je kolegijum.")
    assert set(scores_of(doc)) == {"office"}


def test_committee_name_is_a_body_not_serbs_in_region(full_nlp):
    scores = scores_of(full_nlp("Odbor za dijasporu i Srbe u regionu zasedao je u utorak."))
    assert scores["diaspora_bodies"] >= 0.5
    assert scores.get("serbs_in_region", 0) < 0.5


def test_other_nations_diaspora_is_not_a_topic(full_nlp):
    for text in ("Jevrejska dijaspora iz Izraela posetila je sinagogu u Beogradu.",
                 "Armenska dijaspora u Srbiji organizovala je skup, a udruženja su položila vence."):
        scores = scores_of(full_nlp(text))
        topics = {label for label, score in scores.items() if score >= 0.5} - {
            "region", "europe_russia", "overseas_far_east"}
        assert topics == set(), text


def test_topic_score_rises_with_evidence_and_needs_context(full_nlp):
    weak = scores_of(full_nlp("Povratak na posao posle odmora."))
    strong = scores_of(full_nlp("Povratnici iz dijaspore dobijaju podsticaje, a odliv mozgova se usporava."))
    assert weak.get("return_migration", 0) < 0.5 <= strong["return_migration"]


def test_region_gazetteer_in_scripts_and_cases(full_nlp):
    for text, label in [("Срби у Хрватској", "region"), ("u Crnoj Gori", "region"), ("живе у Немачкој", "europe_russia"),
                        ("u Beču i Cirihu", "europe_russia"), ("u Čikagu", "overseas_far_east"),
                        ("из САД-а", "overseas_far_east"), ("u SAD", "overseas_far_east")]:
        assert scores_of(full_nlp(text)).get(label, 0) >= 0.5, text


@pytest.mark.parametrize("text", [
    "Sad je vreme da se krene.",
    "U Malom Zvorniku je otvorena fabrika.",
    "Hotel Moskva slavi jubilej.",
    "Ruska salata i francuska torta.",
    "Francuski pevač nastupa u Beogradu.",
    "Uprava za saradnju s dijasporom i Srbima u regionu.",
])
def test_region_decoys(full_nlp, text):
    scores = scores_of(full_nlp(text))
    assert not {"region", "europe_russia", "overseas_far_east"} & {k for k, v in scores.items() if v >= 0.5}


def test_people_file_is_valid_and_lists_the_director():
    from schemas.config import load_people

    people = load_people(PEOPLE_FILE)
    by_id = {person.id: person for person in people}
    director = by_id["vladimir-kokanovic"]
    assert director.current and director.label == "director"
    assert {"Владимир Кокановић", "Kokanovic", "Коканович"} <= set(director.aliases)
    assert director.role.startswith("direktor Uprave za saradnju s dijasporom")
    former = by_id["arnaud-gouillon"]
    assert not former.current and {"Арно Гујон", "Arno Gujon", "Арно Гуйон", "Guyon"} <= set(former.aliases)
    assert former.terms[0].end.isoformat() == "2024-05-23"

"""People and terms: who is the director on an article's date, former directors, deputies, the check."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from click.testing import CliRunner

from nlp.people import (
    confirmation_warnings,
    holder_on,
    load_people,
    name_variants,
    office_name_variants,
    resolve,
)
from nlp.pipeline import tag_texts
from odjek.cli import main
from schemas.config import ConfigError, load_people_file
from schemas.records import TagContext
from tests.conftest import REPO_ROOT

PEOPLE_FILE = REPO_ROOT / "config" / "people.yaml"
ROLE = "Direktor Uprave za saradnju s dijasporom i Srbima u regionu"


def tag(text: str, day: dt.date | None, language: str = "sr", country: str | None = None):
    return dict(tag_texts([(0, text, language, TagContext(published=day, country=country))]))[0]


def directors(result):
    return [(m.text, m.person, m.former) for m in result.mentions if m.label == "director"]


def test_the_file_has_the_current_director_and_former_ones_with_terms():
    people = {p.id: p for p in load_people(PEOPLE_FILE)}
    assert [p.id for p in people.values() if p.current] == ["vladimir-kokanovic"]
    assert {"Gouillon", "Gujon", "Guyon", "Гујон", "Гуйон"} <= set(name_variants(people["arnaud-gouillon"]))
    assert {"Kokanović", "Kokanovic", "Кокановић", "Коканович"} <= set(name_variants(people["vladimir-kokanovic"]))
    assert people["vladimir-kokanovic"].terms[0].start == dt.date(2025, 8, 1)
    assert holder_on(list(people.values()), dt.date(2022, 6, 1)).id == "arnaud-gouillon"
    assert holder_on(list(people.values()), dt.date(2026, 3, 17)).id == "vladimir-kokanovic"


def test_resolution_against_the_date():
    people = load_people(PEOPLE_FILE)
    assert resolve(people, "arnaud-gouillon", dt.date(2026, 3, 1)).former
    assert not resolve(people, "arnaud-gouillon", dt.date(2023, 3, 1)).former
    assert not resolve(people, "vladimir-kokanovic", dt.date(2024, 3, 1)).counts  # not yet the director
    assert resolve(people, None, dt.date(2021, 1, 10)).person_id == "arnaud-gouillon"  # a bare role
    assert resolve(people, None, None).person_id == "vladimir-kokanovic"  # no date: the file's present


def test_overlapping_terms_are_refused(tmp_path):
    path = tmp_path / "people.yaml"
    path.write_text("people:\n"
                    "  - {id: a, name: A, role: r, terms: [{start: 2020-01-01}]}\n"
                    "  - {id: b, name: B, role: r, terms: [{start: 2021-01-01}]}\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="overlap"):
        load_people_file(path)


def test_mentions_carry_the_person_and_say_former_on_the_date():
    now = tag(f"{ROLE} Vladimir Kokanović posetio je Beč.", dt.date(2026, 3, 10))
    assert now.label_ids >= {"office", "director"}
    assert set(directors(now)) == {(ROLE, "vladimir-kokanovic", False),
                                   ("Vladimir Kokanović", "vladimir-kokanovic", False)}
    then = tag("Bivši direktor Uprave za saradnju s dijasporom i Srbima u regionu Arno Gujon govorio je u Beču.",
               dt.date(2026, 3, 10))
    assert {(person, former) for _, person, former in directors(then)} == {("arnaud-gouillon", True)}
    during = tag(f"{ROLE} Arno Gujon posetio je Beč.", dt.date(2022, 5, 2))
    assert {(person, former) for _, person, former in directors(during)} == {("arnaud-gouillon", False)}
    bare = tag("Uprava za saradnju s dijasporom i Srbima u regionu pomaže školama. Direktor Uprave je rekao da …",
               dt.date(2026, 1, 5))
    assert [(person, former) for _, person, former in directors(bare)] == [("vladimir-kokanovic", False)]


def test_before_a_persons_first_term_the_name_is_not_the_director():
    result = tag("Vladimir Kokanović, predsednik Saveza Srba Slovenije, otvorio je izložbu u Ljubljani.",
                 dt.date(2024, 4, 2))
    assert "director" not in result.label_ids


@pytest.mark.parametrize("text", [
    "Zamenica direktora Uprave za saradnju s dijasporom i Srbima u regionu Jelena Marković posetila je Beč.",
    "Pomoćnik direktora Uprave za saradnju s dijasporom i Srbima u regionu obišao je škole u Čikagu.",
    "Заменик директора Управе за сарадњу с дијаспором и Србима у региону састао се са удружењима.",
    "The deputy director of the Directorate for Cooperation with the Diaspora and Serbs in the Region spoke.",
    "Direktor Uprave za dijasporu Crne Gore Predrag Mitrović sastao se sa iseljenicima u Njujorku.",
])
def test_deputies_and_look_alike_directors_are_not_the_director(text):
    result = tag(text, dt.date(2026, 2, 1), language="en" if text.startswith("The") else "sr")
    assert "director" not in result.label_ids


def test_office_name_variants_are_written_out():
    names = office_name_variants()
    assert "Uprava za saradnju s dijasporom i Srbima u regionu" in names
    assert "Uprava za suradnju sa dijasporom i Srbima u regiji" in names
    assert "Directorate for Cooperation with the Diaspora and Serbs in the Region" in names
    assert "Directorate for Cooperation with Diaspora and Serbs in Region" in names
    assert all("|" not in name and "?" not in name for name in names)


def test_confirmation_warning_after_the_configured_age(tmp_path):
    path = tmp_path / "people.yaml"
    path.write_text("confirmed: 2026-01-01\npeople:\n  - {id: a, name: A, role: r, terms: [{start: 2020-01-01}]}\n",
                    encoding="utf-8")
    assert confirmation_warnings(path, 180, dt.date(2026, 3, 1)) == []
    (warning,) = confirmation_warnings(path, 30, dt.date(2026, 3, 1))
    assert "last confirmed 2026-01-01" in warning and "59 days" in warning
    path.write_text("people:\n  - {id: a, name: A, role: r, terms: [{start: 2020-01-01, end: 2021-01-01}]}\n",
                    encoding="utf-8")
    assert "no person has an open term" in confirmation_warnings(path, 30)[0]


def test_sources_check_warns_about_a_stale_people_file(tmp_path, monkeypatch):
    monkeypatch.setenv("ODJEK_DATA_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("ODJEK_PEOPLE_MAX_AGE_DAYS", "10")
    path = tmp_path / "people.yaml"
    path.write_text("confirmed: 2020-01-01\npeople:\n  - {id: a, name: A, role: r, terms: [{start: 2019-01-01}]}\n",
                    encoding="utf-8")
    result = CliRunner().invoke(main, ["sources", "check", "--people", str(path)])
    assert result.exit_code == 0, result.output
    assert "warning: " in result.stderr and "last confirmed 2020-01-01" in result.stderr


# --- whitespace in every entry point ----------------------------------------------------------

NAME_WITH_ODD_SPACES = ["Uprava  za saradnju s dijasporom i Srbima u regionu",
                        "Uprava\u00a0za saradnju s\u00a0dijasporom i Srbima u regionu",
                        "Uprava za saradnju s\ndijasporom i Srbima u regionu",
                        "Uprava za\u200b saradnju s dijasporom i\u2009Srbima u regionu",
                        "Uprava za sa\u00adradnju s dijasporom i Srbima u\u202fregionu"]


@pytest.mark.parametrize("name", NAME_WITH_ODD_SPACES)
def test_the_pipeline_finds_the_name_across_odd_whitespace_with_exact_offsets(name):
    text = f"Saopštenje: {name} raspisala je konkurs."
    result = tag(text, None)
    (office,) = [m for m in result.mentions if m.label == "office"]
    assert text[office.start:office.end] == office.text == name


def test_odjek_tag_finds_the_name_across_odd_whitespace():
    text = "Direktor Uprave za\u00a0saradnju s dijasporom  i Srbima u\nregionu obišao je Beč."
    result = CliRunner().invoke(main, ["tag", "-", "--language", "sr"], input=text)
    assert result.exit_code == 0, result.output
    record = json.loads(result.stdout)
    assert record["office"] and record["director"]


def test_odjek_import_then_tag_finds_the_name_across_odd_whitespace(tmp_path, monkeypatch):
    monkeypatch.setenv("ODJEK_DATA_DIR", str(tmp_path / "var"))
    monkeypatch.delenv("ODJEK_DATABASE_URL", raising=False)
    line = {"url": "http://127.0.0.1/a/1", "title": "Konkurs\u00a0za udruženja",
            "text": "Uprava\u00a0za saradnju s dijasporom  i Srbima u\u200b regionu raspisala je konkurs.",
            "published": "2026-03-16T09:00:00+01:00", "source": "imp"}
    path = tmp_path / "in.jsonl"
    path.write_text(json.dumps(line, ensure_ascii=False), encoding="utf-8")
    sources = tmp_path / "sources.yaml"
    sources.write_text("sources:\n  - {id: imp, name: Imp, country: RS, languages: [sr], group: domestic,"
                       " feeds: ['http://127.0.0.1:9/feed']}\n", encoding="utf-8")
    assert CliRunner().invoke(main, ["import", str(path)]).exit_code == 0
    run = CliRunner().invoke(main, ["run", "--sources", str(sources), "--stage", "tag"])
    assert run.exit_code == 0, run.output
    from archive import open_archive
    from odjek.context import settings_from_env

    db = open_archive(settings_from_env().resolved_database_url)
    labels = {row["label"] for row in db.query("SELECT label FROM labels")}
    assert "office" in labels

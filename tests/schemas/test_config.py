"""Configuration files are validated where they enter, and every problem names file, line and field."""

from pathlib import Path

import pytest

from schemas.config import ConfigError, load_people, load_sources
from tests.conftest import REPO_ROOT


def test_production_sources_cover_every_group_with_at_least_forty_outlets():
    sources = load_sources(REPO_ROOT / "config" / "sources.yaml")
    assert len(sources) >= 40
    assert {s.group.value for s in sources} == {"domestic", "regional", "diaspora", "foreign"}
    assert {"en", "de", "ru"} <= {lang for s in sources for lang in s.languages}
    assert {"RS", "ME", "BA", "HR", "MK", "XK"} <= {s.country for s in sources}


def test_people_file_names_the_director_in_both_scripts():
    people = load_people(REPO_ROOT / "config" / "people.yaml")
    director = next(p for p in people if p.current)
    names = " ".join([director.name, *director.aliases])
    assert "Gouillon" in names and "Гујон" in names and "Gujon" in names


def test_broken_yaml_is_reported_with_file_and_line(tmp_path: Path):
    path = tmp_path / "sources.yaml"
    path.write_text("sources:\n  - id: a\n    name: [unclosed\n    country: RS\n", encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_sources(path)
    (problem,) = info.value.problems
    assert problem.startswith(f"{path}:")
    assert "invalid YAML" in problem
    line = int(problem.split(":")[1])
    assert line in {4, 5}


def test_invalid_fields_are_reported_with_their_own_lines(tmp_path: Path):
    path = tmp_path / "sources.yaml"
    path.write_text(
        "sources:\n"
        "  - id: good\n    name: Good\n    country: RS\n    languages: [sr]\n    group: domestic\n"
        "    feeds: [http://127.0.0.1/feed]\n"
        "  - id: Bad Id\n    name: Bad\n    country: Serbia\n    languages: [xx]\n    group: local\n"
        "    feeds: [ftp://nowhere]\n",
        encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_sources(path)
    problems = "\n".join(info.value.problems)
    assert f"{path}:8: sources.1.id" in problems
    assert f"{path}:10: sources.1.country" in problems
    assert f"{path}:11: sources.1.languages" in problems
    assert f"{path}:12: sources.1.group" in problems
    assert f"{path}:13: sources.1.feeds" in problems
    assert "sources.0" not in problems


def test_duplicate_ids_and_sources_without_a_way_in_are_refused(tmp_path: Path):
    path = tmp_path / "sources.yaml"
    path.write_text(
        "sources:\n"
        "  - {id: a, name: A, country: RS, languages: [sr], group: domestic, feeds: ['http://127.0.0.1/f']}\n"
        "  - {id: a, name: A2, country: RS, languages: [sr], group: domestic, feeds: ['http://127.0.0.1/g']}\n"
        "  - {id: b, name: B, country: RS, languages: [sr], group: domestic}\n",
        encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_sources(path)
    problems = "\n".join(info.value.problems)
    assert ":4: sources.2" in problems and "at least one of feeds" in problems

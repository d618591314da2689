"""The odjek command: help everywhere, clean errors, partial imports with line numbers."""

import json

import click
import pytest
from click.testing import CliRunner

from odjek.cli import main

EXPECTED_COMMANDS = {"init", "sources", "run", "import", "search", "status", "serve", "extract", "tag", "digest",
                     "users", "reextract", "failures", "maintenance", "orgs"}


@pytest.fixture
def env(tmp_path, monkeypatch):
    monkeypatch.setenv("ODJEK_DATA_DIR", str(tmp_path / "var"))
    monkeypatch.delenv("ODJEK_DATABASE_URL", raising=False)
    return tmp_path


def test_help_lists_every_command_with_a_one_line_description():
    result = CliRunner().invoke(main, ["--help"])
    assert result.exit_code == 0
    listed = {}
    in_commands = False
    for line in result.output.splitlines():
        if line.startswith("Commands:"):
            in_commands = True
            continue
        if in_commands and line.startswith("  "):
            name, _, description = line.strip().partition(" ")
            listed[name] = description.strip()
    assert EXPECTED_COMMANDS <= set(listed), EXPECTED_COMMANDS - set(listed)
    assert all(listed.values()), [name for name, text in listed.items() if not text]


def _walk(command, path=()):
    yield path, command
    if isinstance(command, click.Group):
        for name, sub in command.commands.items():
            yield from _walk(sub, (*path, name))


def test_every_command_and_subcommand_has_help():
    runner = CliRunner()
    for path, command in _walk(main):
        result = runner.invoke(main, [*path, "--help"])
        assert result.exit_code == 0, (path, result.output)
        assert command.help, f"odjek {' '.join(path)} has no help text"


def test_import_keeps_good_lines_and_reports_bad_ones_by_number(env):
    good = {"url": "http://127.0.0.1/a/1", "title": "Управа за дијаспору", "text": "Текст о дијаспори.",
            "published": "2026-03-16T09:00:00+01:00", "source": "test"}
    lines = [json.dumps(good, ensure_ascii=False), "{not json", json.dumps({**good, "url": "ftp://x"}),
             "", json.dumps({**good, "url": "http://127.0.0.1/a/2", "published": "2026-03-16T09:00:00"}),
             json.dumps({**good, "url": "http://127.0.0.1/a/3", "title": "Друга вест"}, ensure_ascii=False)]
    path = env / "in.jsonl"
    path.write_text("\n".join(lines), encoding="utf-8")
    result = CliRunner().invoke(main, ["import", str(path)])
    assert result.exit_code == 1
    assert "imported 2 article(s)" in result.output
    assert f"{path}:2: rejected: not valid JSON" in result.output
    assert f"{path}:3: rejected: url" in result.output
    assert f"{path}:5: rejected: published" in result.output and "timezone" in result.output
    # Importing again changes nothing and doubles nothing.
    again = CliRunner().invoke(main, ["import", "--json", str(path)])
    report = json.loads(again.output.splitlines()[0])
    assert report["imported"] == 0 and report["unchanged"] == 2
    assert [r["line"] for r in report["rejected"]] == [2, 3, 5]


def test_import_of_a_missing_file_is_one_line_exit_2(env):
    result = CliRunner().invoke(main, ["import", str(env / "nope.jsonl")])
    assert result.exit_code == 2
    assert "cannot read" in result.output and "Traceback" not in result.output


def test_sources_check_names_file_and_line_of_broken_yaml(env):
    path = env / "bad.yaml"
    path.write_text("sources:\n  - id: x\n    name: X\n   country: RS\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["sources", "check", "--sources", str(path)])
    assert result.exit_code == 2
    assert f"{path}:4" in result.output
    assert "Traceback" not in result.output


def test_sources_check_passes_on_the_bundled_configuration(env):
    result = CliRunner().invoke(main, ["sources", "check"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[-1].startswith("ok: ") and "unverified URL(s)" in lines[-1]
    assert all(line.startswith("unverified: ") for line in lines[:-1])
    # Every URL the file marks unverified is listed, one line each (issue 19: the operator's probe-first list).
    from schemas.config import load_sources
    from tests.conftest import REPO_ROOT

    marked = [f"unverified: {s.id}: {u}" for s in load_sources(REPO_ROOT / "config" / "sources.yaml")
              for u in s.unverified_urls()]
    assert marked and lines[:-1] == marked
    assert f"{len(marked)} unverified URL(s)" in lines[-1]


def test_unknown_stage_is_a_clean_usage_error(env):
    sources = env / "s.yaml"
    sources.write_text("sources:\n  - {id: a, name: A, country: RS, languages: [sr], group: domestic,"
                       " feeds: ['http://127.0.0.1:9/f']}\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["run", "--sources", str(sources), "--stage", "nonsense"])
    assert result.exit_code == 2
    assert "unknown stage" in result.output


def test_init_reports_the_schema_version(env):
    result = CliRunner().invoke(main, ["init", "--json"])
    assert result.exit_code == 0
    info = json.loads(result.output)
    assert info["dialect"] == "sqlite" and info["schema_version"] >= 1


def test_sources_check_lists_unverified_urls_and_refuses_unmarked_ones(env):
    path = env / "s.yaml"
    path.write_text("sources:\n  - {id: a, name: A, country: RS, languages: [sr], group: domestic,"
                    " feeds: ['https://a.example/feed'], unverified: true}\n"
                    "  - {id: b, name: B, country: RS, languages: [sr], group: domestic,"
                    " feeds: ['https://b.example/feed']}\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["sources", "check", "--sources", str(path)])
    assert result.exit_code == 2
    assert f"{path}:3: sources.1 (b): https://b.example/feed: no evidence and not marked unverified" in result.output
    lenient = CliRunner().invoke(main, ["sources", "check", "--sources", str(path), "--allow-unchecked"])
    assert lenient.exit_code == 0, lenient.output
    assert "unverified: a: https://a.example/feed" in lenient.output

"""``odjek orgs``: import with per-line errors and exit 1, export in both formats, relink."""

from __future__ import annotations

import json
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from odjek.cli import main

SAMPLE_REGISTRY = Path(__file__).resolve().parents[2] / "sampleweb" / "orgs.csv"


@pytest.fixture
def env(tmp_path, monkeypatch):
    monkeypatch.setenv("ODJEK_DATA_DIR", str(tmp_path / "var"))
    monkeypatch.delenv("ODJEK_DATABASE_URL", raising=False)
    return tmp_path


def test_import_export_list_and_relink(env):
    runner = CliRunner()
    result = runner.invoke(main, ["orgs", "import", str(SAMPLE_REGISTRY)])
    assert result.exit_code == 0, result.output
    assert "9 added" in result.output
    exported = runner.invoke(main, ["orgs", "export"])
    assert exported.exit_code == 0 and exported.output.splitlines()[0].startswith("id,name,names,short_names")
    assert len(exported.output.splitlines()) == 10
    xlsx = env / "orgs.xlsx"
    assert runner.invoke(main, ["orgs", "export", "-o", str(xlsx)]).exit_code == 0
    assert openpyxl.load_workbook(xlsx).active.max_row == 10
    again = runner.invoke(main, ["orgs", "import", "--json", str(xlsx)])
    assert json.loads(again.output)["unchanged"] == 9
    listed = runner.invoke(main, ["orgs", "list", "--json"])
    assert {row["id"] for row in json.loads(listed.output)} >= {"ssu-stajerske", "nas-zavicaj-cirih"}
    relinked = runner.invoke(main, ["orgs", "relink", "--json"])
    assert relinked.exit_code == 0 and json.loads(relinked.output)["articles"] == 0


def test_bad_rows_are_listed_with_line_numbers_and_exit_1(env):
    path = env / "bad.csv"
    path.write_text("id,name,country,city,type\nok-one,Klub Dobri,AT,Beč,club\nx,Klub,AT,Beč,club\n"
                    "ok-two,Klub Drugi,AT,Beč,bar\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["orgs", "import", str(path)])
    assert result.exit_code == 1
    lines = [line for line in result.output.splitlines() if line.startswith(str(path))]
    assert [line.split(":")[1] for line in lines] == ["3", "4"]
    assert "nothing imported" in result.output
    assert "ok-one" not in CliRunner().invoke(main, ["orgs", "export"]).output


def test_unreadable_file_is_one_line_and_exit_2(env):
    path = env / "orgs.txt"
    path.write_text("x", encoding="utf-8")
    result = CliRunner().invoke(main, ["orgs", "import", str(path)])
    assert result.exit_code == 2 and result.output.count("\n") == 1 and ".csv or .xlsx" in result.output


def test_the_demo_imports_the_sample_registry_before_tagging(tmp_path, monkeypatch):
    """`make demo` fills the registry from sampleweb/orgs.csv before its stages run, so tagging links the names."""
    import csv

    from archive.orgs import list_orgs
    from odjek import demo, runner

    monkeypatch.setattr(demo, "DEMO_DIR", tmp_path / "demo")
    monkeypatch.setattr(demo, "SAMPLE_WEB_PORT", 0)
    for name in ("ODJEK_DATABASE_URL", "ODJEK_SETTINGS_FILE"):
        monkeypatch.delenv(name, raising=False)
    seen: list[list[str]] = []

    def stages_recorder(ctx, *args, **kwargs):  # the crawl, extraction and tagging are tested elsewhere
        seen.append(sorted(o.id for o in list_orgs(ctx.db)))
        return []

    monkeypatch.setattr(runner, "run_stages", stages_recorder)
    monkeypatch.setattr(demo, "_write_digests", lambda *args, **kwargs: None)
    assert demo.run_demo(serve=False) == 0
    with SAMPLE_REGISTRY.open(encoding="utf-8", newline="") as fh:
        expected = sorted(row["id"] for row in csv.DictReader(fh))
    assert seen == [expected] and len(expected) == 9

"""``odjek digest``: files in the digests folder, paths printed, --send once, --json, bad input exit 2."""

import json

import pytest
from click.testing import CliRunner

from archive import open_archive
from odjek.cli import main
from tests.reports.fixture_archive import build_archive


@pytest.fixture
def env(tmp_path, monkeypatch):
    for name in ("ODJEK_DATABASE_URL", "ODJEK_SMTP_HOST", "ODJEK_SETTINGS_FILE", "ODJEK_REVIEW_DIGESTS"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("ODJEK_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("ODJEK_DAILY_RECIPIENTS", "direktor@example.org")
    db = open_archive(f"sqlite:///{tmp_path / 'odjek.db'}")
    build_archive(db)
    db.close()
    return tmp_path


def test_daily_digest_paths_and_send_once(env):
    runner = CliRunner()
    result = runner.invoke(main, ["digest", "daily", "--date", "2026-03-16", "--send"])
    assert result.exit_code == 0, result.output
    html, pdf = result.stdout.splitlines()[:2]
    assert html == str(env / "digests" / "daily-2026-03-16-cyrl.html")
    assert pdf == str(env / "digests" / "daily-2026-03-16-cyrl.pdf")
    assert open(pdf, "rb").read(4) == b"%PDF"
    assert len(list((env / "outbox").glob("*.eml"))) == 1
    again = runner.invoke(main, ["digest", "daily", "--date", "2026-03-16", "--send", "--json"])
    report = json.loads(again.stdout)
    assert [d["state"] for d in report["deliveries"]] == ["skipped"]
    forced = runner.invoke(main, ["digest", "daily", "--date", "2026-03-16", "--resend", "--json"])
    assert [d["state"] for d in json.loads(forced.stdout)["deliveries"]] == ["written"]


def test_weekly_by_iso_week_in_latin(env):
    result = CliRunner().invoke(main, ["digest", "weekly", "--week", "2026-W12", "--script", "latn", "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert (report["period_start"], report["period_end"]) == ("2026-03-16", "2026-03-22")
    assert report["html"].endswith("weekly-2026-W12-latn.html") and report["deliveries"] == []
    assert "Nedeljni pregled medija" in open(report["html"], encoding="utf-8").read()


@pytest.mark.parametrize("args", [["daily", "--week", "2026-W12"], ["weekly", "--week", "2026-W99"],
                                  ["daily", "--date", "16.03.2026"], ["weekly", "--date", "2026-03-16", "--week",
                                                                      "2026-W12"]])
def test_bad_periods_exit_2_with_one_line(env, args):
    result = CliRunner().invoke(main, ["digest", *args])
    assert result.exit_code == 2
    assert result.output.strip().count("\n") == 0 and "error" in result.output

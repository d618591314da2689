"""``odjek run`` tells the truth in its exit status (odjek.errors): 4 when every source failed, 3 when a stage
failed as a whole (later stages still run), timeouts counted as failed; ``odjek failures`` lists the failed
URLs with reasons; ``odjek digest --send`` exits 5 when the mail was not delivered."""

import json
import time

import pytest
from click.testing import CliRunner

from archive import frontier, open_archive
from archive.sources import last_pipeline_run
from odjek.cli import main
from schemas.records import DiscoveredUrl
from tests.crawlers.loopback import LoopbackServer
from tests.reports.relays import free_port


@pytest.fixture
def env(tmp_path, monkeypatch):
    for name in ("ODJEK_DATABASE_URL", "ODJEK_SMTP_HOST", "ODJEK_SETTINGS_FILE", "ODJEK_REVIEW_DIGESTS"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("ODJEK_DATA_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("ODJEK_ALLOW_PRIVATE_ADDRESSES", "1")
    monkeypatch.setenv("ODJEK_DOWNLOAD_TIMEOUT_S", "1")
    monkeypatch.setenv("ODJEK_RETRY_TIMES", "0")
    return tmp_path


def _sources(tmp_path, monkeypatch, feeds: dict[str, str]):
    lines = ["sources:"] + [f"  - {{id: {sid}, name: {sid}, country: RS, languages: [sr], group: domestic,"
                            f" feeds: ['{url}']}}" for sid, url in feeds.items()]
    path = tmp_path / "sources.yaml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    monkeypatch.setenv("ODJEK_SOURCES_FILE", str(path))


def _archive(tmp_path):
    return open_archive(f"sqlite:///{tmp_path / 'var' / 'odjek.db'}")


def test_every_source_failing_exits_4_with_one_line(env, monkeypatch):
    closed = free_port()  # nobody listens: every feed is refused
    _sources(env, monkeypatch, {"jedan": f"http://127.0.0.1:{closed}/rss", "dva": f"http://127.0.0.1:{closed}/feed"})
    result = CliRunner().invoke(main, ["run", "--stage", "discover", "--json"])
    assert result.exit_code == 4, result.output
    assert result.stderr.strip().splitlines() == [result.stderr.strip()]
    assert "every source failed" in result.stderr and "jedan" in result.stderr and "dva" in result.stderr
    summary = json.loads(result.stdout)
    assert summary["status"] == "sources_failed" and summary["failed_sources"] == ["dva", "jedan"]
    db = _archive(env)
    assert last_pipeline_run(db)["status"] == "sources_failed"
    db.close()


def test_a_stage_failing_wholesale_exits_3_and_the_next_stage_still_runs(env, monkeypatch):
    from odjek.stages import extract

    _sources(env, monkeypatch, {"jedan": f"http://127.0.0.1:{free_port()}/rss"})

    def broken(ctx):
        raise RuntimeError("model files missing\nsecond line")

    monkeypatch.setattr(extract, "run", broken)
    result = CliRunner().invoke(main, ["run", "--stage", "extract", "--stage", "tag", "--json"])
    assert result.exit_code == 3, result.output
    assert result.stderr.strip() == "odjek: error: stage failed: extract (RuntimeError: model files missing second line)"
    summary = json.loads(result.stdout)
    assert summary["status"] == "stage_failed" and "tag" in summary["stages"]
    assert "error" not in summary["stages"]["tag"]
    db = _archive(env)
    run = last_pipeline_run(db)
    assert run["status"] == "stage_failed" and run["stats"]["extract"]["error"].startswith("RuntimeError")
    db.close()


def test_fetch_timeouts_count_as_failed_and_are_listed_by_failures(env, monkeypatch):
    def hang(handler):
        time.sleep(4)  # longer than download_timeout_s

    with LoopbackServer() as web:
        web.routes["/spora/1"] = hang
        web.routes["/spora/2"] = hang
        _sources(env, monkeypatch, {"spora": web.url("/rss")})
        db = _archive(env)
        frontier.add_urls(db, [DiscoveredUrl(web.url(f"/spora/{i}"), "spora", "feed") for i in (1, 2)])
        db.close()
        result = CliRunner().invoke(main, ["run", "--stage", "fetch", "--json"])
    summary = json.loads(result.stdout)
    counters = summary["sources"]["spora"]
    assert counters["fetched"] == 0 and counters["retry_later"] == 2 and counters["failed"] == 2, counters
    assert summary["stages"]["fetch"]["failed"] == 2
    assert result.exit_code == 4  # the only source with work fetched nothing

    listed = CliRunner().invoke(main, ["failures", "--json"])
    assert listed.exit_code == 0, listed.output
    rows = [json.loads(line) for line in listed.stdout.splitlines()]
    assert sorted(r["url"] for r in rows) == [web.url("/spora/1"), web.url("/spora/2")]
    assert {r["state"] for r in rows} == {"retrying"} and all(r["error"] and r["reason"] for r in rows)
    assert CliRunner().invoke(main, ["failures", "--json", "--failed-only"]).stdout == ""
    table = CliRunner().invoke(main, ["failures"])
    assert table.exit_code == 0 and "spora" in table.stdout and "/spora/1" in table.stdout


def test_failures_lists_failed_urls_newest_first_with_reasons(env, monkeypatch):
    _sources(env, monkeypatch, {"jedan": f"http://127.0.0.1:{free_port()}/rss"})
    db = _archive(env)
    frontier.add_urls(db, [DiscoveredUrl(f"http://127.0.0.1/vest/{i}", "jedan", "feed") for i in range(3)])
    entries = frontier.claim(db, frontier.FrontierState.NEW, 3, "t")
    for entry, error in zip(entries, ["http 404: not found", "http 500: server error", "timeout: 20 s"]):
        frontier.record_failure(db, entry, error, "t", retryable=False)
        time.sleep(1.1)  # distinct updated_at seconds
    db.close()
    rows = [json.loads(line) for line in CliRunner().invoke(main, ["failures", "--json", "--limit", "2"]).stdout.splitlines()]
    assert [(r["reason"], r["state"]) for r in rows] == [("timeout", "failed"), ("http 500", "failed")]
    assert CliRunner().invoke(main, ["failures", "--json", "--source", "drugi"]).stdout == ""
    since = CliRunner().invoke(main, ["failures", "--json", "--hours", "1"])
    assert len(since.stdout.splitlines()) == 3


def test_digest_send_exits_5_when_not_delivered(env, monkeypatch):
    from tests.reports.fixture_archive import build_archive

    db = _archive(env)
    build_archive(db)
    db.close()
    monkeypatch.setenv("ODJEK_DAILY_RECIPIENTS", "direktor@example.org")
    monkeypatch.setenv("ODJEK_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("ODJEK_SMTP_PORT", str(free_port()))  # refused
    monkeypatch.setenv("ODJEK_SMTP_STARTTLS", "0")
    result = CliRunner().invoke(main, ["digest", "daily", "--date", "2026-03-16", "--send"])
    assert result.exit_code == 5, result.output
    assert result.stderr.strip().splitlines()[-1].startswith("odjek: error: digest not delivered to 1 of 1")
    as_json = CliRunner().invoke(main, ["digest", "daily", "--date", "2026-03-16", "--send", "--json"])
    assert as_json.exit_code == 5 and json.loads(as_json.stdout)["deliveries"][0]["state"] == "failed"



def test_status_names_undelivered_mail(env, monkeypatch):
    from odjek.settings import Settings
    from reports.mailer import deliver
    from tests.reports.test_mailer import _message

    db = _archive(env)
    settings = Settings.from_mapping({"data_dir": str(env / "var"), "smtp_host": "127.0.0.1",
                                      "smtp_port": free_port(), "smtp_starttls": False})
    deliver(settings, db, _message(), kind="digest:daily", period="2026-03-16", recipients=["direktor@example.org"])
    db.close()
    report = json.loads(CliRunner().invoke(main, ["status", "--json"]).stdout)
    (send,) = report["undelivered_sends"]
    assert (send["recipient"], send["state"]) == ("direktor@example.org", "failed") and "Connection" in send["error"]
    table = CliRunner().invoke(main, ["status"])
    assert table.exit_code == 0 and "not delivered (failed): digest:daily 2026-03-16 to direktor@example.org" in table.stdout

"""Source health from the archive: last-run figures, failures by reason, staleness, failing streaks; odjek status."""

from __future__ import annotations

import datetime as dt
import json

from click.testing import CliRunner

from archive.frontier import add_urls, claim, record_failure
from archive.health import last_digests_sent, reason_kind, source_health, status_report
from archive.sources import FeedState, SourceRun, record_source_run, save_feed_state, sync_sources
from odjek.settings import Settings
from schemas.config import Source
from schemas.records import DiscoveredUrl, FrontierState

NOW = dt.datetime(2026, 3, 17, 12, 0, tzinfo=dt.UTC)


def _source(sid: str) -> Source:
    return Source(id=sid, name=sid.title(), country="RS", languages=["sr"], group="domestic",
                  feeds=[f"http://{sid}.rs/rss"])


def _run(db, sid: str, stage: str, minutes_ago: int, *, errors=(), discovered=0, fetched=0, failed=0) -> None:
    started = NOW - dt.timedelta(minutes=minutes_ago)
    record_source_run(db, SourceRun(source_id=sid, stage=stage, started_at=started, finished_at=started,
                                    discovered=discovered, fetched=fetched, failed=failed, errors=list(errors)))


def test_health_figures_streaks_and_flags(archive):
    sync_sources(archive, [_source("dobar"), _source("los"), _source("oporavljen")])
    # dobar: fine runs, a warning only, fetch failures grouped by reason kind.
    _run(archive, "dobar", "discover", 90, discovered=4)
    _run(archive, "dobar", "discover", 30, discovered=2, errors=["warning: feed x: ill-formed feed"])
    _run(archive, "dobar", "fetch", 29, fetched=5, failed=2)
    add_urls(archive, [DiscoveredUrl(f"http://dobar.rs/{i}", "dobar", "feed") for i in range(4)])
    entries = claim(archive, FrontierState.NEW, 10, "me")
    for entry, reason in zip(entries, ["http 404: not found", "http 404: not found", "too large: 9 MB"]):
        record_failure(archive, entry, reason, "me", retryable=False)
    save_feed_state(archive, FeedState("http://dobar.rs/rss", "dobar", last_entry_at=NOW - dt.timedelta(hours=6)))
    # los: three failing discovery runs in a row (setting: 3) → flagged.
    for minutes in (90, 60, 30):
        _run(archive, "los", "discover", minutes, errors=["feed http://los.rs/rss: http 500: server error"])
    # oporavljen: failed twice, then recovered.
    _run(archive, "oporavljen", "discover", 90, errors=["feed: http 500: server error"])
    _run(archive, "oporavljen", "discover", 60, errors=["feed: http 500: server error"])
    _run(archive, "oporavljen", "discover", 30, discovered=1)

    health = {h.source_id: h for h in source_health(archive, Settings.from_mapping({"silent_source_runs": 3}), now=NOW)}
    dobar, los, oporavljen = health["dobar"], health["los"], health["oporavljen"]
    assert (dobar.discovered_last_run, dobar.fetched_last_run, dobar.failed_last_run) == (2, 5, 2)
    assert dobar.failed_by_reason == {"http 404": 2, "too large": 1}
    assert dobar.by_state == {"failed": 3, "new": 1} and dobar.urls_total == 4
    assert dobar.last_error is None and not dobar.flagged
    assert dobar.staleness_hours == 6.0
    assert dobar.last_success_at == NOW - dt.timedelta(minutes=29)
    assert los.flagged and los.failing_runs == 3 and "3 runs in a row" in los.flag_reason
    assert los.last_success_at is None and "http 500" in los.last_error
    assert not oporavljen.flagged and oporavljen.failing_runs == 0
    assert oporavljen.last_error_at == NOW - dt.timedelta(minutes=60)


def test_reason_kinds():
    assert reason_kind("timeout: no complete response within 20s") == "timeout"
    assert reason_kind("http 503: server error (after 2 retries)") == "http 503"
    assert reason_kind(None) == "unknown"


def test_status_report_and_command(archive, archive_url, monkeypatch):
    sync_sources(archive, [_source("dobar")])
    _run(archive, "dobar", "discover", 5, discovered=3)
    archive.query("INSERT INTO sends (kind, period, recipient, state, claimed_at, sent_at)"
                  " VALUES ('digest:daily', '2026-03-16', 'a@b.rs', 'sent', '2026-03-17T06:00:00+00:00',"
                  " '2026-03-17T06:00:05+00:00')")
    report = status_report(archive, Settings.from_mapping({}))
    assert report["database"]["bytes"] > 0 and report["flagged"] == []
    assert last_digests_sent(archive)[0]["kind"] == "digest:daily"

    monkeypatch.setenv("ODJEK_DATABASE_URL", archive_url)
    from odjek.cli import main

    result = CliRunner().invoke(main, ["status", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["sources"][0]["source_id"] == "dobar" and data["sources"][0]["discovered_last_run"] == 3
    assert data["last_digests_sent"][0]["period"] == "2026-03-16"
    table = CliRunner().invoke(main, ["status"], env={"COLUMNS": "200"})
    assert table.exit_code == 0 and "dobar" in table.output and "last digests sent: digest:daily" in table.output

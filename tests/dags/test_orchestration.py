"""Orchestration under the scheduler's rules: digest periods from when a run fires, bounded operator alerts,
partitioned crawl work, failing runs when outlets fail, the `articles` asset only when articles were added."""

from __future__ import annotations

import datetime as dt
import email
import logging
import socket
import threading
import time
from zoneinfo import ZoneInfo

import pytest

from tests.dags.scheduled import run_scheduled, scheduled_info
from tests.dags.test_dags import (
    _dummy_sources,
    _import_sample,
    _no_retries,
    _settings_env,
)

BELGRADE = ZoneInfo("Europe/Belgrade")


def _fire(*args) -> dt.datetime:
    import pendulum

    return pendulum.datetime(*args, tz="Europe/Belgrade")


def _mails(tmp_path):
    return sorted((tmp_path / "var" / "outbox").glob("*.eml"))


# Digest periods ---------------------------------------------------------------------------------------------

def test_the_timetable_gives_a_scheduled_run_a_logical_date_one_interval_before_it_fires(dagbag):
    info = scheduled_info(dagbag.dags["odjek_daily_digest"], _fire(2026, 3, 17, 7, 0))
    assert info.logical_date == _fire(2026, 3, 16, 7, 0)
    assert info.data_interval.end == info.run_after == _fire(2026, 3, 17, 7, 0)


@pytest.mark.parametrize("how", ["scheduled", "backfill", "cleared", "manual with logical date",
                                 "manual without logical date"])
@pytest.mark.parametrize("dag_id, fires, period", [
    ("odjek_daily_digest", (2026, 3, 17, 7, 0), "2026-03-16"),
    ("odjek_weekly_digest", (2026, 3, 16, 8, 0), "2026-W11"),
])
def test_a_digest_run_mails_the_period_before_it_fires_however_it_was_created(
        dagbag, airflow_db, monkeypatch, tmp_path, how, dag_id, fires, period):
    from archive import open_archive

    _settings_env(monkeypatch, tmp_path, ODJEK_SOURCES_FILE=str(_dummy_sources(tmp_path)))
    _import_sample(tmp_path)
    dag = dagbag.dags[dag_id]
    _no_retries(dag)
    fire = _fire(*fires)
    if how in {"scheduled", "backfill"}:
        run = run_scheduled(dag, fire, monkeypatch, run_type=how)
    elif how == "cleared":
        run_scheduled(dag, fire, monkeypatch)
        # Cleared and run again hours later: same run, same interval, same period (and nothing sent twice).
        run = run_scheduled(dag, fire, monkeypatch)
    elif how == "manual with logical date":
        run = dag.test(logical_date=fire, run_after=fire.add(hours=5))
    else:  # `airflow dags trigger` without -l, or the REST API with logical_date null
        run = dag.test(logical_date=None, run_after=fire)
        assert run.logical_date is None and run.data_interval_end is None
    assert run.state == "success"
    mails = _mails(tmp_path)
    assert len(mails) == 1 and period in mails[0].name
    message = email.message_from_bytes(mails[0].read_bytes())
    assert message["Date"] and message["Subject"]
    db = open_archive(f"sqlite:///{tmp_path / 'var' / 'odjek.db'}")
    (row,) = db.query("SELECT id, period_start FROM digest_runs")
    expected_start = "2026-03-16" if dag_id == "odjek_daily_digest" else "2026-03-09"
    assert row["period_start"] == expected_start
    stored = {r["fmt"]: bytes(r["content"]) for r in db.query(
        "SELECT fmt, content FROM digest_files WHERE digest_run_id = ?", (row["id"],))}
    assert stored["pdf"].startswith(b"%PDF") and b"<html" in stored["html"].lower()


def test_maintenance_runs_without_a_logical_date(dagbag, airflow_db, monkeypatch, tmp_path):
    _settings_env(monkeypatch, tmp_path, ODJEK_SOURCES_FILE=str(_dummy_sources(tmp_path)))
    _import_sample(tmp_path)
    dag = dagbag.dags["odjek_maintenance"]
    _no_retries(dag)
    run = dag.test(logical_date=None, run_after=_fire(2026, 3, 17, 10, 0))
    assert run.logical_date is None
    assert run.state == "success"


def _flag_silent(tmp_path, source_id="dagtest", runs=3):
    from archive import open_archive
    from archive.sources import SourceRun, record_source_run

    db = open_archive(f"sqlite:///{tmp_path / 'var' / 'odjek.db'}")
    for _ in range(runs):
        record_source_run(db, SourceRun(source_id=source_id, stage="discover", errors=["connection refused"]))


def test_the_silent_source_alert_is_mailed_once_per_data_date(dagbag, airflow_db, monkeypatch, tmp_path):
    """Maintenance (03:30) and the collect run's alerts stage later the same day announce the same silence once."""
    from odjek import tasks
    from odjek.settings import load_settings
    from odjek.stages.alerts import silent_source_alert

    _settings_env(monkeypatch, tmp_path, ODJEK_SOURCES_FILE=str(_dummy_sources(tmp_path)))
    _import_sample(tmp_path)
    _flag_silent(tmp_path)
    dag = dagbag.dags["odjek_maintenance"]
    _no_retries(dag)
    run = run_scheduled(dag, _fire(2026, 3, 17, 3, 30), monkeypatch)
    assert run.state == "success"
    settings = load_settings()
    _, db = tasks._settings_and_archive()
    assert silent_source_alert(settings, db, _fire(2026, 3, 17, 23, 30)).startswith("1 silent")
    mails = [m for m in _mails(tmp_path) if "silent" in m.name]
    assert len(mails) == 1, [m.name for m in mails]
    assert "2026-03-17" in mails[0].name
    assert email.message_from_bytes(mails[0].read_bytes())["Date"]
    silent_source_alert(settings, db, _fire(2026, 3, 18, 0, 30))  # the next local day announces it again
    assert len([m for m in _mails(tmp_path) if "silent" in m.name]) == 2


# Operator alerts that survive a hung relay ---------------------------------------------------------------------

class SilentRelay:
    """A TCP server on loopback that accepts connections and never sends the SMTP greeting."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.port = self.sock.getsockname()[1]
        self.accepted: list[socket.socket] = []
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def _accept(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.accepted.append(conn)

    def close(self):
        self.sock.close()
        for conn in self.accepted:
            conn.close()


@pytest.fixture
def silent_relay():
    relay = SilentRelay()
    yield relay
    relay.close()


def test_a_failure_alert_through_a_hung_relay_is_kept_in_the_outbox_and_logged(
        monkeypatch, tmp_path, silent_relay, caplog):
    from archive import open_archive
    from odjek import tasks

    _settings_env(monkeypatch, tmp_path, ODJEK_SOURCES_FILE=str(_dummy_sources(tmp_path)),
                  ODJEK_SMTP_HOST="127.0.0.1", ODJEK_SMTP_PORT=str(silent_relay.port), ODJEK_SMTP_STARTTLS="0")

    class TI:
        dag_id, task_id, run_id, try_number, log_url = "odjek_maintenance", "index_upkeep", "scheduled__x", 1, ""

    started = time.monotonic()
    with caplog.at_level(logging.ERROR, logger="odjek.tasks"):
        tasks.alert_failure({"ti": TI(), "exception": RuntimeError("index upkeep exploded")})
    elapsed = time.monotonic() - started
    # The limit that matters: the supervisor kills the task process 20 s after the task ends.
    assert elapsed < 20, f"alert path took {elapsed:.1f}s"
    assert silent_relay.accepted, "the alert must have tried the relay"
    (eml,) = _mails(tmp_path)
    message = email.message_from_bytes(eml.read_bytes())
    assert message["Date"] and "index_upkeep" in message["Subject"] and message["To"] == "ops@example.org"
    assert "index upkeep exploded" in message.get_payload(decode=True).decode()
    assert any(r.levelno == logging.ERROR and "not mailed" in r.getMessage() for r in caplog.records)
    db = open_archive(f"sqlite:///{tmp_path / 'var' / 'odjek.db'}")
    states = [r["state"] for r in db.query("SELECT state FROM sends")]
    assert states == ["failed"]


def test_a_failing_task_with_a_hung_relay_finishes_and_keeps_the_alert(
        dagbag, airflow_db, monkeypatch, tmp_path, silent_relay):
    from archive import open_archive
    from odjek import tasks

    _settings_env(monkeypatch, tmp_path, ODJEK_SOURCES_FILE=str(_dummy_sources(tmp_path)),
                  ODJEK_SMTP_HOST="127.0.0.1", ODJEK_SMTP_PORT=str(silent_relay.port), ODJEK_SMTP_STARTTLS="0")

    def broken(*args, **kwargs):
        raise RuntimeError("index upkeep exploded")

    monkeypatch.setattr(tasks, "index_upkeep", broken)
    dag = dagbag.dags["odjek_maintenance"]
    _no_retries(dag)
    started = time.monotonic()
    run = run_scheduled(dag, _fire(2026, 3, 19, 3, 30), monkeypatch)
    elapsed = time.monotonic() - started
    assert run.state == "failed"
    assert elapsed < 60, f"a failed run with a hung relay took {elapsed:.1f}s"
    mails = [m for m in _mails(tmp_path) if "task-failure" in m.name]
    assert len(mails) == 1 and "index_upkeep" in mails[0].name
    assert email.message_from_bytes(mails[0].read_bytes())["Date"]
    db = open_archive(f"sqlite:///{tmp_path / 'var' / 'odjek.db'}")
    assert db.scalar("SELECT COUNT(*) FROM sends WHERE state = 'claimed'") == 0
    assert db.scalar("SELECT COUNT(*) FROM sends WHERE kind = 'ops:task-failure' AND state = 'failed'") == 1


# Collect: partitions, failing outlets, the articles asset, timeouts ---------------------------------------------

def _sources(**hosts):
    from schemas.config import Source

    return [Source(id=sid, name=sid, country="RS", languages=["sr"], group="domestic",
                   feeds=[f"http://{host}/feed.xml"]) for sid, host in hosts.items()]


def test_host_partitions_keep_every_host_in_one_partition_and_spread_the_rest():
    from odjek.tasks import host_partitions

    sources = _sources(a="a.rs", b="b.rs", c="c.rs", d="d.rs", e="a.rs", f="f.rs")
    parts = host_partitions(sources, 4)
    assert len(parts) == 4
    owner = {sid: p["partition"] for p in parts for sid in p["source_ids"]}
    assert sorted(owner) == ["a", "b", "c", "d", "e", "f"]
    assert owner["a"] == owner["e"], "two outlets on one host must share a partition"
    assert max(len(p["source_ids"]) for p in parts) == 2
    assert len(host_partitions(sources, 1)) == 1
    assert len(host_partitions(sources, 50)) == 5  # no more partitions than host groups


def test_dags_have_run_timeouts(dagbag):
    for dag in dagbag.dags.values():
        assert dag.dagrun_timeout is not None and dag.dagrun_timeout.total_seconds() > 0, dag.dag_id
    collect = dagbag.dags["odjek_collect"]
    assert collect.dagrun_timeout <= dt.timedelta(hours=2)


def _asset_events(dag_id: str, run_id: str) -> int:
    from airflow.models.asset import AssetEvent
    from airflow.utils.session import create_session
    from sqlalchemy import func, select

    with create_session() as session:
        return session.scalar(select(func.count()).select_from(AssetEvent).where(
            AssetEvent.source_dag_id == dag_id, AssetEvent.source_run_id == run_id))


def _task_states(run) -> dict[str, list[str]]:
    states: dict[str, list[str]] = {}
    for ti in run.get_task_instances():
        states.setdefault(ti.task_id, []).append(str(ti.state))
    return states


def test_a_collect_run_where_every_outlet_fails_is_failed_and_publishes_no_articles(
        dagbag, airflow_db, monkeypatch, tmp_path):
    sources = tmp_path / "sources.yaml"
    sources.write_text("sources:\n"
                       "  - {id: stopped1, name: Stopped 1, country: RS, languages: [sr], group: domestic,"
                       " feeds: ['http://127.0.0.1:9/feed']}\n"
                       "  - {id: stopped2, name: Stopped 2, country: RS, languages: [sr], group: regional,"
                       " feeds: ['http://127.0.0.2:9/feed']}\n", encoding="utf-8")
    _settings_env(monkeypatch, tmp_path, ODJEK_SOURCES_FILE=str(sources), ODJEK_DOWNLOAD_TIMEOUT_S="2")
    dag = dagbag.dags["odjek_collect"]
    _no_retries(dag)
    run = run_scheduled(dag, _fire(2026, 3, 17, 9, 30), monkeypatch)
    states = _task_states(run)
    assert run.state == "failed"
    assert states["check_sources"] == ["failed"]
    assert states["crawl.discover"] == ["success", "success"]  # two host partitions, each crawled
    assert states["publish"] == ["skipped"]
    assert _asset_events("odjek_collect", run.run_id) == 0
    mails = [m for m in _mails(tmp_path) if "sources-failed" in m.name]
    assert len(mails) == 1
    body = email.message_from_bytes(mails[0].read_bytes()).get_payload(decode=True).decode()
    assert "all 2 sources failed" in body and "stopped1" in body and "stopped2" in body


def test_collect_spreads_the_sample_web_over_host_partitions_and_publishes_articles(
        dagbag, airflow_db, monkeypatch, tmp_path):
    from archive import open_archive
    from sampleweb.server import serve

    with serve(port=0) as web:
        sources = tmp_path / "sources.yaml"
        web.write_sources(sources)
        _settings_env(monkeypatch, tmp_path, ODJEK_SOURCES_FILE=str(sources), ODJEK_DOWNLOAD_DELAY_S="0",
                      ODJEK_DOWNLOAD_TIMEOUT_S="3")
        dag = dagbag.dags["odjek_collect"]
        _no_retries(dag)
        run = run_scheduled(dag, _fire(2026, 3, 17, 6, 0), monkeypatch)
    states = _task_states(run)
    for name in ("crawl.discover", "crawl.fetch", "crawl.extract", "crawl.tag"):
        assert len(states[name]) > 1 and set(states[name]) == {"success"}, (name, states[name])
    assert states["publish"] == ["success"]
    assert _asset_events("odjek_collect", run.run_id) == 1
    db = open_archive(f"sqlite:///{tmp_path / 'var' / 'odjek.db'}")
    assert db.scalar("SELECT COUNT(*) FROM articles WHERE tagged_at IS NOT NULL") >= 100
    assert states["check_sources"] == ["success"]


def test_a_digest_rendered_on_one_worker_is_sent_and_served_from_the_archive_elsewhere(
        dagbag, airflow_db, monkeypatch, tmp_path):
    """render on worker A; A's disk is gone; send (worker B) still attaches the PDF and the web UI serves it."""
    import shutil

    from fastapi.testclient import TestClient

    from archive import open_archive
    from archive.users import ensure_user
    from odjek import tasks
    from odjek.settings import load_settings
    from tests.web.conftest import PASSWORD, login
    from web.app import create_app

    _settings_env(monkeypatch, tmp_path, ODJEK_SOURCES_FILE=str(_dummy_sources(tmp_path)),
                  ODJEK_SECRET_KEY="test-secret-" + "x" * 20)
    _import_sample(tmp_path)
    rendered = tasks.render_digest("daily", _fire(2026, 3, 17, 7, 0))
    pdf = (tmp_path / "var" / "digests").joinpath(rendered["pdf"]).read_bytes()
    shutil.rmtree(tmp_path / "var" / "digests")  # the rendering worker's local files are not shared
    assert tasks.send_digest(rendered)["sent"] == 1
    (eml,) = _mails(tmp_path)
    attachments = [p for p in email.message_from_bytes(eml.read_bytes()).walk()
                   if p.get_content_type() == "application/pdf"]
    assert attachments and attachments[0].get_payload(decode=True) == pdf
    shutil.rmtree(tmp_path / "var" / "digests")
    settings = load_settings()
    db = open_archive(settings.resolved_database_url)
    ensure_user(db, "ana", PASSWORD, "press_officer", email="ana@example.org")
    with TestClient(create_app(settings, db), base_url="http://127.0.0.1") as client:
        login(client)
        response = client.get(f"/digests/{rendered['id']}/pdf")
        assert response.status_code == 200 and response.content == pdf
        page = client.get(f"/digests/{rendered['id']}/html")
        assert page.status_code == 200 and "<html" in page.text.lower()
        assert "content-security-policy" in page.headers


def test_one_stopped_outlet_fails_the_check_and_is_alerted_once_a_day(monkeypatch, tmp_path):
    """A stopped outlet among working ones: the check fails naming it; its alert key is the local data date."""
    from odjek import tasks

    _settings_env(monkeypatch, tmp_path)
    discovered = [{"source_ids": ["alive", "stopped"],
                   "per_source": {"alive": {"discovered": 12}, "stopped": {"errors": 1, "discovered": 0}}},
                  {"source_ids": ["quiet"], "per_source": {"quiet": {"discovered": 0}}}]  # nothing new, no error
    fetched = [{"source_ids": ["alive", "stopped"], "per_source": {"alive": {"fetched": 12}}}]
    with pytest.raises(tasks.SourcesFailed) as failure:
        tasks.check_sources(discovered, fetched, _fire(2026, 3, 17, 0, 30))
    assert "1 of 3 sources failed" in str(failure.value) and "stopped" in str(failure.value)
    assert not failure.value.every_source
    assert failure.value.alert_key.startswith("2026-03-17:")  # 23:30 UTC on the 16th is the 17th in Belgrade
    later = pytest.raises(tasks.SourcesFailed, tasks.check_sources, discovered, fetched, _fire(2026, 3, 17, 23, 0))
    assert later.value.alert_key == failure.value.alert_key
    # Pages fetched after a discovery error (e.g. a feed down, the sitemap fine) mean the outlet delivered.
    fetched_after_error = [{"source_ids": ["alive", "stopped"],
                            "per_source": {"alive": {"fetched": 12}, "stopped": {"fetched": 3}}}]
    assert tasks.check_sources(discovered, fetched_after_error, _fire(2026, 3, 17, 9, 0))["failed"] == []


# Same outcomes as the CLI (issue 14) ------------------------------------------------------------------------

def test_a_stage_failing_wholesale_fails_its_task_as_odjek_run_exits_3_and_later_stages_still_run(
        dagbag, airflow_db, monkeypatch, tmp_path):
    """`odjek run` exits 3 when a stage raises as a whole; the collect run fails that stage's task the same way,
    and, as in `odjek run`, the next stage still runs over what earlier runs left. One outlet is one host
    partition: downstream tasks then get one result, not a list of one."""
    from archive import open_archive
    from archive.sources import last_pipeline_run
    from odjek.stages import extract
    from tests.crawlers.loopback import LoopbackServer, static

    def broken(ctx):
        raise RuntimeError("model files missing")

    monkeypatch.setattr(extract, "run", broken)
    with LoopbackServer() as web:
        feed = ('<?xml version="1.0"?><rss version="2.0"><channel><title>t</title><link>http://127.0.0.1/</link>'
                f'<description>d</description><item><title>Vest</title><link>{web.url("/vesti/prva-vest")}</link>'
                '<pubDate>Tue, 17 Mar 2026 08:00:00 GMT</pubDate></item></channel></rss>')
        web.routes["/rss"] = static(feed, content_type="application/rss+xml")
        web.routes["/vesti/prva-vest"] = static("<html><head><title>Vest</title></head><body><article><h1>Vest</h1>"
                                                + "<p>Prva rečenica vesti o dijaspori.</p>" * 20 + "</article></body></html>")
        sources = tmp_path / "sources.yaml"
        sources.write_text("sources:\n  - {id: healthy, name: Healthy, country: RS, languages: [sr], group: domestic,"
                           f" feeds: ['{web.url('/rss')}']}}\n", encoding="utf-8")
        _settings_env(monkeypatch, tmp_path, ODJEK_SOURCES_FILE=str(sources), ODJEK_DOWNLOAD_DELAY_S="0")
        dag = dagbag.dags["odjek_collect"]
        _no_retries(dag)
        run = run_scheduled(dag, _fire(2026, 3, 17, 10, 30), monkeypatch)
    states = _task_states(run)
    assert run.state == "failed"
    assert states["crawl.extract"] == ["failed"]
    assert states["crawl.discover"] == states["crawl.fetch"] == states["crawl.tag"] == ["success"]
    assert states["cluster"] == states["alerts"] == ["success"]
    assert states["check_sources"] == ["failed"]  # the outlet itself delivered: the failed stage fails the run
    alerts = [m.name for m in _mails(tmp_path)]
    assert len([m for m in alerts if "extract" in m]) == 1, alerts
    assert not [m for m in alerts if "check_sources" in m or "sources-failed" in m], alerts  # no second alert
    db = open_archive(f"sqlite:///{tmp_path / 'var' / 'odjek.db'}")
    stages = {r["stages"]: r["status"] for r in db.query("SELECT stages, status FROM pipeline_runs")}
    assert any("extract" in k and v == "stage_failed" for k, v in stages.items()), stages
    assert last_pipeline_run(db)["status"] != "running"
    db.close()


def test_a_stage_task_raises_with_the_stage_error_and_records_the_run(monkeypatch, tmp_path):
    from odjek import tasks
    from odjek.stages import cluster

    _settings_env(monkeypatch, tmp_path, ODJEK_SOURCES_FILE=str(_dummy_sources(tmp_path)))

    def broken(ctx):
        raise RuntimeError("clustering model gone")

    monkeypatch.setattr(cluster, "run", broken)
    with pytest.raises(tasks.StageFailed, match="stage cluster failed: RuntimeError: clustering model gone"):
        tasks.run_stage("cluster")
    monkeypatch.undo()
    _settings_env(monkeypatch, tmp_path, ODJEK_SOURCES_FILE=str(_dummy_sources(tmp_path)))
    assert tasks.run_stage("cluster")["stage"] == "cluster"


def test_the_maintenance_dag_runs_the_same_upkeep_as_odjek_maintenance(dagbag, airflow_db, monkeypatch, tmp_path):
    """Retention through archive.maintenance (batches over the fetched_at index), runs left `running` by a killed
    process closed, claims of dead owners released: what `odjek maintenance` does, from the DAG."""
    import socket as socket_module
    import subprocess
    import sys

    from archive import frontier, open_archive
    from archive.articles import record_fetched
    from archive.sources import start_pipeline_run
    from schemas.records import DiscoveredUrl, FrontierState, RawPage

    _settings_env(monkeypatch, tmp_path, ODJEK_SOURCES_FILE=str(_dummy_sources(tmp_path)),
                  ODJEK_RAW_RETENTION_DAYS="30")
    fires = _fire(2026, 3, 17, 3, 30)
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True,
                          check=True)
    dead_owner = f"{socket_module.gethostname()}:{int(gone.stdout)}"  # exited and reaped: dead
    db = open_archive(f"sqlite:///{tmp_path / 'var' / 'odjek.db'}")
    for age_days, count in ((45, 3), (5, 2)):
        when = fires - dt.timedelta(days=age_days)
        frontier.add_urls(db, [DiscoveredUrl(f"http://127.0.0.1/{age_days}/{i}", "dagtest", "feed")
                               for i in range(count)])
        for entry in frontier.claim(db, FrontierState.NEW, count, "t"):
            record_fetched(db, entry, RawPage(entry.id, entry.url, 200, {}, b"<html>x</html>", when), "t")
    frontier.add_urls(db, [DiscoveredUrl("http://127.0.0.1/claimed", "dagtest", "feed")])
    assert len(frontier.claim(db, FrontierState.NEW, 1, dead_owner, lease_s=900)) == 1
    killed_run = start_pipeline_run(db, ["fetch"], owner=dead_owner)
    db.close()
    dag = dagbag.dags["odjek_maintenance"]
    _no_retries(dag)
    run = run_scheduled(dag, fires, monkeypatch)
    assert run.state == "success"
    db = open_archive(f"sqlite:///{tmp_path / 'var' / 'odjek.db'}")
    assert db.scalar("SELECT COUNT(*) FROM raw_pages") == 2
    assert db.scalar("SELECT status FROM pipeline_runs WHERE id = ?", (killed_run,)) == "abandoned"
    assert db.scalar("SELECT COUNT(*) FROM frontier WHERE lease_owner = ?", (dead_owner,)) == 0
    assert db.scalar("SELECT COUNT(*) FROM sqlite_stat1") > 0  # index upkeep ran ANALYZE
    db.close()


def test_the_send_task_fails_when_the_digest_was_not_delivered_and_a_retry_sends_it(monkeypatch, tmp_path):
    """As `odjek digest --send` exits 5: the digest DAG's send task fails (so Airflow retries and alerts) when a
    recipient was not reached; its retry sends to that recipient only."""
    from odjek import tasks
    from tests.reports.relays import Relay, free_port, running_relay

    _settings_env(monkeypatch, tmp_path, ODJEK_SOURCES_FILE=str(_dummy_sources(tmp_path)),
                  ODJEK_SMTP_HOST="127.0.0.1", ODJEK_SMTP_PORT=str(free_port()), ODJEK_SMTP_STARTTLS="0",
                  ODJEK_SMTP_TIMEOUT_S="2")
    _import_sample(tmp_path)
    rendered = tasks.render_digest("daily", _fire(2026, 3, 17, 7, 0))
    with pytest.raises(RuntimeError, match="digest not delivered to leadership@example.org"):
        tasks.send_digest(rendered)  # nobody listens on the relay's port
    relay = Relay("accept")
    with running_relay(relay) as port:
        monkeypatch.setenv("ODJEK_SMTP_PORT", str(port))
        assert tasks.send_digest(rendered) == {"sent": 1, "skipped": 0}
        assert tasks.send_digest(rendered) == {"sent": 0, "skipped": 1}
    assert len(relay.accepted) == 1

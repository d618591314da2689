"""The four DAGs: they import cleanly and fast, and each runs end to end with dag.test()."""

import email
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT

DAG_IDS = {"odjek_collect": ("*/30 * * * *", 0), "odjek_daily_digest": ("0 7 * * *", 1),
           "odjek_weekly_digest": ("0 8 * * 1", 7), "odjek_maintenance": ("30 3 * * *", 1)}


def test_dagbag_has_no_import_errors_and_the_four_dags(dagbag):
    assert dagbag.import_errors == {}
    assert set(dagbag.dags) == set(DAG_IDS)
    for dag_id, (cron, interval_days) in DAG_IDS.items():
        timetable = dagbag.dags[dag_id].timetable
        assert timetable.expression == cron
        assert str(timetable.timezone) in {"Europe/Belgrade", "Timezone('Europe/Belgrade')"} or \
            "Belgrade" in repr(timetable.timezone)
        assert timetable.interval.days == interval_days
        assert dagbag.dags[dag_id].catchup is False


def test_collect_dag_maps_the_crawl_stages_over_host_partitions(dagbag):
    dag = dagbag.dags["odjek_collect"]
    assert set(dag.task_ids) == {"sync_sources", "crawl.discover", "crawl.fetch", "crawl.extract", "crawl.tag",
                                 "cluster", "alerts", "publish", "check_sources"}
    for task_id in ("crawl.discover", "crawl.fetch", "crawl.extract", "crawl.tag"):
        assert dag.get_task(task_id).get_closest_mapped_task_group() is not None, task_id
    assert dag.get_task("cluster").get_closest_mapped_task_group() is None
    assert dag.get_task("crawl.fetch").upstream_task_ids >= {"crawl.discover"}
    assert dag.get_task("crawl.fetch").trigger_rule == "all_done"  # a failed discovery never skips fetching
    assert dag.get_task("crawl.extract").upstream_task_ids >= {"crawl.fetch"}
    assert dag.get_task("crawl.tag").upstream_task_ids >= {"crawl.extract"}
    assert [a.name for a in dag.get_task("publish").outlets] == ["articles"]
    assert all(not t.outlets for t in dag.tasks if t.task_id != "publish")
    assert all(t.on_failure_callback for t in dag.tasks)
    assert all(t.retries >= 1 for t in dag.tasks if t.task_id != "check_sources")


def test_dag_files_import_quickly_without_heavy_modules():
    """The DAG files parsed one after another in a fresh interpreter (Airflow preloaded): times reported, no heavy libraries."""
    heavy = ["spacy", "scrapy", "weasyprint", "pandas", "trafilatura", "matplotlib", "archive", "nlp.pipeline"]
    paths = sorted(str(p) for p in (REPO_ROOT / "dags").glob("odjek_*.py"))
    code = ("import json, runpy, sys, time\nimport airflow.sdk\nout = {}\n"
            f"for path in {paths!r}:\n"
            "    t = time.perf_counter(); runpy.run_path(path)\n"
            f"    out[path] = [time.perf_counter() - t, [m for m in {heavy!r} if m in sys.modules]]\n"
            "print(json.dumps(out))\n")
    result = subprocess.run([sys.executable, "-c", code], cwd=REPO_ROOT, capture_output=True, text=True,
                            env=os.environ.copy(), timeout=300)
    assert result.returncode == 0, result.stderr
    timings = json.loads(result.stdout.strip().splitlines()[-1])
    assert len(timings) == 4
    for path, (seconds, loaded) in timings.items():
        print(f"{Path(path).name}: parsed in {seconds:.3f}s")
        assert loaded == [], f"{path} imports heavy modules at parse time: {loaded}"


def _settings_env(monkeypatch, tmp_path, **extra):
    values = {"ODJEK_DATA_DIR": str(tmp_path / "var"), "ODJEK_DATABASE_URL": "",
              "ODJEK_DAILY_RECIPIENTS": "leadership@example.org", "ODJEK_WEEKLY_RECIPIENTS": "leadership@example.org",
              "ODJEK_OPS_RECIPIENTS": "ops@example.org", "ODJEK_ALLOW_PRIVATE_ADDRESSES": "1", **extra}
    for key, value in values.items():
        monkeypatch.setenv(key, value)


def _no_retries(dag):
    for task in dag.tasks:
        task.retries = 0


def test_collect_dag_fills_the_archive_from_the_sample_web(dagbag, airflow_db, monkeypatch, tmp_path):
    import pendulum

    from sampleweb.server import serve

    with serve(port=0) as web:
        sources = tmp_path / "sources.yaml"
        web.write_sources(sources)
        _settings_env(monkeypatch, tmp_path, ODJEK_SOURCES_FILE=str(sources), ODJEK_DOWNLOAD_DELAY_S="0",
                      ODJEK_DOWNLOAD_TIMEOUT_S="3")
        dag = dagbag.dags["odjek_collect"]
        _no_retries(dag)
        run = dag.test(logical_date=pendulum.datetime(2026, 3, 17, 6, 0, tz="Europe/Belgrade"))
    assert run.state == "success"
    from archive import open_archive

    db = open_archive(f"sqlite:///{tmp_path / 'var' / 'odjek.db'}")
    assert db.scalar("SELECT COUNT(*) FROM articles WHERE is_article = 1") >= 100
    assert db.scalar("SELECT COUNT(*) FROM articles WHERE tagged_at IS NOT NULL") >= 100
    assert db.scalar("SELECT COUNT(*) FROM articles WHERE cluster_id IS NOT NULL") >= 100


def _import_sample(tmp_path):
    from click.testing import CliRunner

    from odjek.cli import main

    lines = []
    for i, (day, title) in enumerate([(16, "Управа за сарадњу с дијаспором и Србима у региону у Бечу"),
                                      (16, "Uprava za dijasporu i izbori u inostranstvu"),
                                      (15, "Vremenska prognoza za vikend")]):
        lines.append(json.dumps({"url": f"http://127.0.0.1/d/{i}", "title": title, "text": title + ". " * 3,
                                 "published": f"2026-03-{day}T10:00:00+01:00", "source": "dagtest"},
                                ensure_ascii=False))
    path = tmp_path / "d.jsonl"
    path.write_text("\n".join(lines), encoding="utf-8")
    assert CliRunner().invoke(main, ["import", str(path)]).exit_code == 0
    assert CliRunner().invoke(main, ["run", "--sources", str(_dummy_sources(tmp_path)), "--stage", "tag",
                                     "--stage", "cluster"]).exit_code == 0


def _dummy_sources(tmp_path):
    path = tmp_path / "sources.yaml"
    path.write_text("sources:\n  - {id: dagtest, name: DAG test, country: RS, languages: [sr], group: domestic,"
                    " feeds: ['http://127.0.0.1:9/feed']}\n", encoding="utf-8")
    return path


@pytest.mark.parametrize("dag_id, logical, period", [
    ("odjek_daily_digest", (2026, 3, 17, 7, 0), "2026-03-16"),
    ("odjek_weekly_digest", (2026, 3, 16, 8, 0), "2026-W11"),
])
def test_digest_dag_renders_the_period_and_sends_once(dagbag, airflow_db, monkeypatch, tmp_path, dag_id, logical,
                                                       period):
    import pendulum

    _settings_env(monkeypatch, tmp_path, ODJEK_SOURCES_FILE=str(_dummy_sources(tmp_path)))
    _import_sample(tmp_path)
    dag = dagbag.dags[dag_id]
    _no_retries(dag)
    first = dag.test(logical_date=pendulum.datetime(*logical, tz="Europe/Belgrade"))
    assert first.state == "success"
    outbox = tmp_path / "var" / "outbox"
    mails = sorted(outbox.glob("*.eml"))
    assert len(mails) == 1
    message = email.message_from_bytes(mails[0].read_bytes())
    assert message["Subject"] and period in mails[0].name
    digests = list((tmp_path / "var" / "digests").glob(f"*{period}*"))
    assert {p.suffix for p in digests} >= {".html", ".pdf"}
    second = dag.test(logical_date=pendulum.datetime(*logical, tz="Europe/Belgrade").add(seconds=1))
    assert second.state == "success"
    assert len(sorted(outbox.glob("*.eml"))) == 1, "a second run must not send again"


def test_maintenance_dag_runs_health_retention_and_upkeep(dagbag, airflow_db, monkeypatch, tmp_path):
    import pendulum

    _settings_env(monkeypatch, tmp_path, ODJEK_SOURCES_FILE=str(_dummy_sources(tmp_path)))
    _import_sample(tmp_path)
    dag = dagbag.dags["odjek_maintenance"]
    _no_retries(dag)
    run = dag.test(logical_date=pendulum.datetime(2026, 3, 17, 3, 30, tz="Europe/Belgrade"))
    assert run.state == "success"


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_a_failing_task_sends_exactly_one_failure_email_after_its_retries(dagbag, airflow_db, monkeypatch, tmp_path):
    import pendulum
    from aiosmtpd.controller import Controller

    received = []

    class Handler:
        async def handle_DATA(self, server, session, envelope):
            received.append(envelope)
            return "250 OK"

    controller = Controller(Handler(), hostname="127.0.0.1", port=_free_port())
    controller.start()
    try:
        _settings_env(monkeypatch, tmp_path, ODJEK_SOURCES_FILE=str(_dummy_sources(tmp_path)),
                      ODJEK_SMTP_HOST="127.0.0.1", ODJEK_SMTP_PORT=str(controller.port), ODJEK_SMTP_STARTTLS="0")
        from odjek import tasks

        calls = []

        def broken(*args, **kwargs):
            calls.append(1)
            raise RuntimeError("index upkeep exploded")

        monkeypatch.setattr(tasks, "index_upkeep", broken)
        dag = dagbag.dags["odjek_maintenance"]
        for task in dag.tasks:
            task.retries = 1
            task.retry_delay = pendulum.duration(seconds=0)
            task.retry_exponential_backoff = False
        run = dag.test(logical_date=pendulum.datetime(2026, 3, 18, 3, 30, tz="Europe/Belgrade"))
        assert run.state == "failed"
        deadline = time.monotonic() + 10
        while not received and time.monotonic() < deadline:
            time.sleep(0.1)
    finally:
        controller.stop()
    assert len(calls) == 2, "the task must have been retried once before failing for good"
    assert len(received) == 1
    message = email.message_from_bytes(received[0].content)
    assert "odjek_maintenance.index_upkeep" in message["Subject"]
    body = message.get_payload(decode=True).decode()
    assert "index upkeep exploded" in body and "Run:" in body

"""The DAGs under a real Airflow: api-server, scheduler and dag-processor as separate processes, LocalExecutor,
a PostgreSQL metadata database created and dropped by the test, the bundled sample web as the outlets.

The collect and daily digest DAGs are unpaused at creation; the scheduler then creates each one's latest
scheduled run from its own timetable (catchup off), exactly as in production. The test waits for both runs
and checks what they left: articles in the archive, the digest of the day before the run fired.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import yaml

DAGS = ("odjek_collect", "odjek_daily_digest")
OUTLETS = 3  # a few outlets keep the run short; partitions and mapping work as with all of them
DEADLINE_S = 600  # an upper bound on a busy shared machine, not an expectation


@pytest.mark.slow
@pytest.mark.timeout(900)  # above DEADLINE_S plus start-up: the harness reports its own timeout first
def test_collect_and_daily_digest_under_a_real_scheduler(postgres_admin_url, tmp_path):
    from archive import open_archive
    from bench.airflow_local import local_airflow
    from sampleweb.server import serve

    started_at = dt.datetime.now(dt.UTC)
    with serve(port=0) as web:
        sources = web.sources()
        sources["sources"] = sources["sources"][:OUTLETS]
        sources_file = tmp_path / "sources.yaml"
        sources_file.write_text(yaml.safe_dump(sources, allow_unicode=True), encoding="utf-8")
        odjek = {"ODJEK_DATA_DIR": str(tmp_path / "var"), "ODJEK_DATABASE_URL": "",
                 "ODJEK_SOURCES_FILE": str(sources_file), "ODJEK_ALLOW_PRIVATE_ADDRESSES": "1",
                 "ODJEK_DOWNLOAD_DELAY_S": "0", "ODJEK_DOWNLOAD_TIMEOUT_S": "5",
                 "ODJEK_DAILY_RECIPIENTS": "leadership@example.org", "ODJEK_OPS_RECIPIENTS": "ops@example.org"}
        with local_airflow(tmp_path, DAGS, odjek, postgres_admin_url, parallelism=4) as airflow:
            runs = airflow.wait_finished(DAGS, DEADLINE_S)
            collect_tasks = airflow.task_states("odjek_collect")
            digest_tasks = airflow.task_states("odjek_daily_digest")

    (collect,) = runs["odjek_collect"]
    (digest,) = runs["odjek_daily_digest"]
    # Both were created by the scheduler from the timetable: the logical date precedes the firing.
    for run in (collect, digest):
        assert run["run_type"] == "scheduled"
        assert run["run_after"] == run["data_interval_end"] <= started_at + dt.timedelta(minutes=2)
    assert digest["logical_date"] == digest["run_after"] - dt.timedelta(days=1)
    assert collect["state"] == "success", collect_tasks
    assert digest["state"] == "success", digest_tasks
    assert len(collect_tasks["crawl.fetch"]) == OUTLETS  # one mapped fetch per host partition
    db = open_archive(f"sqlite:///{tmp_path / 'var' / 'odjek.db'}")
    assert db.scalar("SELECT COUNT(*) FROM articles WHERE tagged_at IS NOT NULL") >= 10
    fired_local = digest["run_after"].astimezone(ZoneInfo("Europe/Belgrade")).date()
    expected = (fired_local - dt.timedelta(days=1)).isoformat()
    (row,) = db.query("SELECT id, kind, period_start, period_end FROM digest_runs")
    assert (row["kind"], row["period_start"], row["period_end"]) == ("daily", expected, expected)
    assert db.scalar("SELECT COUNT(*) FROM digest_files WHERE digest_run_id = ?", (row["id"],)) == 2
    mails = [m.name for m in (tmp_path / "var" / "outbox").glob("*.eml")]
    assert [m for m in mails if "digest" in m and expected in m], mails

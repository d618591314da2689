"""Claims of dead owners: a worker killed with kill -9 (even while still a zombie, not yet reaped) frees its
frontier claims for the very next run, its pipeline run is closed as abandoned; ``odjek maintenance`` runs
retention and index upkeep, and the raw-HTML clean-up finds old pages through the fetched_at index."""

import datetime as dt
import json
import os
import signal
import subprocess
import sys

from click.testing import CliRunner

from archive import frontier, open_archive
from archive.articles import record_fetched
from archive.db import iso, utcnow
from archive.maintenance import EXPIRED_RAW_PAGES_SQL, close_abandoned_runs, purge_raw_pages
from archive.owners import owner_alive, owner_id, pid_alive
from archive.sources import last_pipeline_run, start_pipeline_run
from odjek.cli import main
from schemas.records import DiscoveredUrl, FrontierState, RawPage
from tests.conftest import REPO_ROOT
from tests.reports.relays import wait_for

CLAIMER = """
import sys, time
from archive import frontier, open_archive
from archive.sources import start_pipeline_run
from schemas.records import FrontierState
db = open_archive(sys.argv[1])
start_pipeline_run(db, ["fetch"], owner=frontier.worker_id())
claimed = frontier.claim(db, FrontierState.NEW, 10, frontier.worker_id(), lease_s=900)
print(len(claimed), flush=True)
time.sleep(600)
"""


def _state(pid: int) -> str | None:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rpartition(")")[2].split()[0]
    except FileNotFoundError:
        return None


def test_a_killed_workers_claims_and_run_are_released_at_once_even_as_a_zombie(tmp_path):
    url = f"sqlite:///{tmp_path / 'archive.db'}"
    db = open_archive(url)
    frontier.add_urls(db, [DiscoveredUrl(f"http://127.0.0.1/vest/{i}", "s", "feed") for i in range(5)])
    child = subprocess.Popen([sys.executable, "-c", CLAIMER, url], cwd=REPO_ROOT, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)
    try:
        assert child.stdout.readline().strip() == "5", child.stderr.read()
        owner = f"{os.uname().nodename}:{child.pid}"
        assert owner_alive(owner) is True
        assert frontier.release_stale_claims(db) == 0  # a live worker keeps its claims
        assert close_abandoned_runs(db) == []
        child.send_signal(signal.SIGKILL)
        assert wait_for(lambda: _state(child.pid) == "Z")  # killed, not reaped: kill(pid, 0) still succeeds
        assert not pid_alive(child.pid) and owner_alive(owner) is False
        assert frontier.claim(db, FrontierState.NEW, 10, owner_id()) == []  # the 15-minute lease still holds
        assert frontier.release_stale_claims(db) == 5
        assert len(frontier.claim(db, FrontierState.NEW, 10, owner_id())) == 5
        (closed,) = close_abandoned_runs(db)
        assert last_pipeline_run(db)["id"] == closed and last_pipeline_run(db)["status"] == "abandoned"
    finally:
        child.kill()
        child.wait()
        db.close()


def test_owners_elsewhere_or_unrecorded_are_left_to_their_lease(sqlite_archive):
    assert owner_alive("another-host.example:1") is None and owner_alive(None) is None
    mine = start_pipeline_run(sqlite_archive, ["discover"], owner=owner_id())
    elsewhere = start_pipeline_run(sqlite_archive, ["discover"], owner="another-host.example:4242")
    legacy = start_pipeline_run(sqlite_archive, ["discover"])
    assert close_abandoned_runs(sqlite_archive) == []
    assert close_abandoned_runs(sqlite_archive, now=utcnow() + dt.timedelta(days=2)) == [legacy]
    states = {r["id"]: r["status"] for r in sqlite_archive.query("SELECT id, status FROM pipeline_runs")}
    assert states == {mine: "running", elsewhere: "running", legacy: "abandoned"}


def test_raw_page_clean_up_uses_the_fetched_at_index(sqlite_archive):
    plan = sqlite_archive.query(f"EXPLAIN QUERY PLAN {EXPIRED_RAW_PAGES_SQL}", (iso(utcnow()), 500))
    details = " ".join(r["detail"] for r in plan)
    assert "USING INDEX raw_pages_fetched" in details or "USING COVERING INDEX raw_pages_fetched" in details, details
    assert "SCAN raw_pages" not in details.replace("USING", "")


def _fetched(db, n: int, when: dt.datetime) -> None:
    frontier.add_urls(db, [DiscoveredUrl(f"http://127.0.0.1/{when:%Y%m%d}/{i}", "s", "feed") for i in range(n)])
    for entry in frontier.claim(db, FrontierState.NEW, n, "t"):
        record_fetched(db, entry, RawPage(entry.id, entry.url, 200, {}, b"<html>" + b"x" * 5000, when), "t")


def test_purge_deletes_only_pages_older_than_the_cutoff_in_batches(archive):
    now = utcnow()
    _fetched(archive, 7, now - dt.timedelta(days=100))
    _fetched(archive, 3, now - dt.timedelta(days=10))
    assert purge_raw_pages(archive, now - dt.timedelta(days=90), batch=3) == 7
    assert archive.scalar("SELECT COUNT(*) FROM raw_pages") == 3
    assert archive.scalar("SELECT COUNT(*) FROM frontier") == 10  # the URLs (and any articles) stay


def test_maintenance_command_runs_retention_and_upkeep(tmp_path, monkeypatch):
    monkeypatch.delenv("ODJEK_DATABASE_URL", raising=False)
    monkeypatch.delenv("ODJEK_SETTINGS_FILE", raising=False)
    monkeypatch.setenv("ODJEK_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("ODJEK_RAW_RETENTION_DAYS", "30")
    db = open_archive(f"sqlite:///{tmp_path / 'odjek.db'}")
    _fetched(db, 4, utcnow() - dt.timedelta(days=45))
    _fetched(db, 2, utcnow() - dt.timedelta(days=5))
    db.close()
    result = CliRunner().invoke(main, ["maintenance", "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["retention"]["deleted_raw_pages"] == 4 and report["upkeep"]["dialect"] == "sqlite"
    db = open_archive(f"sqlite:///{tmp_path / 'odjek.db'}")
    assert db.scalar("SELECT COUNT(*) FROM raw_pages") == 2
    assert db.scalar("SELECT COUNT(*) FROM sqlite_stat1") > 0  # ANALYZE ran
    db.close()
    text = CliRunner().invoke(main, ["maintenance", "--no-upkeep"])
    assert text.exit_code == 0 and "raw pages deleted" in text.stdout and "index upkeep" not in text.stdout


def test_maintenance_upkeep_on_postgresql(postgres_url, tmp_path, monkeypatch):
    monkeypatch.delenv("ODJEK_SETTINGS_FILE", raising=False)
    monkeypatch.setenv("ODJEK_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("ODJEK_DATABASE_URL", postgres_url)
    result = CliRunner().invoke(main, ["maintenance", "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["upkeep"] == {"dialect": "postgresql", "done": ["vacuum analyze"]}

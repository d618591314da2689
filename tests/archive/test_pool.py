"""The web UI on PostgreSQL lends connections from a bounded pool: a burst of 40 concurrent requests leaves at
most ``web_db_pool_size`` connections (counted by the server in pg_stat_activity), and the pool itself gives
connections back, replaces broken ones and makes borrowers wait instead of opening more."""

import os
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import psycopg
import pytest

from archive import open_archive
from archive.db import ArchiveUnavailable, ConnectionPool
from tests.conftest import REPO_ROOT
from tests.reports.relays import free_port

POOL_SIZE = 3


def _connections(url: str) -> int:
    name = url.rsplit("/", 1)[1]
    with psycopg.connect(url, autocommit=True) as conn:
        return conn.execute("SELECT COUNT(*) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
                            (name,)).fetchone()[0]


def _serve(url: str, tmp_path, pool_size: int) -> tuple[subprocess.Popen, int]:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("ODJEK_")}
    env.update(ODJEK_DATA_DIR=str(tmp_path), ODJEK_DATABASE_URL=url, ODJEK_SECRET_KEY="x" * 32,
               ODJEK_WEB_DB_POOL_SIZE=str(pool_size))
    process = subprocess.Popen([sys.executable, "-m", "odjek", "serve", "--host", "127.0.0.1", "--port", str(port)],
                               cwd=REPO_ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return process, port
        except OSError:
            if time.monotonic() > deadline or process.poll() is not None:
                process.kill()
                raise RuntimeError("odjek serve did not start") from None
            time.sleep(0.1)


def _burst(port: int, clients: int = 40, rounds: int = 3) -> list[int]:
    barrier = threading.Barrier(clients)

    def one(_):
        statuses = []
        for _ in range(rounds):
            barrier.wait(timeout=60)
            for path in ("/healthz", "/login"):
                with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=60) as response:
                    statuses.append(response.status)
        return statuses

    with ThreadPoolExecutor(max_workers=clients) as pool:
        return [s for statuses in pool.map(one, range(clients)) for s in statuses]


@pytest.mark.slow
def test_forty_concurrent_requests_leave_at_most_the_pool_size(postgres_url, tmp_path):
    process, port = _serve(postgres_url, tmp_path, POOL_SIZE)
    try:
        statuses = _burst(port)
        assert statuses and set(statuses) == {200}
        assert _connections(postgres_url) <= POOL_SIZE
    finally:
        process.terminate()
        process.wait(timeout=30)


def test_pool_lends_returns_and_waits(postgres_url):
    db = open_archive(postgres_url, pool_size=2)
    try:
        with db.borrow() as first, db.borrow() as again:
            assert first is again  # re-entrant in one thread: a query inside a transaction uses the same one
        held = threading.Event()
        release = threading.Event()

        def hold():
            with db.transaction():
                held.set()
                release.wait(10)

        threads = [threading.Thread(target=hold) for _ in range(2)]
        for t in threads:
            t.start()
        assert held.wait(10)
        time.sleep(0.2)
        db.pool._wait_s = 0.3
        with pytest.raises(ArchiveUnavailable, match="busy"):  # a third borrower waits, then gives up
            db.scalar("SELECT 1")
        release.set()
        for t in threads:
            t.join()
        db.pool._wait_s = 30
        assert db.pool.idle == 2 and _connections(postgres_url) == 2
        results = []
        with ThreadPoolExecutor(max_workers=20) as pool:
            results = list(pool.map(lambda i: db.scalar("SELECT ?::int", (i,)), range(200)))
        assert results == list(range(200)) and _connections(postgres_url) <= 2
    finally:
        db.close()
    assert _connections(postgres_url) == 0


def test_a_broken_connection_is_replaced(postgres_url):
    db = open_archive(postgres_url, pool_size=1)
    try:
        pid = db.scalar("SELECT pg_backend_pid()")
        with psycopg.connect(postgres_url, autocommit=True) as admin:
            admin.execute("SELECT pg_terminate_backend(%s)", (pid,))
        with pytest.raises(psycopg.OperationalError):
            db.scalar("SELECT 1")  # the server closed it under us: this query fails once …
        assert db.scalar("SELECT 1") == 1  # … and the pool lends a new connection next time
        with pytest.raises(psycopg.errors.DivisionByZero), db.transaction() as tx:
            tx.execute("SELECT 1 / 0")
        assert db.scalar("SELECT 2") == 2  # a failed transaction does not poison the pool
    finally:
        db.close()


def test_pool_needs_a_connection():
    with pytest.raises(ValueError):
        ConnectionPool(lambda: None, 0)

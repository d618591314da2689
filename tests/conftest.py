"""Shared fixtures: stores to test against (SQLite and PostgreSQL), optional parts, paths.

``require(condition, reason)`` skips a test whose optional part (PostgreSQL, Chromium, ../shared, a CLI tool)
is missing, and fails it instead under ``ODJEK_REQUIRE_ALL=1`` (CI), so nothing is silently left out there.
"""

from __future__ import annotations

import os
import shutil
import uuid
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
SHARED = REPO_ROOT.parent / "shared"
POSTGRES_ADMIN_URL = os.environ.get("ODJEK_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/postgres")
ARTIFACTS = REPO_ROOT / "test-artifacts"

# Airflow must be configured before it is imported anywhere in the test session.
_airflow_home = Path(os.environ.get("ODJEK_TEST_AIRFLOW_HOME", f"/tmp/odjek-airflow-{os.getpid()}"))
os.environ.setdefault("AIRFLOW_HOME", str(_airflow_home))
os.environ.setdefault("AIRFLOW__CORE__DAGS_FOLDER", str(REPO_ROOT / "dags"))
os.environ.setdefault("AIRFLOW__CORE__LOAD_EXAMPLES", "False")
os.environ.setdefault("AIRFLOW__DATABASE__SQL_ALCHEMY_CONN", f"sqlite:///{_airflow_home / 'airflow.db'}")
os.environ.setdefault("ODJEK_ALLOW_PRIVATE_ADDRESSES", "1")


def require_all() -> bool:
    return os.environ.get("ODJEK_REQUIRE_ALL", "") not in {"", "0"}


def require(condition: bool, reason: str) -> None:
    """Skip (or, under ODJEK_REQUIRE_ALL=1, fail) when an optional part is missing."""
    if condition:
        return
    if require_all():
        pytest.fail(f"required under ODJEK_REQUIRE_ALL=1: {reason}")
    pytest.skip(reason)


def shared_dir(*parts: str) -> Path:
    """A path inside ../shared, skipping (failing under ODJEK_REQUIRE_ALL) when it is absent."""
    path = SHARED.joinpath(*parts)
    require(path.exists(), f"shared material {path} is absent (it lives beside the repo as ../shared)")
    return path


def postgres_available() -> bool:
    try:
        import psycopg

        with psycopg.connect(POSTGRES_ADMIN_URL, connect_timeout=3):
            return True
    except Exception:  # noqa: BLE001 - any failure means "not reachable"; the reason is in the skip message
        return False


def chromium_path() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture(scope="session")
def postgres_admin_url() -> str:
    require(postgres_available(), f"PostgreSQL is not reachable at {POSTGRES_ADMIN_URL}")
    return POSTGRES_ADMIN_URL


def _drop_database(admin_url: str, name: str) -> None:
    import psycopg

    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def _postgres_session_database(postgres_admin_url):
    """One migrated database for the whole session (created here, dropped at the end).

    Creating and dropping a database per test costs seconds each on PostgreSQL; emptying the tables of
    one session database gives every test the same clean archive in a few milliseconds.
    """
    name = f"odjek_test_{uuid.uuid4().hex[:12]}"
    url = postgres_admin_url.rsplit("/", 1)[0] + f"/{name}"
    from archive import open_archive

    open_archive(url).close()
    yield url
    _drop_database(postgres_admin_url, name)


def _empty_database(url: str) -> None:
    import psycopg

    from archive import Database
    from archive.migrations import migrate

    with psycopg.connect(url, autocommit=True) as conn:
        # Connections left open by the previous test (server threads, pools) must not hold locks.
        conn.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                     " WHERE datname = current_database() AND pid <> pg_backend_pid()")
    db = Database(url)
    migrate(db)  # a test may have dropped or restored tables
    db.close()
    with psycopg.connect(url, autocommit=True) as conn:
        tables = [r[0] for r in conn.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'schema_migrations'")]
        if tables:
            conn.execute(f"TRUNCATE {', '.join(f'{t!r}'.replace(chr(39), chr(34)) for t in tables)}"
                         " RESTART IDENTITY CASCADE")


@pytest.fixture
def postgres_url(_postgres_session_database):
    """An empty, migrated PostgreSQL archive for one test."""
    _empty_database(_postgres_session_database)
    yield _postgres_session_database


@pytest.fixture
def fresh_postgres_url(postgres_admin_url):
    """A brand-new PostgreSQL database (no schema) for one test, dropped afterwards."""
    name = f"odjek_test_{uuid.uuid4().hex[:12]}"
    url = postgres_admin_url.rsplit("/", 1)[0] + f"/{name}"
    yield url
    _drop_database(postgres_admin_url, name)


@pytest.fixture(params=["sqlite", "postgresql"])
def archive_url(request, tmp_path):
    """The same test against the embedded store and the production store."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'archive.db'}"
    else:
        yield request.getfixturevalue("postgres_url")


@pytest.fixture
def archive(archive_url):
    """An open, migrated archive on each store."""
    from archive import open_archive

    db = open_archive(archive_url)
    yield db
    db.close()


@pytest.fixture
def sqlite_archive(tmp_path):
    from archive import open_archive

    db = open_archive(f"sqlite:///{tmp_path / 'archive.db'}")
    yield db
    db.close()


@pytest.fixture
def artifacts_dir() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS

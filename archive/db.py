"""One data-access layer over SQLite (embedded default) and PostgreSQL (production).

SQL in the archive modules is written once with ``?`` placeholders and portable syntax (``ON CONFLICT``,
``RETURNING``); this module adapts placeholders and transactions to the dialect. Timestamps are stored as
ISO-8601 UTC text in both stores so queries, ordering and results are identical.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import sqlite3
import threading
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator, Sequence
from urllib.parse import urlsplit

LOGGER = logging.getLogger(__name__)

SQLITE_BUSY_TIMEOUT_MS = 30_000


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def iso(value: dt.datetime | dt.date | None) -> str | None:
    """The one timestamp format of the archive: ISO-8601 in UTC with seconds, e.g. 2026-03-16T08:30:00+00:00."""
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC).replace(microsecond=0).isoformat()
    return value.isoformat()


def parse_iso(value: str | dt.datetime | None) -> dt.datetime | None:
    if value is None or isinstance(value, dt.datetime):
        return value
    return dt.datetime.fromisoformat(value)


class Database:
    """A connection factory and transaction helper for one archive URL (thread-local connections)."""

    def __init__(self, url: str):
        self.url = url
        scheme = urlsplit(url).scheme
        if scheme == "sqlite":
            self.dialect = "sqlite"
            self.path = Path(url[len("sqlite:///"):]) if url.startswith("sqlite:///") else None
            if self.path is None or str(self.path) == "":
                raise ValueError(f"SQLite URL must look like sqlite:///path/to/file.db, got {url!r}")
        elif scheme in {"postgresql", "postgres"}:
            self.dialect = "postgresql"
            self.path = None
        else:
            raise ValueError(f"unsupported database URL {url!r}: use sqlite:///… or postgresql://…")
        self._local = threading.local()

    # Connections ---------------------------------------------------------------------------
    def _connect(self):
        if self.dialect == "sqlite":
            self.path.parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(self.path, timeout=SQLITE_BUSY_TIMEOUT_MS / 1000, isolation_level=None,
                                   check_same_thread=False)
            conn.row_factory = sqlite3.Row
            conn.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
            conn.execute("PRAGMA journal_mode = WAL")
            conn.execute("PRAGMA synchronous = NORMAL")
            conn.execute("PRAGMA foreign_keys = ON")
            return conn
        import psycopg
        from psycopg.rows import dict_row

        return psycopg.connect(self.url, autocommit=True, row_factory=dict_row)

    @property
    def connection(self):
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = self._connect()
            self._local.conn = conn
        return conn

    def close(self) -> None:
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None

    # SQL -------------------------------------------------------------------------------------
    def adapt(self, sql: str) -> str:
        """Rewrite ``?`` placeholders for psycopg (``%s``); SQL text never holds a literal '?' or '%'."""
        if self.dialect == "postgresql":
            return sql.replace("%", "%%").replace("?", "%s")
        return sql

    @contextmanager
    def transaction(self, write: bool = True) -> Iterator["Tx"]:
        """One atomic unit; SQLite takes the write lock up front (BEGIN IMMEDIATE) to avoid upgrade deadlocks."""
        conn = self.connection
        if self.dialect == "sqlite":
            conn.execute("BEGIN IMMEDIATE" if write else "BEGIN")
            try:
                yield Tx(self, conn)
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            else:
                conn.execute("COMMIT")
        else:
            with conn.transaction():
                yield Tx(self, conn)

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[dict]:
        """Run a read-only query outside an explicit transaction."""
        return Tx(self, self.connection).all(sql, params)

    def one(self, sql: str, params: Sequence[Any] = ()) -> dict | None:
        rows = self.query(sql, params)
        return rows[0] if rows else None

    def scalar(self, sql: str, params: Sequence[Any] = ()) -> Any:
        row = self.one(sql, params)
        return None if row is None else next(iter(row.values()))


class Tx:
    """Executes adapted SQL on one connection; rows come back as plain dicts."""

    def __init__(self, db: Database, conn):
        self.db = db
        self.conn = conn

    def execute(self, sql: str, params: Sequence[Any] = ()):
        return self.conn.execute(self.db.adapt(sql), tuple(params))

    def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        if not rows:
            return
        if self.db.dialect == "sqlite":
            self.conn.executemany(sql, rows)  # adapt() is the identity for SQLite
        else:
            with self.conn.cursor() as cur:
                cur.executemany(self.db.adapt(sql), rows)

    def all(self, sql: str, params: Sequence[Any] = ()) -> list[dict]:
        cur = self.execute(sql, params)
        if cur.description is None:
            return []
        return [dict(row) for row in cur.fetchall()]

    def one(self, sql: str, params: Sequence[Any] = ()) -> dict | None:
        rows = self.all(sql, params)
        return rows[0] if rows else None

    def scalar(self, sql: str, params: Sequence[Any] = ()) -> Any:
        row = self.one(sql, params)
        return None if row is None else next(iter(row.values()))

    def insert_id(self, sql: str, params: Sequence[Any] = ()) -> int:
        """Run an INSERT … RETURNING id and return the id."""
        row = self.one(sql, params)
        return int(row["id"])


def sqlite_has_fts5() -> bool:
    conn = sqlite3.connect(":memory:")
    try:
        conn.execute("CREATE VIRTUAL TABLE t USING fts5(x)")
        return True
    except sqlite3.OperationalError:
        return False
    finally:
        conn.close()


def ensure_postgres_database(url: str) -> None:
    """Create the PostgreSQL database named in ``url`` if it does not exist (used by init and the demo)."""
    import psycopg

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    if not re.fullmatch(r"[A-Za-z0-9_]+", name or ""):
        raise ValueError(f"database name {name!r} must be letters, digits and underscores")
    admin = parts._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{name}"')
            LOGGER.info("created PostgreSQL database %s", name)

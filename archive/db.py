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
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

LOGGER = logging.getLogger(__name__)

SQLITE_BUSY_TIMEOUT_MS = 30_000
POSTGRES_CONNECT_TIMEOUT_S = 10
POOL_WAIT_S = 30.0


class ArchiveUnavailable(RuntimeError):
    """The store cannot be opened: unreachable server, missing database or file, refused login."""


class BadDatabaseUrl(ValueError):
    """The database URL names no store Odjek can use."""


def redacted_url(url: str) -> str:
    """The URL without its password, for messages."""
    parts = urlsplit(url)
    if parts.password:
        netloc = parts.netloc.replace(f":{parts.password}@", ":***@")
        return parts._replace(netloc=netloc).geturl()
    return url


def in_list(values: Sequence[Any]) -> str:
    """Placeholders for ``column IN (...)``: one ``?`` per value; the values themselves go in the parameters."""
    if not values:
        raise ValueError("an IN list needs at least one value")  # "IN ()" is a syntax error in both dialects
    return ", ".join("?" for _ in values)


def first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]


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
    """A connection factory and transaction helper for one archive URL.

    By default each thread keeps one connection (commands and workers have few threads). With ``pool_size``
    (the web UI, whose server runs requests on many threads) connections come from a bounded pool: a thread
    borrows one for a query or a transaction and gives it back, so a burst of requests never holds more than
    ``pool_size`` connections. ``create=False`` opens only a store that exists (``odjek status``).
    """

    def __init__(self, url: str, *, create: bool = True, pool_size: int | None = None):
        self.url = url
        self.create = create
        scheme = urlsplit(url).scheme
        if scheme == "sqlite":
            self.dialect = "sqlite"
            self.path = Path(url[len("sqlite:///"):]) if url.startswith("sqlite:///") else None
            if self.path is None or str(self.path) == "":
                raise BadDatabaseUrl(f"SQLite URL must look like sqlite:///path/to/file.db, got {url!r}")
        elif scheme in {"postgresql", "postgres"}:
            self.dialect = "postgresql"
            self.path = None
        else:
            raise BadDatabaseUrl(f"unsupported database URL {redacted_url(url)!r}: use sqlite:///… or postgresql://…")
        self._local = threading.local()
        self.pool = ConnectionPool(self._connect, pool_size) if pool_size else None

    # Connections ---------------------------------------------------------------------------
    def _connect(self):
        if self.dialect == "sqlite":
            if not self.create and not self.path.exists():
                raise ArchiveUnavailable(f"no archive at {self.path} (run `odjek init` to create one)")
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                conn = sqlite3.connect(self.path, timeout=SQLITE_BUSY_TIMEOUT_MS / 1000, isolation_level=None,
                                       check_same_thread=False)
                conn.row_factory = sqlite3.Row
                conn.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
                conn.execute("PRAGMA journal_mode = WAL")
            except (OSError, sqlite3.Error) as exc:
                raise ArchiveUnavailable(f"cannot open the SQLite archive {self.path}: {first_line(exc)}") from exc
            conn.execute("PRAGMA synchronous = NORMAL")
            conn.execute("PRAGMA foreign_keys = ON")
            return conn
        import psycopg
        from psycopg.rows import dict_row

        try:
            return psycopg.connect(self.url, autocommit=True, row_factory=dict_row,
                                   connect_timeout=POSTGRES_CONNECT_TIMEOUT_S)
        except psycopg.OperationalError as exc:
            raise ArchiveUnavailable(f"cannot connect to PostgreSQL at {redacted_url(self.url)}: "
                                     f"{first_line(exc)}") from exc

    @property
    def connection(self):
        """This thread's connection: the one it borrowed from the pool, else its own."""
        borrowed = getattr(self._local, "borrowed", None)
        if borrowed is not None:
            return borrowed
        if self.pool is not None:
            raise RuntimeError("a pooled Database lends connections only inside borrow(), query() or transaction()")
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = self._connect()
            self._local.conn = conn
        return conn

    @contextmanager
    def borrow(self) -> Iterator[Any]:
        """A connection for the duration of the block (re-entrant in one thread)."""
        if self.pool is None or getattr(self._local, "borrowed", None) is not None:
            yield self.connection
            return
        conn = self.pool.get()
        self._local.borrowed = conn
        try:
            yield conn
        finally:
            self._local.borrowed = None
            self.pool.put(conn)

    def close_thread(self) -> None:
        """Close this thread's own connection (a helper thread ending); the pool, if any, stays open."""
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None

    def close(self) -> None:
        self.close_thread()
        if self.pool is not None:
            self.pool.close()

    # SQL -------------------------------------------------------------------------------------
    def adapt(self, sql: str) -> str:
        """Rewrite ``?`` placeholders for psycopg (``%s``); SQL text never holds a literal '?' or '%'."""
        if self.dialect == "postgresql":
            return sql.replace("%", "%%").replace("?", "%s")
        return sql

    @contextmanager
    def transaction(self, write: bool = True) -> Iterator[Tx]:
        """One atomic unit; SQLite takes the write lock up front (BEGIN IMMEDIATE) to avoid upgrade deadlocks."""
        with self.borrow() as conn:
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
        with self.borrow() as conn:
            return Tx(self, conn).all(sql, params)

    def one(self, sql: str, params: Sequence[Any] = ()) -> dict | None:
        rows = self.query(sql, params)
        return rows[0] if rows else None

    def scalar(self, sql: str, params: Sequence[Any] = ()) -> Any:
        row = self.one(sql, params)
        return None if row is None else next(iter(row.values()))


class ConnectionPool:
    """At most ``size`` open connections, lent one at a time; idle ones are kept for reuse.

    A borrower waits (up to ``POOL_WAIT_S``) when all are lent. A connection given back in a failed or
    unfinished state, or closed under us (server restart), is dropped rather than lent again.
    """

    def __init__(self, connect, size: int, wait_s: float = POOL_WAIT_S):
        if size < 1:
            raise ValueError("a connection pool needs at least one connection")
        self.size = size
        self._connect = connect
        self._wait_s = wait_s
        self._slots = threading.BoundedSemaphore(size)
        self._idle: list = []
        self._lock = threading.Lock()

    def get(self):
        if not self._slots.acquire(timeout=self._wait_s):
            raise ArchiveUnavailable(f"all {self.size} archive connections stayed busy for {self._wait_s:.0f} s")
        try:
            while True:
                with self._lock:
                    conn = self._idle.pop() if self._idle else None
                if conn is None:
                    return self._connect()
                if _usable(conn):
                    return conn
                _close_quietly(conn)
        except BaseException:
            self._slots.release()
            raise

    def put(self, conn) -> None:
        try:
            if _usable(conn):
                with self._lock:
                    self._idle.append(conn)
            else:
                _close_quietly(conn)
        finally:
            self._slots.release()

    def close(self) -> None:
        with self._lock:
            idle, self._idle = self._idle, []
        for conn in idle:
            _close_quietly(conn)

    @property
    def idle(self) -> int:
        return len(self._idle)


def _usable(conn) -> bool:
    """True for an open connection outside any transaction."""
    if isinstance(conn, sqlite3.Connection):
        try:
            return not conn.in_transaction
        except sqlite3.ProgrammingError:  # closed
            return False
    from psycopg.pq import TransactionStatus

    return not conn.closed and not conn.broken and conn.info.transaction_status == TransactionStatus.IDLE


def _close_quietly(conn) -> None:
    try:
        conn.close()
    except Exception:
        LOGGER.debug("closing a dropped connection failed", exc_info=True)


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


def _postgres_name_and_admin(url: str) -> tuple[str, str]:
    """The database named in ``url`` (checked: it is quoted into DDL) and the URL of the server's admin database."""
    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    if not re.fullmatch(r"[A-Za-z0-9_]+", name or ""):
        raise BadDatabaseUrl(f"database name {name!r} must be letters, digits and underscores")
    return name, parts._replace(path="/postgres").geturl()


def ensure_postgres_database(url: str) -> None:
    """Create the PostgreSQL database named in ``url`` if it does not exist (used by init and the demo)."""
    import psycopg

    name, admin = _postgres_name_and_admin(url)
    try:
        conn = psycopg.connect(admin, autocommit=True, connect_timeout=POSTGRES_CONNECT_TIMEOUT_S)
    except psycopg.OperationalError as exc:
        raise ArchiveUnavailable(f"cannot connect to PostgreSQL at {redacted_url(url)}: {first_line(exc)}") from exc
    with conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{name}"')
            LOGGER.info("created PostgreSQL database %s", name)


def drop_postgres_database(url: str) -> None:
    """Drop the PostgreSQL database named in ``url`` if it exists, closing its sessions (the demo's fresh start)."""
    import psycopg

    name, admin = _postgres_name_and_admin(url)
    with psycopg.connect(admin, autocommit=True, connect_timeout=POSTGRES_CONNECT_TIMEOUT_S) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

"""Rendered digest files (HTML, PDF) kept in the archive: every worker and the web UI read the same copy.

A digest is rendered on whichever Airflow worker ran ``render``; its local files are a cache. The archive
copy is what ``send`` (possibly on another worker) attaches and what the web UI serves.
"""

from __future__ import annotations

import logging
from pathlib import Path

from archive.db import Database, iso, utcnow

LOGGER = logging.getLogger(__name__)

FORMATS = ("html", "pdf")


def store_digest_file(db: Database, run_id: int, fmt: str, name: str, content: bytes) -> None:
    """Store (or replace) one rendered file of a digest run."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown digest file format {fmt!r}; known: {', '.join(FORMATS)}")
    with db.transaction() as tx:
        tx.execute("INSERT INTO digest_files (digest_run_id, fmt, name, content, stored_at) VALUES (?, ?, ?, ?, ?)"
                   " ON CONFLICT (digest_run_id, fmt) DO UPDATE SET name = excluded.name,"
                   " content = excluded.content, stored_at = excluded.stored_at",
                   (run_id, fmt, name, content, iso(utcnow())))


def load_digest_file(db: Database, run_id: int, fmt: str) -> tuple[str, bytes] | None:
    """(file name, bytes) of a stored digest file, or None when it was never stored."""
    row = db.one("SELECT name, content FROM digest_files WHERE digest_run_id = ? AND fmt = ?", (run_id, fmt))
    if row is None:
        return None
    return row["name"], bytes(row["content"])


def digest_runs(db: Database, limit: int = 500) -> list[dict]:
    """The latest digest runs, newest period first (the web UI's digest list)."""
    return db.query("SELECT id, kind, period_start, period_end, script, html_path, pdf_path, status, created_at"
                    " FROM digest_runs ORDER BY period_start DESC, id DESC LIMIT ?", (limit,))


def recorded_digest_path(db: Database, run_id: int, fmt: str) -> str | None:
    """The local file path digest_runs recorded for a run's HTML or PDF (None when absent)."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown digest file format {fmt!r}; known: {', '.join(FORMATS)}")
    row = db.one(f"SELECT {fmt}_path AS path FROM digest_runs WHERE id = ?", (run_id,))
    return row["path"] if row else None


def restore_digest_files(db: Database, run_id: int, paths: dict[str, str | None]) -> list[Path]:
    """Write stored files back to their recorded local paths where missing (a worker that did not render)."""
    restored = []
    for fmt, value in paths.items():
        if not value or Path(value).exists():
            continue
        stored = load_digest_file(db, run_id, fmt)
        if stored is None:
            continue
        path = Path(value)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.restore")
        tmp.write_bytes(stored[1])
        tmp.replace(path)
        restored.append(path)
        LOGGER.info("digest run %s: %s restored from the archive to %s", run_id, fmt, path)
    return restored

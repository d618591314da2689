"""Digests in the archive: the period's rows a digest is assembled from, and the digest runs (``digest_runs``).

Rows come back as plain dicts and the review as its JSON text; the report models (pandas frames, ``Review``)
are built in ``reports/``, which sits above the archive.
"""

from __future__ import annotations

import datetime as dt

from archive.db import Database, iso, utcnow
from schemas.records import DigestRun

# A period's rows: published in [start, end) in UTC. Only the columns a digest shows, never article bodies.
_PERIOD_ARTICLES_SQL = (
    "SELECT a.id, a.source_id, a.title, a.url, a.published, a.cluster_id, a.language,"
    " COALESCE(s.name, a.source_id) AS outlet, COALESCE(s.grp, 'unknown') AS grp"
    " FROM articles a LEFT JOIN sources s ON s.id = a.source_id"
    " WHERE a.is_article = 1 AND a.published >= ? AND a.published < ?")
_PERIOD_LABELS_SQL = (
    "SELECT l.article_id, l.label, l.kind, l.score FROM labels l JOIN articles a ON a.id = l.article_id"
    " WHERE a.is_article = 1 AND a.published >= ? AND a.published < ?")
_PERIOD_MENTIONS_SQL = (
    "SELECT m.article_id, m.label, m.start_offset, m.text, m.sentence, m.former FROM mentions m"
    " JOIN articles a ON a.id = m.article_id"
    " WHERE a.is_article = 1 AND a.published >= ? AND a.published < ? AND m.label IN ('office', 'director')")


def period_articles(db: Database, start: dt.datetime, end: dt.datetime) -> list[dict]:
    """Articles published in [start, end) with their outlet's name and group."""
    return db.query(_PERIOD_ARTICLES_SQL, (iso(start), iso(end)))


def period_labels(db: Database, start: dt.datetime, end: dt.datetime) -> list[dict]:
    """Labels of the articles published in [start, end)."""
    return db.query(_PERIOD_LABELS_SQL, (iso(start), iso(end)))


def period_mentions(db: Database, start: dt.datetime, end: dt.datetime) -> list[dict]:
    """Directorate and director mentions in the articles published in [start, end)."""
    return db.query(_PERIOD_MENTIONS_SQL, (iso(start), iso(end)))


def _run(row: dict) -> DigestRun:
    return DigestRun(kind=row["kind"], period_start=dt.date.fromisoformat(row["period_start"]),
                     period_end=dt.date.fromisoformat(row["period_end"]), script=row["script"],
                     html_path=row["html_path"], pdf_path=row["pdf_path"], status=row["status"], id=int(row["id"]))


def get_run(db: Database, run_id: int) -> DigestRun | None:
    row = db.one("SELECT * FROM digest_runs WHERE id = ?", (run_id,))
    return _run(row) if row else None


def find_run(db: Database, kind: str, period_start: dt.date, script: str) -> DigestRun | None:
    row = db.one("SELECT * FROM digest_runs WHERE kind = ? AND period_start = ? AND script = ?",
                 (kind, period_start.isoformat(), script))
    return _run(row) if row else None


def list_runs(db: Database, limit: int = 50) -> list[DigestRun]:
    """Most recent digests, held ones first (the review page's list)."""
    rows = db.query("SELECT * FROM digest_runs ORDER BY CASE WHEN status = 'held' THEN 0 ELSE 1 END,"
                    " period_start DESC, kind, script LIMIT ?", (limit,))
    return [_run(r) for r in rows]


def review_json(db: Database, run_id: int) -> str | None:
    """The editor's review of a digest run as stored (JSON text; None before anyone reviewed it)."""
    return db.scalar("SELECT review FROM digest_runs WHERE id = ?", (run_id,))


def save_review_json(db: Database, run_id: int, review: str) -> None:
    with db.transaction() as tx:
        tx.execute("UPDATE digest_runs SET review = ? WHERE id = ?", (review, run_id))


def set_status(db: Database, run_id: int, status: str) -> None:
    with db.transaction() as tx:
        tx.execute("UPDATE digest_runs SET status = ? WHERE id = ?", (status, run_id))


def upsert_run(db: Database, kind: str, period_start: dt.date, period_end: dt.date, script: str, html_path: str,
               pdf_path: str, status: str) -> int:
    """Record a rendered digest; rendering the same period and script again replaces the row (same id)."""
    with db.transaction() as tx:
        return tx.insert_id(
            "INSERT INTO digest_runs (kind, period_start, period_end, script, html_path, pdf_path, status, created_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (kind, period_start, script) DO UPDATE SET"
            " period_end = excluded.period_end, html_path = excluded.html_path, pdf_path = excluded.pdf_path,"
            " status = excluded.status RETURNING id",
            (kind, period_start.isoformat(), period_end.isoformat(), script, html_path, pdf_path, status,
             iso(utcnow())))

"""Source health: per outlet, what the last runs did and whether it needs an operator's attention.

Computed from the archive only (source runs, frontier, articles, feed state), so ``odjek status``, the
web UI and the maintenance DAG show the same figures. A run *fails* when it recorded an error (lines
starting with ``warning:`` are warnings, not errors); an outlet whose last ``silent_source_runs``
discovery runs all failed is flagged.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections import Counter
from dataclasses import asdict, dataclass, field

from archive.db import Database, iso, parse_iso, utcnow
from schemas.settings import Settings

LOGGER = logging.getLogger(__name__)

WARNING_PREFIX = "warning:"
NEW_ARTICLE_WINDOW = dt.timedelta(hours=24)


@dataclass
class SourceHealth:
    """Health of one outlet; ``failed_by_reason`` counts failed frontier URLs by reason kind."""

    source_id: str
    name: str
    group: str
    enabled: bool
    discovered_last_run: int = 0
    fetched_last_run: int = 0
    failed_last_run: int = 0
    urls_total: int = 0
    by_state: dict[str, int] = field(default_factory=dict)
    failed_by_reason: dict[str, int] = field(default_factory=dict)
    new_articles_24h: int = 0
    articles_total: int = 0
    last_run_at: dt.datetime | None = None
    last_success_at: dt.datetime | None = None
    last_error: str | None = None
    last_error_at: dt.datetime | None = None
    newest_entry_at: dt.datetime | None = None
    staleness_hours: float | None = None
    failing_runs: int = 0
    flagged: bool = False
    flag_reason: str | None = None
    active_path: str | None = None  # which way in discovery uses now, and why (fallbacks, issue 19)
    active_reason: str | None = None
    paths: list[dict] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {k: (iso(v) if isinstance(v, dt.datetime) else v) for k, v in asdict(self).items()}


def run_errors(raw: str | None) -> list[str]:
    """The real errors of a source run (warnings dropped)."""
    try:
        items = json.loads(raw or "[]")
    except json.JSONDecodeError:
        return [str(raw)]
    return [str(e) for e in items if not str(e).startswith(WARNING_PREFIX)]


def reason_kind(error: str | None) -> str:
    """The kind of a failure reason: the text before its first colon ('http 500', 'timeout' …)."""
    return (error or "unknown").split(":", 1)[0].strip() or "unknown"


def _grouped(db: Database, sql: str, params=()) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = {}
    for row in db.query(sql, params):
        out.setdefault(row["source_id"], []).append(row)
    return out


def _recent_runs(db: Database, source_id: str, stage: str, limit: int) -> list[dict]:
    return db.query("SELECT started_at, finished_at, discovered, fetched, failed, new_articles, errors"
                    " FROM source_runs WHERE source_id = ? AND stage = ? ORDER BY id DESC LIMIT ?",
                    (source_id, stage, limit))


def _apply_runs(health: SourceHealth, discover: list[dict], fetch: list[dict], silent_runs: int) -> None:
    """Last-run figures, last success, last error and the failing streak from recent runs (newest first)."""
    if discover:
        health.discovered_last_run = int(discover[0]["discovered"])
        health.last_run_at = parse_iso(discover[0]["finished_at"] or discover[0]["started_at"])
    if fetch:
        health.fetched_last_run = int(fetch[0]["fetched"])
        health.failed_last_run = int(fetch[0]["failed"])
    for run in sorted(discover + fetch, key=lambda r: r["started_at"], reverse=True):
        errors = run_errors(run["errors"])
        when = parse_iso(run["finished_at"] or run["started_at"])
        if errors and health.last_error is None:
            health.last_error, health.last_error_at = "; ".join(errors)[:500], when
        if not errors and health.last_success_at is None:
            health.last_success_at = when
    streak = 0
    for run in discover:
        if not run_errors(run["errors"]):
            break
        streak += 1
    health.failing_runs = streak
    if silent_runs and streak >= silent_runs:
        health.flagged = True
        health.flag_reason = f"discovery failed {streak} runs in a row"


def _apply_paths(db: Database, health: SourceHealth, config: str, settings: Settings) -> None:
    """The active path and why; a stored config this version cannot read leaves the fields empty."""
    from archive.sources import active_path
    from schemas.config import Source

    try:
        source = Source.model_validate_json(config)
    except ValueError as exc:
        LOGGER.debug("source %s: stored config unreadable: %s", health.source_id, exc)
        return
    info = active_path(db, source, settings)
    if not info["paths"]:
        return  # an outlet known only from imports: nothing is crawled
    health.active_path = info["active_path"] or "none: unavailable"
    health.active_reason = info["active_reason"]
    health.paths = info["paths"]
    if info["unavailable"] and source.enabled and not health.flagged:
        health.flagged, health.flag_reason = True, info["active_reason"][:300]


def source_health(db: Database, settings: Settings, now: dt.datetime | None = None) -> list[SourceHealth]:
    """Health of every known outlet, enabled first, then by id."""
    now = now or utcnow()
    silent_runs = settings.archive.silent_source_runs
    states = _grouped(db, "SELECT source_id, state, COUNT(*) AS n FROM frontier GROUP BY source_id, state")
    failures = _grouped(db, "SELECT source_id, last_error, COUNT(*) AS n FROM frontier WHERE state = 'failed'"
                            " GROUP BY source_id, last_error")
    articles = _grouped(db, "SELECT source_id, COUNT(*) AS n, SUM(CASE WHEN extracted_at >= ? THEN 1 ELSE 0 END)"
                            " AS recent FROM articles WHERE is_article = 1 GROUP BY source_id",
                        (iso(now - NEW_ARTICLE_WINDOW),))
    feeds = _grouped(db, "SELECT source_id, MAX(last_entry_at) AS newest FROM feed_state GROUP BY source_id")
    newest_urls = _grouped(db, "SELECT source_id, MAX(discovered_at) AS newest FROM frontier"
                               " WHERE via <> 'import' GROUP BY source_id")
    out = []
    for row in db.query("SELECT id, name, grp, enabled, config FROM sources ORDER BY enabled DESC, id"):
        sid = row["id"]
        health = SourceHealth(sid, row["name"], row["grp"], bool(row["enabled"]))
        _apply_paths(db, health, row["config"], settings)
        health.by_state = {r["state"]: int(r["n"]) for r in states.get(sid, [])}
        health.urls_total = sum(health.by_state.values())
        reasons: Counter = Counter()
        for r in failures.get(sid, []):
            reasons[reason_kind(r["last_error"])] += int(r["n"])
        health.failed_by_reason = dict(reasons.most_common())
        for r in articles.get(sid, []):
            health.articles_total, health.new_articles_24h = int(r["n"] or 0), int(r["recent"] or 0)
        # Feed staleness is the age of the newest feed entry; outlets without feeds use their newest new URL.
        newest = [parse_iso(r["newest"]) for r in feeds.get(sid, []) if r["newest"]]
        newest = newest or [parse_iso(r["newest"]) for r in newest_urls.get(sid, []) if r["newest"]]
        if newest:
            health.newest_entry_at = max(newest)
            health.staleness_hours = round((now - health.newest_entry_at).total_seconds() / 3600, 1)
        _apply_runs(health, _recent_runs(db, sid, "discover", max(silent_runs, 1)),
                    _recent_runs(db, sid, "fetch", 1), silent_runs)
        out.append(health)
    return out


def ping(db: Database) -> None:
    """Raises when the archive does not answer (the web UI's /healthz)."""
    db.scalar("SELECT 1")


def database_size(db: Database) -> int | None:
    """Bytes used by the archive (SQLite file with its WAL, or the PostgreSQL database)."""
    if db.dialect == "postgresql":
        return int(db.scalar("SELECT pg_database_size(current_database())"))
    if db.path is None or not db.path.exists():
        return None
    wal = db.path.with_name(db.path.name + "-wal")
    return db.path.stat().st_size + (wal.stat().st_size if wal.exists() else 0)


def last_digests_sent(db: Database) -> list[dict]:
    """The last delivered digest per kind (kind, period, sent_at, recipients), from the ``sends`` table."""
    rows = db.query("SELECT kind, period, MAX(sent_at) AS sent_at, COUNT(*) AS recipients FROM sends"
                    " WHERE state = 'sent' AND kind LIKE 'digest:%' GROUP BY kind, period ORDER BY kind, period")
    latest: dict[str, dict] = {}
    for row in rows:
        if row["kind"] not in latest or (row["sent_at"] or "") > (latest[row["kind"]]["sent_at"] or ""):
            latest[row["kind"]] = {**row, "recipients": int(row["recipients"])}
    return list(latest.values())


def status_report(db: Database, settings: Settings) -> dict:
    """Everything ``odjek status`` shows, as plain data (also its ``--json`` output)."""
    from archive.frontier import counts_by_state
    from archive.sources import last_pipeline_run

    sources = source_health(db, settings)
    return {
        "sources": [s.as_dict() for s in sources],
        "flagged": [s.source_id for s in sources if s.flagged],
        "frontier": counts_by_state(db),
        "last_pipeline_run": last_pipeline_run(db),
        "database": {"dialect": db.dialect, "bytes": database_size(db)},
        "last_digests_sent": last_digests_sent(db),
        "undelivered_sends": undelivered_sends(db),
    }


def undelivered_sends(db: Database, limit: int = 10) -> list[dict]:
    """Mails whose last try failed (retried by the next try) or was refused for good (``rejected``), newest first."""
    return db.query("SELECT kind, period, recipient, state, attempts, error, claimed_at FROM sends"
                    " WHERE state IN ('failed', 'rejected') ORDER BY claimed_at DESC, id DESC LIMIT ?", (limit,))


def recent_failures(db: Database, *, limit: int = 50, source_id: str | None = None,
                    since: dt.datetime | None = None, include_retrying: bool = True) -> list[dict]:
    """The most recently failed URLs with their reasons, newest first: ``failed`` for good, and (unless
    ``include_retrying`` is off) those waiting for another attempt after a retryable error."""
    conditions = ["(state = 'failed'" + (" OR (next_attempt_at IS NOT NULL AND last_error IS NOT NULL))"
                                         if include_retrying else ")")]
    params: list = []
    if source_id:
        conditions.append("source_id = ?")
        params.append(source_id)
    if since:
        conditions.append("updated_at >= ?")
        params.append(iso(since))
    rows = db.query(f"SELECT id, url, source_id, state, attempts, last_error, updated_at, next_attempt_at"
                    f" FROM frontier WHERE {' AND '.join(conditions)} ORDER BY updated_at DESC, id DESC LIMIT ?",
                    (*params, limit))
    return [{"id": int(r["id"]), "url": r["url"], "source_id": r["source_id"],
             "state": "failed" if r["state"] == "failed" else "retrying", "frontier_state": r["state"],
             "attempts": int(r["attempts"]), "reason": reason_kind(r["last_error"]), "error": r["last_error"],
             "at": r["updated_at"], "next_attempt_at": r["next_attempt_at"]} for r in rows]

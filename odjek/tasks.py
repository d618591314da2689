"""What each Airflow task does, as plain functions of plain values (the DAG files only wire these).

Every function reads settings from the environment (``ODJEK_*``), opens the archive itself and returns
a small JSON-able dict for XCom. Stages are frontier-driven, so re-running a task for the same data
interval redoes nothing that is done; digest sends are claimed per (kind, period, recipient).
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

LOGGER = logging.getLogger(__name__)


def _context(source_ids=None, sync: bool = False):
    from odjek.runner import open_context
    from odjek.settings import load_settings

    return open_context(load_settings(), sync=sync, source_ids=source_ids)


def _settings_and_archive():
    """Settings from the environment and the archive they name (migrated on open)."""
    from archive import open_archive
    from odjek.settings import load_settings

    settings = load_settings()
    return settings, open_archive(settings.resolved_database_url)


def _report_dict(report) -> dict[str, Any]:
    return {"stage": report.stage, "processed": report.processed, "succeeded": report.succeeded,
            "failed": report.failed, "seconds": round(report.seconds, 2), "per_source": report.per_source}


def sync_sources() -> list[dict[str, Any]]:
    """Validate and store the configured outlets; return one work unit per source group for mapping."""
    ctx = _context(sync=True)
    groups: dict[str, list[str]] = {}
    for source in ctx.sources:
        if source.enabled:
            groups.setdefault(source.group.value, []).append(source.id)
    return [{"group": group, "source_ids": ids} for group, ids in sorted(groups.items())]


def run_stage(name: str, source_ids: list[str] | None = None) -> dict[str, Any]:
    """Run one pipeline stage once over the frontier (optionally for some outlets only)."""
    from odjek.runner import run_stages

    ctx = _context(source_ids=source_ids)
    (report,) = run_stages(ctx, [name])
    LOGGER.info("%s: %d processed, %d failed", name, report.processed, report.failed)
    return _report_dict(report)


def discover_group(unit: dict[str, Any]) -> dict[str, Any]:
    """Discover new article URLs for one source group (a mapped task)."""
    result = run_stage("discover", unit["source_ids"])
    result["group"] = unit["group"]
    return result


def digest_period(kind: str, logical_date: dt.datetime, timezone: str) -> dt.date:
    """First day of the period a digest run at ``logical_date`` covers: yesterday, or last Monday–Sunday."""
    from reports.periods import previous_day, previous_week

    period = previous_day(logical_date, timezone) if kind == "daily" else previous_week(logical_date, timezone)
    return period.start


def render_digest(kind: str, logical_date: dt.datetime) -> dict[str, Any]:
    """Render the digest of the period before ``logical_date`` (HTML and PDF); idempotent per period."""
    from reports.digest import render_digest as render

    settings, db = _settings_and_archive()
    start = digest_period(kind, logical_date, settings.timezone)
    run = render(settings, db, kind, start)
    return {"id": run.id, "kind": kind, "period_start": start.isoformat(), "html": run.html_path,
            "pdf": run.pdf_path, "status": run.status}


def send_digest(rendered: dict[str, Any]) -> dict[str, Any]:
    """Send a rendered digest once per recipient (a retried task sends nothing twice); held digests wait."""
    from reports.digest import get_run, send_digest as send

    settings, db = _settings_and_archive()
    run = get_run(db, rendered["id"])
    if run.status == "held":
        LOGGER.info("digest %s %s is held for review; not sent", run.kind, run.period_start)
        return {"sent": 0, "held": True}
    deliveries = send(settings, db, run)
    failed = [d for d in deliveries if d.state == "failed"]
    if failed:
        raise RuntimeError("digest not delivered to " + ", ".join(f"{d.recipient} ({d.detail})" for d in failed))
    return {"sent": sum(d.state in {"sent", "written"} for d in deliveries),
            "skipped": sum(d.state == "skipped" for d in deliveries)}


def source_health_alerts(logical_date: dt.datetime) -> dict[str, Any]:
    """Compute source health and alert operators (once a day per set) about sources that went silent."""
    from archive.health import source_health
    from odjek.stages.alerts import silent_source_alert

    settings, db = _settings_and_archive()
    health = source_health(db, settings, logical_date)
    outcome = silent_source_alert(settings, db, logical_date)
    return {"sources": len(health), "flagged": [h.source_id for h in health if h.flagged], "alert": outcome}


def retain_raw_pages(logical_date: dt.datetime) -> dict[str, Any]:
    """Drop raw HTML older than the retention period (articles stay); keyed on the run's logical date."""
    from archive.db import iso

    settings, db = _settings_and_archive()
    cutoff = logical_date - dt.timedelta(days=settings.raw_retention_days)
    with db.transaction() as tx:
        cur = tx.execute("DELETE FROM raw_pages WHERE fetched_at < ?", (iso(cutoff),))
        deleted = cur.rowcount or 0
    return {"deleted_raw_pages": deleted, "cutoff": iso(cutoff)}


def index_upkeep() -> dict[str, Any]:
    """SQLite: FTS optimize and ANALYZE; PostgreSQL: VACUUM ANALYZE (outside a transaction)."""

    settings, db = _settings_and_archive()
    if db.dialect == "sqlite":
        conn = db.connection
        conn.execute("INSERT INTO articles_fts (articles_fts) VALUES ('optimize')")
        conn.execute("ANALYZE")
        conn.execute("PRAGMA optimize")
    else:
        db.connection.execute("VACUUM ANALYZE")
    return {"dialect": db.dialect}


def alert_failure(context: dict) -> None:
    """Airflow on_failure_callback: one email to operators per failed task try, via the project's mail path."""
    from email.message import EmailMessage

    from odjek.settings import load_settings
    from reports.mailer import deliver

    settings = load_settings()
    ti = context.get("task_instance") or context.get("ti")
    dag_id = getattr(ti, "dag_id", "?")
    task_id = getattr(ti, "task_id", "?")
    run_id = getattr(ti, "run_id", "?")
    try_number = getattr(ti, "try_number", 0)
    log_url = getattr(ti, "log_url", "") or ""
    exception = context.get("exception")
    if not settings.ops_recipients:
        LOGGER.error("task %s.%s failed (%s) and no ODJEK_OPS_RECIPIENTS are set", dag_id, task_id, exception)
        return
    message = EmailMessage()
    message["Subject"] = f"[Odjek] task failed: {dag_id}.{task_id} ({run_id})"
    message.set_content(
        f"DAG: {dag_id}\nTask: {task_id}\nRun: {run_id}\nTry: {try_number}\n"
        f"Error: {type(exception).__name__ if exception else '?'}: {exception}\nLog: {log_url}\n")
    from archive import open_archive

    # Opened only now: when the archive itself is what failed, the log line above still gets out.
    db = open_archive(settings.resolved_database_url)
    deliver(settings, db, message, kind="ops:task-failure", period=f"{dag_id}/{run_id}/{task_id}/{try_number}",
            recipients=settings.ops_recipients)

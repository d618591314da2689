"""Upkeep of the archive, run by ``odjek maintenance`` and the maintenance DAG alike.

Raw HTML older than the retention period is deleted in batches found through the ``fetched_at`` index, so
the clean-up reads only the rows it deletes (without the index SQLite walks every stored page body to read
the date stored after it). Runs left ``running`` by a killed process are closed, and claims of dead owners
on this host are released.
"""

from __future__ import annotations

import datetime as dt
import logging

from archive.db import Database, in_list, iso, parse_iso, utcnow
from archive.owners import owner_alive
from schemas.settings import Settings

LOGGER = logging.getLogger(__name__)

RETENTION_BATCH = 500
# The pages one batch deletes; the test checks that SQLite plans it through raw_pages_fetched (migration 622).
EXPIRED_RAW_PAGES_SQL = "SELECT frontier_id FROM raw_pages WHERE fetched_at < ? ORDER BY fetched_at LIMIT ?"
# A run without a recorded owner (older than migration 621) still counts as running for this long.
UNOWNED_RUN_LIMIT = dt.timedelta(hours=24)
STATUS_ABANDONED = "abandoned"


def purge_raw_pages(db: Database, cutoff: dt.datetime, batch: int = RETENTION_BATCH) -> int:
    """Delete raw pages fetched before ``cutoff`` (articles stay); return how many were deleted."""
    deleted = 0
    while True:
        with db.transaction() as tx:
            ids = [r["frontier_id"] for r in tx.all(EXPIRED_RAW_PAGES_SQL, (iso(cutoff), batch))]
            if ids:
                tx.execute(f"DELETE FROM raw_pages WHERE frontier_id IN ({in_list(ids)})", ids)
        deleted += len(ids)
        if len(ids) < batch:
            return deleted


def index_upkeep(db: Database) -> dict:
    """SQLite: merge the full-text index's segments and refresh the planner's statistics; PostgreSQL:
    VACUUM ANALYZE (which must run outside a transaction; archive connections are in autocommit)."""
    with db.borrow() as conn:
        if db.dialect == "sqlite":
            conn.execute("INSERT INTO articles_fts (articles_fts) VALUES ('optimize')")
            conn.execute("ANALYZE")
            conn.execute("PRAGMA optimize")
            return {"dialect": "sqlite", "done": ["fts optimize", "analyze"]}
        conn.execute("VACUUM ANALYZE")
    return {"dialect": "postgresql", "done": ["vacuum analyze"]}


def close_abandoned_runs(db: Database, now: dt.datetime | None = None) -> list[int]:
    """Mark ``running`` pipeline runs whose owner is dead (or that have no owner and are a day old) as
    abandoned; return their ids. Runs of live owners and of owners on other hosts are left alone."""
    now = now or utcnow()
    closed = []
    for row in db.query("SELECT id, started_at, owner FROM pipeline_runs WHERE status = 'running'"):
        alive = owner_alive(row["owner"])
        unowned_and_old = row["owner"] is None and now - parse_iso(row["started_at"]) > UNOWNED_RUN_LIMIT
        if alive is False or unowned_and_old:
            with db.transaction() as tx:
                tx.execute("UPDATE pipeline_runs SET status = ?, finished_at = ? WHERE id = ? AND status = 'running'",
                           (STATUS_ABANDONED, iso(now), row["id"]))
            closed.append(int(row["id"]))
    if closed:
        LOGGER.warning("closed pipeline runs left running by killed processes: %s", ", ".join(map(str, closed)))
    return closed


def run_maintenance(db: Database, settings: Settings, *, retention: bool = True, upkeep: bool = True,
                    now: dt.datetime | None = None) -> dict:
    """Everything maintenance does, as a report: abandoned runs closed, dead claims released, retention,
    index upkeep."""
    from archive.frontier import release_stale_claims

    now = now or utcnow()
    report: dict = {"abandoned_runs": close_abandoned_runs(db, now), "released_claims": release_stale_claims(db)}
    if retention:
        cutoff = now - dt.timedelta(days=int(settings.archive.raw_retention_days))
        report["retention"] = {"cutoff": iso(cutoff), "deleted_raw_pages": purge_raw_pages(db, cutoff)}
    if upkeep:
        report["upkeep"] = index_upkeep(db)
    return report

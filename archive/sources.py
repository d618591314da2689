"""Outlets, per-feed conditional-GET state, and per-source run records for source health."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from dataclasses import dataclass, field

from archive.db import Database, in_list, iso, parse_iso, utcnow
from schemas.config import Source
from schemas.settings import Settings


def sync_sources(db: Database, sources: Sequence[Source]) -> None:
    """Upsert the configured outlets; outlets no longer configured are kept (their articles stay) but disabled."""
    now = iso(utcnow())
    ids = [s.id for s in sources]
    with db.transaction() as tx:
        tx.executemany(
            "INSERT INTO sources (id, name, country, languages, grp, config, enabled, updated_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET name = excluded.name,"
            " country = excluded.country, languages = excluded.languages, grp = excluded.grp,"
            " config = excluded.config, enabled = excluded.enabled, updated_at = excluded.updated_at",
            [(s.id, s.name, s.country, json.dumps(s.languages), s.group.value, s.model_dump_json(),
              int(s.enabled), now) for s in sources])
        if ids:
            marks = in_list(ids)
            tx.execute(f"UPDATE sources SET enabled = 0 WHERE id NOT IN ({marks})", ids)


def source_groups(db: Database) -> dict[str, str]:
    """Map of source id → group, for filters and reports."""
    return {r["id"]: r["grp"] for r in db.query("SELECT id, grp FROM sources")}


def source_countries(db: Database) -> dict[str, str]:
    """Map of source id → country (ISO code), for the tagger's look-alike rules."""
    return {r["id"]: r["country"] for r in db.query("SELECT id, country FROM sources")}


def source_names(db: Database) -> dict[str, str]:
    """Map of source id → display name (the web UI and alert mails name outlets, not ids)."""
    return {r["id"]: r["name"] or r["id"] for r in db.query("SELECT id, name FROM sources")}


def source_name(db: Database, source_id: str) -> str | None:
    """One outlet's display name, or None when the source is unknown or unnamed."""
    row = db.one("SELECT name FROM sources WHERE id = ?", (source_id,))
    return row["name"] if row else None


# Feed state (conditional GET) -------------------------------------------------------------------

@dataclass
class FeedState:
    feed_url: str
    source_id: str
    etag: str | None = None
    last_modified: str | None = None
    last_status: int | None = None
    last_fetch_at: dt.datetime | None = None
    last_success_at: dt.datetime | None = None
    last_entry_at: dt.datetime | None = None


def get_feed_state(db: Database, feed_url: str) -> FeedState | None:
    row = db.one("SELECT * FROM feed_state WHERE feed_url = ?", (feed_url,))
    if row is None:
        return None
    return FeedState(row["feed_url"], row["source_id"], row["etag"], row["last_modified"], row["last_status"],
                     parse_iso(row["last_fetch_at"]), parse_iso(row["last_success_at"]), parse_iso(row["last_entry_at"]))


def save_feed_state(db: Database, state: FeedState) -> None:
    with db.transaction() as tx:
        tx.execute(
            "INSERT INTO feed_state (feed_url, source_id, etag, last_modified, last_status, last_fetch_at,"
            " last_success_at, last_entry_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (feed_url) DO UPDATE SET"
            " source_id = excluded.source_id, etag = excluded.etag, last_modified = excluded.last_modified,"
            " last_status = excluded.last_status, last_fetch_at = excluded.last_fetch_at,"
            " last_success_at = excluded.last_success_at, last_entry_at = excluded.last_entry_at",
            (state.feed_url, state.source_id, state.etag, state.last_modified, state.last_status,
             iso(state.last_fetch_at), iso(state.last_success_at), iso(state.last_entry_at)))


# Source runs and health -------------------------------------------------------------------------

@dataclass
class SourceRun:
    """What one stage did for one source in one run."""

    source_id: str
    stage: str
    run_id: int | None = None
    started_at: dt.datetime = field(default_factory=utcnow)
    finished_at: dt.datetime | None = None
    discovered: int = 0
    fetched: int = 0
    failed: int = 0
    new_articles: int = 0
    errors: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


def record_source_run(db: Database, run: SourceRun) -> None:
    with db.transaction() as tx:
        tx.execute(
            "INSERT INTO source_runs (run_id, source_id, stage, started_at, finished_at, discovered, fetched, failed,"
            " new_articles, errors, ok) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (run.run_id, run.source_id, run.stage, iso(run.started_at), iso(run.finished_at or utcnow()),
             run.discovered, run.fetched, run.failed, run.new_articles, json.dumps(run.errors, ensure_ascii=False),
             int(run.ok)))


def start_pipeline_run(db: Database, stages: Sequence[str], owner: str | None = None) -> int:
    """Record a run as ``running``, owned by ``owner`` (host:pid) so a killed run can be closed later."""
    with db.transaction() as tx:
        return tx.insert_id("INSERT INTO pipeline_runs (started_at, stages, status, owner) VALUES (?, ?, ?, ?)"
                            " RETURNING id", (iso(utcnow()), ",".join(stages), "running", owner))


def finish_pipeline_run(db: Database, run_id: int, status: str, stats: dict) -> None:
    with db.transaction() as tx:
        tx.execute("UPDATE pipeline_runs SET finished_at = ?, status = ?, stats = ? WHERE id = ?",
                   (iso(utcnow()), status, json.dumps(stats, ensure_ascii=False, default=str), run_id))


def last_pipeline_run(db: Database) -> dict | None:
    row = db.one("SELECT * FROM pipeline_runs ORDER BY id DESC LIMIT 1")
    if row:
        row["stats"] = json.loads(row["stats"] or "{}")
    return row


# Paths into an outlet (fallbacks, issue 19) -----------------------------------------------------

def path_states(db: Database, source_id: str) -> dict:
    """The remembered state of each path of one outlet, by path key (:class:`crawlers.fallbacks.PathState`)."""
    from crawlers.fallbacks import PathState

    rows = db.query("SELECT path_key, failing_runs, last_error, last_found, last_run_at, last_success_at"
                    " FROM source_paths WHERE source_id = ?", (source_id,))
    return {r["path_key"]: PathState(r["path_key"], int(r["failing_runs"]), r["last_error"],
                                     parse_iso(r["last_run_at"]), parse_iso(r["last_success_at"]),
                                     int(r["last_found"] or 0)) for r in rows}


def save_path_state(db: Database, source_id: str, label: str, state) -> None:
    """Upsert one path's state after a discovery run."""
    with db.transaction() as tx:
        tx.execute(
            "INSERT INTO source_paths (source_id, path_key, label, failing_runs, last_error, last_found, last_run_at,"
            " last_success_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (source_id, path_key) DO UPDATE SET"
            " label = excluded.label, failing_runs = excluded.failing_runs, last_error = excluded.last_error,"
            " last_found = excluded.last_found, last_run_at = excluded.last_run_at,"
            " last_success_at = excluded.last_success_at",
            (source_id, state.key, label, state.failing_runs, state.last_error, state.last_found,
             iso(state.last_run_at), iso(state.last_success_at)))


def active_path(db: Database, source: Source, settings: Settings) -> dict:
    """Which path of an outlet discovery uses now and why, with every path's streak (the health view's words)."""
    from crawlers.fallbacks import choose_path, source_paths

    paths = source_paths(source, str(settings.crawl.google_news_url))
    states = path_states(db, source.id)
    choice = choose_path(paths, states, int(settings.crawl.fallback_after_runs))
    return {
        "active_path": choice.active.label if choice.active else None,
        "active_reason": choice.reason,
        "unavailable": choice.unavailable,
        "paths": [{"label": p.label, "urls": p.urls, "failing_runs": states[p.key].failing_runs if p.key in states else 0,
                   "last_error": states[p.key].last_error if p.key in states else None} for p in paths],
    }

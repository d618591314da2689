"""The frontier: the work queue of URLs and their states, claimed in batches and completed atomically.

A stage claims a batch (a lease with an owner and an expiry), works outside any transaction, then writes
its results and the new states in one transaction, guarded by the lease. A killed stage leaves only a
lease behind: ``release_stale_claims`` frees leases of dead local processes at once, others on expiry.
On PostgreSQL claims use ``FOR UPDATE SKIP LOCKED`` so parallel workers never take the same URL.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import socket
from collections.abc import Iterable, Sequence

from archive.db import Database, Tx, in_list, iso, parse_iso, utcnow
from archive.owners import owner_alive, owner_id
from schemas.records import DiscoveredUrl, FrontierEntry, FrontierState

LOGGER = logging.getLogger(__name__)

RETRY_BACKOFF_S = (60, 600, 3600)
# Scrapy silently drops longer URLs (and browsers and servers commonly refuse them): such an entry
# would be claimed on every run and never finish, so it is recorded as failed at once.
MAX_URL_LENGTH = 2083


# Discovery paths whose listing says "this is an article" (extract.article weighs them); SQL literal list.
ARTICLE_HINTS = ("feed", "news_sitemap")
ARTICLE_HINTS_SQL = ", ".join(f"'{v}'" for v in ARTICLE_HINTS)


def worker_id() -> str:
    """Identity of this process as a lease owner: host and pid, so dead local owners can be detected."""
    return owner_id()


def _entry(row: dict) -> FrontierEntry:
    return FrontierEntry(
        id=int(row["id"]), url=row["url"], canonical_url=row["canonical_url"], source_id=row["source_id"],
        state=FrontierState(row["state"]), attempts=row["attempts"], last_error=row["last_error"], via=row["via"],
        discovered_at=parse_iso(row["discovered_at"]), hints=json.loads(row["hints"] or "{}"),
    )


def _hints(item: DiscoveredUrl) -> str:
    hints = {"title": item.title, "published": iso(item.published), "summary": item.summary}
    return json.dumps({k: v for k, v in hints.items() if v}, ensure_ascii=False)


def add_urls(db: Database, items: Iterable[DiscoveredUrl], canonicalize=None) -> int:
    """Insert discovered URLs as ``new`` (canonical URL unique: known spellings are ignored); return how many were new."""
    now = iso(utcnow())
    rows = []
    seen: set[str] = set()
    for item in items:
        canonical = canonicalize(item.url) if canonicalize else item.url
        if canonical in seen:
            continue
        seen.add(canonical)
        too_long = len(item.url) > MAX_URL_LENGTH or len(canonical) > MAX_URL_LENGTH
        rows.append((item.url, canonical, item.source_id, item.via,
                     (FrontierState.FAILED if too_long else FrontierState.NEW).value, _hints(item),
                     f"url too long ({len(item.url)} characters)" if too_long else None, now, now))
    if not rows:
        return 0
    with db.transaction() as tx:
        before = tx.scalar("SELECT COUNT(*) FROM frontier")
        tx.executemany(
            "INSERT INTO frontier (url, canonical_url, source_id, via, state, hints, last_error, discovered_at,"
            " updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (canonical_url) DO UPDATE SET via = excluded.via"
            # A URL found on a section page first and then in a feed keeps the feed's article hint (issue 14).
            f" WHERE frontier.via NOT IN ({ARTICLE_HINTS_SQL}) AND excluded.via IN ({ARTICLE_HINTS_SQL})",
            rows,
        )
        after = tx.scalar("SELECT COUNT(*) FROM frontier")
    return int(after) - int(before)


def _due_where(state: FrontierState, now: dt.datetime, source_ids: Sequence[str] | None = None) -> tuple[str, list]:
    """The one definition of due work: entries in ``state`` that nobody holds and whose retry time has come."""
    conditions = ["state = ?", "(lease_until IS NULL OR lease_until < ?)",
                  "(next_attempt_at IS NULL OR next_attempt_at <= ?)"]
    params: list = [state.value, iso(now), iso(now)]
    if source_ids:
        conditions.append(f"source_id IN ({in_list(source_ids)})")
        params.extend(source_ids)
    return " AND ".join(conditions), params


def due_counts(db: Database, state: FrontierState, source_ids: Sequence[str] | None = None) -> dict[str, int]:
    """How many entries in ``state`` are due per outlet (all outlets with due work when ``source_ids`` is None)."""
    where, params = _due_where(state, utcnow(), source_ids)
    rows = db.query(f"SELECT source_id, COUNT(*) AS n FROM frontier WHERE {where} GROUP BY source_id", params)
    return {r["source_id"]: int(r["n"]) for r in rows}


def release_owner_claims(db: Database, owner: str, state: FrontierState) -> list[tuple[int, str]]:
    """Drop ``owner``'s leases on entries still in ``state``; return (entry id, source id) of each freed entry."""
    params = (owner, state.value)
    with db.transaction() as tx:
        rows = tx.all("SELECT id, source_id FROM frontier WHERE lease_owner = ? AND state = ?", params)
        tx.execute("UPDATE frontier SET lease_owner = NULL, lease_until = NULL WHERE lease_owner = ? AND state = ?",
                   params)
    return [(int(r["id"]), r["source_id"]) for r in rows]


def with_raw_page(db: Database, states: Sequence[str], source_id: str | None = None,
                  fetched_since: dt.datetime | None = None) -> list[int]:
    """Ids of entries in ``states`` that have a stored raw page, optionally of one outlet and fetched since then."""
    conditions = ["raw_pages.body IS NOT NULL", f"frontier.state IN ({in_list(states)})"]
    params: list = list(states)
    if source_id:
        conditions.append("frontier.source_id = ?")
        params.append(source_id)
    if fetched_since:
        conditions.append("raw_pages.fetched_at >= ?")
        params.append(iso(fetched_since))
    rows = db.query("SELECT frontier.id FROM frontier JOIN raw_pages ON raw_pages.frontier_id = frontier.id"
                    f" WHERE {' AND '.join(conditions)} ORDER BY frontier.id", params)
    return [int(r["id"]) for r in rows]


def clear_backoff(db: Database, ids: Sequence[int]) -> None:
    """Give entries a fresh start: no waiting retry, attempts from zero (a new extractor may succeed)."""
    now = iso(utcnow())
    with db.transaction() as tx:
        tx.executemany("UPDATE frontier SET next_attempt_at = NULL, attempts = 0, updated_at = ? WHERE id = ?",
                       [(now, i) for i in ids])


def claim(db: Database, state: FrontierState, limit: int, owner: str, lease_s: int = 900,
          source_ids: Sequence[str] | None = None) -> list[FrontierEntry]:
    """Lease up to ``limit`` entries in ``state`` that nobody holds and that are due."""
    now = utcnow()
    until = iso(now + dt.timedelta(seconds=lease_s))
    where, params = _due_where(state, now, source_ids)
    with db.transaction() as tx:
        if db.dialect == "postgresql":
            rows = tx.all(
                f"UPDATE frontier SET lease_owner = ?, lease_until = ? WHERE id IN ("
                f"SELECT id FROM frontier WHERE {where} ORDER BY id LIMIT ? FOR UPDATE SKIP LOCKED) RETURNING *",
                [owner, until, *params, limit])
        else:
            ids = [r["id"] for r in tx.all(f"SELECT id FROM frontier WHERE {where} ORDER BY id LIMIT ?",
                                           [*params, limit])]
            if not ids:
                return []
            marks = in_list(ids)
            tx.execute(f"UPDATE frontier SET lease_owner = ?, lease_until = ? WHERE id IN ({marks})",
                       [owner, until, *ids])
            rows = tx.all(f"SELECT * FROM frontier WHERE id IN ({marks})", ids)
    return sorted((_entry(r) for r in rows), key=lambda e: e.id)


def release_stale_claims(db: Database) -> int:
    """Free leases held by processes of this host that no longer run (gone, or killed and not yet reaped:
    a zombie never finishes its work); return how many were freed."""
    host = socket.gethostname()
    rows = db.query("SELECT DISTINCT lease_owner FROM frontier WHERE lease_owner LIKE ?", (f"{host}:%",))
    dead = [r["lease_owner"] for r in rows if owner_alive(r["lease_owner"]) is False]
    freed = 0
    for owner in dead:
        with db.transaction() as tx:
            cur = tx.execute("UPDATE frontier SET lease_owner = NULL, lease_until = NULL WHERE lease_owner = ?", (owner,))
            freed += cur.rowcount or 0
    if freed:
        LOGGER.warning("released %d claims left by dead workers %s", freed, ", ".join(dead))
    return freed


def set_state(tx: Tx, entry_id: int, state: FrontierState, owner: str | None, *, error: str | None = None,
              content_hash: str | None = None, count_attempt: bool = False) -> bool:
    """Move one entry to ``state`` and drop its lease; False when the lease was lost to another worker."""
    now = iso(utcnow())
    guard = " AND (lease_owner = ? OR lease_owner IS NULL)" if owner else ""
    params = [state.value, error, now, *( [content_hash] if content_hash else [] ), entry_id, *([owner] if owner else [])]
    sets = "state = ?, last_error = ?, updated_at = ?, lease_owner = NULL, lease_until = NULL, next_attempt_at = NULL"
    if content_hash:
        sets += ", content_hash = ?"
    if count_attempt:
        sets += ", attempts = attempts + 1"
    cur = tx.execute(f"UPDATE frontier SET {sets} WHERE id = ?{guard}", params)
    return (cur.rowcount or 0) == 1


def adopt_canonical(db: Database, entry: FrontierEntry, declared: str | None, owner: str | None) -> int | None:
    """Re-key an entry to the canonical URL its page declares; if another entry holds it, mark this one a
    duplicate (``not_article``) and return the other's id."""
    if not declared or declared == entry.canonical_url:
        return None
    with db.transaction() as tx:
        other = tx.one("SELECT id FROM frontier WHERE canonical_url = ? AND id <> ?", (declared, entry.id))
        if other is not None:
            other_id = int(other["id"])
            set_state(tx, entry.id, FrontierState.NOT_ARTICLE, owner,
                      error=f"duplicate of {other_id} (same canonical URL {declared})")
            return other_id
        tx.execute("UPDATE frontier SET canonical_url = ?, updated_at = ? WHERE id = ?",
                   (declared, iso(utcnow()), entry.id))
    return None


def record_failure(db: Database, entry: FrontierEntry, error: str, owner: str | None, *, retryable: bool,
                   max_attempts: int = 3) -> FrontierState:
    """Count an attempt; a retryable error goes back to its state with a backoff until attempts run out."""
    attempts = entry.attempts + 1
    with db.transaction() as tx:
        if retryable and attempts < max_attempts:
            delay = RETRY_BACKOFF_S[min(attempts - 1, len(RETRY_BACKOFF_S) - 1)]
            tx.execute(
                "UPDATE frontier SET attempts = ?, last_error = ?, updated_at = ?, lease_owner = NULL, lease_until = NULL,"
                " next_attempt_at = ? WHERE id = ?",
                (attempts, error, iso(utcnow()), iso(utcnow() + dt.timedelta(seconds=delay)), entry.id))
            return entry.state
        tx.execute(
            "UPDATE frontier SET state = ?, attempts = ?, last_error = ?, updated_at = ?, lease_owner = NULL,"
            " lease_until = NULL, next_attempt_at = NULL WHERE id = ?",
            (FrontierState.FAILED.value, attempts, error, iso(utcnow()), entry.id))
    return FrontierState.FAILED


def counts_by_state(db: Database) -> dict[str, int]:
    rows = db.query("SELECT state, COUNT(*) AS n FROM frontier GROUP BY state")
    return {r["state"]: int(r["n"]) for r in rows}


def get_entry(db: Database, entry_id: int) -> FrontierEntry | None:
    row = db.one("SELECT * FROM frontier WHERE id = ?", (entry_id,))
    return _entry(row) if row else None


def find_by_canonical(db: Database, canonical_url: str) -> FrontierEntry | None:
    row = db.one("SELECT * FROM frontier WHERE canonical_url = ?", (canonical_url,))
    return _entry(row) if row else None


def reset_to(db: Database, ids: Sequence[int], state: FrontierState) -> None:
    """Put entries back into ``state`` (used by re-extraction and re-tagging)."""
    if not ids:
        return
    now = iso(utcnow())
    with db.transaction() as tx:
        tx.executemany("UPDATE frontier SET state = ?, updated_at = ?, lease_owner = NULL, lease_until = NULL"
                       " WHERE id = ?", [(state.value, now, i) for i in ids])

"""Storage side of the crawl: frontier claims for the fetch spider, and what the pipelines write.

Everything here goes through the archive modules (``archive.frontier``, ``archive.articles``,
``archive.sources``); the only SQL of its own is adopting a page's declared canonical URL, which must
check and update the unique ``canonical_url`` in one transaction.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

from archive.articles import record_fetched
from archive.db import Database, utcnow
from archive.frontier import add_urls, adopt_canonical, claim, due_counts, record_failure, release_owner_claims
from archive.sources import FeedState, get_feed_state, save_feed_state
from crawlers.canonical import canonicalize_url
from crawlers.items import DiscoveryOutcome, FetchedPage, FetchFailure
from schemas.records import DiscoveredUrl, FrontierEntry, FrontierState

LOGGER = logging.getLogger(__name__)

DISCOVERY_FLUSH = 200


@dataclass
class SourceTally:
    """Per-source counters of one crawl, written to the summary the stage runner reads."""

    found: int = 0
    discovered: int = 0
    capped: int = 0
    not_modified: int = 0
    fetched: int = 0
    failed: int = 0
    retry_later: int = 0
    duplicates: int = 0
    skipped_robots: int = 0
    left_for_next_run: int = 0  # claimed but not tried: slow source or the crawl's time limit
    failed_by_reason: Counter = field(default_factory=Counter)
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        out = {k: v for k, v in self.__dict__.items() if k != "failed_by_reason"}
        out["failed_by_reason"] = dict(self.failed_by_reason)
        return out


class FrontierQueue:
    """Claims ``new`` frontier entries round-robin per source, so every host has work queued at once.

    With a ``store``, sources it has given up on for this crawl are not claimed for, and an entry already
    tried in this crawl is held (not requested again) until the crawl ends: a retryable failure is due
    again after a minute, and a long crawl would otherwise try a trickling page twice (issue 14).
    """

    def __init__(self, db: Database, owner: str, source_ids: Sequence[str], per_source: int, lease_s: int,
                 max_entries: int | None = None, store: CrawlStore | None = None,
                 max_per_source: int | None = None):
        self.db = db
        self.owner = owner
        self.source_ids = list(source_ids)
        self.per_source = per_source
        self.lease_s = lease_s
        self.remaining = max_entries
        self.claimed = 0
        self.store = store
        # Bounds one crawl's work per outlet like discovery's MAX_URLS_PER_SOURCE; the rest waits for the next run.
        self.max_per_source = max_per_source
        self._per_source: Counter = Counter()

    def _due_sources(self) -> list[str]:
        due = due_counts(self.db, FrontierState.NEW)
        given_up = self.store.tripped if self.store is not None else {}
        return [s for s in self.source_ids if s in due and s not in given_up]

    def claim_round(self) -> list[FrontierEntry]:
        """Claim up to ``per_source`` due entries of every source; interleaved by source.

        Entries already tried in this crawl stay held; when a round held nothing but those, claim again
        (they are leased now, so the next claim reaches past them).
        """
        while True:
            claimed, entries = self._claim_once()
            if entries or not claimed:
                return entries

    def _claim_once(self) -> tuple[int, list[FrontierEntry]]:
        if self.remaining is not None and self.remaining <= 0:
            return 0, []
        batches = []
        for source_id in self._due_sources():
            limit = self.per_source if self.remaining is None else min(self.per_source, self.remaining)
            if self.remaining is not None and limit <= 0:
                break
            if self.max_per_source is not None:
                limit = min(limit, self.max_per_source - self._per_source[source_id])
            if limit <= 0:
                continue
            batch = claim(self.db, FrontierState.NEW, limit, self.owner, self.lease_s, source_ids=[source_id])
            self._per_source[source_id] += len(batch)
            batches.append(batch)
            if self.remaining is not None:
                self.remaining -= len(batch)
        entries = [e for group in _interleave(batches) for e in group]
        claimed = len(entries)
        if self.store is not None:
            entries = [e for e in entries if e.id not in self.store.attempted]
        self.claimed += len(entries)
        return claimed, entries


def _interleave(batches: list[list[FrontierEntry]]):
    """[[a1, a2], [b1]] → [[a1], [b1], [a2]] (one entry per source in turn)."""
    longest = max((len(b) for b in batches), default=0)
    for i in range(longest):
        yield [b[i] for b in batches if i < len(b)]


class CrawlStore:
    """Writes pipeline items to the archive and keeps the per-source tally."""

    def __init__(self, db: Database, owner: str, *, max_attempts: int = 3, max_urls_per_source: int = 1000,
                 source_max_timeouts: int = 10):
        self.db = db
        self.owner = owner
        self.max_attempts = max_attempts
        self.max_urls_per_source = max_urls_per_source
        self.source_max_timeouts = source_max_timeouts
        self.tally: dict[str, SourceTally] = {}
        self._pending: dict[str, list[DiscoveredUrl]] = {}
        self._submitted: Counter = Counter()
        self.attempted: set[int] = set()  # frontier ids tried in this crawl (fetched or failed)
        self.tripped: dict[str, str] = {}  # source id → why its remaining URLs wait for the next run
        self._slow_streak: Counter = Counter()
        self._left: set[int] = set()  # frontier ids counted as left for the next run

    def source(self, source_id: str) -> SourceTally:
        return self.tally.setdefault(source_id, SourceTally())

    # Discovery -----------------------------------------------------------------------------------------
    def discovery(self, outcome: DiscoveryOutcome) -> None:
        """Queue an outcome's URLs for the frontier, note its errors, keep a feed's conditional-GET state."""
        tally = self.source(outcome.source_id)
        if outcome.error:
            tally.errors.append(f"{outcome.kind} {outcome.url}: {outcome.error}")
        tally.warnings.extend(f"{outcome.kind} {outcome.url}: {w}" for w in outcome.warnings)
        if outcome.not_modified:
            tally.not_modified += 1
        tally.found += len(outcome.entries)
        room = self.max_urls_per_source - self._submitted[outcome.source_id]
        taken = outcome.entries[: max(room, 0)]
        if len(taken) < len(outcome.entries):
            tally.capped += len(outcome.entries) - len(taken)
        self._submitted[outcome.source_id] += len(taken)
        self._pending.setdefault(outcome.source_id, []).extend(taken)
        if len(self._pending[outcome.source_id]) >= DISCOVERY_FLUSH:
            self.flush(outcome.source_id)
        if outcome.kind == "feed":
            self._save_feed_state(outcome)

    def flush(self, source_id: str | None = None) -> None:
        """Write queued URLs to the frontier (canonical URL unique: known ones are ignored)."""
        for sid in [source_id] if source_id else list(self._pending):
            batch = self._pending.pop(sid, [])
            if batch:
                self.source(sid).discovered += add_urls(self.db, batch, canonicalize=canonicalize_url)

    def _save_feed_state(self, outcome: DiscoveryOutcome) -> None:
        now = utcnow()
        state = get_feed_state(self.db, outcome.url) or FeedState(outcome.url, outcome.source_id)
        state.source_id = outcome.source_id
        state.last_fetch_at = now
        if outcome.status is not None:
            state.last_status = outcome.status
        if outcome.error is None:
            state.last_success_at = now
            if not outcome.not_modified:
                # Validators only from a full 200 answer; a 304 keeps the ones it confirmed.
                state.etag = outcome.etag
                state.last_modified = outcome.last_modified
        newest = outcome.newest_entry
        if isinstance(newest, dt.datetime) and (state.last_entry_at is None or newest > state.last_entry_at):
            state.last_entry_at = newest
        save_feed_state(self.db, state)

    # Fetching ------------------------------------------------------------------------------------------
    def fetched(self, item: FetchedPage) -> None:
        """Store a page; a page whose declared canonical URL is another entry's ends as that entry's duplicate."""
        entry, tally = item.entry, self.source(item.entry.source_id)
        self.attempted.add(entry.id)
        self._slow_streak[entry.source_id] = 0
        duplicate = self._adopt_canonical(entry, item.declared_canonical)
        if duplicate is not None:
            tally.duplicates += 1
            return
        if record_fetched(self.db, entry, item.page, self.owner):
            tally.fetched += 1
        else:
            LOGGER.warning("lease on %s (#%d) lost to another worker; page not stored", entry.url, entry.id)

    def _adopt_canonical(self, entry: FrontierEntry, declared: str | None) -> int | None:
        """Take the page's canonical URL as this entry's key, or mark the entry a duplicate of its owner."""
        other_id = adopt_canonical(self.db, entry, declared, self.owner)
        if other_id is not None:
            LOGGER.info("%s (#%d) declares canonical %s, already #%d: duplicate", entry.url, entry.id, declared,
                        other_id)
        return other_id

    def failed(self, item: FetchFailure) -> None:
        """Record a failed fetch (retryable ones come back after a backoff until max_attempts)."""
        tally = self.source(item.entry.source_id)
        self.attempted.add(item.entry.id)
        self._note_slowness(item)
        if item.kind == "robots":
            tally.skipped_robots += 1
        state = record_failure(self.db, item.entry, item.reason, self.owner, retryable=item.retryable,
                               max_attempts=self.max_attempts)
        if state == FrontierState.FAILED:
            tally.failed += 1
            tally.failed_by_reason[item.kind] += 1
        else:
            tally.retry_later += 1
        LOGGER.info("fetch failed %s (#%d, %s): %s", item.entry.url, item.entry.id, item.entry.source_id, item.reason)

    def _note_slowness(self, item: FetchFailure) -> None:
        """Give up on a source for this crawl after ``source_max_timeouts`` timeouts/broken connections in a row.

        Each such URL costs up to DOWNLOAD_TIMEOUT of a per-host slot; a source serving hundreds of
        trickling pages would otherwise hold the fetch stage (and every outlet's extraction) for hours.
        """
        sid = item.entry.source_id
        if item.kind not in SLOW_KINDS:
            self._slow_streak[sid] = 0
            return
        self._slow_streak[sid] += 1
        if self._slow_streak[sid] >= self.source_max_timeouts > 0 and sid not in self.tripped:
            self.tripped[sid] = (f"slow: {self._slow_streak[sid]} timeouts or broken connections in a row; "
                                 "its other URLs wait for the next run")
            self.source(sid).errors.append(self.tripped[sid])
            LOGGER.warning("source %s: %s", sid, self.tripped[sid])

    def left_for_next_run(self, entry: FrontierEntry) -> None:
        """A claimed entry that this crawl will not try (its source was given up on, or time ran out)."""
        self._count_left(entry.id, entry.source_id)

    def _count_left(self, entry_id: int, source_id: str) -> None:
        if entry_id not in self._left:
            self._left.add(entry_id)
            self.source(source_id).left_for_next_run += 1

    def release_claims(self) -> int:
        """Free this crawl's leases on entries it did not finish, so the next run can take them at once.

        Entries held because this crawl already tried them are not counted as left over.
        """
        freed = release_owner_claims(self.db, self.owner, FrontierState.NEW)
        for entry_id, source_id in freed:
            if entry_id not in self.attempted:
                self._count_left(entry_id, source_id)
        return len(freed)

    def summary(self) -> dict:
        self.flush()
        return {sid: t.as_dict() for sid, t in sorted(self.tally.items())}


# Failure kinds that cost a per-host slot up to the download timeout (see CrawlStore._note_slowness).
SLOW_KINDS = frozenset({"timeout", "connection"})

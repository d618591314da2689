"""Cluster stage: tagged articles without a cluster join a story of the last ``cluster_window_days`` or start one.

Per batch (oldest articles first): signatures are computed outside any lock and stored (idempotent
upserts); then, in one transaction holding the clustering lock (SQLite: the write lock of BEGIN IMMEDIATE;
PostgreSQL: an advisory lock), the articles still without a cluster are assigned, new clusters created and
the touched clusters' summaries recomputed. The in-memory LSH index is only a cache of the archive's
signatures: it is rebuilt from them when absent, when another worker has written clusters since (the
``cluster_state`` generation changed), or when the batch moves outside the window it covers. Two runs at
once therefore give the same clusters as one run, and a re-run finds nothing to do.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from archive.clusters import (
    assign_articles,
    bump_generation,
    cluster_spans,
    create_cluster,
    generation,
    indexed_members,
    lock_clustering,
    pending_articles,
    refresh_clusters,
    still_pending,
    store_signatures,
)
from archive.db import Database, Tx, parse_iso
from nlp.cluster import ClusterOptions, Engine, Item, Signer, signature_from_blob
from odjek.runner import StageContext, StageReport
from odjek.settings import Settings

LOGGER = logging.getLogger(__name__)

NAME = "cluster"
ORDER = 50
BATCH_SIZE = 5000  # articles per locked transaction: keeps SQLite's write lock well under its 30 s busy timeout


def options_from_settings(settings: Settings) -> ClusterOptions:
    """Clustering options; only the window is a deployment setting, the rest is calibrated (docs/clustering.md)."""
    return ClusterOptions(window_days=float(settings.tag.cluster_window_days))


def _epoch(value: str | dt.datetime | None) -> float:
    parsed = parse_iso(value)
    return parsed.timestamp() if parsed else 0.0


@dataclass
class ClusterRun:
    """What one clustering run did."""

    assigned: int = 0
    new_clusters: int = 0
    joined: int = 0
    unsigned: int = 0  # too short to compare: a story of their own
    signed: int = 0
    rebuilds: int = 0
    per_source: dict[str, dict[str, int]] = field(default_factory=dict)


class ArchiveIndex:
    """The engine, kept in step with the archive: rebuilt from stored signatures whenever it may be stale."""

    def __init__(self, options: ClusterOptions):
        self.options = options
        self.engine: Engine | None = None
        self.generation: int | None = None
        self.since: dt.datetime | None = None

    def ensure(self, tx: Tx, since: dt.datetime) -> bool:
        """Make the engine current for articles seen from ``since + window``; True when it was rebuilt."""
        window = dt.timedelta(days=self.options.window_days)
        current = generation(tx)
        if (self.engine is not None and current == self.generation and self.since <= since
                and since - self.since <= window):
            return False
        self.rebuild(tx, since, current)
        return True

    def rebuild(self, tx: Tx, since: dt.datetime, current: int) -> None:
        """Load the signed members of clusters last seen since ``since`` and those clusters' spans."""
        engine = Engine(self.options)
        rows = indexed_members(tx, since, self.options.scheme)
        engine.add_members([r["id"] for r in rows], [r["cluster_id"] for r in rows], [r["source_id"] for r in rows],
                           [signature_from_blob(r["signature"], r["shingle_count"], r["word_count"]) for r in rows])
        for span in cluster_spans(tx, since):
            engine.set_span(int(span["id"]), _epoch(span["first_seen"]), _epoch(span["last_seen"]))
        LOGGER.info("cluster index rebuilt from the archive: %d signatures since %s", len(rows), since.isoformat())
        self.engine, self.generation, self.since = engine, current, since

    def invalidate(self) -> None:
        self.engine = None


def sign_missing(db: Database, rows: Sequence[dict], signer: Signer) -> int:
    """Compute and store signatures of rows without one of the current scheme; returns how many were stored."""
    scheme = signer.options.scheme
    stored = []
    for row in rows:
        if row.get("scheme") == scheme:
            continue
        signature = signer.sign(row["title"], row["text"])
        if signature is not None:
            stored.append((int(row["id"]), signature.to_blob(), signature.shingle_count, signature.word_count))
    store_signatures(db, stored, scheme)
    return len(stored)


def assign_batch(db: Database, article_ids: Sequence[int], index: ArchiveIndex, run: ClusterRun,
                 preferred_sources: Iterable[str] = ()) -> int:
    """Assign the articles still without a cluster, under the clustering lock; returns how many were assigned."""
    options = index.options
    with db.transaction() as tx:
        lock_clustering(tx)
        rows = still_pending(tx, article_ids, options.scheme)
        if not rows:
            return 0
        items = [Item(int(r["id"]), r["source_id"], _epoch(r["seen"]),
                      signature_from_blob(r["signature"], r["shingle_count"], r["word_count"])
                      if r["signature"] is not None else None) for r in rows]
        earliest = min(parse_iso(r["seen"]) for r in rows if r["seen"]) if any(r["seen"] for r in rows) else None
        since = (earliest or dt.datetime(1970, 1, 1, tzinfo=dt.UTC)) - dt.timedelta(days=options.window_days)
        try:
            run.rebuilds += index.ensure(tx, since)
            assignments = index.engine.assign(items)
            seen_of = {int(r["id"]): r["seen"] for r in rows}
            source_of = {int(r["id"]): r["source_id"] for r in rows}
            mapping: dict[int, int] = {}
            for a in assignments:
                if a.new and a.cluster_id not in mapping:
                    mapping[a.cluster_id] = create_cluster(tx, seen_of[a.article_id])
            index.engine.rename_clusters(mapping)
            pairs = [(a.article_id, mapping.get(a.cluster_id, a.cluster_id)) for a in assignments]
            assign_articles(tx, pairs)
            refresh_clusters(tx, {cid for _, cid in pairs}, preferred_sources)
            index.generation = bump_generation(tx)
        except BaseException:
            index.invalidate()  # the engine saw assignments the archive will not have
            raise
    signed = {it.article_id for it in items if it.signature is not None}
    for a in assignments:
        key = "new_cluster" if a.new else "joined"
        bucket = run.per_source.setdefault(source_of[a.article_id], {})
        bucket[key] = bucket.get(key, 0) + 1
        run.new_clusters += a.new
        run.joined += not a.new
        run.unsigned += a.article_id not in signed
    run.assigned += len(assignments)
    return len(assignments)


def cluster_articles(db: Database, options: ClusterOptions, *, batch_size: int = BATCH_SIZE,
                     preferred_sources: Iterable[str] = (), progress=None) -> ClusterRun:
    """Cluster every pending article (tagged, an article, no cluster yet), batch by batch, oldest first."""
    run = ClusterRun()
    signer = Signer(options)
    index = ArchiveIndex(options)
    preferred = tuple(preferred_sources)
    attempted: set[int] = set()
    while True:
        rows = pending_articles(db, batch_size)
        ids = [int(r["id"]) for r in rows]
        if not rows or attempted.issuperset(ids):
            break  # nothing left (or only articles this run already placed and another run is still writing)
        attempted.update(ids)
        run.signed += sign_missing(db, rows, signer)
        assign_batch(db, ids, index, run, preferred)
        if progress:
            progress(NAME, run.assigned, None)
    LOGGER.info("clustered %d articles: %d new clusters, %d joined, %d too short, %d index rebuilds",
                run.assigned, run.new_clusters, run.joined, run.unsigned, run.rebuilds)
    return run


def run(ctx: StageContext) -> StageReport:
    """The stage: cluster all pending articles (clustering is global, so ``ctx.source_ids`` does not apply)."""
    result = cluster_articles(ctx.db, options_from_settings(ctx.settings), progress=ctx.report_progress)
    return StageReport(stage=NAME, processed=result.assigned, succeeded=result.assigned, failed=0,
                       details={"new_clusters": result.new_clusters, "joined": result.joined,
                                "too_short": result.unsigned, "signed": result.signed,
                                "index_rebuilds": result.rebuilds},
                       per_source=result.per_source)

"""Story clusters in the archive: reading them (search, web UI, digests) and the writes of the cluster stage.

Public reading API (names are stable; documented in ``docs/clustering.md``):

- ``get_cluster(db, cluster_id)`` → :class:`Cluster` or None
- ``cluster_of_article(db, article_id)`` → the article's :class:`Cluster` or None (not clustered yet)
- ``siblings(db, article_id)`` → the other articles of its cluster, earliest first
- ``clusters_between(db, start, end, min_outlets=1, limit=None)`` → clusters seen in [start, end), most
  outlets first
- ``get_clusters(db, cluster_ids)`` → {id: Cluster}, and ``cluster_ids_of(db, article_ids)`` → {article: cluster}

A cluster's time is when its articles were seen: ``COALESCE(published, extracted_at)``. The representative
is the earliest article (the originating outlet publishes first; agencies are copied, not copying), with
articles of ``preferred_sources`` first when given, ties to the lowest article id.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable, Sequence

from archive.articles import get_articles
from archive.db import Database, Tx, in_list, iso, parse_iso, utcnow
from schemas.records import Article, Cluster

LOGGER = logging.getLogger(__name__)

SEEN = "COALESCE(a.published, a.extracted_at)"
# pg_advisory_xact_lock key for the cluster stage: b"odjekcl" as a number (any fixed 64-bit value works).
ADVISORY_LOCK_KEY = int.from_bytes(b"odjekcl", "big")
IN_CHUNK = 900  # ids per IN (...) list, under SQLite's variable limit on old builds


def _chunks(values: Sequence, size: int = IN_CHUNK) -> Iterable[Sequence]:
    for start in range(0, len(values), size):
        yield values[start:start + size]


# Reading ----------------------------------------------------------------------------------------


def get_clusters(db: Database, cluster_ids: Sequence[int]) -> dict[int, Cluster]:
    """Clusters by id with their members, outlets and merged labels (missing ids are left out)."""
    ids = sorted({int(c) for c in cluster_ids})
    rows, members, labels = [], [], []
    for part in _chunks(ids):
        rows += db.query(f"SELECT id, representative_article_id, first_seen, last_seen FROM clusters"
                         f" WHERE id IN ({in_list(part)})", list(part))
        members += db.query(f"SELECT a.id, a.cluster_id, a.source_id, {SEEN} AS seen FROM articles a"
                            f" WHERE a.cluster_id IN ({in_list(part)})", list(part))
        labels += db.query(f"SELECT a.cluster_id, l.label FROM labels l JOIN articles a ON a.id = l.article_id"
                           f" WHERE a.cluster_id IN ({in_list(part)})", list(part))
    by_cluster: dict[int, list[dict]] = {}
    for m in sorted(members, key=lambda m: (m["seen"] or "", m["id"])):
        by_cluster.setdefault(int(m["cluster_id"]), []).append(m)
    label_counts: dict[int, dict[str, int]] = {}
    for row in labels:
        counts = label_counts.setdefault(int(row["cluster_id"]), {})
        counts[row["label"]] = counts.get(row["label"], 0) + 1
    out = {}
    for row in rows:
        cid = int(row["id"])
        group = by_cluster.get(cid, [])
        counts = label_counts.get(cid, {})
        outlets: list[str] = []
        for m in group:
            if m["source_id"] not in outlets:
                outlets.append(m["source_id"])
        out[cid] = Cluster(
            id=cid, representative_article_id=int(row["representative_article_id"] or 0),
            article_ids=[int(m["id"]) for m in group], outlets=outlets,
            first_seen=parse_iso(row["first_seen"]), last_seen=parse_iso(row["last_seen"]),
            labels=sorted(counts, key=lambda lab: (-counts[lab], lab)), label_counts=counts)
    return out


def get_cluster(db: Database, cluster_id: int) -> Cluster | None:
    """One cluster: representative, member article ids (earliest first), outlets, first/last seen, labels."""
    return get_clusters(db, [cluster_id]).get(int(cluster_id))


def cluster_ids_of(db: Database, article_ids: Sequence[int]) -> dict[int, int]:
    """Article id → cluster id, for the given articles that are clustered."""
    out: dict[int, int] = {}
    ids = sorted({int(a) for a in article_ids})
    for part in _chunks(ids):
        for row in db.query(f"SELECT id, cluster_id FROM articles WHERE cluster_id IS NOT NULL"
                            f" AND id IN ({in_list(part)})", list(part)):
            out[int(row["id"])] = int(row["cluster_id"])
    return out


def cluster_of_article(db: Database, article_id: int) -> Cluster | None:
    """The cluster an article belongs to, or None when it has not been clustered (yet)."""
    cluster_id = cluster_ids_of(db, [article_id]).get(int(article_id))
    return None if cluster_id is None else get_cluster(db, cluster_id)


def siblings(db: Database, article_id: int) -> list[Article]:
    """The other articles of the article's story (its cluster), earliest first; [] when alone or unclustered."""
    cluster = cluster_of_article(db, article_id)
    if cluster is None:
        return []
    order = {aid: n for n, aid in enumerate(cluster.article_ids)}
    others = list(get_articles(db, [i for i in cluster.article_ids if i != int(article_id)]))
    return sorted(others, key=lambda a: order[a.id])


def clusters_between(db: Database, start: dt.datetime, end: dt.datetime, *, min_outlets: int = 1,
                     limit: int | None = None) -> list[Cluster]:
    """Clusters with an article seen in [start, end), most outlets first (then most articles, earliest)."""
    # The span test is implied by the EXISTS and lets the last_seen index narrow the clusters first.
    sql = (f"SELECT c.id, c.outlet_count, c.size, c.first_seen FROM clusters c WHERE c.outlet_count >= ?"
           f" AND c.last_seen >= ? AND c.first_seen < ?"
           f" AND EXISTS (SELECT 1 FROM articles a WHERE a.cluster_id = c.id AND {SEEN} >= ? AND {SEEN} < ?)"
           f" ORDER BY c.outlet_count DESC, c.size DESC, c.first_seen, c.id")
    params: list = [int(min_outlets), iso(start), iso(end), iso(start), iso(end)]
    if limit is not None:
        sql += " LIMIT ?"
        params.append(int(limit))
    ids = [int(r["id"]) for r in db.query(sql, params)]
    found = get_clusters(db, ids)
    return [found[i] for i in ids if i in found]


# Writing (the cluster stage) ----------------------------------------------------------------------


def lock_clustering(tx: Tx) -> None:
    """Serialise cluster assignment across workers for the rest of the transaction.

    SQLite: the transaction already holds the database write lock (BEGIN IMMEDIATE). PostgreSQL: a
    transaction-scoped advisory lock, so the rest of the pipeline keeps writing meanwhile.
    """
    if tx.db.dialect == "postgresql":
        tx.execute("SELECT pg_advisory_xact_lock(?)", (ADVISORY_LOCK_KEY,))


def generation(tx: Tx) -> int:
    """How many cluster writes the archive has seen; a cached index is current while it is unchanged."""
    return int(tx.scalar("SELECT value FROM cluster_state WHERE name = 'generation'") or 0)


def bump_generation(tx: Tx) -> int:
    """Record a cluster write (inside the writing transaction) and return the new generation."""
    # An upsert, not an UPDATE of the seeded row: the row may be gone (tables emptied), and a lost bump
    # would let another worker keep a stale index.
    tx.execute("INSERT INTO cluster_state (name, value) VALUES ('generation', 1)"
               " ON CONFLICT (name) DO UPDATE SET value = cluster_state.value + 1")
    return generation(tx)


def pending_articles(db: Database, limit: int, *, with_text: bool = True) -> list[dict]:
    """Tagged articles without a cluster, oldest first: id, source_id, seen, scheme (of a stored signature)."""
    text = ", a.title, a.text" if with_text else ""
    return db.query(
        f"SELECT a.id, a.source_id, {SEEN} AS seen, s.scheme{text} FROM articles a"
        f" LEFT JOIN article_signatures s ON s.article_id = a.id"
        f" WHERE a.is_article = 1 AND a.cluster_id IS NULL AND a.tagged_at IS NOT NULL"
        f" ORDER BY {SEEN}, a.id LIMIT ?", (int(limit),))


def store_signatures(db: Database, rows: Sequence[tuple[int, bytes, int, int]], scheme: str) -> None:
    """Upsert signatures: (article id, blob, shingle count, word count), made under ``scheme``."""
    if not rows:
        return
    now = iso(utcnow())
    with db.transaction() as tx:
        tx.executemany(
            "INSERT INTO article_signatures (article_id, signature, shingle_count, word_count, scheme, created_at)"
            " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (article_id) DO UPDATE SET signature = excluded.signature,"
            " shingle_count = excluded.shingle_count, word_count = excluded.word_count, scheme = excluded.scheme,"
            " created_at = excluded.created_at",
            [(aid, blob, shingles, words, scheme, now) for aid, blob, shingles, words in rows])


def still_pending(tx: Tx, article_ids: Sequence[int], scheme: str) -> list[dict]:
    """Of these articles, those still without a cluster, with their signature (None if absent or stale)."""
    out: list[dict] = []
    ids = sorted({int(a) for a in article_ids})
    for part in _chunks(ids):
        out += tx.all(
            f"SELECT a.id, a.source_id, {SEEN} AS seen, s.signature, s.shingle_count, s.word_count"
            f" FROM articles a LEFT JOIN article_signatures s ON s.article_id = a.id AND s.scheme = ?"
            f" WHERE a.cluster_id IS NULL AND a.is_article = 1 AND a.id IN ({in_list(part)})", [scheme, *part])
    return out


def indexed_members(tx: Tx, since: dt.datetime, scheme: str) -> list[dict]:
    """Signed articles of clusters last seen at or after ``since``: the LSH index is rebuilt from these."""
    return tx.all(
        "SELECT a.id, a.cluster_id, a.source_id, s.signature, s.shingle_count, s.word_count FROM articles a"
        " JOIN article_signatures s ON s.article_id = a.id AND s.scheme = ?"
        " JOIN clusters c ON c.id = a.cluster_id WHERE c.last_seen >= ? ORDER BY a.id", (scheme, iso(since)))


def cluster_spans(tx: Tx, since: dt.datetime) -> list[dict]:
    """id, first_seen, last_seen of clusters last seen at or after ``since``."""
    return tx.all("SELECT id, first_seen, last_seen FROM clusters WHERE last_seen >= ?", (iso(since),))


def create_cluster(tx: Tx, seen: str | None) -> int:
    """A new, empty cluster (filled by ``assign_articles`` and ``refresh_clusters``)."""
    now = iso(utcnow())
    return tx.insert_id("INSERT INTO clusters (first_seen, last_seen, size, outlet_count, created_at, updated_at)"
                        " VALUES (?, ?, 0, 0, ?, ?) RETURNING id", (seen, seen, now, now))


def assign_articles(tx: Tx, pairs: Sequence[tuple[int, int]]) -> None:
    """Set (article id, cluster id); an article already clustered keeps its cluster."""
    tx.executemany("UPDATE articles SET cluster_id = ? WHERE id = ? AND cluster_id IS NULL",
                   [(cluster_id, article_id) for article_id, cluster_id in pairs])


def refresh_clusters(tx: Tx, cluster_ids: Sequence[int], preferred_sources: Iterable[str] = ()) -> None:
    """Recompute size, outlet count, first/last seen and representative of clusters from their articles."""
    preferred = set(preferred_sources)
    now = iso(utcnow())
    ids = sorted({int(c) for c in cluster_ids})
    updates = []
    for part in _chunks(ids):
        members: dict[int, list[dict]] = {}
        for row in tx.all(f"SELECT a.id, a.cluster_id, a.source_id, {SEEN} AS seen FROM articles a"
                          f" WHERE a.cluster_id IN ({in_list(part)})", list(part)):
            members.setdefault(int(row["cluster_id"]), []).append(row)
        for cid in part:
            group = members.get(cid, [])
            if not group:
                continue
            seen = [m["seen"] for m in group if m["seen"]]
            representative = min(group, key=lambda m: (m["source_id"] not in preferred, m["seen"] or "~", m["id"]))
            updates.append((int(representative["id"]), min(seen, default=None), max(seen, default=None), len(group),
                            len({m["source_id"] for m in group}), now, cid))
    tx.executemany("UPDATE clusters SET representative_article_id = ?, first_seen = ?, last_seen = ?, size = ?,"
                   " outlet_count = ?, updated_at = ? WHERE id = ?", updates)

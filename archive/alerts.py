"""Saved-search alerts: which matches were found and which were mailed (``alert_hits``).

A match is recorded before any mail goes out and marked sent only after delivery, so a crashed or retried
run mails the same batch again at most once and never mails an article twice.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from archive.db import Database, in_list, iso, utcnow


def record_hits(db: Database, saved_search_id: int, article_ids: Sequence[int], found: dt.datetime) -> None:
    """Remember matches of one saved search; ones already recorded keep their first finding time."""
    with db.transaction() as tx:
        tx.executemany("INSERT INTO alert_hits (saved_search_id, article_id, found_at) VALUES (?, ?, ?)"
                       " ON CONFLICT (saved_search_id, article_id) DO NOTHING",
                       [(saved_search_id, article_id, iso(found)) for article_id in article_ids])


def unsent_hits(db: Database, saved_search_id: int) -> list[int]:
    """Article ids matched by a saved search and not mailed yet, in id order."""
    rows = db.query("SELECT article_id FROM alert_hits WHERE saved_search_id = ? AND sent_at IS NULL"
                    " ORDER BY article_id", (saved_search_id,))
    return [int(r["article_id"]) for r in rows]


def mark_hits_sent(db: Database, saved_search_id: int, article_ids: Sequence[int]) -> None:
    """Note that these matches went out, so no later run mails them again."""
    if not article_ids:
        return
    with db.transaction() as tx:
        tx.execute("UPDATE alert_hits SET sent_at = ? WHERE saved_search_id = ?"
                   f" AND article_id IN ({in_list(article_ids)})", [iso(utcnow()), saved_search_id, *article_ids])

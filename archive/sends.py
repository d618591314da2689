"""Once-only sends (``sends``): one row per kind, period and recipient, claimed before any SMTP traffic.

A claim carries the process that holds it and a heartbeat (``claimed_at``); a claim whose owner is dead, or
whose heartbeat is older than CLAIM_STALE_S, may be taken over. The Message-ID is fixed at the first claim so
a retry after a crash is recognisably the same message.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from email.utils import make_msgid

from archive.db import Database, in_list, iso, parse_iso, utcnow
from archive.owners import owner_alive, owner_id

LOGGER = logging.getLogger(__name__)

# A claim whose owner cannot be checked (another host) and whose heartbeat is this old belongs to a worker
# that is gone (several missed beats of the mailer's heartbeat, not one).
CLAIM_STALE_S = 60

STATE_CLAIMED, STATE_SENT, STATE_FAILED, STATE_REJECTED = "claimed", "sent", "failed", "rejected"


@dataclass
class Claim:
    """The outcome of claiming one send; truthy when this process may send now."""

    granted: bool
    message_id: str | None = None
    reason: str = ""  # why not granted: "already sent", "being sent by …", "rejected: …"
    permanent: bool = False

    def __bool__(self) -> bool:
        return self.granted


def claim_send(db: Database, kind: str, period: str, recipient: str, resend: bool = False,
               stale_after_s: float = CLAIM_STALE_S, *, message_id: str | None = None) -> Claim:
    """Claim a send for this process and fix its Message-ID; not granted when it was already sent, refused
    for good, or is being sent by a live process (and this is not a deliberate resend)."""
    current = utcnow()
    now, owner = iso(current), owner_id()
    fresh_id = message_id or make_msgid(domain="odjek")
    with db.transaction() as tx:
        row = tx.one("SELECT state, claimed_at, owner, message_id, error FROM sends WHERE kind = ? AND period = ?"
                     " AND recipient = ?", (kind, period, recipient))
        if row is None:
            tx.execute("INSERT INTO sends (kind, period, recipient, state, claimed_at, owner, message_id)"
                       " VALUES (?, ?, ?, ?, ?, ?, ?)", (kind, period, recipient, STATE_CLAIMED, now, owner, fresh_id))
            return Claim(True, fresh_id)
        if not resend:
            if row["state"] == STATE_SENT:
                return Claim(False, row["message_id"], "already sent")
            if row["state"] == STATE_REJECTED:
                return Claim(False, row["message_id"], f"rejected earlier: {row['error']}", permanent=True)
            if row["state"] == STATE_CLAIMED:
                age = (current - parse_iso(row["claimed_at"])).total_seconds()
                alive = owner_alive(row["owner"])
                if alive is not False and age <= stale_after_s:
                    return Claim(False, row["message_id"], f"being sent by {row['owner'] or 'another worker'}")
                LOGGER.warning("taking over the claim of %s for %s %s to %s (claimed at %s, owner %s)",
                               "a dead worker" if alive is False else "a vanished worker", kind, period, recipient,
                               row["claimed_at"], row["owner"])
        # A retry keeps the Message-ID recorded before the first DATA; a deliberate resend is a new message.
        mid = row["message_id"] if row["message_id"] and not resend else fresh_id
        tx.execute("UPDATE sends SET state = ?, claimed_at = ?, owner = ?, message_id = ?, error = NULL"
                   " WHERE kind = ? AND period = ? AND recipient = ?",
                   (STATE_CLAIMED, now, owner, mid, kind, period, recipient))
        return Claim(True, mid)


def finish_send(db: Database, kind: str, period: str, recipient: str, state: str, *,
                 error: str | None = None) -> None:
    """Record one attempt's result and drop the claim (``sent_at`` only when it went out)."""
    with db.transaction() as tx:
        tx.execute("UPDATE sends SET state = ?, error = ?, sent_at = ?, attempts = attempts + 1, owner = NULL"
                   " WHERE kind = ? AND period = ? AND recipient = ?",
                   (state, error, iso(utcnow()) if state == STATE_SENT else None, kind, period, recipient))


def renew_claims(db: Database, kind: str, period: str, owner: str, recipients: Sequence[str]) -> None:
    """Heartbeat: refresh ``owner``'s live claims on these recipients so no other worker takes them over."""
    if not recipients:
        return
    with db.transaction() as tx:
        tx.execute("UPDATE sends SET claimed_at = ? WHERE kind = ? AND period = ? AND owner = ? AND state = ?"
                   f" AND recipient IN ({in_list(recipients)})",
                   (iso(utcnow()), kind, period, owner, STATE_CLAIMED, *recipients))


def sends_for(db: Database, kind: str, period: str) -> list[dict]:
    """Every recipient's send row of one kind and period."""
    return db.query("SELECT * FROM sends WHERE kind = ? AND period = ? ORDER BY recipient", (kind, period))


def last_sends(db: Database, limit: int = 10) -> list[dict]:
    """Most recent deliveries, for `odjek status`."""
    return db.query("SELECT kind, period, recipient, state, sent_at, error FROM sends ORDER BY id DESC LIMIT ?",
                    (limit,))

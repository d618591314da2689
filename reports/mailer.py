"""The one mail path for digests, saved-search alerts and operator alerts.

Each (kind, period, recipient) is claimed in the archive's ``sends`` table before connecting and marked
sent after the server accepts it, so a retried task never sends twice; ``resend=True`` is the operator's
deliberate override. Without SMTP settings the message is written to the outbox folder as ``.eml``.
SMTP failures are retried with backoff, then recorded as ``failed`` with the error (never lost).
A claim left behind by a worker that died mid-send is taken over once it is older than ``CLAIM_STALE_S``.
"""

from __future__ import annotations

import logging
import re
import smtplib
import ssl
import time
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path
from typing import Sequence

from archive.db import Database, iso, parse_iso, utcnow
from odjek.settings import Settings

LOGGER = logging.getLogger(__name__)

SMTP_TIMEOUT_S = 30
SMTP_RETRY_DELAYS_S = (2, 10, 30)
# Longer than any live send can take (4 attempts x SMTP_TIMEOUT_S plus the delays, about 3 minutes), so a
# claim this old belongs to a worker that was killed: the message was never accepted, send it again.
CLAIM_STALE_S = 900


@dataclass
class Delivery:
    recipient: str
    state: str  # "sent" | "written" | "skipped" (already sent) | "failed"
    detail: str = ""


def claim_send(db: Database, kind: str, period: str, recipient: str, resend: bool = False,
               stale_after_s: float = CLAIM_STALE_S) -> bool:
    """Claim a send; False when it was already sent (or is being sent) and this is not a deliberate resend."""
    current = utcnow()
    now = iso(current)
    with db.transaction() as tx:
        row = tx.one("SELECT state, claimed_at FROM sends WHERE kind = ? AND period = ? AND recipient = ?",
                     (kind, period, recipient))
        if row is None:
            tx.execute("INSERT INTO sends (kind, period, recipient, state, claimed_at) VALUES (?, ?, ?, 'claimed', ?)",
                       (kind, period, recipient, now))
            return True
        stale = row["state"] == "claimed" and (current - parse_iso(row["claimed_at"])).total_seconds() > stale_after_s
        if row["state"] in {"sent", "claimed"} and not resend and not stale:
            return False
        if stale:
            LOGGER.warning("taking over a stale claim for %s %s to %s (claimed at %s)", kind, period, recipient,
                           row["claimed_at"])
        tx.execute("UPDATE sends SET state = 'claimed', claimed_at = ?, error = NULL WHERE kind = ? AND period = ?"
                   " AND recipient = ?", (now, kind, period, recipient))
        return True


def _finish_send(db: Database, kind: str, period: str, recipient: str, state: str, *, error: str | None = None,
                 message_id: str | None = None) -> None:
    with db.transaction() as tx:
        tx.execute("UPDATE sends SET state = ?, error = ?, message_id = ?, sent_at = ?, attempts = attempts + 1"
                   " WHERE kind = ? AND period = ? AND recipient = ?",
                   (state, error, message_id, iso(utcnow()) if state == "sent" else None, kind, period, recipient))


def _safe_name(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", text)[:120]


def write_outbox(settings: Settings, message: EmailMessage, name: str) -> Path:
    """Write the message as an .eml file into the outbox folder."""
    outbox = settings.outbox_path
    outbox.mkdir(parents=True, exist_ok=True)
    path = outbox / f"{_safe_name(name)}.eml"
    path.write_bytes(bytes(message))
    return path


def smtp_send(settings: Settings, message: EmailMessage, recipients: Sequence[str]) -> None:
    """Hand one message to the SMTP server (STARTTLS and login when configured)."""
    with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=SMTP_TIMEOUT_S) as smtp:
        smtp.ehlo()
        if settings.smtp_starttls and smtp.has_extn("starttls"):
            smtp.starttls(context=ssl.create_default_context())
            smtp.ehlo()
        elif settings.smtp_starttls and settings.smtp_user:
            raise smtplib.SMTPException("server does not offer STARTTLS; refusing to send a login in clear text")
        if settings.smtp_user:
            smtp.login(settings.smtp_user, settings.smtp_password)
        smtp.send_message(message, from_addr=settings.mail_from, to_addrs=list(recipients))


def deliver(settings: Settings, db: Database, message: EmailMessage, *, kind: str, period: str,
            recipients: Sequence[str], resend: bool = False, retry_delays_s: Sequence[float] = SMTP_RETRY_DELAYS_S
            ) -> list[Delivery]:
    """Send ``message`` once per recipient for (kind, period); already-sent recipients are skipped."""
    results: list[Delivery] = []
    for recipient in recipients:
        if not claim_send(db, kind, period, recipient, resend):
            results.append(Delivery(recipient, "skipped", "already sent"))
            continue
        msg = _copy_for(message, settings, recipient)
        if not settings.smtp_host:
            path = write_outbox(settings, msg, f"{kind}-{period}-{recipient}")
            _finish_send(db, kind, period, recipient, "sent", message_id=msg["Message-ID"])
            results.append(Delivery(recipient, "written", str(path)))
            continue
        error = None
        for attempt, delay in enumerate([0, *retry_delays_s]):
            if delay:
                time.sleep(delay)
            try:
                smtp_send(settings, msg, [recipient])
                error = None
                break
            except (smtplib.SMTPException, OSError) as exc:
                error = f"{type(exc).__name__}: {exc}"
                LOGGER.warning("SMTP attempt %d for %s to %s failed: %s", attempt + 1, kind, recipient, error)
        if error is None:
            _finish_send(db, kind, period, recipient, "sent", message_id=msg["Message-ID"])
            results.append(Delivery(recipient, "sent"))
        else:
            _finish_send(db, kind, period, recipient, "failed", error=error)
            LOGGER.error("giving up on %s %s to %s: %s", kind, period, recipient, error)
            results.append(Delivery(recipient, "failed", error))
    return results


def _copy_for(message: EmailMessage, settings: Settings, recipient: str) -> EmailMessage:
    """The message addressed to one recipient, with sender and a Message-ID."""
    import copy

    msg = copy.deepcopy(message)
    for header in ("To", "From", "Message-ID"):
        del msg[header]
    msg["From"] = settings.mail_from
    msg["To"] = recipient
    msg["Message-ID"] = make_msgid(domain=settings.mail_from.rsplit("@", 1)[-1])
    return msg


def sends_for(db: Database, kind: str, period: str) -> list[dict]:
    return db.query("SELECT * FROM sends WHERE kind = ? AND period = ? ORDER BY recipient", (kind, period))


def last_sends(db: Database, limit: int = 10) -> list[dict]:
    """Most recent deliveries, for `odjek status`."""
    return db.query("SELECT kind, period, recipient, state, sent_at, error FROM sends ORDER BY id DESC LIMIT ?", (limit,))

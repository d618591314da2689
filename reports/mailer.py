"""The one mail path for digests, saved-search alerts and operator alerts.

Each (kind, period, recipient) is claimed in the archive's ``sends`` table before connecting, with the
claiming process (``host:pid``) and the Message-ID the mail will carry, and marked sent once the relay
accepts it, so a retried task never sends a delivered message again; ``resend=True`` is the operator's
deliberate override. Without SMTP settings the message is written to the outbox folder as ``.eml``.

A try makes one SMTP attempt per recipient, all recipients in parallel, each bounded by ``smtp_timeout_s``
per exchange; the scheduler's retries are the retries. A permanent refusal (5xx) is recorded as
``rejected`` and not tried again without ``resend``; any other failure is recorded ``failed`` and the
next try sends again. A claim whose owner died (killed mid-send) is taken over by the next try at once
when the owner ran on this host; on another host, once the owner's heartbeat (``claimed_at``, renewed every
``HEARTBEAT_S`` while it sends) is ``CLAIM_STALE_S`` old. A re-send after a crash or after a relay that
took the message but never answered reuses the recorded Message-ID, so the copies are one message to mail
stores that deduplicate by it.
"""

from __future__ import annotations

import copy
import logging
import re
import smtplib
import ssl
import threading
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path

from archive.db import Database
from archive.owners import owner_id
from archive.sends import (  # noqa: F401 - re-exported
    CLAIM_STALE_S,
    STATE_CLAIMED,
    STATE_FAILED,
    STATE_REJECTED,
    STATE_SENT,
    Claim,
    claim_send,
    finish_send,
    last_sends,
    renew_claims,
    sends_for,
)
from schemas.settings import Settings

LOGGER = logging.getLogger(__name__)

# A sending worker renews its claims this often (archive.sends.CLAIM_STALE_S says when a silent claim is gone).
HEARTBEAT_S = 5.0
# Recipients are few (a digest list, one alert owner); one connection each, all at once.
MAX_PARALLEL_SENDS = 8

@dataclass
class Delivery:
    recipient: str
    state: str  # "sent" | "written" | "skipped" (already sent) | "failed" (not delivered, see detail)
    detail: str = ""
    permanent: bool = False  # the relay refused for good (5xx); the next try will not send again

    @property
    def ok(self) -> bool:
        return self.state in {"sent", "written", "skipped"}


@dataclass
class Outcome:
    """One SMTP attempt's result."""

    state: str  # STATE_SENT | STATE_FAILED | STATE_REJECTED
    error: str | None = None


def new_message_id(settings: Settings) -> str:
    return make_msgid(domain=settings.mail.mail_from.rsplit("@", 1)[-1] or "odjek")


def _safe_name(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", text)[:120]


def write_outbox(settings: Settings, message: EmailMessage, name: str) -> Path:
    """Write the message as an .eml file into the outbox folder."""
    outbox = settings.outbox_path
    outbox.mkdir(parents=True, exist_ok=True)
    path = outbox / f"{_safe_name(name)}.eml"
    path.write_bytes(bytes(message))
    return path


def tls_context(settings: Settings) -> ssl.SSLContext:
    """A verifying TLS context: system roots, or the CA file of ``smtp_ca_file`` (a private relay's CA)."""
    return ssl.create_default_context(cafile=settings.mail.smtp_ca_file or None)


def _check(reply: tuple[int, bytes], expected: set[int], step: str) -> None:
    code, text = reply
    if code not in expected:
        raise smtplib.SMTPResponseException(code, f"{step}: {text.decode('utf-8', 'replace')}".encode())


def smtp_send(settings: Settings, message: EmailMessage, recipient: str) -> None:
    """Hand one message for one recipient to the relay in one attempt (STARTTLS and login when configured).

    Raises ``smtplib.SMTPResponseException`` with the relay's code when it refuses, ``OSError`` or
    ``SMTPServerDisconnected`` when it does not answer within ``smtp_timeout_s``; in the DATA step such an
    error carries ``after_data=True`` (the relay may hold the message).
    """
    smtp = None
    step = "connect"
    try:
        # Connecting in the constructor also names the host that STARTTLS verifies (a greeting other
        # than 220 raises SMTPConnectError, which carries the code).
        smtp = smtplib.SMTP(settings.mail.smtp_host, settings.mail.smtp_port, timeout=settings.mail.smtp_timeout_s)
        step = "hello"
        _check(smtp.ehlo(), {250}, "EHLO")
        if settings.mail.smtp_starttls and smtp.has_extn("starttls"):
            step = "starttls"
            _check(smtp.starttls(context=tls_context(settings)), {220}, "STARTTLS")
            _check(smtp.ehlo(), {250}, "EHLO")
        elif settings.mail.smtp_starttls and settings.mail.smtp_user:
            raise smtplib.SMTPException("server does not offer STARTTLS; refusing to send a login in clear text")
        if settings.mail.smtp_user:
            step = "login"
            smtp.login(settings.mail.smtp_user, settings.mail.smtp_password.get_secret_value())
        step = "envelope"
        _check(smtp.mail(settings.mail.mail_from), {250}, "MAIL FROM")
        _check(smtp.rcpt(recipient), {250, 251}, "RCPT TO")
        step = "data"
        payload = message.as_bytes(policy=message.policy.clone(linesep="\r\n"))
        _check(smtp.data(payload), {250}, "DATA")
        step = "done"
    except (smtplib.SMTPException, OSError) as exc:
        exc.after_data = step == "data"  # type: ignore[attr-defined]
        raise
    finally:
        if smtp is not None:
            _quit(smtp, step == "done")


def _quit(smtp: smtplib.SMTP, accepted: bool) -> None:
    """Say goodbye politely when the relay accepted the mail; a failing QUIT changes nothing then."""
    try:
        if accepted:
            smtp.quit()
    except (smtplib.SMTPException, OSError):
        pass
    finally:
        smtp.close()


def attempt(settings: Settings, message: EmailMessage, recipient: str) -> Outcome:
    """One attempt for one recipient, classified: sent, rejected (permanent 5xx) or failed (try again later)."""
    try:
        smtp_send(settings, message, recipient)
        return Outcome(STATE_SENT)
    except smtplib.SMTPResponseException as exc:
        text = exc.smtp_error.decode("utf-8", "replace") if isinstance(exc.smtp_error, bytes) else str(exc.smtp_error)
        error = f"{exc.smtp_code} {text}"
        return Outcome(STATE_REJECTED if 500 <= exc.smtp_code < 600 else STATE_FAILED, error)
    except (smtplib.SMTPException, OSError) as exc:
        error = f"{type(exc).__name__}: {exc}"
        if getattr(exc, "after_data", False):
            error = f"no answer after DATA (the relay may hold the message; a retry reuses its Message-ID): {error}"
        return Outcome(STATE_FAILED, error)
    except Exception as exc:
        LOGGER.exception("unexpected error sending to %s", recipient)
        return Outcome(STATE_FAILED, f"{type(exc).__name__}: {exc}")


def deliver(settings: Settings, db: Database, message: EmailMessage, *, kind: str, period: str,
            recipients: Sequence[str], resend: bool = False) -> list[Delivery]:
    """Send ``message`` once per recipient for (kind, period); already-sent recipients are skipped."""
    results: dict[str, Delivery] = {}
    todo: list[tuple[str, EmailMessage]] = []
    for recipient in dict.fromkeys(recipients):
        claim = claim_send(db, kind, period, recipient, resend, message_id=new_message_id(settings))
        if not claim:
            already = claim.reason == "already sent"
            results[recipient] = Delivery(recipient, "skipped" if already else "failed", claim.reason,
                                          permanent=claim.permanent)
            if not already:
                LOGGER.error("%s %s to %s not sent: %s", kind, period, recipient, claim.reason)
            continue
        msg = _copy_for(message, settings, recipient, claim.message_id)
        if not settings.mail.smtp_host:
            path = write_outbox(settings, msg, f"{kind}-{period}-{recipient}")
            finish_send(db, kind, period, recipient, STATE_SENT)
            results[recipient] = Delivery(recipient, "written", str(path))
            continue
        todo.append((recipient, msg))
    if todo:
        with _heartbeat(db, kind, period, [r for r, _ in todo]), \
                ThreadPoolExecutor(max_workers=min(MAX_PARALLEL_SENDS, len(todo))) as pool:
            outcomes = list(pool.map(lambda item: attempt(settings, item[1], item[0]), todo))
        for (recipient, _msg), outcome in zip(todo, outcomes):
            finish_send(db, kind, period, recipient, outcome.state, error=outcome.error)
            if outcome.state == STATE_SENT:
                results[recipient] = Delivery(recipient, "sent")
                continue
            LOGGER.error("%s %s to %s not delivered (%s): %s", kind, period, recipient, outcome.state, outcome.error)
            results[recipient] = Delivery(recipient, "failed", outcome.error or "",
                                          permanent=outcome.state == STATE_REJECTED)
    return [results[r] for r in dict.fromkeys(recipients)]


@contextmanager
def _heartbeat(db: Database, kind: str, period: str, recipients: list[str]) -> Iterator[None]:
    """Renew this process's claims on the recipients every HEARTBEAT_S while the block runs."""
    stop = threading.Event()
    owner = owner_id()

    def beat() -> None:
        try:
            while not stop.wait(HEARTBEAT_S):
                renew_claims(db, kind, period, owner, recipients)
        except Exception:  # a missed beat only lets another host take over after CLAIM_STALE_S
            LOGGER.warning("send heartbeat for %s %s stopped", kind, period, exc_info=True)
        finally:
            db.close_thread()

    thread = threading.Thread(target=beat, name="send-heartbeat", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(timeout=HEARTBEAT_S + 30)


def _copy_for(message: EmailMessage, settings: Settings, recipient: str, message_id: str | None) -> EmailMessage:
    """The message addressed to one recipient, with sender, date and the claimed Message-ID."""
    msg = copy.deepcopy(message)
    for header in ("To", "From", "Message-ID", "Bcc"):
        del msg[header]
    msg["From"] = settings.mail.mail_from
    msg["To"] = recipient
    msg["Message-ID"] = message_id or new_message_id(settings)
    if msg["Date"] is None:
        msg["Date"] = formatdate(localtime=False)
    return msg


def failed_deliveries(deliveries: Sequence[Delivery]) -> list[Delivery]:
    return [d for d in deliveries if not d.ok]

"""The one mail path: once per (kind, period, recipient), resend, stale claims, failures recorded, outbox."""

import datetime as dt
import socket
from email.message import EmailMessage

from archive.db import iso, utcnow
from odjek.settings import Settings
from reports.mailer import claim_send, deliver, sends_for


def _message() -> EmailMessage:
    msg = EmailMessage()
    msg["Subject"] = "Одјек: тест"
    msg.set_content("тело поруке")
    return msg


def test_outbox_once_per_recipient_and_resend(tmp_path, archive):
    settings = Settings.from_mapping({"data_dir": str(tmp_path)})
    first = deliver(settings, archive, _message(), kind="digest:daily", period="2026-03-16",
                    recipients=["a@example.org", "b@example.org"])
    assert [d.state for d in first] == ["written", "written"]
    second = deliver(settings, archive, _message(), kind="digest:daily", period="2026-03-16",
                     recipients=["a@example.org", "c@example.org"])
    assert [d.state for d in second] == ["skipped", "written"]
    again = deliver(settings, archive, _message(), kind="digest:daily", period="2026-03-16",
                    recipients=["a@example.org"], resend=True)
    assert [d.state for d in again] == ["written"]
    assert [r["state"] for r in sends_for(archive, "digest:daily", "2026-03-16")] == ["sent", "sent", "sent"]
    assert len(list((tmp_path / "outbox").glob("*.eml"))) == 3


def test_a_fresh_claim_blocks_but_a_stale_one_is_taken_over(archive):
    assert claim_send(archive, "digest:daily", "2026-03-16", "a@example.org")
    assert not claim_send(archive, "digest:daily", "2026-03-16", "a@example.org")
    old = iso(utcnow() - dt.timedelta(hours=1))
    with archive.transaction() as tx:
        tx.execute("UPDATE sends SET claimed_at = ? WHERE recipient = ?", (old, "a@example.org"))
    assert claim_send(archive, "digest:daily", "2026-03-16", "a@example.org")
    assert not claim_send(archive, "digest:daily", "2026-03-16", "a@example.org")


def test_smtp_failure_is_recorded_and_retried_on_the_next_run(tmp_path, archive):
    with socket.socket() as sock:  # a port nobody listens on: connection refused at once
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    settings = Settings.from_mapping({"data_dir": str(tmp_path), "smtp_host": "127.0.0.1", "smtp_port": port,
                                      "smtp_starttls": False})
    failed = deliver(settings, archive, _message(), kind="digest:weekly", period="2026-W11",
                     recipients=["a@example.org"], retry_delays_s=(0.01,))
    assert failed[0].state == "failed" and "Connection" in failed[0].detail
    (row,) = sends_for(archive, "digest:weekly", "2026-W11")
    assert row["state"] == "failed" and row["attempts"] == 1 and row["error"]
    outbox = settings.replace(smtp_host="")
    assert [d.state for d in deliver(outbox, archive, _message(), kind="digest:weekly", period="2026-W11",
                                     recipients=["a@example.org"])] == ["written"]

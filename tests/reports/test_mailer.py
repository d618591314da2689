"""The one mail path: once per (kind, period, recipient), resend, dead and stale claims, failures recorded,
outbox; and against real relays on 127.0.0.1: a worker killed mid-send, a relay that never greets, one that
refuses with 554, one that swallows DATA, and STARTTLS with a login against a self-signed certificate."""

import datetime as dt
import json
import os
import signal
import subprocess
import sys
import threading
from email.message import EmailMessage

import pytest

from archive.db import iso, utcnow
from odjek.settings import Settings
from reports import mailer
from reports.mailer import claim_send, deliver, sends_for
from tests.conftest import REPO_ROOT
from tests.reports.relays import (
    Relay,
    SilentListener,
    free_port,
    password_checker,
    running_relay,
    self_signed_certificate,
    server_tls_context,
    wait_for,
)

KIND, PERIOD = "digest:daily", "2026-03-16"


def _message() -> EmailMessage:
    msg = EmailMessage()
    msg["Subject"] = "Одјек: тест"
    msg.set_content("тело поруке")
    return msg


def _smtp_settings(tmp_path, port, **extra) -> Settings:
    return Settings.from_mapping({"data_dir": str(tmp_path), "smtp_host": "127.0.0.1", "smtp_port": port,
                                  "smtp_starttls": False, "smtp_timeout_s": 2, **extra})


def test_outbox_once_per_recipient_and_resend(tmp_path, archive):
    settings = Settings.from_mapping({"data_dir": str(tmp_path)})
    first = deliver(settings, archive, _message(), kind=KIND, period=PERIOD,
                    recipients=["a@example.org", "b@example.org"])
    assert [d.state for d in first] == ["written", "written"]
    second = deliver(settings, archive, _message(), kind=KIND, period=PERIOD,
                     recipients=["a@example.org", "c@example.org"])
    assert [d.state for d in second] == ["skipped", "written"]
    again = deliver(settings, archive, _message(), kind=KIND, period=PERIOD, recipients=["a@example.org"],
                    resend=True)
    assert [d.state for d in again] == ["written"]
    assert [r["state"] for r in sends_for(archive, KIND, PERIOD)] == ["sent", "sent", "sent"]
    assert len(list((tmp_path / "outbox").glob("*.eml"))) == 3


def test_a_live_claim_blocks_a_stale_one_is_taken_over(archive):
    assert claim_send(archive, KIND, PERIOD, "a@example.org")
    blocked = claim_send(archive, KIND, PERIOD, "a@example.org")
    assert not blocked and blocked.reason.startswith("being sent by")
    old = iso(utcnow() - dt.timedelta(hours=1))
    with archive.transaction() as tx:
        tx.execute("UPDATE sends SET claimed_at = ? WHERE recipient = ?", (old, "a@example.org"))
    assert claim_send(archive, KIND, PERIOD, "a@example.org")
    assert not claim_send(archive, KIND, PERIOD, "a@example.org")


def test_a_fresh_claim_of_a_dead_process_is_taken_over_at_once(archive):
    child = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True,
                           check=True)
    dead_owner = f"{os.uname().nodename}:{child.stdout.strip()}"
    assert claim_send(archive, KIND, PERIOD, "a@example.org", message_id="<first@odjek>")
    with archive.transaction() as tx:
        tx.execute("UPDATE sends SET owner = ? WHERE recipient = ?", (dead_owner, "a@example.org"))
    taken = claim_send(archive, KIND, PERIOD, "a@example.org", message_id="<second@odjek>")
    assert taken and taken.message_id == "<first@odjek>"  # the Message-ID recorded before DATA is kept


def test_connection_refused_is_recorded_and_sent_on_the_next_run(tmp_path, archive):
    settings = _smtp_settings(tmp_path, free_port())  # nobody listens: refused at once
    failed = deliver(settings, archive, _message(), kind="digest:weekly", period="2026-W11",
                     recipients=["a@example.org"])
    assert failed[0].state == "failed" and not failed[0].permanent and "Connection" in failed[0].detail
    (row,) = sends_for(archive, "digest:weekly", "2026-W11")
    assert row["state"] == "failed" and row["attempts"] == 1 and row["error"] and row["owner"] is None
    outbox = settings.replace(smtp_host="")
    assert [d.state for d in deliver(outbox, archive, _message(), kind="digest:weekly", period="2026-W11",
                                     recipients=["a@example.org"])] == ["written"]


def test_hung_relay_costs_one_short_attempt_per_recipient_all_at_once(tmp_path, sqlite_archive):
    listener = SilentListener()
    try:
        settings = _smtp_settings(tmp_path, listener.port, smtp_timeout_s=1)
        recipients = ["a@example.org", "b@example.org", "c@example.org"]
        results = deliver(settings, sqlite_archive, _message(), kind=KIND, period=PERIOD, recipients=recipients)
        assert [d.state for d in results] == ["failed"] * 3
        assert all("timed out" in d.detail for d in results), [d.detail for d in results]
        assert listener.accepted == 3  # one attempt per recipient, no retries inside the try
        assert listener.max_open == 3  # in parallel, not one after another
    finally:
        listener.close()
    assert {r["state"] for r in sends_for(sqlite_archive, KIND, PERIOD)} == {"failed"}


def test_permanent_554_is_not_retried(tmp_path, sqlite_archive):
    relay = Relay("refuse")
    with running_relay(relay) as port:
        settings = _smtp_settings(tmp_path, port)
        (first,) = deliver(settings, sqlite_archive, _message(), kind=KIND, period=PERIOD,
                           recipients=["a@example.org"])
        assert first.state == "failed" and first.permanent and first.detail.startswith("554")
        (second,) = deliver(settings, sqlite_archive, _message(), kind=KIND, period=PERIOD,
                            recipients=["a@example.org"])
        assert second.state == "failed" and second.permanent and "rejected earlier" in second.detail
        assert len(relay.received) == 1  # the second try did not contact the relay
        (row,) = sends_for(sqlite_archive, KIND, PERIOD)
        assert row["state"] == "rejected" and row["attempts"] == 1
        relay.mode = "accept"
        (forced,) = deliver(settings, sqlite_archive, _message(), kind=KIND, period=PERIOD,
                            recipients=["a@example.org"], resend=True)
        assert forced.state == "sent" and len(relay.accepted) == 1


def test_relay_that_swallows_data_gets_one_copy_per_try_with_one_message_id(tmp_path, sqlite_archive):
    relay = Relay("swallow")
    with running_relay(relay) as port:
        settings = _smtp_settings(tmp_path, port, smtp_timeout_s=1)
        (first,) = deliver(settings, sqlite_archive, _message(), kind=KIND, period=PERIOD,
                           recipients=["a@example.org"])
        assert first.state == "failed" and not first.permanent and "after DATA" in first.detail
        assert len(relay.received) == 1  # not four copies
        (row,) = sends_for(sqlite_archive, KIND, PERIOD)
        assert row["state"] == "failed" and row["message_id"] == relay.message_ids()[0]
        relay.mode = "accept"
        (second,) = deliver(settings, sqlite_archive, _message(), kind=KIND, period=PERIOD,
                            recipients=["a@example.org"])
        assert second.state == "sent"
        assert len(relay.received) == 2 and len(set(relay.message_ids())) == 1
        (third,) = deliver(settings, sqlite_archive, _message(), kind=KIND, period=PERIOD,
                           recipients=["a@example.org"])
        assert third.state == "skipped" and len(relay.received) == 2


CHILD = """
import json, sys
from email.message import EmailMessage
from archive import open_archive
from odjek.settings import Settings
from reports.mailer import deliver
args = json.loads(sys.argv[1])
msg = EmailMessage(); msg["Subject"] = "Одјек"; msg.set_content("тело")
deliver(Settings.from_mapping(args["settings"]), open_archive(args["db"]), msg, kind=args["kind"],
        period=args["period"], recipients=["a@example.org"])
"""


@pytest.mark.parametrize("moment", ["hold_rcpt", "swallow"])
def test_send_killed_mid_send_is_sent_by_the_next_try_at_once_with_the_same_message_id(tmp_path, archive_url,
                                                                                       moment):
    from archive import open_archive

    db_url = archive_url
    open_archive(db_url).close()
    # The relay holds the session before DATA, or after reading DATA: the worker is killed waiting for an answer.
    relay = Relay(moment)
    reached = relay.rcpt_seen if moment == "hold_rcpt" else relay.data_seen
    with running_relay(relay) as port:
        settings = {"data_dir": str(tmp_path), "smtp_host": "127.0.0.1", "smtp_port": port, "smtp_starttls": False,
                    "smtp_timeout_s": 60}
        child = subprocess.Popen([sys.executable, "-c", CHILD, json.dumps(
            {"settings": settings, "db": db_url, "kind": KIND, "period": PERIOD})], cwd=REPO_ROOT,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        try:
            assert wait_for(reached.is_set), child.stderr.read1().decode() if child.poll() else "not reached"
            child.send_signal(signal.SIGKILL)
            # Not reaped yet: the killed worker is a zombie, which must still count as dead.
            assert wait_for(lambda: _proc_state(child.pid) in {"Z", None})
            db = open_archive(db_url)
            (row,) = sends_for(db, KIND, PERIOD)
            assert row["state"] == "claimed" and row["owner"].endswith(f":{child.pid}")
            relay.mode = "accept"
            (result,) = deliver(Settings.from_mapping(settings), db, _message(), kind=KIND, period=PERIOD,
                                recipients=["a@example.org"])
            assert result.state == "sent", result.detail
            (row,) = sends_for(db, KIND, PERIOD)
            assert row["state"] == "sent" and row["message_id"] == relay.accepted[0]
            assert set(relay.message_ids()) == {row["message_id"]}  # any copies are one message
            assert len(relay.received) == (1 if moment == "hold_rcpt" else 2)
            (again,) = deliver(Settings.from_mapping(settings), db, _message(), kind=KIND, period=PERIOD,
                               recipients=["a@example.org"])
            assert again.state == "skipped" and len(relay.accepted) == 1
            db.close()
        finally:
            child.kill()
            child.wait()


def _proc_state(pid: int) -> str | None:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rpartition(")")[2].split()[0]
    except FileNotFoundError:
        return None


def test_starttls_and_login_against_a_verified_self_signed_relay(tmp_path, sqlite_archive):
    cert, key = self_signed_certificate(tmp_path)
    relay = Relay("accept")
    with running_relay(relay, tls_context=server_tls_context(cert, key), require_starttls=True,
                       auth_required=True, authenticator=password_checker("odjek", "tajna lozinka")) as port:
        settings = _smtp_settings(tmp_path, port, smtp_starttls=True, smtp_user="odjek",
                                  smtp_password="tajna lozinka", smtp_ca_file=str(cert))
        (sent,) = deliver(settings, sqlite_archive, _message(), kind=KIND, period=PERIOD,
                          recipients=["a@example.org"])
        assert sent.state == "sent", sent.detail
        assert relay.sessions == [{"tls": True, "authenticated": True, "login": b"odjek"}]
        (_, message), = relay.received
        assert message["To"] == "a@example.org" and message["Date"] and message.get_content().strip() == "тело поруке"

        # The certificate is verified: without the relay's CA the mailer refuses to talk to it.
        unverified = settings.replace(smtp_ca_file="")
        (refused,) = deliver(unverified, sqlite_archive, _message(), kind=KIND, period="2026-03-17",
                             recipients=["a@example.org"])
        assert refused.state == "failed" and "CERTIFICATE_VERIFY_FAILED" in refused.detail

        # A wrong password is a permanent refusal (535), not retried by the next try.
        wrong = settings.replace(smtp_password="pogresna")
        (denied,) = deliver(wrong, sqlite_archive, _message(), kind=KIND, period="2026-03-18",
                            recipients=["a@example.org"])
        assert denied.state == "failed" and denied.permanent and denied.detail.startswith("535")
    assert len(relay.received) == 1


def test_login_is_never_sent_in_clear_when_starttls_is_missing(tmp_path, sqlite_archive):
    relay = Relay("accept")
    with running_relay(relay) as port:
        settings = _smtp_settings(tmp_path, port, smtp_starttls=True, smtp_user="odjek", smtp_password="x")
        (result,) = deliver(settings, sqlite_archive, _message(), kind=KIND, period=PERIOD,
                            recipients=["a@example.org"])
    assert result.state == "failed" and "STARTTLS" in result.detail and relay.received == []


@pytest.fixture(autouse=True)
def _no_env_settings(monkeypatch):
    monkeypatch.delenv("ODJEK_SETTINGS_FILE", raising=False)


def test_a_claim_from_another_host_is_taken_over_once_its_heartbeat_stops(archive):
    assert claim_send(archive, KIND, PERIOD, "a@example.org", message_id="<elsewhere@odjek>")

    def claimed_ago(seconds: float) -> None:
        with archive.transaction() as tx:
            tx.execute("UPDATE sends SET owner = ?, claimed_at = ? WHERE recipient = ?",
                       ("worker-7.example:4242", iso(utcnow() - dt.timedelta(seconds=seconds)), "a@example.org"))

    claimed_ago(10)  # a recent beat: the worker over there is sending
    busy = claim_send(archive, KIND, PERIOD, "a@example.org")
    assert not busy and "worker-7.example:4242" in busy.reason
    claimed_ago(mailer.CLAIM_STALE_S + 5)  # beats stopped: that worker is gone
    taken = claim_send(archive, KIND, PERIOD, "a@example.org")
    assert taken and taken.message_id == "<elsewhere@odjek>"


def test_a_long_send_keeps_its_claim_alive_with_a_heartbeat(tmp_path, sqlite_archive, monkeypatch):
    monkeypatch.setattr(mailer, "HEARTBEAT_S", 0.2)
    relay = Relay("hold_rcpt")
    with running_relay(relay) as port:
        settings = _smtp_settings(tmp_path, port, smtp_timeout_s=30)
        done = []
        sender = threading.Thread(target=lambda: done.extend(deliver(
            settings, sqlite_archive, _message(), kind=KIND, period=PERIOD, recipients=["a@example.org"])))
        sender.start()
        assert wait_for(relay.rcpt_seen.is_set)
        first = sends_for(sqlite_archive, KIND, PERIOD)[0]["claimed_at"]
        assert wait_for(lambda: sends_for(sqlite_archive, KIND, PERIOD)[0]["claimed_at"] > first, 10)
        relay.mode = "accept"
        relay.released.set()
        sender.join(timeout=30)
    assert [d.state for d in done] == ["sent"]

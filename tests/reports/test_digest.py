"""Sending: a real loopback SMTP server receives the digest once; review holds it until release."""

import email
import email.policy
import re
import socket

import pytest

from odjek.settings import Settings
from reports.digest import get_review, release_digest, render_digest, save_review, send_digest
from tests.reports.fixture_archive import DAY, OFFICE_SENTENCE, build_archive


class Inbox:
    """aiosmtpd handler that keeps every message it accepts."""

    def __init__(self):
        self.messages: list[tuple[list[str], bytes]] = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd API
        self.messages.append((list(envelope.rcpt_tos), envelope.original_content or envelope.content))
        return "250 OK"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def smtp_server():
    from aiosmtpd.controller import Controller

    inbox = Inbox()
    port = _free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield inbox, port
    controller.stop()


def _settings(tmp_path, port, **extra) -> Settings:
    return Settings.from_mapping({"data_dir": str(tmp_path), "smtp_host": "127.0.0.1", "smtp_port": port,
                                  "smtp_starttls": False, "daily_recipients": "direktor@example.org",
                                  "weekly_recipients": "kabinet@example.org", **extra})


def test_digest_arrives_once_with_inline_charts_and_pdf(tmp_path, sqlite_archive, smtp_server):
    inbox, port = smtp_server
    build_archive(sqlite_archive)
    settings = _settings(tmp_path, port)
    run = render_digest(settings, sqlite_archive, "daily", DAY)
    first = send_digest(settings, sqlite_archive, run)
    second = send_digest(settings, sqlite_archive, run)
    assert [d.state for d in first] == ["sent"] and [d.state for d in second] == ["skipped"]
    assert len(inbox.messages) == 1
    rcpts, raw = inbox.messages[0]
    assert rcpts == ["direktor@example.org"]
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    assert "16. марта 2026." in msg["Subject"]
    # multipart/mixed [ multipart/alternative [ text/plain, multipart/related [ text/html, image/png… ] ], pdf ]
    assert msg.get_content_type() == "multipart/mixed"
    alternative, attachment = msg.get_payload()
    assert alternative.get_content_type() == "multipart/alternative"
    plain, related = alternative.get_payload()
    assert plain.get_content_type() == "text/plain" and related.get_content_type() == "multipart/related"
    html_part, *images = related.get_payload()
    assert html_part.get_content_type() == "text/html"
    html = html_part.get_content()
    referenced = set(re.findall(r'src="cid:([^"]+)"', html))
    cids = {img["Content-ID"].strip("<>") for img in images}
    assert referenced == cids and len(cids) == 3
    for img in images:
        assert img.get_content_type() == "image/png" and img.get_content().startswith(b"\x89PNG")
    assert "Директор Управе <strong>Арно Гујон</strong>" in html
    assert OFFICE_SENTENCE in plain.get_content()
    assert attachment.get_content_type() == "application/pdf"
    assert attachment.get_filename() == "odjek-daily-2026-03-16-cyrl.pdf"
    with open(run.pdf_path, "rb") as fh:
        assert attachment.get_content() == fh.read()


def test_resend_delivers_again(tmp_path, sqlite_archive, smtp_server):
    inbox, port = smtp_server
    build_archive(sqlite_archive)
    settings = _settings(tmp_path, port)
    run = render_digest(settings, sqlite_archive, "weekly", DAY, script="latn")
    send_digest(settings, sqlite_archive, run)
    again = send_digest(settings, sqlite_archive, run, resend=True)
    assert [d.state for d in again] == ["sent"]
    assert len(inbox.messages) == 2
    msg = email.message_from_bytes(inbox.messages[1][1], policy=email.policy.default)
    assert msg["To"] == "kabinet@example.org" and "nedeljni pregled" in msg["Subject"]


def test_review_holds_the_digest_until_release(tmp_path, sqlite_archive, smtp_server):
    inbox, port = smtp_server
    ids = build_archive(sqlite_archive)
    settings = _settings(tmp_path, port, review_digests=True)
    run = render_digest(settings, sqlite_archive, "daily", DAY)
    assert run.status == "held"
    assert send_digest(settings, sqlite_archive, run) == [] and inbox.messages == []
    review = get_review(sqlite_archive, run.id)
    review.excluded.append(ids["glasanje-dw"])
    review.pinned.append(ids["skole-nezavisne"])
    review.note = "Обратити пажњу на <школе>."
    save_review(sqlite_archive, run.id, review)
    released, deliveries = release_digest(settings, sqlite_archive, run.id, "operater")
    assert released.status == "released" and [d.state for d in deliveries] == ["sent"]
    assert get_review(sqlite_archive, run.id).released_by == "operater"
    html = open(released.html_path, encoding="utf-8").read()
    assert "Serbian diaspora and voting abroad" not in html
    assert html.index('id="editor-note"') < html.index('id="sec-pinned"') < html.index('id="sec-directorate"')
    assert "Обратити пажњу на &lt;школе&gt;." in html
    msg = email.message_from_bytes(inbox.messages[0][1], policy=email.policy.default)
    mail_html = msg.get_body(("html",)).get_content()
    assert "Serbian diaspora and voting abroad" not in mail_html and "&lt;школе&gt;" in mail_html
    # A re-run of the scheduled task after release keeps it released and sends nothing twice.
    rerun = render_digest(settings, sqlite_archive, "daily", DAY)
    assert rerun.status == "released"
    assert [d.state for d in send_digest(settings, sqlite_archive, rerun)] == ["skipped"]


def test_without_smtp_the_message_lands_in_the_outbox(tmp_path, archive):
    # On both stores: the digest_runs upsert and the sends claims are dialect-sensitive SQL.
    build_archive(archive)
    settings = Settings.from_mapping({"data_dir": str(tmp_path), "daily_recipients": "a@example.org,b@example.org"})
    run = render_digest(settings, archive, "daily", DAY)
    assert render_digest(settings, archive, "daily", DAY).id == run.id  # re-rendering replaces, never duplicates
    deliveries = send_digest(settings, archive, run)
    assert [d.state for d in deliveries] == ["written", "written"]
    for d in deliveries:
        msg = email.message_from_bytes(open(d.detail, "rb").read(), policy=email.policy.default)
        assert msg["To"] == d.recipient and msg.get_content_type() == "multipart/mixed"

"""Users, sessions, login attempts, saved searches and their alerts (on both stores), and `odjek users`."""

import datetime as dt
import email
import json

import pytest
from click.testing import CliRunner

from archive import users
from archive.db import utcnow
from archive.imports import import_lines
from odjek.settings import Settings


def test_passwords_are_argon2id_and_authenticate(archive):
    user = users.add_user(archive, "ana", "dugacka-lozinka", "press_officer", "ana@example.org")
    stored = archive.scalar("SELECT password_hash FROM users WHERE id = ?", (user.id,))
    assert stored.startswith("$argon2id$") and "dugacka-lozinka" not in stored
    assert users.authenticate(archive, "ana", "dugacka-lozinka") == user
    assert users.authenticate(archive, "ana", "pogresna-lozinka") is None
    assert users.authenticate(archive, "niko", "dugacka-lozinka") is None


def test_bad_user_input_is_refused(archive):
    with pytest.raises(users.UserError):
        users.add_user(archive, "ana", "kratka", "press_officer")
    with pytest.raises(users.UserError):
        users.add_user(archive, "ana", "dugacka-lozinka", "boss")
    users.add_user(archive, "ana", "dugacka-lozinka", "admin")
    with pytest.raises(users.UserError):
        users.add_user(archive, "ana", "dugacka-lozinka", "admin")


def test_ensure_user_creates_then_resets(archive):
    first = users.ensure_user(archive, "demo", "demo-lozinka-1", "press_officer")
    again = users.ensure_user(archive, "demo", "demo-lozinka-2", "operator", email="d@example.org")
    assert again.id == first.id and again.role == "operator" and again.email == "d@example.org"
    assert users.authenticate(archive, "demo", "demo-lozinka-2") is not None
    assert users.authenticate(archive, "demo", "demo-lozinka-1") is None


def test_sessions_are_fresh_stored_hashed_and_end_at_logout(archive):
    user = users.add_user(archive, "ana", "dugacka-lozinka", "press_officer")
    sid1, csrf1 = users.create_session(archive, user)
    sid2, csrf2 = users.create_session(archive, user)
    assert sid1 != sid2 and csrf1 != csrf2
    assert archive.scalar("SELECT COUNT(*) FROM web_sessions WHERE id = ?", (sid1,)) == 0  # only a hash is stored
    assert users.get_session(archive, sid1).user == user
    users.end_session(archive, sid1)
    assert users.get_session(archive, sid1) is None
    assert users.get_session(archive, sid2) is not None
    users.set_password(archive, "ana", "nova-dugacka-lozinka")
    assert users.get_session(archive, sid2) is None  # a password change ends every session


def test_expired_sessions_are_refused(archive):
    user = users.add_user(archive, "ana", "dugacka-lozinka", "press_officer")
    sid, _ = users.create_session(archive, user, ttl=dt.timedelta(seconds=-1))
    assert users.get_session(archive, sid) is None


def _fail(db, address, username, n, at):
    for _ in range(n):
        users.record_login_attempt(db, address, username, False, at=at)


def test_backoff_grows_per_account_and_address_and_is_capped():
    assert [users.backoff_s(n) for n in range(4)] == [0.0] * 4
    assert [users.backoff_s(n) for n in (5, 6, 7, 8)] == [30.0, 60.0, 120.0, 240.0]
    assert users.backoff_s(50) == users.BACKOFF_MAX_S == 900.0


def test_failed_logins_slow_down_that_account_from_that_address_only(archive):
    now = dt.datetime(2026, 12, 2, 9, 0, tzinfo=dt.UTC)
    _fail(archive, "127.0.0.66", "ana", users.FREE_FAILURES, now)
    assert users.login_delay(archive, "127.0.0.66", "ana", now) == 30.0
    # The attacker cannot lock Ana out: from her own address she logs in as usual; others are not touched.
    assert users.login_delay(archive, "127.0.0.9", "ana", now) == 0
    assert users.login_delay(archive, "127.0.0.66", "marko", now) == 0
    # The wait runs out by itself, and one more failure doubles it.
    later = now + dt.timedelta(seconds=31)
    assert users.login_delay(archive, "127.0.0.66", "ana", later) == 0
    _fail(archive, "127.0.0.66", "ana", 1, later)
    assert users.login_delay(archive, "127.0.0.66", "ana", later) == 60.0


def test_attempts_refused_during_a_backoff_do_not_extend_it(archive):
    now = dt.datetime(2026, 12, 2, 9, 0, tzinfo=dt.UTC)
    _fail(archive, "127.0.0.66", "ana", users.FREE_FAILURES, now)
    for second in range(1, 30):  # hammering during the wait
        users.record_login_attempt(archive, "127.0.0.66", "ana", False, refused=True,
                                   at=now + dt.timedelta(seconds=second))
    assert users.login_delay(archive, "127.0.0.66", "ana", now + dt.timedelta(seconds=30)) == 0


def test_a_success_resets_the_pair(archive):
    now = dt.datetime(2026, 12, 2, 9, 0, tzinfo=dt.UTC)
    _fail(archive, "127.0.0.66", "ana", 4, now)
    users.record_login_attempt(archive, "127.0.0.66", "ana", True, at=now + dt.timedelta(seconds=1))
    _fail(archive, "127.0.0.66", "ana", 4, now + dt.timedelta(seconds=2))
    assert users.login_delay(archive, "127.0.0.66", "ana", now + dt.timedelta(seconds=3)) == 0


def test_one_address_failing_many_accounts_does_not_lock_out_the_office_behind_it(archive):
    now = dt.datetime(2026, 12, 2, 9, 0, tzinfo=dt.UTC)
    proxy = "127.0.0.70"
    users.record_login_attempt(archive, proxy, "ana", True, at=now - dt.timedelta(days=3))  # Ana works here
    for n in range(60):  # a password spray through the office proxy, four tries per name
        _fail(archive, proxy, f"name{n // 4}", 1, now)
    assert users.login_delay(archive, proxy, "ana", now) == 0  # proven pair: unaffected
    newcomer = users.login_delay(archive, proxy, "novi.kolega", now)
    assert 0 < newcomer <= users.BACKOFF_MAX_S  # a slowdown for unproven pairs, not a block
    assert users.login_delay(archive, proxy, "novi.kolega", now + dt.timedelta(seconds=newcomer + 1)) == 0


def test_saved_searches_belong_to_their_user(archive):
    ana = users.add_user(archive, "ana", "dugacka-lozinka", "press_officer")
    marko = users.add_user(archive, "marko", "dugacka-lozinka", "press_officer")
    saved = users.save_search(archive, ana, "", "dijaspora", {"topics": ["voting_abroad"]}, "daily")
    assert saved.name == "dijaspora" and saved.filters == {"topics": ["voting_abroad"]}
    with pytest.raises(users.UserError):
        users.save_search(archive, ana, "x", "x", {}, "weekly")
    assert not users.delete_saved_search(archive, marko, saved.id)
    assert [s.id for s in users.saved_searches_of(archive, ana)] == [saved.id]
    now = utcnow()
    assert users.due_saved_searches(archive, now) == []  # just checked at creation
    assert [s.id for s in users.due_saved_searches(archive, now + dt.timedelta(days=1, seconds=1))] == [saved.id]
    assert users.delete_saved_search(archive, ana, saved.id)


def _line(key, title, text, published="2026-03-20T10:00:00+01:00"):
    return json.dumps({"url": f"https://example.org/{key}", "title": title, "text": text, "published": published,
                       "source": "vesti-dana"})


def test_alerts_mail_new_matches_once(archive, tmp_path):
    from odjek.runner import StageContext
    from odjek.stages import alerts

    settings = Settings.from_mapping({"data_dir": str(tmp_path), "base_url": "http://127.0.0.1:8000"})
    import_lines(archive, [_line("old", "Dijaspora i izbori", "Stari tekst o dijaspori.")])
    ana = users.add_user(archive, "ana", "dugacka-lozinka", "press_officer", "ana@example.org")
    saved = users.save_search(archive, ana, "Dijaspora", "дијаспора", {}, "immediately")
    ctx = StageContext(settings=settings, db=archive, sources=[])

    alerts.run(ctx)
    assert list(settings.outbox_path.glob("*.eml")) == []  # the old article was there before the search

    import_lines(archive, [_line("new", "Ђаци у дијаспори", "Нови текст о дијаспори и школама."),
                           _line("other", "Privreda", "Tekst bez tražene reči.")])
    report = alerts.run(ctx)
    mails = list(settings.outbox_path.glob("*.eml"))
    assert report.details["alert_mails"] == 1 and len(mails) == 1
    message = email.message_from_bytes(mails[0].read_bytes())
    assert message["To"] == "ana@example.org"
    body = message.get_payload(0).get_payload(decode=True).decode()
    assert "Ђаци у дијаспори" in body and "https://example.org/new" in body and "Privreda" not in body
    hits = archive.query("SELECT article_id, sent_at FROM alert_hits WHERE saved_search_id = ?", (saved.id,))
    assert len(hits) == 1 and hits[0]["sent_at"] is not None

    # Nothing new: no second mail, even though the search stays due.
    alerts.run(ctx)
    assert len(list(settings.outbox_path.glob("*.eml"))) == 1


def test_alerts_survive_a_crash_between_mail_and_bookkeeping(archive, tmp_path, monkeypatch):
    from odjek.stages import alerts

    settings = Settings.from_mapping({"data_dir": str(tmp_path)})
    ana = users.add_user(archive, "ana", "dugacka-lozinka", "press_officer", "ana@example.org")
    saved = users.save_search(archive, ana, "x", "dijaspora", {}, "immediately")
    import_lines(archive, [_line("new", "Dijaspora", "Tekst o dijaspori.")])
    real_deliver = alerts.deliver

    def deliver_then_crash(*args, **kwargs):
        real_deliver(*args, **kwargs)
        raise RuntimeError("killed after sending")

    monkeypatch.setattr(alerts, "deliver", deliver_then_crash)
    with pytest.raises(RuntimeError):
        alerts.check_saved_search(settings, archive, users.get_saved_search(archive, saved.id), utcnow())
    monkeypatch.setattr(alerts, "deliver", real_deliver)
    alerts.check_saved_search(settings, archive, users.get_saved_search(archive, saved.id), utcnow())
    assert len(list(settings.outbox_path.glob("*.eml"))) == 1  # the same batch is not mailed twice
    assert archive.scalar("SELECT COUNT(*) FROM alert_hits WHERE sent_at IS NULL") == 0


def test_audit_entries(archive):
    users.audit(archive, "export", username="ana", address="127.0.0.1", detail="q=dijaspora")
    (entry,) = users.audit_entries(archive)
    assert entry["action"] == "export" and entry["username"] == "ana" and entry["address"] == "127.0.0.1"


# The CLI ---------------------------------------------------------------------------------------------

def test_users_cli_takes_passwords_from_stdin_only(tmp_path, monkeypatch):
    from odjek.cli import main

    db_url = f"sqlite:///{tmp_path / 'a.db'}"
    monkeypatch.setenv("ODJEK_DATABASE_URL", db_url)
    runner = CliRunner()
    result = runner.invoke(main, ["users", "add", "ana", "--role", "operator", "--email", "a@example.org",
                                  "--password-stdin"], input="tajna-lozinka-123\n")
    assert result.exit_code == 0, result.output
    assert "tajna" not in result.output
    result = runner.invoke(main, ["users", "add", "ana", "--password", "x"])
    assert result.exit_code == 2  # there is no --password option
    result = runner.invoke(main, ["users", "passwd", "ana", "--password-stdin"], input="druga-lozinka-123\n")
    assert result.exit_code == 0, result.output
    from archive import open_archive

    db = open_archive(db_url)
    assert users.authenticate(db, "ana", "druga-lozinka-123").role == "operator"
    actions = [e["action"] for e in users.audit_entries(db)]
    assert actions == ["user_passwd", "user_add"]
    assert all("lozinka" not in e["detail"] for e in users.audit_entries(db))
    result = runner.invoke(main, ["users", "list", "--json"])
    assert json.loads(result.output.splitlines()[0])["username"] == "ana"
    assert runner.invoke(main, ["users", "remove", "ana"]).exit_code == 0
    assert users.get_user(db, "ana") is None
    result = runner.invoke(main, ["users", "remove", "ana"])
    assert result.exit_code == 2 and "no user" in result.output


def test_operators_are_told_once_a_day_when_a_source_goes_silent(archive, tmp_path):
    from archive.sources import SourceRun, record_source_run
    from odjek.runner import StageContext
    from odjek.stages import alerts

    import_lines(archive, [_line("a", "Naslov", "Tekst.")])
    settings = Settings.from_mapping({"data_dir": str(tmp_path), "ops_recipients": "ops@example.org",
                                      "silent_source_runs": 2})
    with archive.transaction() as tx:
        tx.execute("UPDATE sources SET enabled = 1")
    ctx = StageContext(settings=settings, db=archive, sources=[])
    assert alerts.run(ctx).details["silent_sources"] == "none silent"
    for _ in range(2):
        record_source_run(archive, SourceRun("vesti-dana", "discover", errors=["HTTP 503"]))
    assert alerts.run(ctx).details["silent_sources"].startswith("1 silent: vesti-dana")
    alerts.run(ctx)
    (mail,) = list(settings.outbox_path.glob("*.eml"))
    message = email.message_from_bytes(mail.read_bytes())
    assert message["To"] == "ops@example.org" and "vesti-dana" in message.get_payload(decode=True).decode()

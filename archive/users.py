"""Web users, sessions, login attempts, saved searches and the audit log.

Passwords are stored as argon2id hashes; session ids and CSRF tokens are random, and only a SHA-256 of the
session id is stored, so a leaked table does not hand out live sessions. Nothing here logs a secret.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import secrets
from dataclasses import dataclass, field

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from archive.db import Database, iso, parse_iso, utcnow

LOGGER = logging.getLogger(__name__)

ROLES = ("press_officer", "operator", "admin")
ALERTS = ("none", "immediately", "hourly", "daily")
ALERT_INTERVALS = {"immediately": dt.timedelta(0), "hourly": dt.timedelta(hours=1), "daily": dt.timedelta(days=1)}
SESSION_TTL = dt.timedelta(hours=12)
MIN_PASSWORD_CHARS = 10
# Login lockout (docs/operations.md, "Login lockout"): failures count per (account, address) since that
# pair's last success; from the FREE_FAILURES-th on the pair waits BACKOFF_BASE_S doubling per further
# failure, up to BACKOFF_MAX_S. Attempts refused while waiting are not failures and never extend the wait.
# One address failing many accounts (a spray, or a whole office behind one proxy having a bad morning)
# slows down only pairs that never logged in from there: colleagues who have are not locked out.
FREE_FAILURES = 5
BACKOFF_BASE_S = 30.0
BACKOFF_MAX_S = 900.0
PAIR_MEMORY = dt.timedelta(hours=24)  # older failures of a pair are forgotten
SPRAY_WINDOW = dt.timedelta(minutes=15)
SPRAY_FAILURES = 30  # failures from one address in SPRAY_WINDOW before unproven pairs there slow down
PROVEN_FOR = dt.timedelta(days=90)  # a pair with a success this recent is exempt from the spray rule

_HASHER = PasswordHasher()  # argon2id with the library's current recommended parameters
# Verified against when the user does not exist, so a login takes as long for unknown names as for known ones.
_DUMMY_HASH = _HASHER.hash(secrets.token_hex(16))


class UserError(ValueError):
    """Bad input for a user operation (unknown role, short password, unknown user); shown to the operator."""


@dataclass(frozen=True)
class User:
    id: int
    username: str
    role: str
    email: str | None = None
    active: bool = True

    @property
    def is_operator(self) -> bool:
        return self.role in {"operator", "admin"}

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"


def _user(row: dict) -> User:
    return User(int(row["id"]), row["username"], row["role"], row["email"], bool(row["active"]))


def _check(role: str, password: str | None) -> None:
    if role not in ROLES:
        raise UserError(f"unknown role {role!r}; roles are: {', '.join(ROLES)}")
    if password is not None and len(password) < MIN_PASSWORD_CHARS:
        raise UserError(f"the password must have at least {MIN_PASSWORD_CHARS} characters")


def hash_password(password: str) -> str:
    return _HASHER.hash(password)


def add_user(db: Database, username: str, password: str, role: str, email: str | None = None) -> User:
    """Create a user; raises UserError when the name is taken or the input is bad."""
    username = username.strip()
    if not username or len(username) > 100:
        raise UserError("a user name must have 1 to 100 characters")
    _check(role, password)
    with db.transaction() as tx:
        if tx.one("SELECT id FROM users WHERE username = ?", (username,)):
            raise UserError(f"user {username!r} exists already")
        user_id = tx.insert_id("INSERT INTO users (username, email, password_hash, role, active, created_at)"
                               " VALUES (?, ?, ?, ?, 1, ?) RETURNING id",
                               (username, email, hash_password(password), role, iso(utcnow())))
    return User(user_id, username, role, email)


def ensure_user(db: Database, name: str, password: str, role: str, email: str | None = None) -> User:
    """Create the user, or reset its password, role and email when it exists (the demo user)."""
    _check(role, None)
    existing = get_user(db, name)
    if existing is None:
        if len(password) < MIN_PASSWORD_CHARS:
            # The demo may choose a short password; ensure_user is not an interactive path.
            LOGGER.warning("user %s gets a password shorter than %d characters", name, MIN_PASSWORD_CHARS)
        with db.transaction() as tx:
            user_id = tx.insert_id("INSERT INTO users (username, email, password_hash, role, active, created_at)"
                                   " VALUES (?, ?, ?, ?, 1, ?) RETURNING id",
                                   (name, email, hash_password(password), role, iso(utcnow())))
        return User(user_id, name, role, email)
    with db.transaction() as tx:
        tx.execute("UPDATE users SET password_hash = ?, role = ?, email = COALESCE(?, email), active = 1 WHERE id = ?",
                   (hash_password(password), role, email, existing.id))
    return get_user(db, name)


def get_user(db: Database, username: str) -> User | None:
    row = db.one("SELECT id, username, role, email, active FROM users WHERE username = ?", (username,))
    return _user(row) if row else None


def get_user_by_id(db: Database, user_id: int) -> User | None:
    row = db.one("SELECT id, username, role, email, active FROM users WHERE id = ?", (user_id,))
    return _user(row) if row else None


def list_users(db: Database) -> list[User]:
    return [_user(r) for r in db.query("SELECT id, username, role, email, active FROM users ORDER BY username")]


def remove_user(db: Database, username: str) -> None:
    """Delete a user with their sessions and saved searches."""
    with db.transaction() as tx:
        row = tx.one("SELECT id FROM users WHERE username = ?", (username,))
        if row is None:
            raise UserError(f"no user {username!r}")
        tx.execute("DELETE FROM web_sessions WHERE user_id = ?", (row["id"],))
        tx.execute("DELETE FROM users WHERE id = ?", (row["id"],))


def set_password(db: Database, username: str, password: str) -> None:
    """Change a password and end all of the user's sessions."""
    if len(password) < MIN_PASSWORD_CHARS:
        raise UserError(f"the password must have at least {MIN_PASSWORD_CHARS} characters")
    with db.transaction() as tx:
        row = tx.one("SELECT id FROM users WHERE username = ?", (username,))
        if row is None:
            raise UserError(f"no user {username!r}")
        tx.execute("UPDATE users SET password_hash = ? WHERE id = ?", (hash_password(password), row["id"]))
        tx.execute("DELETE FROM web_sessions WHERE user_id = ?", (row["id"],))


def authenticate(db: Database, username: str, password: str) -> User | None:
    """The active user with this name and password, else None (same work either way)."""
    row = db.one("SELECT id, username, role, email, active, password_hash FROM users WHERE username = ?",
                 (username,))
    stored = row["password_hash"] if row else _DUMMY_HASH
    try:
        _HASHER.verify(stored, password)
        ok = row is not None and bool(row["active"])
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        ok = False
    if not ok:
        return None
    if _HASHER.check_needs_rehash(stored):
        with db.transaction() as tx:
            tx.execute("UPDATE users SET password_hash = ? WHERE id = ?", (hash_password(password), row["id"]))
    return _user(row)


# Sessions -------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class WebSession:
    user: User
    csrf_token: str
    expires_at: dt.datetime


def _session_key(session_id: str) -> str:
    return hashlib.sha256(session_id.encode("utf-8")).hexdigest()


def create_session(db: Database, user: User, ttl: dt.timedelta = SESSION_TTL) -> tuple[str, str]:
    """A new session for the user: (session id for the cookie, CSRF token). Always a fresh id (no fixation)."""
    session_id = secrets.token_urlsafe(32)
    csrf = secrets.token_urlsafe(32)
    now = utcnow()
    with db.transaction() as tx:
        tx.execute("DELETE FROM web_sessions WHERE expires_at < ?", (iso(now),))
        tx.execute("INSERT INTO web_sessions (id, user_id, csrf_token, created_at, expires_at) VALUES (?, ?, ?, ?, ?)",
                   (_session_key(session_id), user.id, csrf, iso(now), iso(now + ttl)))
    return session_id, csrf


def get_session(db: Database, session_id: str | None) -> WebSession | None:
    """The live session for a cookie value, or None (unknown, expired, or the user was deactivated)."""
    if not session_id or len(session_id) > 200:
        return None
    row = db.one("SELECT s.csrf_token, s.expires_at, u.id, u.username, u.role, u.email, u.active FROM web_sessions s"
                 " JOIN users u ON u.id = s.user_id WHERE s.id = ?", (_session_key(session_id),))
    if row is None or not row["active"]:
        return None
    expires = parse_iso(row["expires_at"])
    if expires <= utcnow():
        end_session(db, session_id)
        return None
    return WebSession(_user(row), row["csrf_token"], expires)


def end_session(db: Database, session_id: str | None) -> None:
    """Log out on the server side: the session id stops working at once."""
    if not session_id:
        return
    with db.transaction() as tx:
        tx.execute("DELETE FROM web_sessions WHERE id = ?", (_session_key(session_id),))


# Login attempts -----------------------------------------------------------------------------------------

def record_login_attempt(db: Database, address: str, username: str | None, ok: bool, *, refused: bool = False,
                         at: dt.datetime | None = None) -> None:
    """Note a login attempt; ``refused``: turned away during a backoff (kept, but never counted as a failure)."""
    with db.transaction() as tx:
        tx.execute("INSERT INTO login_attempts (address, username, at, ok, refused) VALUES (?, ?, ?, ?, ?)",
                   (address, _login_name(username), iso(at or utcnow()), int(ok), int(refused)))


def _login_name(username: str | None) -> str:
    return (username or "")[:100]


def backoff_s(failures: int, free: int = FREE_FAILURES) -> float:
    """Seconds to wait after the ``failures``-th counted failure: none before ``free``, then doubling, capped."""
    if failures < free:
        return 0.0
    return min(BACKOFF_BASE_S * 2 ** min(failures - free, 20), BACKOFF_MAX_S)


def login_delay(db: Database, address: str, username: str | None, now: dt.datetime | None = None) -> float:
    """Seconds before this account may try to log in from this address again (0: now)."""
    now = now or utcnow()
    name = _login_name(username)
    last_ok = db.scalar("SELECT MAX(at) FROM login_attempts WHERE username = ? AND address = ? AND ok = 1",
                        (name, address))
    since = max(iso(now - PAIR_MEMORY), last_ok or "")
    row = db.one("SELECT COUNT(*) AS n, MAX(at) AS last FROM login_attempts WHERE username = ? AND address = ?"
                 " AND ok = 0 AND refused = 0 AND at > ?", (name, address, since))
    wait = _remaining(backoff_s(int(row["n"] or 0)), row["last"], now) if row else 0.0
    proven = last_ok is not None and last_ok >= iso(now - PROVEN_FOR)
    if not proven:
        spray = db.one("SELECT COUNT(*) AS n, MAX(at) AS last FROM login_attempts WHERE address = ? AND ok = 0"
                       " AND refused = 0 AND at >= ?", (address, iso(now - SPRAY_WINDOW)))
        if spray and int(spray["n"] or 0) >= SPRAY_FAILURES:
            # One further doubling per five failures past the threshold.
            steps = FREE_FAILURES + (int(spray["n"]) - SPRAY_FAILURES) // 5
            wait = max(wait, _remaining(backoff_s(steps), spray["last"], now))
    return wait


def _remaining(backoff: float, last_failure: str | None, now: dt.datetime) -> float:
    if not backoff or not last_failure:
        return 0.0
    until = parse_iso(last_failure) + dt.timedelta(seconds=backoff)
    return max((until - now).total_seconds(), 0.0)


def login_blocked(db: Database, address: str, username: str | None) -> bool:
    """True while this (account, address) pair must wait (see :func:`login_delay`)."""
    return login_delay(db, address, username) > 0


# Audit -----------------------------------------------------------------------------------------------------

def audit(db: Database, action: str, *, username: str | None, address: str | None, detail: str = "") -> None:
    """Record who did what, when and from where (never pass a secret in ``detail``)."""
    with db.transaction() as tx:
        tx.execute("INSERT INTO audit_log (at, username, address, action, detail) VALUES (?, ?, ?, ?, ?)",
                   (iso(utcnow()), username, address, action, detail[:2000]))


def audit_entries(db: Database, limit: int = 200) -> list[dict]:
    return db.query("SELECT at, username, address, action, detail FROM audit_log ORDER BY id DESC LIMIT ?", (limit,))


# Saved searches ------------------------------------------------------------------------------------------

@dataclass
class SavedSearch:
    id: int
    user_id: int
    name: str
    query: str
    filters: dict = field(default_factory=dict)
    alert: str = "none"
    created_at: dt.datetime | None = None
    last_checked_at: dt.datetime | None = None
    baseline_article_id: int = 0  # alerts consider only articles with a higher id


def _saved(row: dict) -> SavedSearch:
    try:
        filters = json.loads(row["filters"] or "{}")
    except json.JSONDecodeError:
        filters = {}
    return SavedSearch(int(row["id"]), int(row["user_id"]), row["name"], row["query"], filters, row["alert"],
                       parse_iso(row["created_at"]), parse_iso(row["last_checked_at"]),
                       int(row.get("baseline_article_id") or 0))


def save_search(db: Database, user: User, name: str, query: str, filters: dict, alert: str = "none") -> SavedSearch:
    """Store a query with its filters; alerts look only at articles archived after this moment (by id)."""
    if alert not in ALERTS:
        raise UserError(f"unknown alert {alert!r}; choose one of: {', '.join(ALERTS)}")
    name = (name or query or "").strip()[:200] or "—"
    now = iso(utcnow())
    with db.transaction() as tx:
        baseline = int(tx.scalar("SELECT COALESCE(MAX(id), 0) FROM articles") or 0)
        new_id = tx.insert_id("INSERT INTO saved_searches (user_id, name, query, filters, alert, created_at,"
                              " last_checked_at, baseline_article_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
                              (user.id, name, query[:1000], json.dumps(filters, ensure_ascii=False), alert, now, now,
                               baseline))
    return get_saved_search(db, new_id)


def get_saved_search(db: Database, saved_id: int) -> SavedSearch | None:
    row = db.one("SELECT * FROM saved_searches WHERE id = ?", (saved_id,))
    return _saved(row) if row else None


def saved_searches_of(db: Database, user: User) -> list[SavedSearch]:
    return [_saved(r) for r in db.query("SELECT * FROM saved_searches WHERE user_id = ? ORDER BY id", (user.id,))]


def delete_saved_search(db: Database, user: User, saved_id: int) -> bool:
    """Delete one of the user's own saved searches; False when it is not theirs or does not exist."""
    with db.transaction() as tx:
        row = tx.one("SELECT id FROM saved_searches WHERE id = ? AND user_id = ?", (saved_id, user.id))
        if row is None:
            return False
        tx.execute("DELETE FROM saved_searches WHERE id = ?", (saved_id,))
        return True


def due_saved_searches(db: Database, now: dt.datetime | None = None) -> list[SavedSearch]:
    """Saved searches with an alert whose interval has passed since their last check."""
    now = now or utcnow()
    due = []
    for row in db.query("SELECT * FROM saved_searches WHERE alert <> 'none' ORDER BY id"):
        saved = _saved(row)
        interval = ALERT_INTERVALS.get(saved.alert)
        if interval is None:
            continue
        if saved.last_checked_at is None or now - saved.last_checked_at >= interval:
            due.append(saved)
    return due


def mark_checked(db: Database, saved_id: int, at: dt.datetime) -> None:
    with db.transaction() as tx:
        tx.execute("UPDATE saved_searches SET last_checked_at = ? WHERE id = ?", (iso(at), saved_id))


def set_email(db: Database, user_id: int, email: str | None) -> None:
    """Set (or clear, with None) the user's own address for alerts."""
    with db.transaction() as tx:
        tx.execute("UPDATE users SET email = ? WHERE id = ?", (email, user_id))


def set_language(db: Database, user_id: int, language: str | None) -> None:
    """Remember the UI language the user chose (alert mails are written in it)."""
    with db.transaction() as tx:
        tx.execute("UPDATE users SET language = ? WHERE id = ?", (language, user_id))


def language_of(db: Database, user_id: int) -> str | None:
    """The UI language the user last chose, or None."""
    row = db.one("SELECT language FROM users WHERE id = ?", (user_id,))
    return row["language"] if row else None

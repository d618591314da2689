"""SMTP relays on 127.0.0.1 for mail tests: a real aiosmtpd server that records, refuses, swallows DATA or
holds the session, one that wants STARTTLS and a login, and a listener that accepts TCP and never greets."""

from __future__ import annotations

import asyncio
import datetime as dt
import email
import email.policy
import ipaddress
import socket
import ssl
import threading
import time
from contextlib import contextmanager
from pathlib import Path


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Relay:
    """aiosmtpd handler: ``mode`` decides what DATA gets — "accept" (250), "refuse" (554),
    "swallow" (reads the message, never answers) — or "hold_rcpt" (stalls at RCPT, before DATA)."""

    def __init__(self, mode: str = "accept"):
        self.mode = mode
        self.rcpt_seen = threading.Event()
        self.received: list[tuple[list[str], email.message.EmailMessage]] = []  # every DATA read, answered or not
        self.accepted: list[str] = []  # Message-IDs answered 250
        self.sessions: list[dict] = []
        self.data_seen = threading.Event()
        self.released = threading.Event()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        """In "hold_rcpt" mode the session stalls before DATA: nothing of the message has been sent."""
        self.rcpt_seen.set()
        if self.mode == "hold_rcpt":
            while not self.released.is_set():
                await asyncio.sleep(0.05)
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 OK"

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.original_content or envelope.content, policy=email.policy.default)
        self.received.append((list(envelope.rcpt_tos), message))
        self.sessions.append({"tls": session.ssl is not None, "authenticated": bool(session.authenticated),
                              "login": getattr(session.auth_data, "login", None)})
        self.data_seen.set()
        if self.mode == "refuse":
            return "554 5.7.1 Message refused by policy"
        if self.mode == "swallow":
            while not self.released.is_set():
                await asyncio.sleep(0.05)
            return "451 4.3.0 Gave up"
        self.accepted.append(message["Message-ID"])
        return "250 2.0.0 OK"

    def message_ids(self) -> list[str]:
        return [m["Message-ID"] for _, m in self.received]


@contextmanager
def running_relay(handler: Relay, **smtp_kwargs):
    """An aiosmtpd controller on 127.0.0.1 for the duration; yields its port."""
    from aiosmtpd.controller import Controller

    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port, **smtp_kwargs)
    controller.start()
    try:
        yield port
    finally:
        handler.released.set()
        controller.stop()


class SilentListener:
    """Accepts TCP connections and never says a word (a hung relay); counts connections and their overlap."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.accepted = 0
        self.open_now = 0
        self.max_open = 0
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        self.sock.settimeout(0.1)
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except TimeoutError:
                continue
            with self._lock:
                self.accepted += 1
                self.open_now += 1
                self.max_open = max(self.max_open, self.open_now)
            threading.Thread(target=self._hold, args=(conn,), daemon=True).start()

    def _hold(self, conn: socket.socket) -> None:
        conn.settimeout(0.1)
        with conn:
            while not self._stop.is_set():
                try:
                    if conn.recv(1024) == b"":
                        break  # the client gave up and closed
                except TimeoutError:
                    continue
                except OSError:
                    break
        with self._lock:
            self.open_now -= 1

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        self.sock.close()


def self_signed_certificate(folder: Path) -> tuple[Path, Path]:
    """A fresh key and a self-signed certificate for 127.0.0.1 (IP SAN), as PEM files."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "odjek test relay")])
    now = dt.datetime.now(dt.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(minutes=5))
            .not_valid_after(now + dt.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                           critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    cert_path, key_path = folder / "relay-cert.pem", folder / "relay-key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_path, key_path


def server_tls_context(cert_path: Path, key_path: Path) -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert_path, key_path)
    return context


def password_checker(user: str, password: str):
    """An aiosmtpd authenticator accepting exactly one login."""
    from aiosmtpd.smtp import AuthResult, LoginPassword

    def authenticate(server, session, envelope, mechanism, auth_data):
        ok = (isinstance(auth_data, LoginPassword) and auth_data.login.decode() == user
              and auth_data.password.decode() == password)
        return AuthResult(success=ok, handled=False, auth_data=auth_data if ok else None)

    return authenticate


def wait_for(predicate, timeout_s: float = 30.0) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return predicate()

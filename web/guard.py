"""Input no store can hold, refused at the door: NUL characters and integers beyond 64 bits (issue 14).

PostgreSQL text cannot contain NUL, and SQLite cannot bind an integer beyond 64 bits; such values reached
the archive from search parameters, filters, saved searches and the login form and came back as HTTP 500.
No field of this UI has a use for them, so the request is answered before any route runs: 400 for a NUL
anywhere in the path, query or form body, 404 for a path number no row can have.
"""

from __future__ import annotations

import logging
import re
from urllib.parse import unquote_to_bytes

LOGGER = logging.getLogger(__name__)

MAX_DB_INT = 2**63 - 1
# Form bodies are small (login, saved searches, settings); larger ones are not buffered here.
MAX_SCANNED_BODY_BYTES = 1_000_000
_NUMBER_SEGMENT = re.compile(r"^[+-]?\d+$")
_FORM_TYPE = b"application/x-www-form-urlencoded"


def has_nul(raw: bytes) -> bool:
    """True when URL-encoded (or raw) bytes carry a NUL character."""
    return b"\x00" in raw or b"%00" in raw.lower() or b"\x00" in unquote_to_bytes(raw)


def oversized_number_in_path(path: str) -> bool:
    """True when a path segment is an integer outside the signed 64-bit range."""
    return any(_NUMBER_SEGMENT.match(seg) and abs(int(seg)) > MAX_DB_INT for seg in path.split("/") if seg)


class InputGuard:
    """Pure ASGI middleware: answers 400/404 for unstorable input, passes everything else through unchanged."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        raw_path = scope.get("raw_path") or scope["path"].encode("utf-8", "surrogateescape")
        if has_nul(raw_path) or has_nul(scope.get("query_string", b"")):
            await _answer(send, 400, "bad request: NUL character in the address")
            return
        if oversized_number_in_path(scope["path"]):
            await _answer(send, 404, "not found")
            return
        headers = dict(scope.get("headers") or [])
        if scope["method"] == "POST" and headers.get(b"content-type", b"").startswith(_FORM_TYPE):
            body, more = await _read_body(receive)
            if not more and has_nul(body):
                await _answer(send, 400, "bad request: NUL character in the form")
                return
            receive = _replay(body, more, receive)
        await self.app(scope, receive, send)


async def _read_body(receive) -> tuple[bytes, bool]:
    """The request body up to MAX_SCANNED_BODY_BYTES; ``more`` is True when it was longer (not scanned)."""
    chunks, size = [], 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            return b"".join(chunks), False
        chunk = message.get("body", b"")
        chunks.append(chunk)
        size += len(chunk)
        if not message.get("more_body"):
            return b"".join(chunks), False
        if size > MAX_SCANNED_BODY_BYTES:
            return b"".join(chunks), True


def _replay(body: bytes, more: bool, receive):
    """A receive callable that hands the buffered body to the app first, then the rest of the stream."""
    sent = False

    async def replay():
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": more}
        return await receive()

    return replay


async def _answer(send, status: int, text: str) -> None:
    body = text.encode("utf-8")
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"text/plain; charset=utf-8"), (b"content-length", str(len(body)).encode()),
                            (b"x-content-type-options", b"nosniff")]})
    await send({"type": "http.response.body", "body": body})

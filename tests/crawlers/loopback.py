"""A small loopback HTTP server for crawler tests: routes map paths to canned or hostile behaviours.

Each route is a callable ``(handler) -> None`` that writes the whole response itself, so tests can
misbehave at the socket level (hang after headers, cut bodies, break chunked encoding, endless bytes).
"""

from __future__ import annotations

import gzip
import socket
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

Route = Callable[[BaseHTTPRequestHandler], None]


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:  # noqa: N802 - http.server naming
        server: LoopbackServer = self.server.owner  # type: ignore[attr-defined]
        server.hits.append((self.path, time.monotonic(), dict(self.headers)))
        route = server.routes.get(self.path) or server.routes.get(self.path.split("?", 1)[0])
        if route is None:
            send(self, 404, b"not found", "text/plain")
            return
        try:
            route(self)
        except (BrokenPipeError, ConnectionResetError):
            pass

    def log_message(self, format, *args) -> None:  # noqa: A002
        pass


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def handle_error(self, request, client_address) -> None:
        """Clients that hang up mid-response are what these tests are about: no traceback."""


class LoopbackServer:
    """``with LoopbackServer("127.0.0.2") as web: web.routes["/x"] = ...; web.url("/x")``."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0):
        self.routes: dict[str, Route] = {}
        self.hits: list[tuple[str, float, dict]] = []
        self.stop_event = threading.Event()
        self._server = _Server((host, port), _Handler)
        self._server.owner = self  # type: ignore[attr-defined]
        self.host, self.port = self._server.server_address[:2]
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)

    def url(self, path: str = "/") -> str:
        return f"http://{self.host}:{self.port}{path}"

    def paths_hit(self) -> list[str]:
        return [h[0] for h in self.hits]

    def __enter__(self) -> LoopbackServer:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop_event.set()
        self._server.shutdown()
        self._server.server_close()


# Route builders ---------------------------------------------------------------------------------------

def send(handler: BaseHTTPRequestHandler, status: int, body: bytes, content_type: str = "text/html; charset=utf-8",
         headers: dict[str, str] | None = None) -> None:
    """A complete, well-formed response."""
    handler.send_response(status)
    handler.send_header("Content-Type", content_type)
    handler.send_header("Content-Length", str(len(body)))
    for name, value in (headers or {}).items():
        handler.send_header(name, value)
    handler.end_headers()
    handler.wfile.write(body)


def static(body: bytes | str, content_type: str = "text/html; charset=utf-8", status: int = 200,
           headers: dict[str, str] | None = None, etag: str | None = None, last_modified: str | None = None) -> Route:
    """Serve fixed bytes; a matching If-None-Match (``etag``) or If-Modified-Since (``last_modified``) gets 304."""
    data = body.encode("utf-8") if isinstance(body, str) else body

    def route(handler):
        extra = dict(headers or {})
        if last_modified:
            extra["Last-Modified"] = last_modified
        if etag:
            extra["ETag"] = etag
        if (etag and handler.headers.get("If-None-Match") == etag) or (
                last_modified and handler.headers.get("If-Modified-Since") == last_modified):
            handler.send_response(304)
            for name, value in extra.items():
                handler.send_header(name, value)
            handler.send_header("Content-Length", "0")
            handler.end_headers()
            return
        send(handler, status, data, content_type, extra)

    return route


def redirect(location: str, status: int = 302) -> Route:
    def route(handler):
        send(handler, status, b"moved", "text/html", {"Location": location})

    return route


def hang_after_headers(stop: threading.Event, max_s: float = 30.0) -> Route:
    """Headers promising a body, then silence until the client gives up (or the server stops)."""

    def route(handler):
        handler.send_response(200)
        handler.send_header("Content-Type", "text/html")
        handler.send_header("Content-Length", "100000")
        handler.end_headers()
        handler.wfile.flush()
        stop.wait(max_s)

    return route


def short_body() -> Route:
    """Content-Length says 10 000 bytes, 500 arrive, then the connection closes."""

    def route(handler):
        handler.send_response(200)
        handler.send_header("Content-Type", "text/html")
        handler.send_header("Content-Length", "10000")
        handler.send_header("Connection", "close")
        handler.end_headers()
        handler.wfile.write(b"<html><body>" + b"x" * 488)
        handler.wfile.flush()
        handler.close_connection = True
        handler.connection.shutdown(socket.SHUT_RDWR)

    return route


def broken_chunked() -> Route:
    """A chunked body whose second chunk size line is garbage."""

    def route(handler):
        handler.send_response(200)
        handler.send_header("Content-Type", "text/html")
        handler.send_header("Transfer-Encoding", "chunked")
        handler.send_header("Connection", "close")
        handler.end_headers()
        handler.wfile.write(b"10\r\n<html><body>abcd\r\nZZZZ-not-hex\r\nhello\r\n0\r\n\r\n")
        handler.wfile.flush()
        handler.close_connection = True

    return route


def endless(total_bytes: int, with_length: bool = False) -> Route:
    """A body of ``total_bytes`` generated on the fly (chunked unless ``with_length``)."""
    block = b"<p>" + b"x" * 65_000 + b"</p>\n"

    def route(handler):
        handler.send_response(200)
        handler.send_header("Content-Type", "text/html")
        if with_length:
            handler.send_header("Content-Length", str(total_bytes))
        else:
            handler.send_header("Transfer-Encoding", "chunked")
        handler.end_headers()
        sent = 0
        while sent < total_bytes:
            piece = block[: total_bytes - sent]
            if with_length:
                handler.wfile.write(piece)
            else:
                handler.wfile.write(b"%x\r\n%s\r\n" % (len(piece), piece))
            sent += len(piece)
        if not with_length:
            handler.wfile.write(b"0\r\n\r\n")

    return route


def gzip_bomb(inflated_bytes: int) -> Route:
    """A small gzip body that inflates to ``inflated_bytes`` of zeros."""
    import io

    buffer = io.BytesIO()
    with gzip.GzipFile(fileobj=buffer, mode="wb", compresslevel=9) as gz:
        chunk = b"\0" * 1_048_576
        for _ in range(inflated_bytes // len(chunk)):
            gz.write(chunk)
    payload = buffer.getvalue()

    def route(handler):
        send(handler, 200, payload, "text/html", {"Content-Encoding": "gzip"})

    route.compressed_size = len(payload)  # type: ignore[attr-defined]
    return route


def status_with_retry_after(status: int, seconds: int) -> Route:
    def route(handler):
        send(handler, status, b"slow down", "text/plain", {"Retry-After": str(seconds)})

    return route


def trickle(stop: threading.Event, every_s: float = 2.0, max_s: float = 60.0,
            durations: list[float] | None = None) -> Route:
    """A body that drips one byte every ``every_s`` seconds: never idle long, never finished in time.

    ``durations`` receives how long each client stayed (until a write failed because it hung up).
    """

    def route(handler):
        started = time.monotonic()
        handler.send_response(200)
        handler.send_header("Content-Type", "text/html")
        handler.send_header("Content-Length", "100000")
        handler.end_headers()
        handler.wfile.flush()
        try:
            while time.monotonic() - started < max_s and not stop.wait(every_s):
                handler.wfile.write(b"x")
                handler.wfile.flush()
        finally:
            if durations is not None:
                durations.append(time.monotonic() - started - every_s)  # the client left before this write

    return route

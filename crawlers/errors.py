"""Turning a failed download into a clear, stable reason: ``"<kind>: <detail>"`` and whether to retry.

Kinds (the part before the colon) are what source health groups by: ``http 404``, ``http 500``,
``timeout``, ``connection``, ``too large``, ``redirects``, ``robots``, ``refused``, ``dns``, ``error``.
Server-side and network trouble is retryable (the frontier retries it later with backoff); what the
page *is* (404, too large, a redirect loop, disallowed) is not.
"""

from __future__ import annotations

import logging

LOGGER = logging.getLogger(__name__)

RETRYABLE_STATUS = {408, 425, 429, 500, 502, 503, 504, 520, 521, 522, 523, 524}


def status_reason(status: int, detail: str = "") -> tuple[str, bool]:
    """Reason and retryability for a final non-2xx HTTP status."""
    text = f"http {status}"
    if status == 429:
        text += ": rate limited"
    elif status >= 500:
        text += ": server error"
    elif status in (401, 403):
        text += ": access denied"
    elif status in (404, 410):
        text += ": not found"
    else:
        text += ": unexpected status"
    if detail:
        text += f" ({detail})"
    return text, status in RETRYABLE_STATUS


def exception_reason(exc: BaseException, timeout_s: float | None = None, max_bytes: int | None = None,
                     note: str = "") -> tuple[str, bool]:
    """Reason and retryability for a download exception (Scrapy, Twisted or our own)."""
    from scrapy import exceptions as sx
    from scrapy.spidermiddlewares.httperror import HttpError

    from crawlers.safety import RefusedAddress

    name = type(exc).__name__
    message = " ".join(str(exc).split())[:300]
    if isinstance(exc, HttpError):
        return status_reason(exc.response.status, note)
    if isinstance(exc, RefusedAddress):
        return message if message.startswith(("refused", "dns")) else f"refused: {message}", False
    if isinstance(exc, sx.IgnoreRequest):
        lowered = message.lower()
        if "robots.txt" in lowered:
            return "robots: disallowed by robots.txt", False
        if "redirect" in lowered:
            return f"redirects: {message} (redirect loop or chain too long)", False
        if "maxsize" in lowered or "download_maxsize" in lowered:
            return f"too large: {message}", False
        return f"error: request dropped ({message or name})", False
    if isinstance(exc, sx.DownloadCancelledError) or "maxsize" in message.lower():
        limit = f"more than {max_bytes} bytes" if max_bytes else "over the size limit"
        return f"too large: {message or limit + ', download cancelled'}", False
    if isinstance(exc, sx.DownloadTimeoutError) or "timeout" in name.lower() or "took longer than" in message:
        limit = f" within {timeout_s:g}s" if timeout_s else ""
        return f"timeout: no complete response{limit}", True
    if isinstance(exc, sx.CannotResolveHostError) or name == "DNSLookupError":
        return f"dns: {message or 'cannot resolve host'}", True
    if isinstance(exc, (sx.ResponseDataLossError, sx.DownloadConnectionRefusedError, sx.DownloadFailedError)):
        return f"connection: {_connection_detail(exc, message)}", True
    if name in {"ResponseFailed", "ResponseNeverReceived", "ConnectionLost", "ConnectionRefusedError",
                "ConnectionDone", "ConnectError", "PotentialDataLoss", "TCPTimedOutError"}:
        return f"connection: {_connection_detail(exc, message)}", True
    LOGGER.debug("unclassified download error %r", exc)
    return f"error: {name}: {message}"[:300], True


def _connection_detail(exc: BaseException, message: str) -> str:
    """Short text for a broken connection (data loss, refused, reset)."""
    lowered = f"{type(exc).__name__} {message}".lower()
    if "dataloss" in lowered or "data loss" in lowered or "potentialdataloss" in lowered:
        return "response body cut short (data loss)"
    if "refused" in lowered:
        return "connection refused"
    if "chunk" in lowered:
        return "broken chunked encoding"
    return message or type(exc).__name__

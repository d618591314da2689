"""Failure reasons: stable kinds and the right retryability."""

from __future__ import annotations

from scrapy.exceptions import DownloadCancelledError, DownloadTimeoutError, IgnoreRequest, ResponseDataLossError

from crawlers.errors import exception_reason, status_reason
from crawlers.safety import RefusedAddress


def test_status_reasons():
    assert status_reason(503) == ("http 503: server error", True)
    assert status_reason(429, "after 2 retries") == ("http 429: rate limited (after 2 retries)", True)
    assert status_reason(404) == ("http 404: not found", False)
    assert status_reason(403) == ("http 403: access denied", False)


def test_exception_reasons():
    assert exception_reason(DownloadTimeoutError("took longer than 20.0 seconds"), 20) == (
        "timeout: no complete response within 20s", True)
    assert exception_reason(IgnoreRequest("Forbidden by robots.txt")) == ("robots: disallowed by robots.txt", False)
    assert exception_reason(IgnoreRequest("max redirections reached"))[0].startswith("redirects:")
    assert exception_reason(DownloadCancelledError(""), max_bytes=100) == ("too large: more than 100 bytes, download cancelled",
                                                                          False)
    too_big = IgnoreRequest("exceeded DOWNLOAD_MAXSIZE (100 B) during decompression.")
    assert exception_reason(too_big)[0].startswith("too large:")
    assert exception_reason(ResponseDataLossError("x")) == ("connection: response body cut short (data loss)", True)
    assert exception_reason(RefusedAddress("refused: 10.0.0.1 is a private address")) == (
        "refused: 10.0.0.1 is a private address", False)
    assert exception_reason(ValueError("odd"))[0] == "error: ValueError: odd"

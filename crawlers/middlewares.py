"""Downloader middlewares: the address guard (SSRF) and Retry-After-aware retries that pause a host.

Scrapy's own RetryMiddleware ignores ``Retry-After`` and retries at once; :class:`RetryAfterMiddleware`
replaces it: a 429/503 pauses every request to that host for the announced time (up to
RETRY_AFTER_MAX_S), other 5xx are retried with exponential backoff, and after RETRY_TIMES the
response goes on to the spider's errback, which records a retryable failure in the frontier.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import email.utils
import logging
import time
from urllib.parse import urlsplit

from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware
from scrapy.utils.defer import maybe_deferred_to_future
from scrapy.utils.httpobj import urlparse_cached
from twisted.internet.defer import Deferred
from twisted.internet.error import DNSLookupError

from crawlers.safety import RefusedAddress, classify_address, url_problem

LOGGER = logging.getLogger(__name__)

RETRY_STATUSES = {429, 500, 502, 503, 504, 520, 521, 522, 523, 524}
PAUSE_STATUSES = {429, 503}


class AddressGuardMiddleware:
    """Refuse requests to loopback/private/link-local/metadata addresses before any connection is made.

    Runs first among downloader middlewares, so a redirect target (re-scheduled as a new request) and the
    robots.txt request are checked too. Verdicts are cached per host for the crawl.
    """

    def __init__(self, allow_private: bool, trusted: list[str]):
        self.allow_private = allow_private
        self.trusted = list(trusted)
        self.verdicts: dict[str, str | None] = {}

    @classmethod
    def from_crawler(cls, crawler):
        settings = crawler.settings
        return cls(settings.getbool("ODJEK_ALLOW_PRIVATE"), settings.getlist("ODJEK_TRUSTED_ADDRESSES"))

    async def process_request(self, request):
        if self.allow_private:
            return None
        host = urlsplit(request.url).hostname or ""
        if host not in self.verdicts:
            # getaddrinfo blocks: resolve in a thread so one slow name server does not stall the crawl.
            loop = asyncio.get_running_loop()
            self.verdicts[host] = await loop.run_in_executor(
                None, lambda: url_problem(request.url, allow_private=False, trusted=self.trusted))
        problem = self.verdicts[host]
        if problem is None and urlsplit(request.url).scheme not in ("http", "https"):
            problem = url_problem(request.url, allow_private=False)
        if problem:
            LOGGER.warning("refusing %s: %s", request.url, problem)
            raise RefusedAddress(problem)
        return None


class SharedRobotsTxtMiddleware(RobotsTxtMiddleware):
    """Scrapy's robots.txt middleware, fixed for requests that arrive while robots.txt is still downloading.

    Scrapy 2.19 lets every such waiter ``await`` the same Deferred through ``asFuture``, which consumes its
    result: only the first waiter gets the parser, the others get None and are let through unchecked
    (seen here: a disallowed URL fetched when queued alongside others). Each waiter gets its own Deferred,
    as before scrapy/scrapy#6802 replaced exactly that with the shared await.
    """

    async def robot_parser(self, request):
        pending = self._parsers.get(urlparse_cached(request).netloc)
        if isinstance(pending, Deferred):
            mine: Deferred = Deferred()

            def relay(result):
                mine.callback(result)
                return result  # keep the result in the shared chain for the next waiter

            pending.addBoth(relay)
            return await maybe_deferred_to_future(mine)
        return await super().robot_parser(request)


def _guarded_resolver_base():
    from scrapy.resolver import CachingThreadedResolver

    return CachingThreadedResolver


class GuardedResolver(_guarded_resolver_base()):
    """Scrapy's caching resolver that refuses answers pointing at forbidden addresses (DNS rebinding)."""

    allow_private = False
    trusted: frozenset[str] = frozenset()

    @classmethod
    def from_crawler(cls, crawler, reactor):
        resolver = super().from_crawler(crawler, reactor)
        resolver.allow_private = crawler.settings.getbool("ODJEK_ALLOW_PRIVATE")
        resolver.trusted = frozenset(crawler.settings.getlist("ODJEK_TRUSTED_ADDRESSES"))
        return resolver

    def getHostByName(self, name, timeout=()):  # noqa: N802 - Twisted's interface
        deferred = super().getHostByName(name, timeout)
        if self.allow_private:
            return deferred
        return deferred.addCallback(self._check, name)

    def _check(self, address: str, name: str) -> str:
        kind = classify_address(address)
        if kind and name not in self.trusted and address not in self.trusted:
            raise DNSLookupError(f"refused: {name} resolves to {address}, a {kind} address")
        return address


def retry_after_seconds(value: bytes | str | None, now: float | None = None) -> float | None:
    """Seconds from a Retry-After header (delta-seconds or an HTTP date), or None when absent/invalid."""
    if not value:
        return None
    text = value.decode("latin-1") if isinstance(value, bytes) else value
    text = text.strip()
    if text.isdigit():
        return float(text)
    try:
        parsed = email.utils.parsedate_to_datetime(text)
    except (ValueError, TypeError, IndexError):
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=dt.UTC)
    return max(0.0, parsed.timestamp() - (time.time() if now is None else now))


class RetryAfterMiddleware:
    """Retry 5xx/429 with backoff; honour Retry-After by pausing the whole host."""

    def __init__(self, retry_times: int, backoff_s: float, max_wait_s: float):
        self.retry_times = retry_times
        self.backoff_s = backoff_s
        self.max_wait_s = max_wait_s
        self.paused_until: dict[str, float] = {}

    @classmethod
    def from_crawler(cls, crawler):
        settings = crawler.settings
        return cls(settings.getint("ODJEK_RETRY_TIMES"), settings.getfloat("ODJEK_RETRY_BACKOFF_S"),
                   settings.getfloat("ODJEK_RETRY_AFTER_MAX_S"))

    async def process_request(self, request):
        host = urlsplit(request.url).hostname or ""
        wait = max(self.paused_until.get(host, 0.0), request.meta.get("odjek_not_before", 0.0)) - time.monotonic()
        if wait > 0:
            await asyncio.sleep(wait)
        return None

    def process_response(self, request, response):
        if response.status not in RETRY_STATUSES:
            return response
        retries = request.meta.get("odjek_retries", 0)
        announced = retry_after_seconds(response.headers.get(b"Retry-After"))
        if announced is not None and announced > self.max_wait_s:
            request.meta["odjek_retry_note"] = f"Retry-After {announced:g}s exceeds the {self.max_wait_s:g}s limit"
            return response
        if retries >= self.retry_times:
            note = f"after {retries} retries" + (f", Retry-After {announced:g}s" if announced is not None else "")
            request.meta["odjek_retry_note"] = note
            return response
        wait = announced if announced is not None else self.backoff_s * (2 ** retries)
        host = urlsplit(request.url).hostname or ""
        if response.status in PAUSE_STATUSES:
            self.paused_until[host] = max(self.paused_until.get(host, 0.0), time.monotonic() + wait)
            LOGGER.info("pausing host %s for %.1fs (HTTP %d, Retry-After %s)", host, wait, response.status, announced)
        retry = request.replace(dont_filter=True)
        retry.meta["odjek_retries"] = retries + 1
        retry.meta["odjek_not_before"] = time.monotonic() + wait
        return retry


__all__ = ["AddressGuardMiddleware", "GuardedResolver", "RefusedAddress", "RetryAfterMiddleware",
           "SharedRobotsTxtMiddleware"]

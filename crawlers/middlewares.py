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
from scrapy.exceptions import IgnoreRequest
from scrapy.utils.defer import maybe_deferred_to_future
from scrapy.utils.httpobj import urlparse_cached
from twisted.internet.defer import Deferred
from twisted.internet.error import DNSLookupError

from crawlers.safety import RefusedAddress, classify_address, system_resolve, url_problem

LOGGER = logging.getLogger(__name__)

RETRY_STATUSES = {429, 500, 502, 503, 504, 520, 521, 522, 523, 524}
PAUSE_STATUSES = {429, 503}


class AddressGuardMiddleware:
    """Refuse requests to loopback/private/link-local/metadata addresses before any connection is made.

    Runs first among downloader middlewares, so a redirect target (re-scheduled as a new request) and the
    robots.txt request are checked too. Verdicts are cached per host for the crawl.
    """

    def __init__(self, allow_private: bool, trusted: list[str], stub_dns: dict[str, list[str]] | None = None):
        self.allow_private = allow_private
        self.trusted = list(trusted)
        self.verdicts: dict[str, str | None] = {}
        self.resolve = system_resolve
        if stub_dns:
            # Tests only (a Scrapy setting, never an Odjek one): names answered with private or metadata
            # addresses, so the guard is exercised without a test ever naming such an address as a target.
            answers = {name.lower(): list(addresses) for name, addresses in stub_dns.items()}
            self.resolve = lambda host: answers[host] if host in answers else system_resolve(host)

    @classmethod
    def from_crawler(cls, crawler):
        settings = crawler.settings
        return cls(settings.getbool("ODJEK_ALLOW_PRIVATE"), settings.getlist("ODJEK_TRUSTED_ADDRESSES"),
                   settings.getdict("ODJEK_STUB_DNS"))

    async def process_request(self, request):
        if self.allow_private:
            return None
        host = urlsplit(request.url).hostname or ""
        if host not in self.verdicts:
            # getaddrinfo blocks: resolve in a thread so one slow name server does not stall the crawl.
            loop = asyncio.get_running_loop()
            self.verdicts[host] = await loop.run_in_executor(
                None, lambda: url_problem(request.url, allow_private=False, trusted=self.trusted,
                                          resolve=self.resolve))
        problem = self.verdicts[host]
        if problem is None and urlsplit(request.url).scheme not in ("http", "https"):
            problem = url_problem(request.url, allow_private=False)
        if problem:
            LOGGER.warning("refusing %s: %s", request.url, problem)
            raise RefusedAddress(problem)
        return None


class SlowSourceMiddleware:
    """Drops queued requests of a source the crawl gave up on as slow (``CrawlStore.tripped``), before any I/O.

    The fetch spider's errback turns them into ``FetchLeftOver`` items: no attempt is counted and the
    entries are free for the next run when the crawl ends.
    """

    def __init__(self, crawler):
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def process_request(self, request):
        entry = request.meta.get("entry")
        store = getattr(self.crawler.spider, "store", None)
        reason = store.tripped.get(entry.source_id) if entry is not None and store is not None else None
        if reason:
            request.meta["odjek_left_over"] = reason
            raise IgnoreRequest(f"left for the next run: {reason}")
        return None


def drop_queued_requests(downloader, source_id: str | None, reason: str) -> int:
    """Fail the requests of ``source_id`` (None: all) waiting in the downloader's per-host queues.

    Downloader middlewares run when a request *enters* the downloader, where it then waits for a
    per-host slot; a source given up on would otherwise still download everything already queued.
    ``Slot.queue`` holds ``(request, deferred)`` pairs (Scrapy 2.19, scrapy/core/downloader/__init__.py);
    the errback reaches the spider's errback like any download failure.
    """
    dropped = 0
    for slot in list(getattr(downloader, "slots", {}).values()):
        if not hasattr(slot, "queue"):
            LOGGER.warning("Scrapy's downloader slots have no queue any more: queued requests are not dropped")
            return dropped
        keep = []
        while slot.queue:
            request, deferred = slot.queue.popleft()
            entry = request.meta.get("entry")
            if source_id is None or (entry is not None and entry.source_id == source_id):
                request.meta["odjek_left_over"] = reason
                deferred.errback(IgnoreRequest(f"left for the next run: {reason}"))
                dropped += 1
            else:
                keep.append((request, deferred))
        slot.queue.extend(keep)
    return dropped


class CrawlDeadline:
    """Extension: at ODJEK_SOFT_DEADLINE_S the crawl stops itself, before the caller's hard limit kills it.

    Scrapy's CLOSESPIDER_TIMEOUT closes the spider but lets every request already queued in the
    downloader run first (hundreds of slow pages: far past the limit). Here the queued ones are dropped
    at once (the fetch spider counts them as left for the next run), the requests in flight end within
    DOWNLOAD_TIMEOUT, and the summary is written as on any normal close.
    """

    REASON = "closespider_timeout"

    def __init__(self, crawler, deadline_s: float):
        self.crawler = crawler
        self.deadline_s = deadline_s
        self.call = None
        self.expired = False
        self.closing = None  # the Deferred closing the spider at the deadline (kept so its failure is logged)

    @classmethod
    def from_crawler(cls, crawler):
        from scrapy import signals
        from scrapy.exceptions import NotConfigured

        deadline_s = crawler.settings.getfloat("ODJEK_SOFT_DEADLINE_S")
        if deadline_s <= 0:
            raise NotConfigured
        extension = cls(crawler, deadline_s)
        crawler.signals.connect(extension.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(extension.spider_closed, signal=signals.spider_closed)
        return extension

    def spider_opened(self, spider) -> None:
        from scrapy.utils.asyncio import call_later

        self.call = call_later(self.deadline_s, self.expire)

    def spider_closed(self, spider) -> None:
        if self.call is not None:
            self.call.cancel()
            self.call = None

    def expire(self) -> None:
        from scrapy.utils.defer import deferred_from_coro

        self.call = None
        self.expired = True
        spider = self.crawler.spider
        spider.time_is_up = True  # the fetch spider claims no more work
        dropped = drop_queued_requests(self.crawler.engine.downloader, None, "crawl time limit")
        LOGGER.warning("crawl time limit of %.0fs reached: %d queued requests left for the next run",
                       self.deadline_s, dropped)
        self.closing = deferred_from_coro(self.crawler.engine.close_spider_async(reason=self.REASON))
        self.closing.addErrback(self._close_failed)

    def _close_failed(self, failure) -> None:
        LOGGER.error("closing the crawl at its time limit failed: %s", failure.getTraceback())


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


__all__ = ["AddressGuardMiddleware", "CrawlDeadline", "GuardedResolver", "RefusedAddress", "RetryAfterMiddleware",
           "SharedRobotsTxtMiddleware", "SlowSourceMiddleware", "drop_queued_requests"]

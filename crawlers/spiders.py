"""The two spiders: one generic discovery spider configured per outlet, and the frontier fetch spider.

Spiders only request and yield typed items (:mod:`crawlers.items`); pipelines store them. The fetch
spider takes its work from a queue object handed to it (claims on the frontier), never from the archive.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable, Iterator, Mapping
from urllib.parse import urlsplit

import scrapy
from scrapy import signals
from scrapy.exceptions import DontCloseSpider

from crawlers.canonical import canonical_link, canonicalize_url
from crawlers.errors import exception_reason, status_reason
from crawlers.feeds import MAX_TITLE_CHARS, parse_feed, plain_text
from crawlers.items import DiscoveryOutcome, FetchedPage, FetchFailure, FetchLeftOver
from crawlers.sections import section_links
from crawlers.sitemaps import parse_sitemap, robots_sitemaps
from schemas.config import Section, Source
from schemas.records import DiscoveredUrl, FrontierEntry, RawPage

LOGGER = logging.getLogger(__name__)

SITEMAP_MAX_DEPTH = 3


def response_headers(response) -> dict[str, str]:
    """Response headers as a plain str → str dict (repeated headers joined with ', ')."""
    out = {}
    for name, values in response.headers.items():
        key = name.decode("latin-1")
        out[key] = ", ".join(v.decode("latin-1") for v in values)
    return out


def declared_canonical(body: bytes, final_url: str, requested: str) -> str | None:
    """The page's own canonical URL: <link rel=canonical>, else where a redirect ended (not a site root)."""
    declared = canonical_link(body, final_url)
    if declared:
        return declared
    landed = canonicalize_url(final_url)
    if landed != requested and urlsplit(landed).path not in ("", "/"):
        return landed
    return None


def origin_url(request) -> str:
    """The URL first requested (before redirects): feeds are known and keyed by their configured URL."""
    return (request.meta.get("redirect_urls") or [request.url])[0]


def _header(response, name: str) -> str | None:
    value = response.headers.get(name)
    return value.decode("latin-1") if value else None


def _failure_reason(crawler, failure) -> tuple[str, bool]:
    """Reason and retryability of a failed request, with the crawl's limits and any retry note."""
    settings = crawler.settings
    note = str(failure.request.meta.get("odjek_retry_note", ""))
    return exception_reason(failure.value, settings.getfloat("DOWNLOAD_TIMEOUT"), settings.getint("DOWNLOAD_MAXSIZE"),
                            note)


class DiscoverSpider(scrapy.Spider):
    """Reads each configured source's feeds, sitemaps (incl. robots.txt Sitemap: lines) and section pages."""

    name = "odjek_discover"

    def __init__(self, sources: list[Source], feed_states: Mapping[str, tuple[str | None, str | None]] | None = None,
                 section_max_pages: int = 5, store=None, sitemap_max_children: int = 50, **kwargs):
        super().__init__(**kwargs)
        self.sources = list(sources)
        self.feed_states = dict(feed_states or {})
        self.section_max_pages = section_max_pages
        self.sitemap_max_children = sitemap_max_children
        self.children_followed: dict[str, int] = {}  # source id → child sitemaps requested in this crawl
        self.store = store  # used by the pipeline, never by the spider

    async def start(self):
        for request in self.start_requests_for_sources():
            yield request

    def start_requests_for_sources(self) -> Iterator[scrapy.Request]:
        """Interleave sources so one outlet's many feeds do not queue ahead of everyone else."""
        queues = [list(self._source_requests(source)) for source in self.sources]
        while any(queues):
            for queue in queues:
                if queue:
                    yield queue.pop(0)

    def _source_requests(self, source: Source) -> Iterator[scrapy.Request]:
        for feed in source.feeds:
            etag, modified = self.feed_states.get(feed, (None, None))
            headers = {}
            if etag:
                headers["If-None-Match"] = etag
            if modified:
                headers["If-Modified-Since"] = modified
            yield scrapy.Request(feed, headers=headers, callback=self.parse_feed, errback=self.failed,
                                 dont_filter=True, meta={"source": source, "kind": "feed",
                                                         "handle_httpstatus_list": [304]})
        for sitemap in source.sitemaps:
            yield self._sitemap_request(source, sitemap, depth=0)
        max_pages = min(self.section_max_pages, source.crawl.max_pages or self.section_max_pages)
        for section in source.sections:
            yield scrapy.Request(section.url, callback=self.parse_section, errback=self.failed, dont_filter=True,
                                 meta={"source": source, "kind": "section", "section": section, "page": 1,
                                       "max_pages": max_pages})

    def _sitemap_request(self, source: Source, url: str, depth: int) -> scrapy.Request:
        is_robots = urlsplit(url).path.rstrip("/").endswith("robots.txt")
        return scrapy.Request(url, callback=self.parse_robots if is_robots else self.parse_sitemap,
                              errback=self.failed, dont_filter=True,
                              meta={"source": source, "kind": "robots" if is_robots else "sitemap", "depth": depth})

    # Callbacks --------------------------------------------------------------------------------------
    def parse_feed(self, response):
        source: Source = response.meta["source"]
        outcome = DiscoveryOutcome(source_id=source.id, kind="feed", url=origin_url(response.request),
                                   status=response.status,
                                   etag=_header(response, "ETag"), last_modified=_header(response, "Last-Modified"))
        if response.status == 304:
            outcome.not_modified = True
            return outcome
        parsed = parse_feed(response.body, response.url, source.id, response_headers(response))
        outcome.entries, outcome.error, outcome.warnings = parsed.entries, parsed.error, parsed.warnings
        outcome.newest_entry = parsed.newest
        return outcome

    def parse_sitemap(self, response):
        source: Source = response.meta["source"]
        depth = response.meta.get("depth", 0)
        parsed = parse_sitemap(response.body, response.url, source.id,
                               self.crawler.settings.getint("DOWNLOAD_MAXSIZE") or 50_000_000)
        outcome = DiscoveryOutcome(source_id=source.id, kind="sitemap", url=origin_url(response.request),
                                   status=response.status, entries=parsed.entries, error=parsed.error)
        children: list[str] = []
        if parsed.children and source.crawl.follow_sitemap_index and depth < SITEMAP_MAX_DEPTH:
            children = self._children_within_cap(source, parsed.children, outcome)
        yield outcome
        for child in children:
            yield self._sitemap_request(source, child, depth + 1)

    def _children_within_cap(self, source: Source, children: list[str], outcome: DiscoveryOutcome) -> list[str]:
        """The child sitemaps still within the source's SITEMAP_MAX_CHILDREN; a warning names what is left.

        A 5,000-child index would otherwise mean thousands of requests per run, far past the crawl's
        time limit (issue 14); indexes list their children newest first after parsing.
        """
        done = self.children_followed.get(source.id, 0)
        room = max(self.sitemap_max_children - done, 0)
        taken = children[:room]
        self.children_followed[source.id] = done + len(taken)
        if len(taken) < len(children):
            outcome.warnings.append(f"{len(children) - len(taken)} of {len(children)} child sitemaps not followed "
                                    f"(sitemap_max_children {self.sitemap_max_children})")
        return taken

    def parse_robots(self, response):
        source: Source = response.meta["source"]
        found = robots_sitemaps(response.text if hasattr(response, "text") else response.body.decode("utf-8", "replace"),
                                response.url)
        if not found:
            yield DiscoveryOutcome(source_id=source.id, kind="robots", url=response.url, status=response.status,
                                   error="empty: robots.txt announces no Sitemap: lines")
            return
        outcome = DiscoveryOutcome(source_id=source.id, kind="robots", url=response.url, status=response.status)
        found = self._children_within_cap(source, found, outcome)
        if outcome.warnings:
            yield outcome
        for url in found:
            yield self._sitemap_request(source, url, depth=1)

    def parse_section(self, response):
        source: Source = response.meta["source"]
        section: Section = response.meta["section"]
        page = response.meta["page"]
        text = response.text if hasattr(response, "text") else ""
        links = section_links(text, response.url, section.url, section.link_pattern)
        entries = [DiscoveredUrl(url=url, source_id=source.id, via="section", title=plain_text(title, MAX_TITLE_CHARS))
                   for url, title in links.articles]
        error = None if entries or page > 1 else f"empty: no links match {section.link_pattern!r}"
        yield DiscoveryOutcome(source_id=source.id, kind="section", url=response.url, status=response.status,
                               entries=entries, error=error)
        if entries and page < response.meta["max_pages"]:
            for next_url in links.next_pages[:1]:
                meta = {key: response.meta[key] for key in ("source", "kind", "section", "max_pages")}
                yield scrapy.Request(next_url, callback=self.parse_section, errback=self.failed, dont_filter=True,
                                     meta={**meta, "page": page + 1})

    def failed(self, failure):
        request = failure.request
        source: Source = request.meta["source"]
        kind = request.meta.get("kind", "feed")
        reason, _ = _failure_reason(self.crawler, failure)
        if kind == "robots" and reason.startswith("http 404"):
            reason = "empty: no robots.txt"
        status = getattr(getattr(failure.value, "response", None), "status", None)
        return DiscoveryOutcome(source_id=source.id, kind=kind, url=origin_url(request), error=reason, status=status)


class FetchSpider(scrapy.Spider):
    """Fetches claimed frontier entries; more are claimed whenever the crawl runs dry."""

    name = "odjek_fetch"

    def __init__(self, queue=None, store=None, **kwargs):
        super().__init__(**kwargs)
        self.queue = queue  # claims frontier entries (crawlers.store.FrontierQueue)
        self.store = store  # used by the pipeline, never by the spider

    @classmethod
    def from_crawler(cls, crawler, *args, **kwargs):
        spider = super().from_crawler(crawler, *args, **kwargs)
        crawler.signals.connect(spider.on_idle, signal=signals.spider_idle)
        return spider

    async def start(self):
        for request in self._requests(self.queue.claim_round()):
            yield request

    def _requests(self, entries: Iterable[FrontierEntry]) -> Iterator[scrapy.Request]:
        for entry in entries:
            yield scrapy.Request(entry.canonical_url, callback=self.parse_page, errback=self.failed,
                                 dont_filter=True, meta={"entry": entry})

    def on_idle(self):
        if getattr(self, "time_is_up", False):
            return
        requests = list(self._requests(self.queue.claim_round()))
        if not requests:
            return
        for request in requests:
            self.crawler.engine.crawl(request)
        raise DontCloseSpider

    def parse_page(self, response):
        entry: FrontierEntry = response.meta["entry"]
        if not 200 <= response.status < 300:
            reason, retryable = status_reason(response.status)
            return FetchFailure(entry, reason, retryable)
        page = RawPage(frontier_id=entry.id, final_url=response.url, status=response.status,
                       headers=response_headers(response), body=response.body,
                       fetched_at=dt.datetime.now(dt.UTC))
        return FetchedPage(entry, page, declared_canonical(response.body, response.url, entry.canonical_url))

    def failed(self, failure):
        entry: FrontierEntry = failure.request.meta["entry"]
        left_over = failure.request.meta.get("odjek_left_over")
        if left_over:
            return FetchLeftOver(entry, left_over)
        reason, retryable = _failure_reason(self.crawler, failure)
        return FetchFailure(entry, reason, retryable)


"""The go-live probe: try every path into every outlet once, as the crawler would, and say what works.

For each source and each of its paths (the declared feeds/sitemaps/sections, then each fallback in
order): the HTTP status of every URL, the robots.txt decision for Odjek's user agent, whether the body
parses as a feed/sitemap/section page, how many items it lists and how new the newest is, and whether a
few sampled items fetch and extract as articles (with their language and script). A path *works* when
robots allows it, it parses with items, its newest item is not stale and a sampled item is an article.
Honest user agent, robots.txt always, the crawler's address guard; redirects are followed and reported.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from urllib.parse import urljoin, urlsplit

import httpx

from crawlers.fallbacks import CrawlPath, source_paths
from crawlers.feeds import parse_feed
from crawlers.safety import url_problem
from crawlers.sections import section_links
from crawlers.sitemaps import parse_sitemap
from schemas.config import Source

LOGGER = logging.getLogger(__name__)

MAX_SITEMAP_CHILDREN = 3
# Markers of bot-challenge interstitials (Cloudflare and the like): a page for browsers, not content.
CHALLENGE_MARKERS = (b"challenge-platform", b"cf-chl", b"Just a moment...", b"challenge-stage",
                     b"Attention Required!", b"DDoS protection by")


@dataclass
class Fetched:
    """One HTTP exchange: status, final URL after redirects, the redirects seen, body and content type."""

    url: str
    status: int | None = None
    final_url: str | None = None
    redirects: list[str] = field(default_factory=list)
    permanent: bool = False
    content_type: str = ""
    body: bytes = b""
    error: str | None = None
    robots: str = "allowed"  # "allowed" | "disallowed" | "unreachable (…)"


@dataclass
class Sample:
    url: str
    status: int | None
    is_article: bool
    language: str | None = None
    script: str | None = None
    reason: str | None = None


@dataclass
class PathReport:
    """What one path gave: per-URL results, parse outcome, items, newest item, samples, verdict."""

    label: str
    kind: str
    urls: list[dict] = field(default_factory=list)
    parse: str = ""
    items: int = 0
    newest: dt.datetime | None = None
    stale: bool = False
    samples: list[Sample] = field(default_factory=list)
    works: bool = False
    problem: str | None = None

    def as_dict(self) -> dict:
        out = asdict(self)
        out["newest"] = self.newest.isoformat() if self.newest else None
        return out


@dataclass
class SourceReport:
    source_id: str
    paths: list[PathReport] = field(default_factory=list)

    @property
    def working(self) -> list[str]:
        return [p.label for p in self.paths if p.works]

    def as_dict(self) -> dict:
        return {"source_id": self.source_id, "working_paths": self.working, "ok": bool(self.working),
                "paths": [p.as_dict() for p in self.paths]}


class Prober:
    """Fetches politely with Odjek's user agent, honouring robots.txt; one robots.txt per host, cached."""

    def __init__(self, settings, *, client: httpx.Client | None = None, resolve: Callable | None = None):
        self.settings = settings
        self.user_agent = settings.resolved_user_agent
        self.client = client or httpx.Client(headers={"User-Agent": self.user_agent},
                                             timeout=float(settings.crawl.download_timeout_s), follow_redirects=False)
        self.resolve = resolve
        self._robots: dict[str, object] = {}
        self._last_request: dict[str, float] = {}

    def close(self) -> None:
        self.client.close()

    # robots.txt -----------------------------------------------------------------------------------
    def robots_decision(self, url: str) -> str:
        """'allowed', 'disallowed', or 'unreachable (…)' (no answer, or 401/403): the page is then still tried.

        A missing robots.txt (other 4xx/5xx) allows everything, as in the crawler.
        """
        from protego import Protego

        parts = urlsplit(url)
        origin = f"{parts.scheme}://{parts.netloc}"
        if origin not in self._robots:
            fetched = self._get(origin + "/robots.txt", check_robots=False)
            if fetched.error:
                self._robots[origin] = f"unreachable ({fetched.error})"
            elif fetched.status in (401, 403):
                # Scrapy treats these as "allow all", but an outlet refusing robots.txt refuses bots: say so.
                self._robots[origin] = f"unreachable (robots.txt answered http {fetched.status})"
            elif fetched.status and fetched.status >= 400:
                self._robots[origin] = Protego.parse("")
            else:
                self._robots[origin] = Protego.parse(fetched.body.decode("utf-8", "replace"))
        rules = self._robots[origin]
        if isinstance(rules, str):
            return rules
        return "allowed" if rules.can_fetch(url, self.user_agent) else "disallowed"

    # HTTP -----------------------------------------------------------------------------------------
    def _get(self, url: str, check_robots: bool = True) -> Fetched:
        """GET with redirects followed by hand (each hop address-checked and, for content, robots-checked)."""
        result = Fetched(url=url)
        current = url
        for _ in range(int(self.settings.crawl.max_redirects) + 1):
            problem = url_problem(current, allow_private=bool(self.settings.crawl.allow_private_addresses),
                                  **({"resolve": self.resolve} if self.resolve else {}))
            if problem:
                result.error = problem
                return result
            if check_robots:
                decision = self.robots_decision(current)
                if decision != "allowed":
                    result.robots = decision
                    if decision == "disallowed":
                        result.error = "robots: disallowed by robots.txt"
                        return result
            self._pace(current)
            try:
                with self.client.stream("GET", current) as response:
                    result.status = response.status_code
                    location = response.headers.get("location") if response.is_redirect else None
                    if not location:
                        result.content_type = response.headers.get("content-type", "")
                        result.body, too_large = self._read_capped(response)
                        if too_large:
                            result.error = f"too large: more than {int(self.settings.crawl.max_page_bytes)} bytes"
            except httpx.HTTPError as exc:
                result.error = f"{type(exc).__name__}: {exc}"[:300]
                return result
            if location:
                result.permanent = result.permanent or result.status in (301, 308)
                current = urljoin(current, location)
                result.redirects.append(current)
                continue
            result.final_url = current
            return result
        result.error = "redirects: too many redirects"
        return result

    def _pace(self, url: str) -> None:
        """Keep DOWNLOAD_DELAY_S between two requests to one host, as the crawler does."""
        host = urlsplit(url).netloc
        delay = float(self.settings.crawl.download_delay_s)
        wait = self._last_request.get(host, -delay) + delay - time.monotonic()
        if wait > 0:
            time.sleep(wait)
        self._last_request[host] = time.monotonic()

    def _read_capped(self, response: httpx.Response) -> tuple[bytes, bool]:
        """The (decompressed) body up to MAX_PAGE_BYTES, and whether it went past the cap."""
        limit = int(self.settings.crawl.max_page_bytes)
        chunks, size = [], 0
        for chunk in response.iter_bytes():
            chunks.append(chunk)
            size += len(chunk)
            if size > limit:
                return b"".join(chunks)[:limit], True
        return b"".join(chunks), False

    # Paths ----------------------------------------------------------------------------------------
    def probe_source(self, source: Source, now: dt.datetime) -> SourceReport:
        report = SourceReport(source.id)
        for path in source_paths(source, str(self.settings.crawl.google_news_url)):
            report.paths.append(self.probe_path(source, path, now))
        return report

    def probe_path(self, source: Source, path: CrawlPath, now: dt.datetime) -> PathReport:
        out = PathReport(label=path.label, kind=path.kind)
        entries: list = []
        problems: list[str] = []
        for url in path.urls:
            fetched = self._get(url)
            out.urls.append(_url_row(fetched))
            found, problem = self._parse(source, path, url, fetched)
            entries += found
            if problem:
                problems.append(f"{url}: {problem}")
        out.items = len(entries)
        dates = [e.published for e in entries if getattr(e, "published", None)]
        out.newest = max(dates) if dates else None
        limit = dt.timedelta(hours=float(self.settings.crawl.stale_after_hours))
        out.stale = out.newest is not None and now - out.newest > limit
        out.parse = "ok" if entries else ("; ".join(problems) or "no items")
        if problems and entries:
            out.parse = "partly: " + "; ".join(problems)
        for entry in entries[: int(self.settings.crawl.probe_sample_items)]:
            out.samples.append(self._sample(source, entry.url))
        out.works, out.problem = _verdict(out)
        return out

    def _parse(self, source: Source, path: CrawlPath, url: str, fetched: Fetched) -> tuple[list, str | None]:
        """Entries from one fetched document, or why there are none."""
        if fetched.error:
            return [], fetched.error
        if fetched.status != 200:
            kind = "bot challenge" if _is_challenge(fetched) else f"http {fetched.status}"
            return [], kind
        if _is_challenge(fetched):
            return [], "bot challenge page"
        section = next((s for s in path.sections if s.url == url), None)
        if section is not None:
            links = section_links(fetched.body.decode("utf-8", "replace"), fetched.final_url, section.url,
                                  section.link_pattern)
            return [_Link(u) for u, _ in links.articles], (None if links.articles else "no links match the pattern")
        if url in path.sitemaps:
            return self._sitemap_entries(source, fetched)
        parsed = parse_feed(fetched.body, fetched.final_url or url, source.id, {"content-type": fetched.content_type})
        if parsed.error and "html" in fetched.content_type.lower():
            return [], f"not a feed: the URL answers an HTML page ({parsed.error})"
        return parsed.entries, parsed.error

    def _sitemap_entries(self, source: Source, fetched: Fetched) -> tuple[list, str | None]:
        parsed = parse_sitemap(fetched.body, fetched.final_url, source.id, int(self.settings.crawl.max_page_bytes))
        if parsed.error and not parsed.children:
            return [], parsed.error
        entries = list(parsed.entries)
        for child in parsed.children[:MAX_SITEMAP_CHILDREN]:
            fetched_child = self._get(child)
            if not fetched_child.error and fetched_child.status == 200:
                entries += parse_sitemap(fetched_child.body, child, source.id,
                                         int(self.settings.crawl.max_page_bytes)).entries
        return entries, (None if entries else "empty: no article URLs in the sitemap")

    def _sample(self, source: Source, url: str) -> Sample:
        """Fetch one listed item and extract it as the pipeline would."""
        from extract.article import extract_article

        fetched = self._get(url)
        if fetched.error or fetched.status != 200:
            reason = fetched.error or ("bot challenge" if _is_challenge(fetched) else f"http {fetched.status}")
            return Sample(url, fetched.status, False, reason=reason)
        article = extract_article(fetched.body, fetched.final_url or url,
                                  headers={"content-type": fetched.content_type}, source=source)
        return Sample(fetched.final_url or url, fetched.status, article.is_article, article.language, article.script,
                      article.not_article_reason)


@dataclass
class _Link:
    url: str
    published: dt.datetime | None = None


def _is_challenge(fetched: Fetched) -> bool:
    return any(marker in fetched.body[:20000] for marker in CHALLENGE_MARKERS)


def _url_row(fetched: Fetched) -> dict:
    row = {"url": fetched.url, "status": fetched.status, "robots": fetched.robots, "error": fetched.error}
    if fetched.redirects:
        row["moved_to" if fetched.permanent else "redirected_to"] = fetched.redirects[-1]
    return row


def _verdict(path: PathReport) -> tuple[bool, str | None]:
    """Works: items listed, not stale, and (when samples were taken) at least one is an article."""
    if not path.items:
        return False, path.parse
    if path.stale:
        return False, f"stale: newest item {path.newest:%Y-%m-%d %H:%M} UTC"
    if path.samples and not any(s.is_article for s in path.samples):
        reasons = sorted({s.reason or "not an article" for s in path.samples})
        return False, "sampled items are not articles: " + "; ".join(reasons)
    moved = [row["moved_to"] for row in path.urls if row.get("moved_to")]
    return True, (f"moved permanently to {moved[0]}: update config/sources.yaml" if moved else None)


def probe_sources(settings, sources: Sequence[Source], now: dt.datetime | None = None, **kwargs) -> list[SourceReport]:
    """Probe every path of every source (sources in order, one at a time: this is an operator's check)."""
    now = now or dt.datetime.now(dt.UTC)
    prober = Prober(settings, **kwargs)
    try:
        return [prober.probe_source(source, now) for source in sources]
    finally:
        prober.close()


def table_rows(reports: Sequence[SourceReport]) -> list[list[str]]:
    """One row per source and path: source, path, status per URL, robots, parse, items, newest, samples, verdict."""
    rows = []
    for report in reports:
        for path in report.paths:
            statuses = ", ".join(_status_text(u) for u in path.urls) or "–"
            robots = ", ".join(sorted({u["robots"] for u in path.urls})) or "–"
            samples = ", ".join(f"{'article' if s.is_article else 'not article'}"
                                f"{f' {s.language}/{s.script}' if s.is_article else ''}" for s in path.samples) or "–"
            verdict = "works" if path.works else "fails"
            if path.problem:
                verdict += f": {path.problem}"
            rows.append([report.source_id, path.label, statuses, robots, _short(path.parse), str(path.items),
                         path.newest.strftime("%Y-%m-%d %H:%M") if path.newest else "–", samples, _short(verdict, 160)])
    return rows


def _status_text(row: dict) -> str:
    text = str(row["status"] or row["error"] or "–")
    if row.get("moved_to"):
        text += f" → {row['moved_to']}"
    return text


def _short(text: str, limit: int = 100) -> str:
    text = re.sub(r"\s+", " ", text or "")
    return text if len(text) <= limit else text[: limit - 1] + "…"

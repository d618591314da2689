"""The sample news web on loopback: one threaded HTTP server per outlet, each on its own 127.0.0.x address.

``serve()`` starts all outlets on one shared port and returns a :class:`SampleWeb` handle (also a context
manager). Routing and rendering are pure (:class:`Site`, :mod:`sampleweb.render`); the handler only moves
bytes, including the deliberately broken behaviours of :mod:`sampleweb.broken`.
"""

from __future__ import annotations

import datetime as dt
import errno
import gzip
import hashlib
import logging
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.utils import format_datetime, parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import yaml

from sampleweb import broken, render
from sampleweb.clock import demo_datetime
from sampleweb.content import Outlet, SampleArticle, ground_truth, load_articles, load_outlets, robots_disallowed

logger = logging.getLogger(__name__)

BIND_ATTEMPTS = 20
POLL_INTERVAL_S = 0.2
LISTING_HOME_COUNT = 12
XML_TYPES = {"rss": "application/rss+xml", "atom": "application/atom+xml", "sitemap": "application/xml"}


@dataclass(slots=True)
class Response:
    """What to send: status, headers and a body (bytes or a chunk iterator), or ``hang``."""

    status: int
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes | Iterator[bytes] = b""
    hang: bool = False
    conditional: bool = False  # answer 304 when the client's validators match


def text_response(status: int, text: str, content_type: str, charset: str = "utf-8", encoding: str | None = None,
                  last_modified=None, conditional: bool = False) -> Response:
    """A text response encoded as ``encoding`` (default: the declared ``charset``)."""
    body = text.encode(encoding or charset, errors="xmlcharrefreplace")
    headers = {"Content-Type": f"{content_type}; charset={charset}"}
    if last_modified is not None:
        headers["Last-Modified"] = _http_date(last_modified)
    if conditional:
        headers["ETag"] = '"' + hashlib.sha1(body).hexdigest()[:20] + '"'
    return Response(status, headers, body, conditional=conditional)


def _http_date(moment) -> str:
    """IMF-fixdate in GMT for HTTP headers."""
    return format_datetime(moment.astimezone(dt.UTC), usegmt=True)


def not_modified(request_headers: dict[str, str], response: Response) -> bool:
    """True when a conditional GET's validators match the response (If-None-Match wins)."""
    etag = response.headers.get("ETag")
    if_none_match = request_headers.get("if-none-match")
    if if_none_match is not None:
        return etag is not None and (if_none_match.strip() == "*" or etag in [t.strip() for t in if_none_match.split(",")])
    since = request_headers.get("if-modified-since")
    modified = response.headers.get("Last-Modified")
    if since and modified:
        try:
            return parsedate_to_datetime(modified) <= parsedate_to_datetime(since)
        except (TypeError, ValueError):
            return False
    return False


class Site:
    """Everything one outlet serves, routed from a request path (pure: no sockets)."""

    def __init__(self, outlet: Outlet, articles: list[SampleArticle], base: str):
        self.outlet = outlet
        self.base = base
        self.articles = sorted(articles, key=lambda a: (-a.published.timestamp(), a.slug))
        self.by_path = {a.url_path: a for a in self.articles}
        # Robots-disallowed articles are only linked from the feed, as a careless CMS would do.
        self.listed = [a for a in self.articles if not robots_disallowed(outlet, a.url_path)]
        self.sections = self._sections()
        self.locale = render.ui_locale(outlet)

    def _sections(self) -> list[tuple[str, str]]:
        """(slug, display name) of every section: the declared ones first, then those articles use."""
        names: dict[str, str] = {}
        for article in reversed(self.articles):
            names[article.section] = article.section_name
        ordered = list(self.outlet.sections) + sorted(s for s in names if s not in self.outlet.sections)
        return [(slug, names.get(slug, slug.replace("-", " ").capitalize())) for slug in ordered]

    @property
    def feed_path(self) -> str | None:
        """The first working feed path, for <link rel=alternate>."""
        working = [p for p in self.outlet.feeds if p != broken.FEED_500_PATH or "feed_500" not in self.outlet.broken]
        return working[0] if working else None

    @property
    def charset(self) -> str:
        """The outlet's declared page charset."""
        return self.outlet.encoding

    def months(self) -> list[str]:
        """Months (YYYY-MM) that have articles, newest first, for monthly sitemaps."""
        return sorted({f"{a.published:%Y-%m}" for a in self.listed}, reverse=True)

    # --- routing -----------------------------------------------------------------------------------

    def respond(self, target: str) -> Response:
        """Route one request target (path and query) to a response."""
        parts = urlsplit(target)
        path, query = parts.path or "/", parse_qs(parts.query)
        if path == "/robots.txt":
            return text_response(200, render.robots_txt(self.outlet, self.base), "text/plain")
        special = self._broken(path)
        if special is not None:
            return special
        if path in self.outlet.feeds:
            return self._feed(path)
        if "sitemap" in self.outlet.publishes and path.startswith("/sitemap"):
            sitemap = self._sitemap(path)
            if sitemap is not None:
                return sitemap
        if path == "/":
            return self._listing("/", render.UI[self.locale]["latest"], self.listed[:LISTING_HOME_COUNT], 1, False)
        listing = self._section(path, query)
        if listing is not None:
            return listing
        return self._article(path)

    def _broken(self, path: str) -> Response | None:
        """The broken outlet's special pages; None for everything else."""
        if self.outlet.id != broken.BROKEN_OUTLET:
            return None
        if path == broken.FEED_500_PATH:
            return text_response(500, broken.error_500_page(), "text/html")
        if path in broken.LOOP_PATHS:
            return Response(302, {"Location": self.base + broken.loop_target(path), "Content-Type": "text/html"},
                            b"<html><body>Moved</body></html>\n")
        if path == broken.HANG_PATH:
            return Response(200, hang=True)
        if path == broken.HUGE_PATH:
            return Response(200, {"Content-Type": "text/html; charset=utf-8"}, broken.huge_page_chunks())
        if path == broken.GALLERY_PATH:
            return text_response(200, broken.gallery_page(self.outlet, self.sections), "text/html")
        if path == broken.TOPIC_INDEX_PATH:
            return text_response(200, broken.topic_index_page(self.outlet, self.sections, self.listed), "text/html")
        return None

    def _feed_link(self, index: int, article: SampleArticle) -> str:
        """The link a feed publishes: plain, with tracking parameters, or (every other item) the AMP page."""
        url = article.url(self.base)
        if self.outlet.feed_links == "utm":
            return f"{url}?utm_source=rss&utm_medium=feed&utm_campaign={article.section}"
        if self.outlet.feed_links == "amp" and index % 2 == 1:
            return self.base + render.amp_path(article.url_path)
        return url

    def _feed(self, path: str) -> Response:
        """RSS, Atom or the malformed feed."""
        items = [render.FeedItem.of(self.outlet, a, self._feed_link(i, a)) for i, a in enumerate(self.articles)]
        if self.outlet.id == broken.BROKEN_OUTLET:
            items += [page.feed_item(self.base) for page in broken.BROKEN_PAGES]
            items.sort(key=lambda item: item.published, reverse=True)
        newest = max((item.published for item in items), default=demo_datetime(0, "06:00"))
        if "malformed_feed" in self.outlet.broken:
            return text_response(200, render.malformed_rss(self.outlet, items, self.base), XML_TYPES["rss"])
        if "atom" in self.outlet.publishes and "rss" not in self.outlet.publishes:
            xml = render.atom_feed(self.outlet, items, self.base, path)
            kind = "atom"
        else:
            xml = render.rss_feed(self.outlet, items, self.base, path)
            kind = "rss"
        return text_response(200, xml, XML_TYPES[kind], last_modified=newest, conditional=True)

    def _sitemap(self, path: str) -> Response | None:
        """Sitemap index, news sitemap and monthly sitemaps."""
        newest = max((a.published for a in self.listed), default=demo_datetime(0, "06:00"))
        if path == "/sitemap_index.xml":
            xml = render.sitemap_index(self.base, self.months(), newest)
        elif path == "/sitemap-news.xml":
            xml = render.news_sitemap(self.outlet, self.listed, self.base)
        else:
            month = path.removeprefix("/sitemap-").removesuffix(".xml")
            if month not in self.months():
                return None
            xml = render.plain_sitemap([a for a in self.listed if f"{a.published:%Y-%m}" == month], self.base)
        return text_response(200, xml, XML_TYPES["sitemap"], last_modified=newest, conditional=True)

    def _section(self, path: str, query: dict) -> Response | None:
        """A paginated section page, or None when ``path`` is not one."""
        for slug, name in self.sections:
            section_path = render.section_url(self.outlet, slug)
            if path != section_path:
                continue
            try:
                page = int(query.get(render.page_param(self.outlet), ["1"])[0])
            except ValueError:
                page = 1
            members = [a for a in self.listed if a.section == slug]
            size = self.outlet.page_size
            chunk = members[(page - 1) * size: page * size]
            if page < 1 or (page > 1 and not chunk):
                return self._not_found()
            return self._listing(section_path, name, chunk, page, len(members) > page * size)
        return None

    def _listing(self, path: str, title: str, articles: list[SampleArticle], page: int, has_next: bool) -> Response:
        """Render a listing page."""
        html = render.listing_page(self.outlet, title, articles, self.sections, self.charset, page, has_next, path)
        return text_response(200, html, "text/html", self.charset)

    def _article(self, path: str) -> Response:
        """An article page or its AMP variant."""
        amp = self.outlet.feed_links == "amp" and path.startswith("/amp/")
        article = self.by_path.get(path.removeprefix("/amp") if amp else path)
        if article is None:
            return self._not_found()
        declared = (article.serve.declared_charset if article.serve else None) or self.charset
        actual = (article.serve.encoding if article.serve else None) or declared
        related = [a for a in self.listed if a is not article][:4]
        html = render.article_page(self.outlet, article, self.base, self.sections, related, self.feed_path, declared, amp)
        return text_response(200, html, "text/html", declared, encoding=actual, last_modified=article.published)

    def _not_found(self) -> Response:
        """A 404 page with site chrome."""
        html = render.listing_page(self.outlet, "404", [], self.sections, self.charset)
        return text_response(404, html, "text/html", self.charset)


class _Handler(BaseHTTPRequestHandler):
    """Moves a Site's responses onto the wire (gzip, 304, chunked, hanging)."""

    protocol_version = "HTTP/1.1"
    server_version = "nginx/1.24.0"
    sys_version = ""
    server: _OutletServer

    def do_GET(self) -> None:  # noqa: N802 - http.server naming
        self._serve(send_body=True)

    def do_HEAD(self) -> None:  # noqa: N802
        self._serve(send_body=False)

    def log_message(self, format: str, *args) -> None:  # noqa: A002 - signature from the base class
        logger.debug("%s %s", self.server.site.outlet.id, format % args)

    def _serve(self, send_body: bool) -> None:
        """Answer one request; a client hanging up mid-response is normal for the broken pages."""
        try:
            response = self.server.site.respond(self.path)
            headers = {k.lower(): v for k, v in self.headers.items()}
            if response.hang:
                self._hang()
            elif isinstance(response.body, bytes):
                self._send_bytes(response, headers, send_body)
            else:
                self._send_chunked(response, send_body)
        except (BrokenPipeError, ConnectionResetError) as exc:
            logger.debug("%s: client went away during %s: %s", self.server.site.outlet.id, self.path, exc)
            self.close_connection = True
        except Exception:
            # A bug in the sample web itself: say so loudly, answer 500, keep the other outlets serving.
            logger.exception("%s: error serving %s", self.server.site.outlet.id, self.path)
            self.close_connection = True
            try:
                self.send_error(500, "sample web error")
            except OSError:
                pass  # the client is gone too; the error is already logged above

    def _hang(self) -> None:
        """Never answer: hold the connection until the server stops or HANG_MAX_S passes, then drop it."""
        deadline = time.monotonic() + broken.HANG_MAX_S
        while time.monotonic() < deadline and not self.server.stop_event.wait(broken.HANG_STEP_S):
            pass
        self.close_connection = True

    def _send_bytes(self, response: Response, request_headers: dict[str, str], send_body: bool) -> None:
        """Send a complete body, answering 304 or gzip-compressing when appropriate."""
        if response.conditional and not_modified(request_headers, response):
            self.send_response(304)
            for name in ("ETag", "Last-Modified"):
                if name in response.headers:
                    self.send_header(name, response.headers[name])
            self.end_headers()
            return
        body = response.body
        headers = dict(response.headers)
        if self.server.site.outlet.gzip and "gzip" in request_headers.get("accept-encoding", ""):
            body = gzip.compress(body, mtime=0)
            headers["Content-Encoding"] = "gzip"
            headers["Vary"] = "Accept-Encoding"
        self.send_response(response.status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if send_body:
            self.wfile.write(body)

    def _send_chunked(self, response: Response, send_body: bool) -> None:
        """Stream a generated body with chunked transfer encoding (no Content-Length)."""
        self.send_response(response.status)
        for name, value in response.headers.items():
            self.send_header(name, value)
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        if not send_body:
            return
        for chunk in response.body:
            if self.server.stop_event.is_set():
                self.close_connection = True
                return
            self.wfile.write(f"{len(chunk):X}\r\n".encode() + chunk + b"\r\n")
        self.wfile.write(b"0\r\n\r\n")


class _OutletServer(ThreadingHTTPServer):
    """One outlet's server: daemon request threads, a Site, and the shared stop event."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], stop_event: threading.Event):
        super().__init__(address, _Handler, bind_and_activate=True)
        self.stop_event = stop_event
        self.site: Site | None = None

    def handle_error(self, request, client_address) -> None:
        # A client closing its kept-alive connection (the crawler or probe finishing) is not a server fault;
        # the base class would print a traceback into whatever stderr the test captures at that moment.
        if isinstance(sys.exc_info()[1], (ConnectionResetError, BrokenPipeError)):
            return
        super().handle_error(request, client_address)


class SampleWeb:
    """A running sample web: all outlets on one port, one loopback address each."""

    def __init__(self, port: int = 0, host_prefix: str = "127.0.0.", outlets: list[Outlet] | None = None,
                 articles: list[SampleArticle] | None = None):
        self.requested_port = port
        self.host_prefix = host_prefix
        self.outlets = outlets if outlets is not None else load_outlets()
        self.articles = articles if articles is not None else load_articles()
        self.stop_event = threading.Event()
        self._servers: dict[str, _OutletServer] = {}
        self._threads: list[threading.Thread] = []
        self.port = 0

    def address(self, outlet: Outlet) -> str:
        """The loopback address of an outlet under this handle's host prefix."""
        return self.host_prefix + outlet.address.rsplit(".", 1)[1]

    def start(self) -> SampleWeb:
        """Bind every outlet on one port (retrying when port 0's pick is taken elsewhere) and serve."""
        self._bind_all()
        for outlet in self.outlets:
            server = self._servers[outlet.id]
            server.site = self.site_for(outlet, [a for a in self.articles if a.outlet_id == outlet.id])
            thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": POLL_INTERVAL_S},
                                      name=f"sampleweb-{outlet.id}", daemon=True)
            thread.start()
            self._threads.append(thread)
        logger.info("sample web serving %d outlets, %d articles on port %d",
                    len(self.outlets), len(self.articles), self.port)
        return self

    def site_for(self, outlet: Outlet, articles: list[SampleArticle]) -> Site:
        """The routing object of one outlet (subclasses serve other shapes, see ``sampleweb.fallbacks``)."""
        return Site(outlet, articles, self.base_url(outlet.id))

    def _bind_all(self) -> None:
        """Bind the first address, then the same port on all others; retry from scratch on a clash."""
        for _ in range(BIND_ATTEMPTS):
            port = self.requested_port
            try:
                for outlet in self.outlets:
                    server = _OutletServer((self.address(outlet), port), self.stop_event)
                    self._servers[outlet.id] = server
                    port = server.server_address[1]
                self.port = port
                return
            except OSError as exc:
                self._close_all()
                if self.requested_port or exc.errno != errno.EADDRINUSE:
                    raise OSError(exc.errno, f"cannot bind the sample web on port {port}: {exc}") from exc
                logger.debug("port %d taken on another address, retrying", port)
        raise OSError(errno.EADDRINUSE, f"no common free port for {len(self.outlets)} addresses")

    def _close_all(self) -> None:
        """Close every bound socket."""
        for server in self._servers.values():
            server.server_close()
        self._servers.clear()

    def base_url(self, outlet_id: str) -> str:
        """``http://address:port`` of an outlet."""
        outlet = next((o for o in self.outlets if o.id == outlet_id), None)
        if outlet is None:
            raise KeyError(f"no outlet {outlet_id!r}")
        return f"http://{self.address(outlet)}:{self.port}"

    def base_urls(self) -> dict[str, str]:
        """Base URL of every outlet."""
        return {o.id: self.base_url(o.id) for o in self.outlets}

    def stop(self) -> None:
        """Stop serving: release hanging and streaming handlers, shut down every server, close sockets."""
        self.stop_event.set()
        # shutdown() waits up to one poll interval per server: wait for all of them at once.
        stoppers = [threading.Thread(target=server.shutdown, daemon=True) for server in self._servers.values()]
        for stopper in stoppers:
            stopper.start()
        for stopper in stoppers:
            stopper.join(timeout=5)
        self._close_all()
        for thread in self._threads:
            thread.join(timeout=5)
        self._threads.clear()

    def __enter__(self) -> SampleWeb:
        if not self._servers:
            self.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self.stop()

    # --- what the pipeline is told ----------------------------------------------------------------

    def sources(self) -> dict:
        """The sources file content (shape of ``schemas.config.SourcesFile``) for the live addresses."""
        entries = []
        for outlet in self.outlets:
            base = self.base_url(outlet.id)
            entry: dict = {
                "id": outlet.id, "name": outlet.name, "country": outlet.country,
                "languages": list(outlet.languages), "group": outlet.group, "homepage": base + "/",
            }
            if {"rss", "atom"} & set(outlet.publishes):
                entry["feeds"] = [base + path for path in outlet.feeds]
            if "sitemap" in outlet.publishes:
                entry["sitemaps"] = [base + path for path in outlet.sitemaps]
            if "sections" in outlet.publishes:
                site = self._servers[outlet.id].site if outlet.id in self._servers else None
                slugs = [slug for slug, _ in site.sections] if site else list(outlet.sections)
                entry["sections"] = [{"url": base + render.section_url(outlet, slug), "link_pattern": outlet.link_pattern}
                                     for slug in slugs]
            # Loopback and small: no politeness delay needed, and the demo stays fast.
            entry["crawl"] = {"download_delay_s": 0.0, "concurrency": 4}
            entries.append(entry)
        return {"sources": entries}

    def write_sources(self, path: str | Path) -> Path:
        """Write the sources file for the live addresses and return its path."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        header = "# Written by sampleweb for the running sample web; addresses and port are live.\n"
        path.write_text(header + yaml.safe_dump(self.sources(), allow_unicode=True, sort_keys=False), encoding="utf-8")
        return path

    def ground_truth(self) -> dict[str, dict]:
        """Article URL → story and expectations, for the live addresses."""
        return ground_truth(self.base_urls(), self.articles)

    def broken_things(self) -> list[dict]:
        """The broken behaviours with their live URLs and what a correct crawler records."""
        return broken.broken_things(self.base_urls(), self.articles)


def serve(port: int = 0, host_prefix: str = "127.0.0.") -> SampleWeb:
    """Start the sample web and return its running handle (usable as a context manager)."""
    return SampleWeb(port=port, host_prefix=host_prefix).start()

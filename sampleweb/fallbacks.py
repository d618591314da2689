"""The sample web's hard outlets: shapes that make a crawler fall back, and a loopback Google News stand-in.

``serve_fallbacks()`` starts the outlets of ``fallbacks.yaml`` (their own 127.0.0.3x addresses) and the news
search stand-in on 127.0.0.40; ``FallbackWeb.sources()`` is the sources file listing each outlet's declared
path and its fallbacks in order, as ``config/sources.yaml`` does for real outlets (issue 19). The demo's
outlets are untouched: these shapes fail on purpose and would change the demo's ground truth.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import html
import logging
from pathlib import Path
from typing import Literal
from urllib.parse import parse_qs, urlsplit

import yaml
from pydantic import BaseModel, ConfigDict, Field

from sampleweb import render
from sampleweb.clock import demo_datetime
from sampleweb.content import (
    ARTICLES_DIR,
    SAMPLEWEB_DIR,
    Outlet,
    SampleArticle,
    build_article,
    load_outlets,
    parse_article,
)
from sampleweb.server import XML_TYPES, Response, SampleWeb, Site, text_response

LOGGER = logging.getLogger(__name__)

FALLBACKS_FILE = SAMPLEWEB_DIR / "fallbacks.yaml"
NEWS_SEARCH_OUTLET = "vesti-pretraga"
STALE_FEED_DAYS = 45
COPIES = 4
CHALLENGE_PAGE = """<!DOCTYPE html><html lang="en"><head><title>Just a moment...</title>
<meta name="robots" content="noindex,nofollow"></head><body><div id="challenge-stage">
<h1>Checking if the site connection is secure</h1><p>Enable JavaScript and cookies to continue.</p>
<noscript>JavaScript is required.</noscript></div></body></html>
"""

Shape = Literal["feed_returns_html", "feed_moved", "robots_feed_slash", "news_sitemap_only", "bot_challenge",
                "stale_feed"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ShapeSpec(_Strict):
    """What one hard outlet does wrong and what its sources entry lists (paths relative to the outlet)."""

    shape: Shape
    copies_of: str
    primary: dict[str, list[str]]
    fallbacks: list[dict] = Field(min_length=1)


class FallbacksFile(_Strict):
    outlets: list[Outlet]
    shapes: dict[str, ShapeSpec]


def load_fallbacks(path: Path = FALLBACKS_FILE) -> FallbacksFile:
    """Read and validate ``fallbacks.yaml``; every outlet but the news search stand-in has a shape."""
    data = FallbacksFile.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))
    ids = {o.id for o in data.outlets} - {NEWS_SEARCH_OUTLET}
    if ids != set(data.shapes):
        raise ValueError(f"{path}: outlets and shapes differ: {sorted(ids ^ set(data.shapes))}")
    return data


def copied_articles(data: FallbacksFile, articles_dir: Path = ARTICLES_DIR) -> list[SampleArticle]:
    """Each hard outlet republishes the newest articles of a demo outlet under its own URLs."""
    demo = {o.id: o for o in load_outlets()}
    outlets = {o.id: o for o in data.outlets}
    copies: list[SampleArticle] = []
    for outlet_id, spec in data.shapes.items():
        source = demo[spec.copies_of]
        files = sorted((articles_dir / source.id).glob("*.md"))
        parsed = [(path, *parse_article(path, source)) for path in files]
        parsed.sort(key=lambda item: (item[1].offset_days, item[1].time), reverse=True)
        for path, meta, paragraphs in parsed[:COPIES]:
            article = build_article(path, outlets[outlet_id], meta, paragraphs)
            copies.append(dataclasses.replace(article, story=f"{spec.copies_of}/{path.stem}", syndicated=True))
    return copies


class FallbackSite(Site):
    """A hard outlet: the demo site's pages, with its shape's misbehaviour on top."""

    def __init__(self, outlet: Outlet, articles: list[SampleArticle], base: str, shape: Shape):
        super().__init__(outlet, articles, base)
        self.shape = shape

    def respond(self, target: str) -> Response:
        path = urlsplit(target).path or "/"
        if self.shape == "bot_challenge":
            return Response(403, {"Content-Type": "text/html; charset=utf-8", "cf-mitigated": "challenge"},
                            CHALLENGE_PAGE.encode("utf-8"))
        if self.shape == "feed_returns_html" and path == "/rss":
            return self._listing("/rss", "RSS", self.listed[:10], 1, False)
        if self.shape == "feed_moved" and path == "/feed/":
            return Response(301, {"Location": self.base + self.outlet.feeds[0], "Content-Type": "text/html"},
                            b"<html><body>Moved Permanently</body></html>\n")
        if path in self.outlet.sitemaps and path != "/sitemap-news.xml":  # news sitemaps at CMS-specific paths
            xml = render.news_sitemap(self.outlet, self.listed, self.base)
            return text_response(200, xml, XML_TYPES["sitemap"], conditional=True)
        if path == "/robots.txt" and self.shape == "news_sitemap_only":
            return text_response(200, "User-agent: *\nDisallow: /admin/\n\nSitemap: "
                                 f"{self.base}/sitemap/news.xml\n", "text/plain")
        return super().respond(target)

    def _feed(self, path: str) -> Response:
        if self.shape != "stale_feed":
            return super()._feed(path)
        # A feed the CMS stopped refreshing: what it listed 45 days ago, while the site itself moved on.
        shift = dt.timedelta(days=STALE_FEED_DAYS)
        items = [dataclasses.replace(render.FeedItem.of(self.outlet, a, a.url(self.base)),
                                     published=a.published - shift) for a in self.articles]
        return text_response(200, render.rss_feed(self.outlet, items, self.base, path), XML_TYPES["rss"])


class NewsSearchSite(Site):
    """Stand-in for Google News RSS search: ``/rss/search?q=site:HOST`` lists that outlet's articles,
    each linking to ``/rss/articles/<outlet>/<n>``, which redirects (302) to the article."""

    def __init__(self, outlet: Outlet, base: str, web: FallbackWeb):
        super().__init__(outlet, [], base)
        self.web = web

    def respond(self, target: str) -> Response:
        parts = urlsplit(target)
        if parts.path == "/robots.txt":
            return text_response(200, "User-agent: *\nAllow: /rss/\nDisallow: /\n", "text/plain")
        if parts.path == "/rss/search":
            query = parse_qs(parts.query).get("q", [""])[0]
            return self._search(query.removeprefix("site:").strip())
        if parts.path.startswith("/rss/articles/"):
            _, _, rest = parts.path.partition("/rss/articles/")
            outlet_id, _, number = rest.partition("/")
            article = next((a for a in self.web.articles if a.outlet_id == outlet_id and str(a.number) == number), None)
            if article is None:
                return text_response(404, "not found", "text/plain")
            target_url = article.url(self.web.base_url(outlet_id))
            return Response(302, {"Location": target_url, "Content-Type": "text/html"}, b"<html>Moved</html>\n")
        return text_response(404, "not found", "text/plain")

    def _search(self, domain: str) -> Response:
        matches = [a for a in self.web.articles
                   if (urlsplit(self.web.base_url(a.outlet_id)).hostname or "") in (domain,)]
        items = [render.FeedItem(link=f"{self.base}/rss/articles/{a.outlet_id}/{a.number}",
                                 title=f"{a.title} - {self.web.outlet(a.outlet_id).name}", published=a.published,
                                 guid=f"gn-{a.outlet_id}-{a.number}", summary=html.escape(a.title),
                                 category="") for a in matches]
        items.sort(key=lambda item: item.published, reverse=True)
        xml = render.rss_feed(self.outlet, items, self.base, "/rss/search")
        return text_response(200, xml, XML_TYPES["rss"])


class FallbackWeb(SampleWeb):
    """The hard outlets and the news search stand-in, on one port."""

    def __init__(self, port: int = 0, host_prefix: str = "127.0.0.", path: Path = FALLBACKS_FILE):
        self.data = load_fallbacks(path)
        super().__init__(port=port, host_prefix=host_prefix, outlets=list(self.data.outlets),
                         articles=copied_articles(self.data))

    def outlet(self, outlet_id: str) -> Outlet:
        return next(o for o in self.outlets if o.id == outlet_id)

    def site_for(self, outlet: Outlet, articles: list[SampleArticle]) -> Site:
        if outlet.id == NEWS_SEARCH_OUTLET:
            return NewsSearchSite(outlet, self.base_url(outlet.id), self)
        return FallbackSite(outlet, articles, self.base_url(outlet.id), self.data.shapes[outlet.id].shape)

    @property
    def google_news_url(self) -> str:
        """The ``ODJEK_GOOGLE_NEWS_URL`` template pointing at the stand-in."""
        return self.base_url(NEWS_SEARCH_OUTLET) + "/rss/search?q=site:{domain}&hl=sr&gl=RS&ceid=RS:sr"

    def sources(self) -> dict:
        """The sources file: each hard outlet's declared path, then its fallbacks, with live URLs."""
        entries = []
        for outlet in self.outlets:
            if outlet.id == NEWS_SEARCH_OUTLET:
                continue
            spec, base = self.data.shapes[outlet.id], self.base_url(outlet.id)
            entry: dict = {"id": outlet.id, "name": outlet.name, "country": outlet.country,
                           "languages": list(outlet.languages), "group": outlet.group, "homepage": base + "/"}
            for kind, paths in spec.primary.items():
                entry[kind] = [base + p for p in paths]
            entry["fallbacks"] = [{k: ([base + p for p in v] if isinstance(v, list) else v) for k, v in f.items()}
                                  for f in spec.fallbacks]
            entry["crawl"] = {"download_delay_s": 0.0, "concurrency": 4}
            entries.append(entry)
        return {"sources": entries}

    def expected(self, outlet_id: str) -> list[str]:
        """Article URLs of one hard outlet."""
        base = self.base_url(outlet_id)
        return [a.url(base) for a in self.articles if a.outlet_id == outlet_id]

    def as_of(self) -> dt.datetime:
        """The moment the sample web's dates are relative to (for staleness checks)."""
        return demo_datetime(0, "12:00")


def serve_fallbacks(port: int = 0, host_prefix: str = "127.0.0.") -> FallbackWeb:
    """Start the hard outlets and the news search stand-in; returns the running handle."""
    return FallbackWeb(port=port, host_prefix=host_prefix).start()

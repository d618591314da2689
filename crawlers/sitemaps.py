"""Sitemaps, news sitemaps, sitemap indexes and robots.txt ``Sitemap:`` lines → discovered URLs.

Pure functions over fetched bytes. XML is pre-screened for entity attacks, then parsed by lxml with
entity resolution and network access off; gzipped sitemaps are inflated with a size cap.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import zlib
from dataclasses import dataclass, field
from urllib.parse import urljoin

from crawlers.canonical import is_http_url
from crawlers.feeds import MAX_TITLE_CHARS, plain_text
from crawlers.safety import xml_problem
from schemas.records import DiscoveredUrl

LOGGER = logging.getLogger(__name__)

GZIP_MAGIC = b"\x1f\x8b"
_SITEMAP_LINE = re.compile(r"^\s*sitemap\s*:\s*(\S+)", re.IGNORECASE | re.MULTILINE)


@dataclass(slots=True)
class SitemapResult:
    """A parsed sitemap: article URLs (urlset) or child sitemaps (sitemapindex, newest first), or an error."""

    url: str
    kind: str = ""  # "urlset" | "sitemapindex"
    entries: list[DiscoveredUrl] = field(default_factory=list)
    children: list[str] = field(default_factory=list)
    error: str | None = None


def _local(tag: object) -> str:
    """Tag name without its namespace ('{ns}loc' → 'loc')."""
    return tag.rsplit("}", 1)[-1].lower() if isinstance(tag, str) else ""


def _date(value: str | None) -> dt.datetime | None:
    """W3C datetime (2026-03-16, 2026-03-16T09:30:00+01:00, …) in UTC, or None."""
    if not value:
        return None
    value = value.strip().replace("Z", "+00:00")
    try:
        moment = dt.datetime.fromisoformat(value)
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(dt.UTC)


def inflate(body: bytes, max_bytes: int) -> bytes:
    """Gunzip a ``.xml.gz`` sitemap without letting it grow beyond ``max_bytes`` (gzip bombs raise ValueError)."""
    if not body.startswith(GZIP_MAGIC):
        return body
    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
    out = inflater.decompress(body, max_bytes + 1)
    if len(out) > max_bytes or inflater.unconsumed_tail:
        raise ValueError(f"too large: sitemap inflates beyond {max_bytes} bytes")
    return out


def _child_text(node, name: str) -> str | None:
    for child in node.iter():
        if _local(child.tag) == name and child.text:
            return child.text.strip()
    return None


def parse_sitemap(body: bytes, url: str, source_id: str, max_bytes: int = 50_000_000) -> SitemapResult:
    """Parse sitemap bytes (plain or gzipped); never raises."""
    from lxml import etree

    result = SitemapResult(url=url)
    try:
        body = inflate(body, max_bytes)
    except (ValueError, OSError, EOFError, zlib.error) as exc:
        result.error = str(exc) if str(exc).startswith("too large") else f"parse error: bad gzip data ({exc})"
        return result
    if not body.strip():
        result.error = "empty: the response body is empty"
        return result
    problem = xml_problem(body)
    if problem:
        result.error = problem
        return result
    parser = etree.XMLParser(resolve_entities=False, no_network=True, recover=True, huge_tree=False,
                             remove_comments=True, remove_pis=True, load_dtd=False)
    try:
        root = etree.fromstring(body, parser=parser)
    except etree.XMLSyntaxError as exc:
        result.error = f"parse error: {exc}"[:300]
        return result
    if root is None:
        result.error = "parse error: not an XML document"
        return result
    result.kind = _local(root.tag)
    if result.kind == "sitemapindex":
        children = []
        for position, node in enumerate(root):
            loc = _child_text(node, "loc")
            if loc and is_http_url(urljoin(url, loc)):
                children.append((_date(_child_text(node, "lastmod")), position, urljoin(url, loc)))
        # Newest first (undated ones after, in document order): a capped crawl follows the fresh archives.
        children.sort(key=lambda c: (c[0] is None, -(c[0].timestamp() if c[0] else 0.0), c[1]))
        result.children = [child for _, _, child in children]
    elif result.kind == "urlset":
        for node in root:
            if _local(node.tag) != "url":
                continue
            loc = _child_text(node, "loc")
            target = urljoin(url, loc) if loc else None
            if not is_http_url(target):
                continue
            published = _date(_child_text(node, "publication_date")) or _date(_child_text(node, "lastmod"))
            # A Google News sitemap entry (<news:news>) is the outlet saying "this is an article"; extraction
            # weighs that hint (plain sitemaps also list sections, tags and static pages).
            via = "news_sitemap" if any(_local(child.tag) == "news" for child in node) else "sitemap"
            result.entries.append(DiscoveredUrl(url=target, source_id=source_id, via=via,
                                                title=plain_text(_child_text(node, "title"), MAX_TITLE_CHARS),
                                                published=published))
    else:
        result.error = f"parse error: not a sitemap (root element <{result.kind or '?'}>)"
        return result
    if not result.entries and not result.children:
        result.error = f"empty: {result.kind} without usable <loc> entries"
    return result


def robots_sitemaps(text: str, robots_url: str) -> list[str]:
    """The ``Sitemap:`` URLs a robots.txt announces (absolute http(s) only)."""
    urls = [urljoin(robots_url, match) for match in _SITEMAP_LINE.findall(text or "")]
    return [u for u in dict.fromkeys(urls) if is_http_url(u)]

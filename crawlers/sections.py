"""Section (index) pages → article links that match the outlet's configured pattern, plus pagination.

Outlets without usable feeds list their articles on section pages; ``config/sources.yaml`` gives each
section a regular expression its article URLs follow. Links are matched on the absolute URL and on its
path (patterns are usually written for the path, e.g. ``/tekst/\\d+/[a-z0-9-]+\\.html$``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit

from crawlers.canonical import canonicalize_url, is_http_url


@dataclass(slots=True)
class SectionLinks:
    """Article URLs found on one section page and further pages of the same section."""

    articles: list[tuple[str, str | None]] = field(default_factory=list)  # (url, link text)
    next_pages: list[str] = field(default_factory=list)


def matches(pattern: re.Pattern, url: str) -> bool:
    """True when the link pattern matches the URL or its path (with query)."""
    parts = urlsplit(url)
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    return bool(pattern.search(url) or pattern.search(parts.path) or pattern.search(path))


def _is_pagination(candidate: str, section_url: str, rel: str) -> bool:
    """A link to another page of this section: rel=next, or the section's own path with another query."""
    if "next" in rel.split():
        return True
    a, b = urlsplit(candidate), urlsplit(section_url)
    return a.netloc == b.netloc and a.path.rstrip("/") == b.path.rstrip("/") and bool(a.query) and a.query != b.query


def section_links(html: str, page_url: str, section_url: str, link_pattern: str) -> SectionLinks:
    """Links on a section page: those matching ``link_pattern`` (same host) and pagination links."""
    from parsel import Selector

    pattern = re.compile(link_pattern)
    host = urlsplit(section_url).hostname
    found = SectionLinks()
    seen: set[str] = set()
    selector = Selector(text=html or "<html></html>")
    for anchor in selector.css("a[href]"):
        href = (anchor.attrib.get("href") or "").strip()
        target = urljoin(page_url, href)
        if not is_http_url(target) or urlsplit(target).hostname != host:
            continue
        key = canonicalize_url(target)
        if key in seen:
            continue
        seen.add(key)
        if matches(pattern, target):
            text = " ".join(" ".join(anchor.css("::text").getall()).split()) or None
            found.articles.append((target, text[:500] if text else None))
        elif _is_pagination(target, section_url, anchor.attrib.get("rel", "")):
            found.next_pages.append(target)
    return found

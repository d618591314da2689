"""Metadata of a page read from its raw tree before the main text: title (site name stripped), author,
description, site name, canonical URL, publication date, og:type / JSON-LD type."""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

from lxml.html import HtmlElement

from extract.dates import published_date
from extract.options import ExtractionOptions

LOGGER = logging.getLogger(__name__)


@dataclass(slots=True)
class PageMeta:
    """Metadata read from the raw tree before the main-text extraction."""

    title: str | None = None
    author: str | None = None
    description: str | None = None
    site_name: str | None = None
    canonical_url: str | None = None
    published: dt.datetime | None = None
    page_type: str | None = None  # og:type or JSON-LD @type, lowercased


def read_metadata(tree: HtmlElement, url: str, options: ExtractionOptions) -> PageMeta:
    """Title, author, description, site name, canonical URL, date and page type from the raw tree."""
    from trafilatura.metadata import (
        examine_meta,
        extract_author,
        extract_meta_json,
        extract_title,
    )

    found = examine_meta(tree)
    if found.author and " " not in found.author:
        found.author = None  # single tokens in author meta are handles or site names, not bylines
    try:
        found = extract_meta_json(tree, found)
    except Exception as exc:  # noqa: BLE001 — trafilatura's JSON-LD parser trips on odd markup
        LOGGER.debug("JSON-LD metadata unreadable on %s: %s", url, exc)
    title = found.title or extract_title(tree)
    author = found.author
    if not author and options.author_from_body:
        author = extract_author(tree)
    site_name = (found.sitename or "").lstrip("@") or None
    items = jsonld_items(tree)
    title = strip_site_name(_clean(title), site_name, url)
    return PageMeta(title=title, author=_clean(author), description=_clean(found.description),
                    site_name=_clean(site_name), canonical_url=canonical_url(tree, url),
                    published=published_date(tree, url, items, options), page_type=page_type(tree, items))


_TITLE_SEPARATOR_RE = re.compile(r"\s+[|–—·•»-]{1,2}\s+")  # not ":", common inside headlines


def strip_site_name(title: str | None, site_name: str | None, url: str) -> str | None:
    """'Headline | Site' → 'Headline': drop a leading or trailing title part naming the site or its host."""
    if not title:
        return title
    parts = _TITLE_SEPARATOR_RE.split(title)
    if len(parts) < 2:
        return title
    host = _squash((urlsplit(url or "").hostname or "").removeprefix("www."))
    names = {_squash(site_name or "")} - {""}

    def names_site(part: str) -> bool:
        key = _squash(part)
        return bool(key) and (key in names or (len(key) >= 4 and key in host))

    if names_site(parts[-1]):
        return title[:title.rfind(parts[-1])].rstrip(" |–—·•»-") or title
    if names_site(parts[0]):
        return title[len(parts[0]):].lstrip(" |–—·•»-") or title
    return title


def _squash(text: str) -> str:
    """Lowercase letters and digits only ('EL DEBER' and 'eldeber.com.bo' compare)."""
    return "".join(ch for ch in text.lower() if ch.isalnum())


def _clean(value: str | None) -> str | None:
    """Whitespace-collapsed string, or None when empty."""
    if not value:
        return None
    value = " ".join(str(value).split())
    return value or None


def canonical_url(tree: HtmlElement, url: str) -> str | None:
    """Absolute URL from <link rel=canonical>, else og:url; None when neither is an http(s) URL."""
    candidates = tree.xpath("//link[@rel and @href][translate(@rel, 'CANONICAL', 'canonical')='canonical']/@href")
    candidates += tree.xpath("//meta[@property='og:url' or @name='og:url'][@content]/@content")
    for candidate in candidates:
        absolute = urljoin(url or "", str(candidate).strip())
        parts = urlsplit(absolute)
        if parts.scheme in ("http", "https") and parts.netloc:
            return absolute
    return None


def jsonld_items(tree: HtmlElement) -> list[dict]:
    """The objects of the page's JSON-LD blocks (top level, lists and @graph), unreadable blocks skipped."""
    items: list[dict] = []
    for raw in tree.xpath("//script[@type='application/ld+json']/text()")[:8]:
        try:
            data = json.loads(str(raw))
        except ValueError:
            continue
        for item in data if isinstance(data, list) else [data]:
            if not isinstance(item, dict):
                continue
            graph = item.get("@graph")
            if isinstance(graph, list):
                items.extend(g for g in graph if isinstance(g, dict))
            else:
                items.append(item)
    return items


def page_type(tree: HtmlElement, items: list[dict]) -> str | None:
    """og:type or the first JSON-LD @type that is not the site's own, lowercased (``article``, ``website`` …)."""
    og = tree.xpath("//meta[@property='og:type'][@content]/@content")
    if og:
        return str(og[0]).strip().lower() or None
    for item in items:
        kind = item.get("@type")
        if isinstance(kind, list):
            kind = kind[0] if kind else None
        if isinstance(kind, str) and kind.lower() not in {"organization", "breadcrumblist", "website", "webpage"}:
            return kind.lower()
    return None

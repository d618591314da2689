"""Extraction: an Article out of stored page bytes (text, title, date, author, language, script).

Generic first: trafilatura finds the main text, htmldate the publication date, py3langid the
language. An outlet whose pages the generic extractor measurably gets wrong carries named
selectors in ``config/sources.yaml`` (``Source.extract``) that are applied instead. Pages that are
not articles (index pages, galleries, videos, cookie walls, error pages) are kept with a reason.

``extract_article`` never raises: any failure becomes ``is_article=False`` with a reason.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import urljoin, urlsplit

from lxml.html import HtmlElement

from extract.dates import parse_local_datetime, published_date, to_utc
from extract.encoding import decode_html
from extract.language import detect_language
from extract.options import DEFAULT_OPTIONS, ExtractionOptions
from schemas.config import ExtractOverride, Source
from schemas.records import Article

LOGGER = logging.getLogger(__name__)


_URL_GALLERY_RE = re.compile(r"/(?:galerij[ae]|галериј[ае]|gallery|galerie|foto|photos?|фото)(?:/|-|$)", re.IGNORECASE)
_VIDEO_XPATH = ("//video | //iframe[contains(@src, 'youtube') or contains(@src, 'vimeo') or "
                "contains(@src, 'dailymotion') or contains(@src, 'player')]")
_ARTICLE_TYPES = {"article", "newsarticle", "reportagenewsarticle", "blogposting", "analysisnewsarticle",
                  "opinionnewsarticle", "report", "scholarlyarticle", "techarticle", "liveblogposting"}


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


# --- public API ---------------------------------------------------------------------------------


def extract_article(body: bytes, url: str, *, headers: Mapping[str, str] | None = None,
                    source: Source | None = None, options: ExtractionOptions = DEFAULT_OPTIONS,
                    listed_as_article: bool = False) -> Article:
    """Extract an Article from raw page bytes; never raises (failures give is_article False with a reason).

    ``listed_as_article``: a feed or news sitemap listed the URL, so only a page that is clearly not an
    article (error, cookie wall, gallery, video, a list of teasers at a section URL) is marked otherwise.
    """
    source_id = source.id if source is not None else ""
    try:
        return _extract(body, url, headers, source, options, listed_as_article)
    except Exception as exc:
        LOGGER.exception("extraction failed for %s (source %s)", url, source_id or "-")
        return not_article(url, source_id, f"extraction_error: {type(exc).__name__}: {exc}"[:300])


def not_article(url: str, source_id: str, reason: str, text: str = "", meta: PageMeta | None = None) -> Article:
    """An Article record marked as not an article, keeping what was found."""
    meta = meta or PageMeta()
    return Article(url=url, source_id=source_id, title=meta.title, text=text, published=meta.published,
                   author=meta.author, description=meta.description, site_name=meta.site_name,
                   canonical_url=meta.canonical_url, is_article=False, not_article_reason=reason)


# --- the stages ---------------------------------------------------------------------------------


def _extract(body: bytes, url: str, headers: Mapping[str, str] | None, source: Source | None,
             options: ExtractionOptions, listed_as_article: bool = False) -> Article:
    """The extraction sequence: decode, parse, metadata, main text, language, page classification."""
    source_id = source.id if source is not None else ""
    if not isinstance(body, (bytes, bytearray, memoryview)):
        raise TypeError(f"body must be bytes, not {type(body).__name__}")
    body = bytes(body)
    if not body.strip():
        return not_article(url, source_id, "no_text")
    if len(body) > options.max_body_bytes:
        LOGGER.warning("page of %d bytes over the %d limit, not parsed: %s", len(body), options.max_body_bytes, url)
        return not_article(url, source_id, "too_large")
    decoded = decode_html(body, headers)
    # NUL is never text (HTML parsers drop or replace it) and PostgreSQL cannot store it in a text column.
    tree = parse_html(decoded.text.replace("\x00", ""))
    if tree is None:
        return not_article(url, source_id, "no_text")
    meta = read_metadata(tree, url, options)
    override = source.extract if source is not None else None
    text = None
    if override is not None:
        text = apply_override(tree, override, meta, url, options)
    if text is None:
        text = main_text(tree, url, options)
        if options.trim_related and text:
            text = trim_related(text, options)
        if options.recover_lead and text:
            text = recover_lead(tree, text, meta.description, options)
    reason = classify_page(tree, text, meta, url, options, listed_as_article=listed_as_article)
    guess = detect_language(text or meta.title or "", source, sample_chars=options.language_sample_chars)
    return Article(url=url, source_id=source_id, title=meta.title, text=text, published=meta.published,
                   author=meta.author, description=meta.description, site_name=meta.site_name,
                   canonical_url=meta.canonical_url, language=guess.language, script=guess.script,
                   is_article=reason is None, not_article_reason=reason)


def parse_html(text: str) -> HtmlElement | None:
    """Parse decoded HTML into an lxml tree with trafilatura's tolerant loader (None if unparseable)."""
    from trafilatura import load_html

    tree = load_html(text)
    if tree is None and _CONTROL_RE.search(text):
        # C0 control characters can make lxml refuse a document; retry without them.
        tree = load_html(_CONTROL_RE.sub("", text))
    return tree


_CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def main_text(tree: HtmlElement, url: str, options: ExtractionOptions) -> str:
    """Main text by trafilatura; when it finds nothing, a recall pass, then trafilatura's baseline."""
    text = _trafilatura_text(tree, url, options, recall=False)
    if text:
        return text
    if options.recall_retry:
        text = _trafilatura_text(tree, url, options, recall=True)
    if not text and options.baseline_fallback:
        from trafilatura import baseline

        _, base_text, _ = baseline(tree)
        text = (base_text or "").strip()
        if text:
            LOGGER.debug("baseline text used for %s", url)
    return text


def trim_related(text: str, options: ExtractionOptions) -> str:
    """Cut a trailing "related stories" block and drop inline "read also: …" lines from extracted text.

    trafilatura keeps link lists that templates put inside the article container; in news text they
    are other stories' headlines, which would make this article match searches it is not about.
    """
    lines = text.split("\n")
    heading = _compiled_line(options.related_headings, r"\s*[:»>.…]*")
    start = int(len(lines) * options.related_min_position)
    for i in range(max(1, start), len(lines)):
        if heading.fullmatch(lines[i].strip()):
            lines = lines[:i]
            break
    marker = _compiled_prefix(options.read_also_markers)
    kept = [line for line in lines
            if not (len(line) <= options.read_also_max_chars and marker.match(line.strip()))]
    return "\n".join(kept).strip() or text


@lru_cache(maxsize=16)
def _compiled_line(patterns: tuple[str, ...], tail: str) -> re.Pattern:
    """A whole-line, case-insensitive alternation of the patterns followed by ``tail``."""
    return re.compile(f"(?:{'|'.join(patterns)}){tail}", re.IGNORECASE)


@lru_cache(maxsize=16)
def _compiled_prefix(patterns: tuple[str, ...]) -> re.Pattern:
    """A line-start alternation of the patterns followed by a colon, », > or an arrow."""
    return re.compile(f"(?:{'|'.join(patterns)})\\s*[:»>→]", re.IGNORECASE)


def recover_lead(tree: HtmlElement, text: str, description: str | None, options: ExtractionOptions) -> str:
    """Put back the lead paragraph the extractor dropped: the page's description, when it is shown in the body.

    News templates render the standfirst outside the article container (a header block beside the
    title), so trafilatura leaves it out; the meta description usually repeats it. Only text that is
    visibly on the page is added, never a description that exists only in <head>.
    """
    if not description or len(description) < options.lead_prefix_chars:
        return text
    prefix = description[:options.lead_prefix_chars]
    if prefix in text:
        return text
    if "'" in prefix and '"' in prefix:
        return text  # not expressible as an XPath 1.0 literal; rare, skip
    quote = '"' if '"' not in prefix else "'"
    nodes = tree.xpath(f"//body//text()[contains(., {quote}{prefix}{quote})]"
                       "[not(ancestor::script) and not(ancestor::style) and not(ancestor::noscript)]")
    for node in nodes:
        parent = node.getparent()
        lead = " ".join(parent.text_content().split()) if parent is not None else ""
        if options.lead_prefix_chars <= len(lead) <= options.lead_max_chars and lead not in text:
            return f"{lead}\n{text}"
    return text


def _trafilatura_text(tree: HtmlElement, url: str, options: ExtractionOptions, *, recall: bool) -> str:
    """One trafilatura pass over (a copy of) the tree, metadata off; '' when it finds nothing."""
    from trafilatura import bare_extraction

    document = bare_extraction(
        tree, url=url, include_comments=options.include_comments, include_tables=options.include_tables,
        favor_precision=options.favor_precision and not recall, favor_recall=recall, with_metadata=False)
    return (document.text or "").strip() if document is not None else ""


# --- metadata -----------------------------------------------------------------------------------


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


# --- per-outlet overrides -----------------------------------------------------------------------


def select(tree: HtmlElement, selector: str) -> list:
    """Elements (or strings) matched by an XPath (starts with / ( or .) or else a CSS selector."""
    if selector.lstrip().startswith(("/", "(", ".//", "./")):
        return list(tree.xpath(selector))
    from lxml.cssselect import CSSSelector

    return list(CSSSelector(selector)(tree))


def _node_text(node) -> str:
    """Visible text of a matched element (scripts and styles dropped) or the matched string itself."""
    if isinstance(node, str):
        return " ".join(node.split())
    for junk in node.xpath(".//script | .//style | .//noscript"):
        junk.drop_tree()
    blocks = [" ".join(part.split()) for part in node.xpath(".//text()")]
    return " ".join(block for block in blocks if block)


def _block_text(node) -> str:
    """Paragraph-separated text of a body element: one line per block child, or per <br> run."""
    if isinstance(node, str):
        return node.strip()
    for junk in node.xpath(".//script | .//style | .//noscript"):
        junk.drop_tree()
    paragraphs = [p for p in node.xpath(".//p | .//h2 | .//h3 | .//h4 | .//li | .//blockquote")
                  if not p.xpath("ancestor::p | ancestor::li")]
    if paragraphs:
        lines = [_node_text(p) for p in paragraphs]
    else:
        # Old CMS templates separate paragraphs with <br><br> inside one <div>.
        for br in node.iter("br"):
            br.tail = "\n" + (br.tail or "")
        lines = [" ".join(line.split()) for line in node.text_content().split("\n")]
    return "\n".join(line for line in lines if line)


def apply_override(tree: HtmlElement, override: ExtractOverride, meta: PageMeta, url: str,
                   options: ExtractionOptions) -> str | None:
    """Apply an outlet's named selectors: title/date replace the generic metadata, body gives the text.

    Returns the body text, or None when there is no body selector or it matched nothing (then the
    generic extractor runs, and the mismatch is logged: the outlet may have changed its templates).
    """
    if override.title:
        titles = [t for t in (_node_text(n) for n in select(tree, override.title)) if t]
        if titles:
            meta.title = titles[0]
        else:
            LOGGER.warning("title override %r matched nothing on %s", override.title, url)
    if override.date:
        meta.published = _override_date(tree, override.date, url, options) or meta.published
    if not override.body:
        return None
    nodes = select(tree, override.body)
    text = "\n".join(t for t in (_block_text(n) for n in nodes) if t).strip()
    if not text:
        LOGGER.warning("body override %r matched nothing on %s; generic extraction used", override.body, url)
        return None
    return text


def _override_date(tree: HtmlElement, selector: str, url: str, options: ExtractionOptions) -> dt.datetime | None:
    """Date from the override's selector: a datetime/content attribute, else the element text via htmldate."""
    from htmldate import find_date

    for node in select(tree, selector):
        raw = node if isinstance(node, str) else (node.get("datetime") or node.get("content") or _node_text(node))
        parsed = (to_utc(raw, options.local_timezone) or parse_local_datetime(raw, options.local_timezone)
                  if raw else None)
        if parsed is None and raw:
            found = find_date(f"<html><body><p>{_escape(raw)}</p></body></html>", extensive_search=True,
                              outputformat="%Y-%m-%dT%H:%M:%S%z")
            parsed = to_utc(found, options.local_timezone) if found else None
        if parsed is not None:
            return parsed
    LOGGER.warning("date override %r found no date on %s", selector, url)
    return None


def _escape(text: str) -> str:
    """Minimal HTML escaping for text wrapped into a snippet document."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


# --- is it an article? --------------------------------------------------------------------------


def classify_page(tree: HtmlElement, text: str, meta: PageMeta, url: str, options: ExtractionOptions,
                  *, listed_as_article: bool = False) -> str | None:
    """Why this page is not an article (error_page, cookie_wall, no_text, gallery, video, index_page,
    too_short), or None for an article.

    A page a feed or news sitemap listed is taken at its word unless clearly otherwise: error pages,
    walls, galleries and videos keep their rules, a list must show both signs (section-like URL *and*
    teasers), and short text is a news brief, not ``too_short`` (issue 14: one-word slugs with a short
    text were marked index pages although the feed listed them).
    """
    short = len(text) < options.min_text_chars
    if len(text) <= options.wall_max_chars:
        head = " ".join(filter(None, [meta.title, *tree.xpath("//h1//text()")[:3]]))
        if _matches_any(head, options.error_patterns) or (short and _matches_any(text, options.error_patterns)):
            return "error_page"
        if _matches_any(text or _visible_text(tree)[:3000], options.cookie_patterns) and (
                short or _cookie_share(text, options) > 0.3):
            return "cookie_wall"
    if not text:
        return "no_text"
    typed_article = (meta.page_type or "") in _ARTICLE_TYPES
    if len(text) < 3 * options.min_text_chars:
        images = int(tree.xpath("count(//img)"))
        gallery_url = _URL_GALLERY_RE.search(urlsplit(url or "").path) is not None
        if (short and images >= options.gallery_min_images) or (gallery_url and images >= 2):
            return "gallery"
        if short and tree.xpath(_VIDEO_XPATH):
            return "video"
    if listed_as_article:
        return "index_page" if not typed_article and _clearly_a_list(tree, text, url, options) else None
    if not typed_article and _looks_like_index(tree, text, url, options):
        return "index_page"
    if short:
        return "too_short"
    return None


@lru_cache(maxsize=64)
def _compiled(patterns: tuple[str, ...]) -> re.Pattern:
    """One case-insensitive alternation of the given patterns."""
    return re.compile("|".join(f"(?:{p})" for p in patterns), re.IGNORECASE)


def _matches_any(text: str, patterns: tuple[str, ...]) -> bool:
    """True when any of the patterns occurs in the text."""
    return bool(text) and _compiled(patterns).search(text) is not None


def _cookie_share(text: str, options: ExtractionOptions) -> float:
    """Share of the text's lines that talk about cookies or consent."""
    lines = [line for line in text.splitlines() if line.strip()]
    if not lines:
        return 0.0
    return sum(1 for line in lines if _matches_any(line, options.cookie_patterns)) / len(lines)


def _visible_text(tree: HtmlElement) -> str:
    """Text of the body without scripts and styles (for pages where extraction found nothing)."""
    parts = tree.xpath("//body//text()[not(ancestor::script) and not(ancestor::style) and not(ancestor::noscript)]")
    return " ".join(" ".join(str(p).split()) for p in parts if str(p).strip())


def _looks_like_index(tree: HtmlElement, text: str, url: str, options: ExtractionOptions) -> bool:
    """A home, section or tag page: little text and a section-like URL, or a list of teaser <article>s."""
    if len(text) >= options.index_max_chars:
        return False
    if section_like_url(url):
        return True
    if urlsplit(url or "").netloc and len(text) >= options.index_teaser_max_chars:
        return False
    return int(tree.xpath("count(//article)")) >= options.index_min_teasers


def _clearly_a_list(tree: HtmlElement, text: str, url: str, options: ExtractionOptions) -> bool:
    """A list even though a feed called it an article: little text, a section-like URL and teaser <article>s."""
    return (len(text) < options.index_max_chars and section_like_url(url)
            and int(tree.xpath("count(//article)")) >= options.index_min_teasers)


_SECTION_WORDS = {"tag", "tags", "category", "categories", "kategorija", "kategorije", "rubrika", "rubrike", "tema",
                  "teme", "topic", "topics", "archive", "arhiva", "page", "strana", "stranica", "section", "sekcija",
                  "рубрика", "тема", "теме", "архива", "категорија", "страна"}
_PAGE_QUERY_RE = re.compile(r"(?:^|&)(?:page|strana|offset)=\d+", re.IGNORECASE)


def section_like_url(url: str) -> bool:
    """True for a site root, a tag/category/archive path or a last segment that is a plain word, not a slug."""
    parts = urlsplit(url or "")
    if not parts.netloc:
        return False  # no URL given (a saved file): judge by structure alone
    segments = [seg for seg in parts.path.split("/") if seg]
    if _PAGE_QUERY_RE.search(parts.query) or any(seg.lower() in _SECTION_WORDS for seg in segments):
        return True
    # Article URLs carry an id or a date (digits, in the path or the query) or a slug of several words.
    if any(ch.isdigit() for ch in parts.path + parts.query):
        return False
    if not segments:
        return True
    last = re.sub(r"\.(?:s?html?|php|aspx?|jsp|cms)$", "", segments[-1].lower())
    return len(re.findall(r"[-_+]", last)) < 2

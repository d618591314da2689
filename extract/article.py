"""Extraction: an Article out of stored page bytes (text, title, date, author, language, script).

Generic first: trafilatura finds the main text, htmldate the publication date, py3langid the
language. An outlet whose pages the generic extractor measurably gets wrong carries named
selectors in ``config/sources.yaml`` (``Source.extract``) that are applied instead. Pages that are
not articles (index pages, galleries, videos, cookie walls, error pages) are kept with a reason.

``extract_article`` never raises: any failure becomes ``is_article=False`` with a reason.
This module holds the sequence, the main text and the per-outlet overrides; ``metadata``, ``dates``,
``rules`` (not-article), ``encoding`` and ``language`` each hold one step.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections.abc import Mapping
from functools import lru_cache

from lxml.html import HtmlElement

from extract.dates import parse_local_datetime, to_utc
from extract.encoding import decode_html
from extract.language import detect_language
from extract.metadata import PageMeta, read_metadata
from extract.options import DEFAULT_OPTIONS, ExtractionOptions
from extract.rules import classify_page
from schemas.config import ExtractOverride, Source
from schemas.records import Article

LOGGER = logging.getLogger(__name__)


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

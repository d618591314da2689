"""Is it an article? The measured not-article rules (docs/extraction.md): error pages, cookie walls,
galleries and videos, index and section pages, each answered with a reason."""

from __future__ import annotations

import logging
import re
from functools import lru_cache
from urllib.parse import urlsplit

from lxml.html import HtmlElement

from extract.metadata import PageMeta
from extract.options import ExtractionOptions

LOGGER = logging.getLogger(__name__)

_URL_GALLERY_RE = re.compile(r"/(?:galerij[ae]|галериј[ае]|gallery|galerie|foto|photos?|фото)(?:/|-|$)", re.IGNORECASE)
_VIDEO_XPATH = ("//video | //iframe[contains(@src, 'youtube') or contains(@src, 'vimeo') or "
                "contains(@src, 'dailymotion') or contains(@src, 'player')]")
_ARTICLE_TYPES = {"article", "newsarticle", "reportagenewsarticle", "blogposting", "analysisnewsarticle",
                  "opinionnewsarticle", "report", "scholarlyarticle", "techarticle", "liveblogposting"}


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

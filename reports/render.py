"""Rendering digests: Jinja2 templates (always autoescaped) to HTML, and WeasyPrint to PDF.

WeasyPrint gets a URL fetcher that serves only the project's own assets (the stylesheet and this digest's
charts) under the ``odjek-asset:`` scheme and refuses everything else, so nothing an article contains can make
the renderer open a file, a URL or a local service.
"""

from __future__ import annotations

import base64
import logging
import re
from collections.abc import Iterable
from pathlib import Path
from urllib.parse import urlsplit

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from reports.charts import Chart
from reports.i18n import SCRIPTS, data_in_script, format_date, format_period, format_short_date, format_time, t
from reports.model import Digest

LOGGER = logging.getLogger(__name__)

TEMPLATES = Path(__file__).resolve().parent / "templates"
ASSET_SCHEME = "odjek-asset"
ASSET_PREFIX = f"{ASSET_SCHEME}:"
MEDIA = ("web", "pdf", "email")
SAFE_LINK_SCHEMES = {"http", "https"}

# The sections of a digest in the order leadership reads them; each has templates/sections/<id>.html and
# a line in docs/digests.md (a test checks both). The weekly digest has all; the daily one DAILY_SECTIONS.
SECTIONS = ("summary", "critical", "directorate", "stories", "topics", "foreign", "orgs", "outlets", "numbers")
DAILY_SECTIONS = ("summary", "directorate", "topics", "foreign", "orgs", "numbers")
# Stories listed per section and medium: the email stays under the size at which Gmail clips a message
# (about 102 KB); the web page and the PDF list what the assembly kept (reports.assemble.DigestLimits).
EMAIL_LIMITS = {"critical": 5, "directorate": 10, "stories": 5, "topics": 2, "foreign": 5}
FULL_LIMIT = 10**6
EMAIL_WIDTH_PX = 600


def sections_for(kind: str) -> tuple[str, ...]:
    return SECTIONS if kind == "weekly" else DAILY_SECTIONS


def limits_for(medium: str) -> dict[str, int]:
    limits = dict.fromkeys(SECTIONS, FULL_LIMIT)
    if medium == "email":
        limits.update(EMAIL_LIMITS)
    return limits


def title_in(item, script: str) -> str:
    """An article's headline in the output script (only for languages written in both scripts)."""
    return data_in_script(item.title, item.language, script)


def outlet_in(item, script: str) -> str:
    """An outlet's name in the output script, by the language of its article."""
    return data_in_script(item.outlet, item.language, script)


def safe_href(url: str | None) -> str | None:
    """The URL if it is a plain http(s) link, else None (javascript:, data:, file: never become links)."""
    if not url:
        return None
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return None
    if parts.scheme.lower() not in SAFE_LINK_SCHEMES or not parts.netloc:
        return None
    return url.strip()


def inline_email_styles(html: str) -> str:
    """Styles moved into style attributes (css-inline) and the <style> block dropped: mail clients that strip
    <style> (or all of <head>) show the same layout."""
    import css_inline

    inliner = css_inline.CSSInliner(keep_style_tags=False, load_remote_stylesheets=False)
    return inliner.inline(html)


def section_heading(section: str, kind: str, script: str) -> str:
    key = f"sec_{section}_{kind}" if section == "stories" else f"sec_{section}"
    return t(key, script)


def pct(value: float | None) -> str:
    return "—" if value is None else f"{value:+.0f} %"


def signed(value: int) -> str:
    return f"{value:+d}"


def environment() -> Environment:
    """The one Jinja2 environment: autoescape on for every template, strict undefined so typos fail loudly."""
    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=True, undefined=StrictUndefined,
                      trim_blocks=True, lstrip_blocks=True)
    env.filters.update(safe_href=safe_href, time=format_time, pct=pct, signed=signed, title_in=title_in,
                       outlet_in=outlet_in)
    env.globals.update(t=t, format_date=format_date, format_period=format_period, section_heading=section_heading,
                       short_date=format_short_date, zip_days=zip, SECTIONS=SECTIONS)
    return env


_ENV: Environment | None = None


def env() -> Environment:
    global _ENV
    if _ENV is None:
        _ENV = environment()
    return _ENV


def chart_sources(charts: Iterable[Chart], medium: str, cids: dict[str, str] | None = None) -> dict[str, str]:
    """Where each chart's <img> points: a bundled asset (PDF), an inline data: SVG (web) or a cid: PNG (email)."""
    out = {}
    for chart in charts:
        if medium == "pdf":
            out[chart.name] = f"{ASSET_PREFIX}chart-{chart.name}.svg"
        elif medium == "email":
            out[chart.name] = f"cid:{(cids or {})[chart.name]}"
        else:
            out[chart.name] = "data:image/svg+xml;base64," + base64.b64encode(chart.svg).decode("ascii")
    return out


def render_html(digest: Digest, script: str, medium: str, charts: list[Chart], *, base_url: str = "",
                cids: dict[str, str] | None = None, full_url: str = "") -> str:
    """The digest as one HTML document for the web page, the PDF or the email body."""
    if medium not in MEDIA:
        raise ValueError(f"unknown medium {medium!r}")
    if script not in SCRIPTS:
        raise ValueError(f"unknown output script {script!r}")
    html = env().get_template("digest.html").render(
        digest=digest, script=script, medium=medium, charts=charts,
        chart_src=chart_sources(charts, medium, cids), base_url=_base(base_url), full_url=safe_href(full_url),
        title=t(f"title_{digest.kind}", script), sections=sections_for(digest.kind), limits=limits_for(medium),
        period_label=format_period(digest.kind, digest.period.start, digest.period.end, script),
        lang="sr-Latn" if script == "latn" else "sr-Cyrl", chart_width=EMAIL_WIDTH_PX)
    return inline_email_styles(html) if medium == "email" else html


def _base(url: str) -> str | None:
    href = safe_href(url)
    return href.rstrip("/") if href else None


def render_text(digest: Digest, script: str, *, base_url: str = "", full_url: str = "") -> str:
    """The plain-text email part; markup in article text is stripped (plain text needs none)."""
    text_env = env().overlay(autoescape=False)
    text_env.filters["plain"] = strip_markup
    return text_env.get_template("digest.txt").render(
        digest=digest, script=script, base_url=_base(base_url), title=t(f"title_{digest.kind}", script),
        full_url=safe_href(full_url),
        limits=limits_for("email"),
        period_label=format_period(digest.kind, digest.period.start, digest.period.end, script))


def strip_markup(text: str) -> str:
    """Plain text without tags or stray angle brackets, for the text/plain part."""
    text = re.sub(r"<[^>]*>", " ", text or "")
    return re.sub(r"\s+", " ", text.replace("<", "‹").replace(">", "›")).strip()


# PDF ------------------------------------------------------------------------------------------

def bundled_assets(charts: Iterable[Chart]) -> dict[str, tuple[bytes, str]]:
    """Everything the PDF may load: the print stylesheet and this digest's SVG charts."""
    assets = {"digest.css": ((TEMPLATES / "digest.css").read_bytes(), "text/css")}
    for chart in charts:
        assets[f"chart-{chart.name}.svg"] = (chart.svg, "image/svg+xml")
    return assets


def asset_fetcher(assets: dict[str, tuple[bytes, str]]):
    """A WeasyPrint 70 URLFetcher that answers only ``odjek-asset:NAME`` from ``assets``."""
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class AssetFetcher(URLFetcher):
        """Serves bundled assets; every other URL (http, file, data …) is refused and recorded."""

        def __init__(self):
            super().__init__(allowed_protocols={ASSET_SCHEME}, allow_redirects=False)
            self.refused: list[str] = []

        def fetch(self, url, headers=None):
            name = url[len(ASSET_PREFIX):] if url.startswith(ASSET_PREFIX) else None
            if name not in assets:
                self.refused.append(url)
                LOGGER.warning("PDF renderer refused to fetch %.200s", url)
                raise ValueError(f"refused: {url[:200]}")
            body, mime = assets[name]
            return URLFetcherResponse(url, body=body, headers={"Content-Type": mime})

    return AssetFetcher()


def render_pdf(html: str, charts: Iterable[Chart], *, fetcher=None) -> bytes:
    """HTML (medium "pdf") to A4 PDF bytes with fonts embedded by WeasyPrint."""
    from weasyprint import HTML

    fetcher = fetcher or asset_fetcher(bundled_assets(charts))
    return HTML(string=html, base_url=ASSET_PREFIX, url_fetcher=fetcher).write_pdf()

"""The sample web's outlets and articles: loaded from ``outlets.yaml`` and ``articles/<outlet>/<slug>.md``.

Article files are written by hand (format: ``docs/sampleweb-format.md``); they are validated with
pydantic and a bad file raises :class:`ContentError` naming the file, so a typo never silently drops
an article from the demo or from the ground truth the checks compare against.
"""

from __future__ import annotations

import datetime as dt
import re
import zlib
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from nlp.normalize import fold, script_of
from sampleweb.clock import demo_datetime
from schemas.taxonomy import load_taxonomy

SAMPLEWEB_DIR = Path(__file__).resolve().parent
OUTLETS_FILE = SAMPLEWEB_DIR / "outlets.yaml"
ARTICLES_DIR = SAMPLEWEB_DIR / "articles"

TOPICS = set(load_taxonomy().topics)  # schemas/taxonomy.yaml
REGIONS = set(load_taxonomy().regions)
SLUG_RE = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"
BROKEN_KINDS = {
    "feed_500", "malformed_feed", "redirect_loop", "hanging_page", "huge_page", "robots_disallowed_page",
    "wrong_charset", "non_article_page",
}
DEFAULT_SECTION = {"sr": "vesti", "cnr": "vijesti", "en": "news", "de": "nachrichten", "ru": "novosti"}


class ContentError(ValueError):
    """An outlet or article file is invalid; the message names the file."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Outlet(_Strict):
    """One invented outlet: where it listens and what it publishes (see the header of outlets.yaml)."""

    id: str = Field(pattern=SLUG_RE)
    name: str
    address: str = Field(pattern=r"^127\.0\.0\.\d{1,3}$")
    country: str = Field(min_length=2, max_length=2)
    languages: list[str] = Field(min_length=1)
    scripts: list[Literal["Cyrl", "Latn"]] = Field(min_length=1)
    group: Literal["domestic", "regional", "diaspora", "foreign"]
    publishes: list[Literal["rss", "atom", "sitemap", "sections"]] = Field(min_length=1)
    feeds: list[str] = []
    sitemaps: list[str] = []
    sections: list[str] = []
    link_pattern: str | None = None
    article_path: str
    dates: Literal["jsonld", "time", "meta", "text"]
    page_size: int = Field(default=10, ge=1)
    gzip: bool = False
    feed_links: Literal["plain", "utm", "amp"] = "plain"
    encoding: str = "utf-8"
    robots_disallow: list[str] = []
    broken: list[str] = []

    @field_validator("broken")
    @classmethod
    def _known_broken(cls, value: list[str]) -> list[str]:
        unknown = set(value) - BROKEN_KINDS
        if unknown:
            raise ValueError(f"unknown broken behaviour(s) {sorted(unknown)}")
        return value

    @property
    def default_section(self) -> str:
        """The section used for articles that name none."""
        return self.sections[0] if self.sections else DEFAULT_SECTION.get(self.languages[0], "vesti")


class OutletsFile(_Strict):
    outlets: list[Outlet]


class Expect(_Strict):
    """Ground truth of one article for tagging checks (label ids from ``../shared/taxonomy.md``)."""

    office: bool = False
    director: bool = False
    decoy: bool = False
    topics: list[str] = []
    regions: list[str] = []
    orgs: list[str] = []  # ids in sampleweb/orgs.csv of the registered organisations the article names

    @field_validator("topics")
    @classmethod
    def _known_topics(cls, value: list[str]) -> list[str]:
        unknown = set(value) - TOPICS
        if unknown:
            raise ValueError(f"unknown topic(s) {sorted(unknown)}; known: {sorted(TOPICS)}")
        return value

    @field_validator("regions")
    @classmethod
    def _known_regions(cls, value: list[str]) -> list[str]:
        unknown = set(value) - REGIONS
        if unknown:
            raise ValueError(f"unknown region(s) {sorted(unknown)}; known: {sorted(REGIONS)}")
        return value


class Serve(_Strict):
    """Optional serving quirks of one article (used by the broken outlet)."""

    # Publish under this path prefix instead of the outlet's article_path (e.g. robots-disallowed /privatno/).
    path_prefix: str | None = Field(default=None, pattern=r"^/[a-z0-9/_-]*/$")
    # Encoding of the bytes actually sent, and the charset the header and <meta> claim.
    encoding: str | None = None
    declared_charset: str | None = None


class ArticleMeta(_Strict):
    """The YAML front matter of an article file."""

    title: str = Field(min_length=3)
    offset_days: int = Field(ge=-60, le=0)
    time: str = Field(pattern=r"^([01]\d|2[0-3]):[0-5]\d$")
    author: str | None = None
    section: str | None = None
    lead: str | None = None
    story: str | None = Field(default=None, pattern=SLUG_RE)
    lang: str | None = None
    expect: Expect = Expect()
    serve: Serve | None = None


@dataclass(frozen=True, slots=True)
class SampleArticle:
    """One article of the sample web, ready to be rendered and compared against."""

    outlet_id: str
    slug: str
    source_file: Path
    title: str
    lead: str | None
    author: str | None
    section: str
    section_name: str
    published: dt.datetime
    paragraphs: tuple[str, ...]
    story: str
    syndicated: bool
    expect: Expect
    language: str
    script: str
    url_path: str
    number: int
    serve: Serve | None

    @property
    def text(self) -> str:
        """The article body as plain text, paragraphs separated by blank lines."""
        return "\n\n".join(self.paragraphs)

    @property
    def offset_days(self) -> int:
        """The publication day relative to the demo day."""
        from sampleweb.clock import DEMO_TODAY

        return (self.published.date() - DEMO_TODAY).days

    @property
    def path(self) -> str:
        """Alias of ``url_path`` (the article's URL path on its outlet)."""
        return self.url_path

    def url(self, base_url: str) -> str:
        """The canonical URL of this article under ``base_url`` (``http://host:port``)."""
        return base_url.rstrip("/") + self.url_path


# --- outlets --------------------------------------------------------------------------------------


@lru_cache(maxsize=4)
def _load_outlets_cached(path: Path) -> tuple[Outlet, ...]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        outlets = OutletsFile.model_validate(data).outlets
    except (OSError, yaml.YAMLError, ValidationError) as exc:
        raise ContentError(f"{path}: {exc}") from None
    ids = [o.id for o in outlets]
    addresses = [o.address for o in outlets]
    if len(set(ids)) != len(ids) or len(set(addresses)) != len(addresses):
        raise ContentError(f"{path}: outlet ids and addresses must be unique")
    return tuple(outlets)


def load_outlets(path: Path = OUTLETS_FILE) -> list[Outlet]:
    """Read and validate ``outlets.yaml``."""
    return list(_load_outlets_cached(Path(path)))


# --- articles -------------------------------------------------------------------------------------


def split_front_matter(text: str) -> tuple[str, str]:
    """Split ``---`` YAML front matter from the Markdown body."""
    match = re.match(r"\A\ufeff?---[ \t]*\r?\n(.*?)\r?\n---[ \t]*\r?\n(.*)\Z", text, re.S)
    if not match:
        raise ValueError("missing '---' front matter block at the top of the file")
    return match.group(1), match.group(2)


def body_paragraphs(body: str) -> tuple[str, ...]:
    """Paragraphs of the body: blocks separated by blank lines, inner line breaks joined by spaces."""
    blocks = re.split(r"\n[ \t]*\n", body.strip().replace("\r\n", "\n"))
    return tuple(" ".join(line.strip() for line in block.splitlines()).strip() for block in blocks if block.strip())


def section_slug(section: str) -> str:
    """ASCII URL segment for a free-text section name ('Društvo' / 'Друштво' → 'drustvo')."""
    slug = re.sub(r"[^a-z0-9]+", "-", fold(section.strip())).strip("-")
    return slug or "vesti"


def article_number(outlet_id: str, slug: str) -> int:
    """A stable six-digit article number, as CMSs put in URLs."""
    return 100000 + zlib.crc32(f"{outlet_id}/{slug}".encode()) % 900000


def article_path(outlet: Outlet, meta: ArticleMeta, slug: str, section: str) -> str:
    """The article's URL path from the outlet's template (or the serve prefix)."""
    if meta.serve and meta.serve.path_prefix:
        return f"{meta.serve.path_prefix}{slug}.html"
    day = demo_datetime(meta.offset_days, meta.time)
    return outlet.article_path.format(
        section=section, slug=slug, n=article_number(outlet.id, slug),
        yyyy=f"{day.year:04d}", mm=f"{day.month:02d}", dd=f"{day.day:02d}",
    )


def parse_article(path: Path, outlet: Outlet) -> tuple[ArticleMeta, tuple[str, ...]]:
    """Parse and validate one article file, raising ContentError naming it."""
    slug = path.stem
    try:
        if not re.match(SLUG_RE, slug):
            raise ValueError(f"slug {slug!r} must be lowercase ASCII words joined by hyphens")
        front, body = split_front_matter(path.read_text(encoding="utf-8"))
        meta = ArticleMeta.model_validate(yaml.safe_load(front) or {})
        paragraphs = body_paragraphs(body)
        if not paragraphs:
            raise ValueError("empty body")
        if meta.lang and meta.lang not in outlet.languages:
            raise ValueError(f"lang {meta.lang!r} is not one of the outlet's languages {outlet.languages}")
    except (OSError, UnicodeDecodeError, yaml.YAMLError, ValidationError, ValueError) as exc:
        raise ContentError(f"{path}: {exc}") from None
    return meta, paragraphs


def build_article(path: Path, outlet: Outlet, meta: ArticleMeta, paragraphs: tuple[str, ...]) -> SampleArticle:
    """Turn a parsed article file into a record."""
    section_name = (meta.section or outlet.default_section).strip()
    section = section_slug(section_name)
    return SampleArticle(
        outlet_id=outlet.id,
        slug=path.stem,
        source_file=path,
        title=meta.title.strip(),
        lead=meta.lead.strip() if meta.lead else None,
        author=meta.author,
        section=section,
        section_name=section_name,
        published=demo_datetime(meta.offset_days, meta.time),
        paragraphs=paragraphs,
        story=meta.story or f"{outlet.id}/{path.stem}",
        syndicated=meta.story is not None,
        expect=meta.expect,
        language=meta.lang or outlet.languages[0],
        script=script_of(meta.title + " " + " ".join(paragraphs)) or "Latn",
        url_path=article_path(outlet, meta, path.stem, section),
        number=article_number(outlet.id, path.stem),
        serve=meta.serve,
    )


def load_articles(articles_dir: Path = ARTICLES_DIR, outlets_file: Path = OUTLETS_FILE) -> list[SampleArticle]:
    """Load every article file, newest first per outlet; a bad file raises ContentError naming it."""
    outlets = {o.id: o for o in load_outlets(outlets_file)}
    articles: list[SampleArticle] = []
    for directory in sorted(p for p in Path(articles_dir).iterdir() if p.is_dir()):
        outlet = outlets.get(directory.name)
        if outlet is None:
            raise ContentError(f"{directory}: no outlet with id {directory.name!r} in {outlets_file}")
        for path in sorted(directory.glob("*.md")):
            meta, paragraphs = parse_article(path, outlet)
            articles.append(build_article(path, outlet, meta, paragraphs))
    _check_unique_paths(articles)
    articles.sort(key=lambda a: (a.outlet_id, -a.published.timestamp(), a.slug))
    return articles


def _check_unique_paths(articles: list[SampleArticle]) -> None:
    """Two articles of one outlet must not share a URL."""
    seen: dict[tuple[str, str], Path] = {}
    for article in articles:
        key = (article.outlet_id, article.url_path)
        if key in seen:
            raise ContentError(f"{article.source_file}: URL {article.url_path} already used by {seen[key]}")
        seen[key] = article.source_file


def robots_disallowed(outlet: Outlet, path: str) -> bool:
    """True when the outlet's robots.txt disallows ``path`` for every user agent."""
    return any(path.startswith(prefix) for prefix in outlet.robots_disallow)


def ground_truth(base_urls: Mapping[str, str], articles: list[SampleArticle] | None = None) -> dict[str, dict]:
    """Map each article's canonical URL to its story id, outlet, date, language and expected labels.

    ``outcome`` says what a correct pipeline ends with: ``article`` (archived and tagged) or
    ``robots_disallowed`` (linked from a feed but never fetched). ``story`` is shared by syndicated copies
    (including a copy in the other script); every other article is its own story.
    """
    outlets = {o.id: o for o in load_outlets()}
    truth: dict[str, dict] = {}
    for article in articles if articles is not None else load_articles():
        if article.outlet_id not in base_urls:
            continue
        outlet = outlets[article.outlet_id]
        outcome = "robots_disallowed" if robots_disallowed(outlet, article.url_path) else "article"
        truth[article.url(base_urls[article.outlet_id])] = {
            "outlet": article.outlet_id,
            "group": outlet.group,
            "country": outlet.country,
            "story": article.story,
            "title": article.title,
            "published": article.published.isoformat(),
            "language": article.language,
            "script": article.script,
            "outcome": outcome,
            "expect": article.expect.model_dump(),
        }
    return truth

"""Typed records passed between stages.

Inside the pipeline records are plain dataclasses (cheap, no validation); untrusted input is
validated where it enters, by the pydantic models in :mod:`schemas.config` and :mod:`schemas.imports`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from enum import StrEnum


class FrontierState(StrEnum):
    """Life of a URL in the work queue; ``failed`` and ``not_article`` are terminal."""

    NEW = "new"
    FETCHED = "fetched"
    EXTRACTED = "extracted"
    TAGGED = "tagged"
    FAILED = "failed"
    NOT_ARTICLE = "not_article"


class SourceGroup(StrEnum):
    """Outlet groups used for filters and digest sections."""

    DOMESTIC = "domestic"
    REGIONAL = "regional"
    DIASPORA = "diaspora"
    FOREIGN = "foreign"


@dataclass(slots=True)
class DiscoveredUrl:
    """A candidate article URL found by a feed, sitemap or section page."""

    url: str
    source_id: str
    via: str  # "feed" | "news_sitemap" | "sitemap" | "section" | "import"
    title: str | None = None
    published: dt.datetime | None = None
    summary: str | None = None


@dataclass(slots=True)
class FrontierEntry:
    """One row of the frontier: a canonical URL and where it stands."""

    id: int
    url: str
    canonical_url: str
    source_id: str
    state: FrontierState
    attempts: int = 0
    last_error: str | None = None
    via: str | None = None
    discovered_at: dt.datetime | None = None
    hints: dict = field(default_factory=dict)


@dataclass(slots=True)
class RawPage:
    """A fetched response, kept (compressed in the archive) so articles can be re-extracted."""

    frontier_id: int
    final_url: str
    status: int
    headers: dict[str, str]
    body: bytes
    fetched_at: dt.datetime
    content_hash: str | None = None


@dataclass(slots=True)
class Article:
    """What extraction makes of a page; ``is_article`` False keeps the page with a reason."""

    url: str
    source_id: str
    title: str | None
    text: str
    published: dt.datetime | None = None
    author: str | None = None
    description: str | None = None
    site_name: str | None = None
    canonical_url: str | None = None
    language: str | None = None
    script: str | None = None  # "Cyrl" | "Latn" | None
    is_article: bool = True
    not_article_reason: str | None = None
    id: int | None = None
    frontier_id: int | None = None
    content_hash: str | None = None
    cluster_id: int | None = None

    @property
    def document(self) -> str:
        """The text the tagger sees; mention offsets point into it (title, blank line, body)."""
        return document_text(self.title, self.text)


def document_text(title: str | None, text: str | None) -> str:
    """Title and body as one document: ``title + "\n\n" + text`` (just the body when there is no title)."""
    return f"{title}\n\n{text or ''}" if title else (text or "")


@dataclass(slots=True)
class Label:
    """A taxonomy label on an article with its score in [0, 1]."""

    label: str
    kind: str  # "entity" (office, director) | "topic" | "region" | "country" (ISO code) | "flag" (critical)
    score: float


@dataclass(slots=True)
class Mention:
    """Where a label was found: character offsets into the original text and the sentence around it."""

    label: str
    start: int
    end: int
    text: str
    sentence: str
    person: str | None = None  # director mentions: the person's id in config/people.yaml
    former: bool = False  # director mentions: the person did not hold the office on the article's date


@dataclass(frozen=True, slots=True)
class TagContext:
    """What the tagger may know about a text besides its words: when and where it was published."""

    published: dt.date | None = None
    country: str | None = None  # the outlet's country (ISO 3166-1 alpha-2)


@dataclass(slots=True)
class TagResult:
    """Everything the tagger says about one text."""

    language: str
    script: str | None
    labels: list[Label]
    mentions: list[Mention]

    @property
    def label_ids(self) -> set[str]:
        return {lab.label for lab in self.labels}


@dataclass(slots=True)
class Cluster:
    """A story: near-duplicate articles grouped, with its representative and outlets."""

    id: int
    representative_article_id: int
    article_ids: list[int]
    outlets: list[str]
    first_seen: dt.datetime | None
    last_seen: dt.datetime | None
    labels: list[str] = field(default_factory=list)  # merged labels of the members, most common first
    label_counts: dict[str, int] = field(default_factory=dict)  # label → how many members carry it

    @property
    def outlet_count(self) -> int:
        return len(self.outlets)

    @property
    def size(self) -> int:
        """Number of articles (copies) in the cluster."""
        return len(self.article_ids)


@dataclass(slots=True)
class DigestRun:
    """One rendered digest for a period."""

    kind: str  # "daily" | "weekly"
    period_start: dt.date
    period_end: dt.date  # inclusive
    script: str
    html_path: str | None = None
    pdf_path: str | None = None
    status: str = "rendered"  # "rendered" | "held" | "released"
    id: int | None = None


@dataclass(slots=True)
class Send:
    """One email delivery, claimed before connecting so a retry never sends twice."""

    kind: str  # "digest:daily" | "digest:weekly" | "alert:<saved search id>" | "ops"
    period: str
    recipient: str
    state: str = "claimed"  # "claimed" | "sent" | "failed"
    error: str | None = None
    id: int | None = None

"""What the spiders yield: typed items that the pipelines store (spiders never touch the archive)."""

from __future__ import annotations

from dataclasses import dataclass, field

from schemas.records import DiscoveredUrl, FrontierEntry, RawPage


@dataclass(slots=True)
class DiscoveryOutcome:
    """One discovery document (feed, sitemap, section page, robots.txt) of one source and what it gave."""

    source_id: str
    kind: str  # "feed" | "sitemap" | "section" | "robots"
    url: str
    entries: list[DiscoveredUrl] = field(default_factory=list)
    error: str | None = None
    warnings: list[str] = field(default_factory=list)
    status: int | None = None
    etag: str | None = None
    last_modified: str | None = None
    not_modified: bool = False
    newest_entry: object | None = None  # datetime of the newest feed entry


@dataclass(slots=True)
class FetchedPage:
    """A page fetched for a frontier entry, with the canonical URL the page declares (if any)."""

    entry: FrontierEntry
    page: RawPage
    declared_canonical: str | None = None

    def __repr__(self) -> str:  # Scrapy logs items at DEBUG: never dump a whole page body
        return (f"FetchedPage(#{self.entry.id} {self.page.final_url} status={self.page.status} "
                f"bytes={len(self.page.body)} canonical={self.declared_canonical})")


@dataclass(slots=True)
class FetchFailure:
    """A frontier entry whose fetch failed: ``reason`` starts with its kind ("timeout: …", "http 500: …")."""

    entry: FrontierEntry
    reason: str
    retryable: bool

    @property
    def kind(self) -> str:
        return self.reason.split(":", 1)[0]


@dataclass(slots=True)
class FetchLeftOver:
    """A claimed entry this crawl did not try (its source was given up on as slow); it waits for the next run."""

    entry: FrontierEntry
    reason: str

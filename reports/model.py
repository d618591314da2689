"""Typed records of an assembled digest: what the templates, charts, email and review pages read."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import asdict, dataclass, field

from reports.periods import Period

NOTE_MAX_CHARS = 600
# A "sentence" from text without punctuation can run to pages; the digest shows this much around the match.
SENTENCE_MAX_CHARS = 500


@dataclass(slots=True)
class Item:
    """One article as a digest lists it: headline, outlet, local time and link to the original."""

    article_id: int
    title: str
    url: str
    outlet: str
    group: str
    published: dt.datetime  # local time of the digest timezone
    language: str | None = None  # decides whether title and outlet may be transliterated to the output script


@dataclass(slots=True)
class MentionLine:
    """A sentence that names the Directorate or its director, with the matched words."""

    label: str  # "office" | "director"
    sentence: str
    match: str
    former: bool = False  # names a former director (people.yaml terms against the article's date)

    @property
    def label_key(self) -> str:
        return "former_director" if self.label == "director" and self.former else self.label

    def parts(self) -> tuple[str, str, str]:
        """(before, match, after) so a template can emphasise the match while escaping every part.

        Sentences longer than SENTENCE_MAX_CHARS are cut to a window around the match, marked with "…".
        """
        at = self.sentence.find(self.match) if self.match else -1
        if at < 0:
            return _clip(self.sentence, SENTENCE_MAX_CHARS), "", ""
        before, after = self.sentence[:at], self.sentence[at + len(self.match):]
        room = max(0, SENTENCE_MAX_CHARS - len(self.match)) // 2
        if len(before) > room:
            before = "…" + before[len(before) - room:]
        if len(after) > room:
            after = after[:room] + "…"
        return before, self.match, after


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[:limit] + "…"


@dataclass(slots=True)
class Entry:
    """One story as the digest shows it: every outlet that carried it in the period, once.

    ``items`` holds one article per outlet, earliest first (so ``items[0]`` is the first outlet); ``headline``
    is the article whose title is shown; ``quotes`` are at most two distinct sentences naming the Directorate
    or its director, never the headline and never a sentence quoted elsewhere in the digest.
    """

    key: str  # "c<cluster id>" or "a<article id>" for an article without a story cluster
    cluster_id: int | None
    headline: Item
    items: list[Item]
    quotes: list[MentionLine] = field(default_factory=list)
    article_ids: list[int] = field(default_factory=list)  # every article of the story in the period
    office: bool = False  # names the Directorate or its director
    in_headline: bool = False  # ... in the headline or the lead
    critical: bool = False
    foreign: bool = False  # carried by regional or foreign outlets
    topic: str | None = None  # the story's strongest topic

    @property
    def outlet_count(self) -> int:
        return len(self.items)

    @property
    def first(self) -> Item:
        return self.items[0]

    @property
    def foreign_items(self) -> list[Item]:
        return [i for i in self.items if i.group in ("regional", "foreign")]

    def importance(self) -> tuple:
        """Sort key, most important first: critical, named in headline or lead, outlets, foreign, earliest."""
        return (not self.critical, not self.in_headline, -self.outlet_count, not self.foreign,
                -len(self.article_ids), self.first.published, self.headline.article_id)


@dataclass(slots=True)
class EntryGroup:
    """Stories under one heading (a topic); ``count`` is the number of stories before the cap."""

    key: str
    count: int
    entries: list[Entry]

    @property
    def more(self) -> int:
        return max(0, self.count - len(self.entries))


@dataclass(slots=True)
class Summary:
    """The first screen: Directorate and director against the previous period, then what to read first."""

    office: CountRow
    director: CountRow
    relevant: CountRow
    collected: CountRow
    critical: list[Entry]
    top: list[Entry]  # the most covered stories, with their outlet counts
    foreign: list[Entry]  # regional and foreign press about the Directorate


@dataclass(slots=True)
class OutletRow:
    outlet: str
    group: str
    language: str | None
    relevant: int
    office: int


@dataclass(slots=True)
class CountRow:
    key: str
    current: int
    previous: int

    @property
    def change(self) -> int:
        return self.current - self.previous

    @property
    def change_pct(self) -> float | None:
        return None if self.previous == 0 else 100.0 * (self.current - self.previous) / self.previous


@dataclass(slots=True)
class Numbers:
    total: CountRow
    per_day: list[tuple[dt.date, int]]
    previous_per_day: list[tuple[dt.date, int]]
    per_hour: list[int]  # 24 counts for the daily digest's volume chart
    per_topic: list[CountRow]
    per_region: list[CountRow]
    per_group: list[CountRow]
    office_per_day: list[tuple[dt.date, int]] = field(default_factory=list)  # Directorate or director named
    previous_office_per_day: list[tuple[dt.date, int]] = field(default_factory=list)


@dataclass(slots=True)
class Review:
    """An operator's changes to a held digest, stored as JSON in digest_runs.review."""

    excluded: list[int] = field(default_factory=list)
    pinned: list[int] = field(default_factory=list)
    note: str = ""
    released_by: str | None = None
    released_at: str | None = None

    @classmethod
    def from_json(cls, text: str | None) -> Review:
        data = json.loads(text or "{}")
        return cls(excluded=[int(x) for x in data.get("excluded", [])], pinned=[int(x) for x in data.get("pinned", [])],
                   note=str(data.get("note", ""))[:NOTE_MAX_CHARS], released_by=data.get("released_by"),
                   released_at=data.get("released_at"))

    def to_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False, sort_keys=True)


@dataclass(slots=True)
class Digest:
    """Everything one digest shows, in section order; review already applied.

    Sections hold relevant articles only (reports.relevance); ``collected`` counts every article of the period.
    """

    kind: str
    period: Period
    timezone: str
    collected: int  # every article collected in the period
    total: int  # relevant articles
    summary: Summary
    directorate: list[Entry]
    directorate_count: int  # stories before the cap
    stories: list[Entry]  # the most covered stories (weekly section)
    topics: list[EntryGroup]
    foreign: list[Entry]
    foreign_count: int
    critical: list[Entry]
    outlets: list[OutletRow]
    numbers: Numbers
    pinned: list[Item] = field(default_factory=list)
    note: str = ""
    excluded: list[Item] = field(default_factory=list)
    orgs: list = field(default_factory=list)  # reports.orgs.OrgLine: registered organisations in the news

    @property
    def empty(self) -> bool:
        return self.collected == 0

    def entries(self) -> list[Entry]:
        """Every story the sections list, in reading order (a story may be listed in more than one section)."""
        return [*self.critical, *self.directorate, *self.stories, *(e for g in self.topics for e in g.entries),
                *self.foreign]

    def items(self) -> list[Item]:
        """Every article the digest shows once, in order of first appearance (for the review page)."""
        seen: dict[int, Item] = {}
        for item in [*self.pinned, *(i for e in self.entries() for i in e.items)]:
            seen.setdefault(item.article_id, item)
        return list(seen.values())

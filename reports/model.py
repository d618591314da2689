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


@dataclass(slots=True)
class MentionLine:
    """A sentence that names the Directorate or its director, with the matched words."""

    label: str  # "office" | "director"
    sentence: str
    match: str

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
class MentionGroup:
    item: Item
    mentions: list[MentionLine]


@dataclass(slots=True)
class Story:
    """A cluster of near-duplicate articles seen in the period, shown once with its outlets."""

    cluster_id: int
    item: Item
    outlets: list[str]
    article_count: int

    @property
    def outlet_count(self) -> int:
        return len(self.outlets)


@dataclass(slots=True)
class LabelGroup:
    """Articles carrying one label (topic, region) or from one outlet group; ``count`` before the cap."""

    key: str
    count: int
    items: list[Item]

    @property
    def more(self) -> int:
        return max(0, self.count - len(self.items))


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


@dataclass(slots=True)
class Review:
    """An operator's changes to a held digest, stored as JSON in digest_runs.review."""

    excluded: list[int] = field(default_factory=list)
    pinned: list[int] = field(default_factory=list)
    note: str = ""
    released_by: str | None = None
    released_at: str | None = None

    @classmethod
    def from_json(cls, text: str | None) -> "Review":
        data = json.loads(text or "{}")
        return cls(excluded=[int(x) for x in data.get("excluded", [])], pinned=[int(x) for x in data.get("pinned", [])],
                   note=str(data.get("note", ""))[:NOTE_MAX_CHARS], released_by=data.get("released_by"),
                   released_at=data.get("released_at"))

    def to_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False, sort_keys=True)


@dataclass(slots=True)
class Digest:
    """Everything one digest shows, in section order; review already applied."""

    kind: str
    period: Period
    timezone: str
    total: int
    mentions: list[MentionGroup]
    mention_articles: int  # before the cap
    stories: list[Story]
    topics: list[LabelGroup]
    regions: list[LabelGroup]
    foreign: list[LabelGroup]
    numbers: Numbers
    pinned: list[Item] = field(default_factory=list)
    note: str = ""
    excluded: list[Item] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return self.total == 0

    def items(self) -> list[Item]:
        """Every article the digest shows once, in order of first appearance (for the review page)."""
        seen: dict[int, Item] = {}
        groups = [[g.item for g in self.mentions], [s.item for s in self.stories],
                  *[g.items for g in self.topics], *[g.items for g in self.regions], *[g.items for g in self.foreign]]
        for item in [*self.pinned, *(i for group in groups for i in group)]:
            seen.setdefault(item.article_id, item)
        return list(seen.values())

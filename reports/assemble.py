"""Assembling a digest from the archive with pandas: one query per table for the period, then group-bys.

Only the columns a digest shows are loaded (never article bodies), so a week of 30,000 articles stays small.
Relevance is decided once (reports.relevance) when the frames are loaded; every section, count and chart
reads the relevant articles, and only ``collected`` counts everything.

Articles are shown as stories: the articles of one story cluster in the period form one entry with all its
outlets, so an agency story carried by seven outlets is one entry, not seven.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass

import pandas as pd

from archive.db import Database
from archive.digests import period_articles, period_labels, period_mentions
from nlp.normalize import fold_text
from reports.i18n import GROUPS, REGIONS, TOPICS
from reports.model import CountRow, Digest, Entry, EntryGroup, Item, MentionLine, Numbers, OutletRow, Review, Summary
from reports.orgs import org_lines
from reports.periods import Period
from reports.relevance import CRITICAL_LABEL, ENTITY_LABELS, relevant_article_ids

LOGGER = logging.getLogger(__name__)

ARTICLE_COLUMNS = ["id", "source_id", "title", "url", "published", "cluster_id", "language", "outlet", "grp"]
FOREIGN_GROUPS = ("regional", "foreign")
# The lead: a mention starting within this many characters after the headline counts as "in the lead".
LEAD_CHARS = 300
QUOTES_PER_STORY = 2
SUMMARY_TOP = 5
SUMMARY_MIN_TOP = 3


@dataclass(frozen=True, slots=True)
class DigestLimits:
    """How many stories each section lists before "… and N more" (the PDF must stay readable)."""

    mention_articles: int  # stories in the Directorate section
    stories: int  # most covered stories (weekly section)
    items_per_label: int  # stories per topic
    foreign_items: int
    min_story_outlets: int = 2
    critical: int = 10

    @classmethod
    def for_kind(cls, kind: str) -> DigestLimits:
        # A week has about seven times the articles but leadership reads it once: lists grow by half, not 7x.
        if kind == "weekly":
            return cls(mention_articles=60, stories=10, items_per_label=8, foreign_items=20, critical=20)
        return cls(mention_articles=40, stories=10, items_per_label=6, foreign_items=12)


@dataclass(slots=True)
class Frames:
    articles: pd.DataFrame  # every article collected in the period, with a boolean column "relevant"
    labels: pd.DataFrame
    mentions: pd.DataFrame

    @property
    def relevant(self) -> pd.DataFrame:
        return self.articles[self.articles["relevant"]]


def _frame(rows: list[dict], columns: list[str]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=columns) if rows else pd.DataFrame({c: [] for c in columns})


def _article_frame(rows: list[dict], tz: str) -> pd.DataFrame:
    articles = _frame(rows, ARTICLE_COLUMNS)
    articles["id"] = articles["id"].astype("int64")
    articles["local"] = pd.to_datetime(articles["published"], utc=True, format="ISO8601").dt.tz_convert(tz)
    articles["title"] = articles["title"].fillna("").astype(str)
    return articles


def load_frames(db: Database, period: Period, *, with_mentions: bool = True) -> Frames:
    """The period's articles (with outlet, group and relevance), labels and Directorate mentions as data frames."""
    bounds = (period.utc_start, period.utc_end)
    articles = _article_frame(period_articles(db, *bounds), period.tz)
    articles = articles.sort_values(["local", "id"], kind="stable").set_index("id", drop=False)
    labels = _frame(period_labels(db, *bounds), ["article_id", "label", "kind", "score"])
    labels["article_id"] = labels["article_id"].astype("int64")
    labels["score"] = labels["score"].astype(float)
    relevant = relevant_article_ids(zip(labels["article_id"], labels["label"]))
    articles["relevant"] = articles.index.isin(list(relevant))
    mention_rows = period_mentions(db, *bounds) if with_mentions else []
    mentions = _frame(mention_rows, ["article_id", "label", "start_offset", "text", "sentence", "former"])
    mentions["article_id"] = mentions["article_id"].astype("int64")
    mentions["former"] = mentions["former"].fillna(0).astype(bool)
    mentions["start_offset"] = mentions["start_offset"].astype("int64")
    return Frames(articles, labels, mentions)


def _item(row) -> Item:
    language = row.language if isinstance(row.language, str) else None
    return Item(article_id=int(row.id), title=row.title or row.url, url=row.url, outlet=str(row.outlet),
                group=str(row.grp), published=row.local.to_pydatetime(), language=language)


def _items(articles: pd.DataFrame, ids) -> list[Item]:
    return [_item(row) for row in articles.loc[list(ids)].itertuples(index=False)]


# Stories ---------------------------------------------------------------------------------------------

def sentence_key(sentence: str) -> str:
    """Sentences equal up to script, case, diacritics, spacing and punctuation share a key."""
    return re.sub(r"\W+", " ", fold_text(sentence)).strip()


class QuoteBook:
    """The sentences already quoted in this digest: none is quoted twice, anywhere."""

    def __init__(self):
        self.used: set[str] = set()

    def pick(self, candidates: list[MentionLine], titles: list[str], limit: int) -> list[MentionLine]:
        title_keys = {sentence_key(t) for t in titles}
        chosen: list[MentionLine] = []
        for line in candidates:
            key = sentence_key(line.sentence)
            # A "sentence" that is (or contains) a headline repeats the headline.
            if not key or key in self.used or any(tk and tk in key for tk in title_keys):
                continue
            self.used.add(key)
            chosen.append(line)
            if len(chosen) == limit:
                break
        return chosen


@dataclass(slots=True)
class StoryIndex:
    """Per article: which story it belongs to, its labels and its Directorate mentions."""

    story_of: dict[int, str]
    labels: dict[int, dict[str, float]]
    mentions: dict[int, list]


def story_key(article_id: int, cluster_id) -> str:
    return f"a{article_id}" if pd.isna(cluster_id) else f"c{int(cluster_id)}"


def index_frames(frames: Frames) -> StoryIndex:
    arts = frames.articles
    story_of = {int(i): story_key(int(i), c) for i, c in zip(arts.index, arts["cluster_id"])}
    labels: dict[int, dict[str, float]] = {}
    for row in frames.labels.itertuples(index=False):
        labels.setdefault(int(row.article_id), {})[row.label] = float(row.score)
    mentions: dict[int, list] = {}
    for row in frames.mentions.sort_values(["article_id", "start_offset"]).itertuples(index=False):
        mentions.setdefault(int(row.article_id), []).append(row)
    return StoryIndex(story_of, labels, mentions)


def _in_lead(title: str, mention_rows: list) -> bool:
    return any(m.start_offset < len(title) + 2 + LEAD_CHARS for m in mention_rows)


def build_entries(articles: pd.DataFrame, index: StoryIndex) -> list[Entry]:
    """Group ``articles`` into stories (one entry per cluster, or per article without one), without quotes."""
    if articles.empty:
        return []
    by_story: dict[str, list[Item]] = {}
    for item in _items(articles, articles.index):  # articles are in time order
        by_story.setdefault(index.story_of[item.article_id], []).append(item)
    entries = []
    for key, items in by_story.items():
        per_outlet: dict[str, Item] = {}
        for item in items:
            per_outlet.setdefault(item.outlet, item)
        ids = [i.article_id for i in items]
        office = any(set(index.labels.get(i, {})) & set(ENTITY_LABELS) for i in ids)
        in_title = [i for i in items if any(m.start_offset < len(i.title) for m in index.mentions.get(i.article_id, []))]
        in_lead = any(_in_lead(i.title, index.mentions.get(i.article_id, [])) for i in items)
        topic_scores: dict[str, float] = {}
        for i in ids:
            for label, score in index.labels.get(i, {}).items():
                if label in TOPICS:
                    topic_scores[label] = max(topic_scores.get(label, 0.0), score)
        topic = max(topic_scores, key=lambda k: (topic_scores[k], -TOPICS.index(k))) if topic_scores else None
        # The headline names the Directorate when any outlet's does; else the first outlet's.
        headline = (in_title or items)[0]
        entries.append(Entry(
            key=key, cluster_id=int(key[1:]) if key.startswith("c") else None, headline=headline,
            items=list(per_outlet.values()), article_ids=ids, office=office, in_headline=in_lead,
            critical=any(CRITICAL_LABEL in index.labels.get(i, {}) for i in ids),
            foreign=any(i.group in FOREIGN_GROUPS for i in per_outlet.values()), topic=topic))
    entries.sort(key=Entry.importance)
    return entries


def add_quotes(entries: list[Entry], index: StoryIndex, book: QuoteBook) -> None:
    """One or two distinct mention sentences per story: the headline outlet's first, office before director."""
    for entry in entries:
        order = [entry.headline.article_id, *(i for i in entry.article_ids if i != entry.headline.article_id)]
        titles = [i.title for i in entry.items] + [entry.headline.title]
        candidates = []
        for article_id in order:
            for m in index.mentions.get(article_id, []):
                candidates.append(MentionLine(m.label, m.sentence, m.text, former=bool(m.former)))
        # Prefer one sentence per label (the Directorate, then its director) before a second of the same label.
        by_label = sorted(candidates, key=lambda m: ENTITY_LABELS.index(m.label) if m.label in ENTITY_LABELS else 9)
        firsts = {}
        for m in by_label:
            firsts.setdefault(m.label, m)
        ordered = [*firsts.values(), *(m for m in candidates if m not in firsts.values())]
        entry.quotes = book.pick(ordered, titles, QUOTES_PER_STORY)


def topic_groups(entries: list[Entry], limit: int) -> list[EntryGroup]:
    """Stories under their strongest topic, in the taxonomy's order; each story under one topic only."""
    groups = []
    for key in TOPICS:
        members = [e for e in entries if e.topic == key]
        if members:
            groups.append(EntryGroup(key, len(members), members[:limit]))
    return groups


def summary_top(entries: list[Entry], listed: list[Entry]) -> list[Entry]:
    """The 3–5 most covered stories: most outlets first, then importance. Fewer than three stories with several
    outlets are topped up with the most important single-outlet stories not already ``listed`` (critical)."""
    ranked = sorted(entries, key=lambda e: (-e.outlet_count, e.importance()))
    multi = [e for e in ranked if e.outlet_count > 1][:SUMMARY_TOP]
    if len(multi) >= SUMMARY_MIN_TOP:
        return multi
    seen = {e.key for e in [*multi, *listed]}
    singles = [e for e in ranked if e.outlet_count == 1 and e.key not in seen]
    return multi + singles[:SUMMARY_MIN_TOP - len(multi)]


def outlet_rows(frames: Frames, index: StoryIndex, limit: int = 10) -> list[OutletRow]:
    """Outlets by relevant articles in the period, with how many of them name the Directorate or its director."""
    rel = frames.relevant
    if rel.empty:
        return []
    office = rel.index.map(lambda i: bool(set(index.labels.get(int(i), {})) & set(ENTITY_LABELS)))
    frame = rel.assign(office=list(office))
    grouped = frame.groupby(["outlet", "grp"], sort=False).agg(
        relevant=("id", "size"), office=("office", "sum"), language=("language", "first")).reset_index()
    grouped = grouped.sort_values(["relevant", "office", "outlet"], ascending=[False, False, True]).head(limit)
    return [OutletRow(str(r.outlet), str(r.grp), r.language if isinstance(r.language, str) else None,
                      int(r.relevant), int(r.office)) for r in grouped.itertuples(index=False)]


# Numbers ---------------------------------------------------------------------------------------------

def _count_rows(current: pd.Series, previous: pd.Series, keys) -> list[CountRow]:
    return [CountRow(k, int(current.get(k, 0)), int(previous.get(k, 0))) for k in keys]


def _entity_ids(frames: Frames, label: str) -> set[int]:
    labels = frames.labels
    return set(labels.loc[labels["label"] == label, "article_id"].astype(int))


def _relevant_labels(frames: Frames) -> pd.Series:
    labels = frames.labels[frames.labels["article_id"].isin(frames.relevant.index)]
    return labels["label"].value_counts()


def _office_per_day(frames: Frames, period: Period) -> list[tuple]:
    ids = _entity_ids(frames, "office") | _entity_ids(frames, "director")
    days = frames.articles.loc[frames.articles.index.isin(list(ids)), "local"].dt.date.value_counts()
    return [(d, int(days.get(d, 0))) for d in period.days]


def numbers(period: Period, frames: Frames, previous: Frames) -> Numbers:
    """Relevant articles per day (and hour), per topic, region and outlet group, against the previous period."""
    cur, prev = frames.relevant, previous.relevant
    per_day = cur["local"].dt.date.value_counts()
    prev_day = prev["local"].dt.date.value_counts()
    per_hour = cur["local"].dt.hour.value_counts()
    cur_labels, prev_labels = _relevant_labels(frames), _relevant_labels(previous)
    groups = [*GROUPS, *sorted((set(cur["grp"]) | set(prev["grp"])) - set(GROUPS))]
    return Numbers(
        total=CountRow("total", len(cur), len(prev)),
        per_day=[(d, int(per_day.get(d, 0))) for d in period.days],
        previous_per_day=[(d, int(prev_day.get(d, 0))) for d in period.previous().days],
        per_hour=[int(per_hour.get(h, 0)) for h in range(24)],
        per_topic=_count_rows(cur_labels, prev_labels, TOPICS),
        per_region=_count_rows(cur_labels, prev_labels, REGIONS),
        per_group=_count_rows(cur["grp"].value_counts(), prev["grp"].value_counts(), groups),
        office_per_day=_office_per_day(frames, period),
        previous_office_per_day=_office_per_day(previous, period.previous()),
    )


def summary(frames: Frames, previous: Frames, entries: list[Entry], limits: DigestLimits) -> Summary:
    def count(key: str, fr: Frames) -> int:
        return len(_entity_ids(fr, key) & set(fr.articles.index))

    critical = [e for e in entries if e.critical][:limits.critical]
    return Summary(
        office=CountRow("office", count("office", frames), count("office", previous)),
        director=CountRow("director", count("director", frames), count("director", previous)),
        relevant=CountRow("relevant", len(frames.relevant), len(previous.relevant)),
        collected=CountRow("collected", len(frames.articles), len(previous.articles)),
        critical=critical, top=summary_top(entries, critical[:SUMMARY_TOP]),
        foreign=[e for e in entries if e.office and e.foreign][:SUMMARY_TOP])


# The digest ------------------------------------------------------------------------------------------

def assemble(db: Database, period: Period, review: Review | None = None, limits: DigestLimits | None = None
             ) -> Digest:
    """The digest of ``period`` with an operator's review (exclusions, pins, note) applied."""
    review = review or Review()
    limits = limits or DigestLimits.for_kind(period.kind)
    frames = load_frames(db, period)
    previous = load_frames(db, period.previous(), with_mentions=False)
    index = index_frames(frames)
    excluded = set(review.excluded)
    shown = frames.relevant[~frames.relevant.index.isin(list(excluded))]
    entries = build_entries(shown, index)
    book = QuoteBook()
    office_entries = [e for e in entries if e.office]
    directorate = office_entries[:limits.mention_articles]
    add_quotes(directorate, index, book)
    rest = [e for e in entries if not e.office]
    critical = [e for e in entries if e.critical][:limits.critical] if period.kind == "weekly" else []
    stories = ([e for e in sorted(entries, key=lambda e: (-e.outlet_count, e.importance()))
                if e.outlet_count >= limits.min_story_outlets][:limits.stories] if period.kind == "weekly" else [])
    foreign_all = [e for e in entries if e.foreign]
    pinned_ids = [i for i in dict.fromkeys(review.pinned) if i in frames.articles.index and i not in excluded]
    all_articles = frames.articles
    LOGGER.info("assembled %s digest %s: %d collected, %d relevant, %d stories, %d naming the Directorate",
                period.kind, period.key, len(all_articles), len(frames.relevant), len(entries), len(office_entries))
    return Digest(
        kind=period.kind, period=period, timezone=period.tz, collected=len(all_articles), total=len(frames.relevant),
        summary=summary(frames, previous, entries, limits),
        directorate=directorate, directorate_count=len(office_entries), stories=stories,
        topics=topic_groups(rest, limits.items_per_label),
        foreign=foreign_all[:limits.foreign_items], foreign_count=len(foreign_all), critical=critical,
        outlets=outlet_rows(frames, index), numbers=numbers(period, frames, previous),
        pinned=_items(all_articles, pinned_ids), note=review.note,
        excluded=_items(all_articles, [i for i in dict.fromkeys(review.excluded) if i in all_articles.index]),
        orgs=org_lines(db, entries),
    )

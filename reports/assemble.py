"""Assembling a digest from the archive with pandas: one query per table for the period, then group-bys.

Only the columns a digest shows are loaded (never article bodies), so a week of 30,000 articles stays small.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import pandas as pd

from archive.db import Database, iso
from reports.i18n import GROUPS, REGIONS, TOPICS
from reports.model import (CountRow, Digest, Item, LabelGroup, MentionGroup, MentionLine, Numbers, Review, Story)
from reports.periods import Period

LOGGER = logging.getLogger(__name__)

ARTICLE_COLUMNS = ["id", "source_id", "title", "url", "published", "cluster_id", "outlet", "grp"]
ARTICLES_SQL = (
    "SELECT a.id, a.source_id, a.title, a.url, a.published, a.cluster_id,"
    " COALESCE(s.name, a.source_id) AS outlet, COALESCE(s.grp, 'unknown') AS grp"
    " FROM articles a LEFT JOIN sources s ON s.id = a.source_id"
    " WHERE a.is_article = 1 AND a.published >= ? AND a.published < ?")
LABELS_SQL = (
    "SELECT l.article_id, l.label, l.kind, l.score FROM labels l JOIN articles a ON a.id = l.article_id"
    " WHERE a.is_article = 1 AND a.published >= ? AND a.published < ?")
MENTIONS_SQL = (
    "SELECT m.article_id, m.label, m.start_offset, m.text, m.sentence FROM mentions m"
    " JOIN articles a ON a.id = m.article_id"
    " WHERE a.is_article = 1 AND a.published >= ? AND a.published < ? AND m.label IN ('office', 'director')")
ENTITY_LABELS = ("office", "director")
FOREIGN_GROUPS = ("regional", "foreign")


@dataclass(frozen=True, slots=True)
class DigestLimits:
    """How many entries each section lists before "… and N more" (the PDF must stay readable)."""

    mention_articles: int
    stories: int
    items_per_label: int
    foreign_items: int
    min_story_outlets: int = 2

    @classmethod
    def for_kind(cls, kind: str) -> "DigestLimits":
        # A week has about seven times the articles but leadership reads it once: lists grow by half, not 7x.
        if kind == "weekly":
            return cls(mention_articles=300, stories=15, items_per_label=12, foreign_items=30)
        return cls(mention_articles=200, stories=10, items_per_label=8, foreign_items=20)


@dataclass(slots=True)
class Frames:
    articles: pd.DataFrame
    labels: pd.DataFrame
    mentions: pd.DataFrame


def _frame(rows: list[dict], columns: list[str]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=columns) if rows else pd.DataFrame({c: [] for c in columns})


def load_frames(db: Database, period: Period, *, with_mentions: bool = True) -> Frames:
    """The period's articles (with outlet and group), labels and Directorate mentions as data frames."""
    bounds = (iso(period.utc_start), iso(period.utc_end))
    articles = _frame(db.query(ARTICLES_SQL, bounds), ARTICLE_COLUMNS)
    articles["id"] = articles["id"].astype("int64")
    articles["local"] = pd.to_datetime(articles["published"], utc=True, format="ISO8601").dt.tz_convert(period.tz)
    articles["title"] = articles["title"].fillna("").astype(str)
    articles = articles.sort_values(["local", "id"], kind="stable").set_index("id", drop=False)
    labels = _frame(db.query(LABELS_SQL, bounds), ["article_id", "label", "kind", "score"])
    labels["article_id"] = labels["article_id"].astype("int64")
    labels["score"] = labels["score"].astype(float)
    mention_rows = db.query(MENTIONS_SQL, bounds) if with_mentions else []
    mentions = _frame(mention_rows, ["article_id", "label", "start_offset", "text", "sentence"])
    mentions["article_id"] = mentions["article_id"].astype("int64")
    return Frames(articles, labels, mentions)


def _item(row) -> Item:
    return Item(article_id=int(row.id), title=row.title or row.url, url=row.url, outlet=str(row.outlet),
                group=str(row.grp), published=row.local.to_pydatetime())


def _items(articles: pd.DataFrame, ids) -> list[Item]:
    return [_item(row) for row in articles.loc[list(ids)].itertuples(index=False)]


def _one(articles: pd.DataFrame, article_id: int) -> Item:
    return _items(articles, [article_id])[0]


def directorate_mentions(frames: Frames, articles: pd.DataFrame, limit: int) -> tuple[list[MentionGroup], int]:
    """Articles naming the Directorate or its director, oldest first, each with its mentioning sentences."""
    mentions = frames.mentions[frames.mentions["article_id"].isin(articles.index)]
    if mentions.empty:
        return [], 0
    mentions = mentions.drop_duplicates(["article_id", "sentence"]).sort_values(["article_id", "start_offset"])
    order = articles.loc[articles.index.isin(mentions["article_id"].unique())].index
    by_article = {aid: group for aid, group in mentions.groupby("article_id", sort=False)}
    groups = []
    for item in _items(articles, order[:limit]):  # one batch lookup, not one .loc per article
        lines = [MentionLine(r.label, r.sentence, r.text) for r in by_article[item.article_id].itertuples(index=False)]
        groups.append(MentionGroup(item, lines))
    return groups, len(order)


def _items_from_archive(db: Database, ids: list[int], tz: str) -> dict[int, Item]:
    """Items for articles outside the period's frame (a story's representative published earlier)."""
    if not ids:
        return {}
    marks = ", ".join("?" for _ in ids)
    sql = ARTICLES_SQL.split(" WHERE ")[0] + f" WHERE a.id IN ({marks})"
    frame = _frame(db.query(sql, ids), ARTICLE_COLUMNS)
    frame["local"] = pd.to_datetime(frame["published"], utc=True, format="ISO8601").dt.tz_convert(tz)
    frame["title"] = frame["title"].fillna("").astype(str)
    return {int(row.id): _item(row) for row in frame.itertuples(index=False)}


def top_stories(db: Database, period: Period, articles: pd.DataFrame, excluded: set[int], limits: DigestLimits
                ) -> list[Story]:
    """Story clusters seen in the period with several outlets (archive.clusters), most outlets first."""
    from archive.clusters import clusters_between

    clusters = clusters_between(db, period.utc_start, period.utc_end, min_outlets=limits.min_story_outlets,
                                limit=limits.stories + len(excluded))
    clusters = [c for c in clusters if c.representative_article_id not in excluded][:limits.stories]
    if not clusters:
        return []
    source_ids = sorted({s for c in clusters for s in c.outlets})
    marks = ", ".join("?" for _ in source_ids)
    names = {r["id"]: r["name"] for r in db.query(f"SELECT id, name FROM sources WHERE id IN ({marks})", source_ids)}
    reps = [c.representative_article_id for c in clusters]
    known = {i: _one(articles, i) for i in reps if i in articles.index}
    known.update(_items_from_archive(db, [i for i in reps if i not in known], period.tz))
    return [Story(c.id, known[c.representative_article_id], sorted(names.get(s, s) for s in c.outlets),
                  len(c.article_ids)) for c in clusters if c.representative_article_id in known]


def label_groups(articles: pd.DataFrame, labels: pd.DataFrame, keys: tuple[str, ...], limit: int) -> list[LabelGroup]:
    """For each label with articles: its count and its best-scored articles (then the earliest)."""
    labels = labels[labels["label"].isin(keys) & labels["article_id"].isin(articles.index)]
    groups = []
    for key in keys:
        subset = labels[labels["label"] == key]
        if subset.empty:
            continue
        local = articles.loc[subset["article_id"], "local"].to_numpy()
        ranked = subset.assign(local=local).sort_values(["score", "local", "article_id"], ascending=[False, True, True])
        top = ranked.head(limit).sort_values(["local", "article_id"])
        groups.append(LabelGroup(key, len(subset), _items(articles, top["article_id"])))
    return groups


def foreign_press(articles: pd.DataFrame, labels: pd.DataFrame, limit: int) -> list[LabelGroup]:
    """Regional and foreign outlets' articles that carry any label of the taxonomy, per outlet group."""
    labelled = set(labels["article_id"])
    groups = []
    for grp in FOREIGN_GROUPS:
        subset = articles[(articles["grp"] == grp) & articles.index.isin(labelled)]
        if subset.empty:
            continue
        groups.append(LabelGroup(grp, len(subset), _items(articles, subset.index[:limit])))
    return groups


def _count_rows(current: pd.Series, previous: pd.Series, keys) -> list[CountRow]:
    return [CountRow(k, int(current.get(k, 0)), int(previous.get(k, 0))) for k in keys]


def numbers(period: Period, frames: Frames, previous: Frames) -> Numbers:
    """Articles per day (and hour), per topic, region and outlet group, against the previous period."""
    cur, prev = frames.articles, previous.articles
    per_day = cur["local"].dt.date.value_counts()
    prev_day = prev["local"].dt.date.value_counts()
    per_hour = cur["local"].dt.hour.value_counts()
    cur_labels = frames.labels["label"].value_counts()
    prev_labels = previous.labels["label"].value_counts()
    groups = [*GROUPS, *sorted((set(cur["grp"]) | set(prev["grp"])) - set(GROUPS))]
    return Numbers(
        total=CountRow("total", len(cur), len(prev)),
        per_day=[(d, int(per_day.get(d, 0))) for d in period.days],
        previous_per_day=[(d, int(prev_day.get(d, 0))) for d in period.previous().days],
        per_hour=[int(per_hour.get(h, 0)) for h in range(24)],
        per_topic=_count_rows(cur_labels, prev_labels, TOPICS),
        per_region=_count_rows(cur_labels, prev_labels, REGIONS),
        per_group=_count_rows(cur["grp"].value_counts(), prev["grp"].value_counts(), groups),
    )


def assemble(db: Database, period: Period, review: Review | None = None, limits: DigestLimits | None = None
             ) -> Digest:
    """The digest of ``period`` with an operator's review (exclusions, pins, note) applied."""
    review = review or Review()
    limits = limits or DigestLimits.for_kind(period.kind)
    frames = load_frames(db, period)
    previous = load_frames(db, period.previous(), with_mentions=False)
    all_articles = frames.articles
    excluded = set(review.excluded)
    shown = all_articles[~all_articles.index.isin(excluded)]
    mentions, mention_count = directorate_mentions(frames, shown, limits.mention_articles)
    stories = top_stories(db, period, all_articles, excluded, limits)
    pinned_ids = [i for i in dict.fromkeys(review.pinned) if i in shown.index]
    LOGGER.info("assembled %s digest %s: %d articles, %d with mentions, %d stories", period.kind, period.key,
                len(all_articles), mention_count, len(stories))
    return Digest(
        kind=period.kind, period=period, timezone=period.tz, total=len(all_articles),
        mentions=mentions, mention_articles=mention_count, stories=stories,
        topics=label_groups(shown, frames.labels, TOPICS, limits.items_per_label),
        regions=label_groups(shown, frames.labels, REGIONS, limits.items_per_label),
        foreign=foreign_press(shown, frames.labels, limits.foreign_items),
        numbers=numbers(period, frames, previous),
        pinned=_items(shown, pinned_ids), note=review.note,
        excluded=_items(all_articles, [i for i in dict.fromkeys(review.excluded) if i in all_articles.index]),
    )


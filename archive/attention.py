"""Attention over time for a search: matching articles per local day (or week, month) by outlet group, and the
top outlets. The web UI draws these as the chart above the results and exports them as CSV.

Counting happens in SQL per UTC hour and outlet group; hours are turned into local days in Python, so a day
is cut in the configured timezone (an article published 17.03 00:30 in Belgrade counts on 17.03), whatever
the store's own time functions would do.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from archive.db import Database
from archive.sources import source_names

LOGGER = logging.getLogger(__name__)

GROUP_ORDER = ("domestic", "regional", "diaspora", "foreign", "unknown")
MAX_DAY_BUCKETS = 120  # longer spans are shown by week, and past MAX_WEEK_BUCKETS by month
MAX_WEEK_BUCKETS = 104
TOP_OUTLETS = 10


@dataclass
class Attention:
    """Counts of one search's matches: per bucket (its first local day) and outlet group, and by outlet."""

    unit: str  # "day" | "week" | "month"
    buckets: list[dt.date] = field(default_factory=list)
    groups: list[str] = field(default_factory=list)
    counts: dict[tuple[dt.date, str], int] = field(default_factory=dict)
    top_outlets: list[tuple[str, str, int]] = field(default_factory=list)  # (source id, name, count)
    undated: int = 0

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def bucket_total(self, bucket: dt.date) -> int:
        return sum(self.counts.get((bucket, g), 0) for g in self.groups)

    @property
    def peak(self) -> int:
        return max((self.bucket_total(b) for b in self.buckets), default=0)


def bucket_start(day: dt.date, unit: str) -> dt.date:
    """The first day of the day's week (Monday) or month; the day itself for daily buckets."""
    if unit == "week":
        return day - dt.timedelta(days=day.weekday())
    if unit == "month":
        return day.replace(day=1)
    return day


def next_bucket(start: dt.date, unit: str) -> dt.date:
    if unit == "week":
        return start + dt.timedelta(days=7)
    if unit == "month":
        return (start.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return start + dt.timedelta(days=1)


def choose_unit(first: dt.date, last: dt.date) -> str:
    """Days for up to four months, weeks up to two years, months beyond."""
    days = (last - first).days + 1
    if days <= MAX_DAY_BUCKETS:
        return "day"
    return "week" if days <= MAX_WEEK_BUCKETS * 7 else "month"


def local_day(hour_key: str, zone: ZoneInfo) -> dt.date:
    """The local date of a UTC hour written as 'YYYY-MM-DDTHH' (the stored ISO timestamp's first 13 characters)."""
    moment = dt.datetime.strptime(hour_key, "%Y-%m-%dT%H").replace(tzinfo=dt.UTC)
    return moment.astimezone(zone).date()


def attention(db: Database, query, filters, zone: ZoneInfo) -> Attention:
    """Matches of ``query`` (text or parsed) under ``filters`` per local day and outlet group, and the top outlets.

    The buckets span the date filter's range when one is set (empty days included), else first to last match.
    """
    from archive.search import (  # the search's own FROM/WHERE, so counts agree
        _plan,
        _reading,
        parse_query,
    )

    parsed = query if not isinstance(query, str) and query is not None else parse_query(query)
    if parsed.error:
        return Attention("day")
    plan = _plan(db, parsed, filters)
    where = " AND ".join(plan.where)
    with _reading(db, parsed) as tx:
        hours = tx.all(f"SELECT substr(a.published, 1, 13) AS hour, COALESCE(s.grp, 'unknown') AS grp,"
                       f" COUNT(*) AS n FROM {plan.from_sql} LEFT JOIN sources s ON s.id = a.source_id"
                       f" WHERE {where} GROUP BY substr(a.published, 1, 13), COALESCE(s.grp, 'unknown')",
                       plan.where_params)
        outlets = tx.all(f"SELECT a.source_id, COUNT(*) AS n FROM {plan.from_sql} WHERE {where}"
                         f" GROUP BY a.source_id ORDER BY COUNT(*) DESC, a.source_id LIMIT {TOP_OUTLETS}",
                         plan.where_params)
    return build(hours, outlets, source_names(db), zone, date_from=filters.date_from, date_to=filters.date_to)


def build(hours: list[dict], outlets: list[dict], names: dict[str, str], zone: ZoneInfo, *,
          date_from: dt.date | None = None, date_to: dt.date | None = None) -> Attention:
    """The Attention from per-hour rows (hour, grp, n) and per-outlet rows (source_id, n)."""
    per_day: dict[tuple[dt.date, str], int] = {}
    undated = 0
    for row in hours:
        if not row["hour"]:
            undated += int(row["n"])
            continue
        key = (local_day(row["hour"], zone), row["grp"] if row["grp"] in GROUP_ORDER else "unknown")
        per_day[key] = per_day.get(key, 0) + int(row["n"])
    top = [(r["source_id"], names.get(r["source_id"]) or r["source_id"], int(r["n"])) for r in outlets]
    days = sorted({d for d, _ in per_day})
    if not days:
        return Attention("day", top_outlets=top, undated=undated)
    first = min(days[0], date_from) if date_from else days[0]
    last = max(days[-1], date_to) if date_to else days[-1]
    unit = choose_unit(first, last)
    counts: dict[tuple[dt.date, str], int] = {}
    for (day, grp), n in per_day.items():
        key = (bucket_start(day, unit), grp)
        counts[key] = counts.get(key, 0) + n
    buckets, start = [], bucket_start(first, unit)
    while start <= last:
        buckets.append(start)
        start = next_bucket(start, unit)
    groups = [g for g in GROUP_ORDER if any(grp == g for _, grp in counts)]
    return Attention(unit, buckets, groups, counts, top, undated)

"""Attention over time for a search: matching articles per local day (or week, month) by outlet group, and the
top outlets. The web UI draws these as the chart above the results and exports them as CSV.

Counting happens in SQL per UTC day (per hour only in the hours where the local date can change) and outlet;
those are turned into local days in Python, so a day is cut in the configured timezone (an article published
17.03 00:30 in Belgrade counts on 17.03), whatever the store's own time functions would do.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from archive.db import Database
from archive.sources import source_groups, source_names
from schemas.taxonomy import load_taxonomy

LOGGER = logging.getLogger(__name__)

GROUP_ORDER = (*load_taxonomy().groups, *load_taxonomy().other)  # schemas/taxonomy.yaml's order
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


def date_change_hours(zone: ZoneInfo, years: range = range(1990, 2051)) -> tuple[int, int]:
    """The UTC hours (first, last) in which the local date can change in ``zone``, or (0, 23) when that cannot be
    told by whole hours (fractional offsets, or offsets on both sides of UTC).

    Outside that band every hour of a UTC day falls on one local date, so matches there are counted per UTC day;
    only the band is counted per hour. Belgrade (UTC+1/+2) gives (22, 23); a zone without offset gives (24, 23):
    no band. With (0, 23) every hour is counted apart and placed by its start (exact for whole-hour offsets).
    """
    offsets = set()
    for year in years:
        for month in (1, 4, 7, 10):
            offset = dt.datetime(year, month, 15, 12, tzinfo=dt.UTC).astimezone(zone).utcoffset()
            offsets.add(offset.total_seconds() / 3600 if offset is not None else 0.0)
    if any(o != int(o) for o in offsets) or (min(offsets) < 0 < max(offsets)):
        return 0, 23
    hours = [int(24 - o) if o > 0 else int(-o) for o in offsets if o != 0]
    return (min(hours), max(hours)) if hours else (24, 23)


def local_day(day: str, part: str, band: tuple[int, int], zone: ZoneInfo) -> dt.date:
    """The local date of matches counted under a UTC day ('YYYY-MM-DD') and part: an hour of the band ('22'),
    'a' (the hours before the band) or 'z' (after it)."""
    lo, hi = band
    hour = lo - 1 if part == "a" else hi + 1 if part == "z" else int(part)
    moment = dt.datetime.strptime(day, "%Y-%m-%d").replace(tzinfo=dt.UTC) + dt.timedelta(hours=hour)
    return moment.astimezone(zone).date()


def attention(db: Database, query, filters, zone: ZoneInfo) -> Attention:
    """Matches of ``query`` (text or parsed) under ``filters`` per local day and outlet group, and the top outlets.

    The buckets span the date filter's range when one is set (empty days included), else first to last match.
    One grouped pass over the matches: per UTC day, part of the day (see :func:`date_change_hours`) and outlet.
    """
    from archive.search import plan_search, reading  # the search's own FROM/WHERE, so counts agree
    from search.query import parse_query

    parsed = query if not isinstance(query, str) and query is not None else parse_query(query)
    if parsed.error:
        return Attention("day")
    plan = plan_search(db, parsed, filters)
    band = date_change_hours(zone)
    hour = "substr(a.published, 12, 2)"
    part = f"CASE WHEN {hour} < ? THEN 'a' WHEN {hour} > ? THEN 'z' ELSE {hour} END"
    with reading(db, parsed) as tx:
        rows = tx.all(f"SELECT substr(a.published, 1, 10) AS day, {part} AS part, a.source_id, COUNT(*) AS n"
                      f" FROM {plan.from_sql} WHERE {' AND '.join(plan.where)} GROUP BY 1, 2, 3",
                      [f"{band[0]:02d}", f"{band[1]:02d}", *plan.where_params])
    return build(rows, band, source_groups(db), source_names(db), zone, date_from=filters.date_from,
                 date_to=filters.date_to)


def build(rows: list[dict], band: tuple[int, int], groups_of: dict[str, str], names: dict[str, str],
          zone: ZoneInfo, *, date_from: dt.date | None = None, date_to: dt.date | None = None) -> Attention:
    """The Attention from grouped rows (day, part, source_id, n)."""
    per_day: dict[tuple[dt.date, str], int] = {}
    per_outlet: dict[str, int] = {}
    dates: dict[tuple[str, str], dt.date] = {}
    undated = 0
    for row in rows:
        n = int(row["n"])
        per_outlet[row["source_id"]] = per_outlet.get(row["source_id"], 0) + n
        if not row["day"]:
            undated += n
            continue
        grp = groups_of.get(row["source_id"])
        day = dates.get((row["day"], row["part"]))
        if day is None:  # each (UTC day, part) is converted once, not once per outlet
            day = dates[(row["day"], row["part"])] = local_day(row["day"], row["part"], band, zone)
        key = (day, grp if grp in GROUP_ORDER else "unknown")
        per_day[key] = per_day.get(key, 0) + n
    top = [(source, names.get(source) or source, n)
           for source, n in sorted(per_outlet.items(), key=lambda sn: (-sn[1], sn[0]))[:TOP_OUTLETS]]
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

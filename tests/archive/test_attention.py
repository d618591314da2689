"""Attention over time (archive/attention.py) on both stores: local days, outlet groups, top outlets, and the same
matches as the search itself."""

from __future__ import annotations

import datetime as dt
import json
from zoneinfo import ZoneInfo

BELGRADE = ZoneInfo("Europe/Belgrade")


def _seed(db):
    from archive.imports import import_lines
    from tests.archive.search_seed import seed

    ids = seed(db)
    late = [{"url": f"https://example.org/late{i}", "title": f"Dijaspora kasno {i}", "text": "Dijaspora noću.",
             "published": published, "source": source, "group": group}
            for i, (published, source, group) in enumerate([
                ("2026-03-16T23:30:00+00:00", "vesti-dana", "domestic"),  # 17.03 00:30 in Belgrade (winter)
                ("2026-03-16T22:59:00+00:00", "novi-pogled", "diaspora"),  # 16.03 23:59 in Belgrade
                ("2026-06-30T22:10:00+00:00", "world-news", "foreign"),  # 01.07 00:10 in Belgrade (summer)
            ])]
    report = import_lines(db, [json.dumps(r) for r in late])
    assert not report.rejected
    return ids


def test_days_are_local_and_counts_agree_with_the_search(archive):
    from archive.attention import attention
    from archive.search import SearchFilters, search
    from search.query import parse_query

    _seed(archive)
    parsed = parse_query("dijaspora")
    data = attention(archive, parsed, SearchFilters(), BELGRADE)
    total = search(archive, parsed, SearchFilters()).total
    assert data.total == total and data.undated == 0
    assert data.unit == "week"  # 01.02 to 01.07: longer than 120 days
    per_day = attention(archive, parsed, SearchFilters(date_from=dt.date(2026, 3, 10), date_to=dt.date(2026, 3, 20)),
                        BELGRADE)
    assert per_day.unit == "day" and per_day.buckets[0] == dt.date(2026, 3, 10)
    assert per_day.buckets[-1] == dt.date(2026, 3, 20)  # empty days of the filter's range are shown too
    assert per_day.counts[(dt.date(2026, 3, 17), "domestic")] == 1
    assert per_day.counts[(dt.date(2026, 3, 16), "diaspora")] == 1
    outlets = {source: n for source, _, n in per_day.top_outlets}
    assert outlets["vesti-dana"] >= 1 and sum(outlets.values()) == per_day.total
    summer = attention(archive, parsed, SearchFilters(date_from=dt.date(2026, 7, 1), date_to=dt.date(2026, 7, 1)),
                       BELGRADE)
    assert summer.counts == {(dt.date(2026, 7, 1), "foreign"): 1}


def test_filters_and_query_errors(archive):
    from archive.attention import attention
    from archive.search import SearchFilters
    from search.query import parse_query

    _seed(archive)
    voting = attention(archive, parse_query("dijaspora"), SearchFilters(topics=["voting_abroad"]), BELGRADE)
    assert voting.total == 1 and voting.groups == ["domestic"]
    assert voting.top_outlets == [("beogradski-glasnik", "beogradski-glasnik", 1)]
    broken = attention(archive, parse_query("-dijaspora"), SearchFilters(), BELGRADE)
    assert broken.total == 0 and broken.buckets == []
    nothing = attention(archive, parse_query("nepostojećareč"), SearchFilters(), BELGRADE)
    assert nothing.buckets == [] and nothing.top_outlets == []


def test_parts_of_utc_days_give_the_right_local_date_in_any_zone():
    import random

    from archive.attention import date_change_hours, local_day

    rng = random.Random(7)
    start = dt.datetime(2020, 1, 1, tzinfo=dt.UTC)
    # Zones with whole-hour offsets are exact to the minute; fractional ones (India, Chatham) are counted per
    # hour and placed by the hour's start.
    for name in ("Europe/Belgrade", "UTC", "America/New_York", "Australia/Sydney", "Europe/London",
                 "Asia/Kolkata", "Pacific/Chatham"):
        zone = ZoneInfo(name)
        band = date_change_hours(zone)
        exact = band != (0, 23)
        for _ in range(3000):
            moment = start + dt.timedelta(hours=rng.randrange(0, 24 * 365 * 8),
                                          minutes=rng.randrange(60) if exact else 0)
            hour = moment.hour
            part = "a" if hour < band[0] else "z" if hour > band[1] else f"{hour:02d}"
            assert local_day(moment.strftime("%Y-%m-%d"), part, band, zone) == moment.astimezone(zone).date(), (
                name, moment)
    assert date_change_hours(BELGRADE) == (22, 23)

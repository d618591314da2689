"""The sample web's fixed demo clock: every article date is an offset from ``DEMO_TODAY``.

A fixed date (not ``today()``) keeps the demo reproducible: the daily digest for "yesterday" and the
weekly digest for "last week" always have the same coverage, whenever the demo runs.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

BELGRADE = ZoneInfo("Europe/Belgrade")

# A Tuesday: "yesterday" is Monday 2026-03-16 and "last week" is Monday 9 to Sunday 15 March 2026.
DEMO_TODAY = dt.date(2026, 3, 17)


def demo_date(offset_days: int) -> dt.date:
    """Return the calendar date ``offset_days`` away from the demo day."""
    return DEMO_TODAY + dt.timedelta(days=offset_days)


def parse_hhmm(value: str) -> dt.time:
    """Parse a ``HH:MM`` local time, raising ValueError on anything else."""
    hours, sep, minutes = value.partition(":")
    if not sep or len(hours) != 2 or len(minutes) != 2:
        raise ValueError(f"time must be HH:MM, got {value!r}")
    return dt.time(int(hours), int(minutes))


def demo_datetime(offset_days: int, hhmm: str = "12:00") -> dt.datetime:
    """Return an aware Europe/Belgrade datetime for a day offset and a local ``HH:MM`` time."""
    return dt.datetime.combine(demo_date(offset_days), parse_hhmm(hhmm), tzinfo=BELGRADE)


def previous_week(day: dt.date = DEMO_TODAY) -> tuple[dt.date, dt.date]:
    """Return Monday and Sunday of the calendar week before ``day``'s week."""
    monday = day - dt.timedelta(days=day.weekday() + 7)
    return monday, monday + dt.timedelta(days=6)

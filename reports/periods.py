"""Digest periods: the previous calendar day or ISO week in the digest timezone, as UTC bounds for queries."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from zoneinfo import ZoneInfo

KINDS = ("daily", "weekly")
WEEK_RE = re.compile(r"^(\d{4})-?W(\d{1,2})$", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Period:
    """A digest period: local calendar dates [start, end] inclusive and their UTC instants [utc_start, utc_end)."""

    kind: str
    start: dt.date
    end: dt.date  # inclusive
    tz: str

    @property
    def key(self) -> str:
        """Stable name used in file names and sends: 2026-03-16 or 2026-W11."""
        if self.kind == "daily":
            return self.start.isoformat()
        year, week, _ = self.start.isocalendar()
        return f"{year}-W{week:02d}"

    @property
    def utc_start(self) -> dt.datetime:
        return _local_midnight(self.start, self.tz).astimezone(dt.UTC)

    @property
    def utc_end(self) -> dt.datetime:
        return _local_midnight(self.end + dt.timedelta(days=1), self.tz).astimezone(dt.UTC)

    @property
    def days(self) -> list[dt.date]:
        return [self.start + dt.timedelta(days=i) for i in range((self.end - self.start).days + 1)]

    def previous(self) -> Period:
        """The period of the same kind just before this one (for the change figures)."""
        length = (self.end - self.start).days + 1
        return Period(self.kind, self.start - dt.timedelta(days=length), self.start - dt.timedelta(days=1), self.tz)


def _local_midnight(day: dt.date, tz: str) -> dt.datetime:
    # Midnight exists on every day in Europe/Belgrade (DST switches at 02:00/03:00), so no fold handling needed.
    return dt.datetime.combine(day, dt.time(0), tzinfo=ZoneInfo(tz))


def daily_period(day: dt.date, tz: str) -> Period:
    return Period("daily", day, day, tz)


def weekly_period(day: dt.date, tz: str) -> Period:
    """The Monday–Sunday week containing ``day``."""
    monday = day - dt.timedelta(days=day.weekday())
    return Period("weekly", monday, monday + dt.timedelta(days=6), tz)


def period_for(kind: str, day: dt.date, tz: str) -> Period:
    if kind == "daily":
        return daily_period(day, tz)
    if kind == "weekly":
        return weekly_period(day, tz)
    raise ValueError(f"unknown digest kind {kind!r}: use daily or weekly")


def parse_week(text: str) -> dt.date:
    """The Monday of an ISO week written 2026-W11 (or 2026W11); ValueError when malformed."""
    match = WEEK_RE.match(text.strip())
    if not match:
        raise ValueError(f"not an ISO week {text!r}: write it like 2026-W11")
    year, week = int(match[1]), int(match[2])
    try:
        return _plausible(dt.date.fromisocalendar(year, week, 1))
    except ValueError as exc:
        if str(exc).startswith("out of range"):
            raise
        raise ValueError(f"week {week} does not exist in {year}") from None


def parse_day(text: str) -> dt.date:
    try:
        day = dt.date.fromisoformat(text.strip())
    except ValueError:
        raise ValueError(f"not a date {text!r}: write it like 2026-03-16") from None
    return _plausible(day)


# Periods reach a week either side of the day (and time zones a day): at the ends of Python's date range
# that arithmetic overflows, and no archive holds news from there (issue 14: the CLI fuzz found year 1).
FIRST_YEAR, LAST_YEAR = 1900, 9998


def _plausible(day: dt.date) -> dt.date:
    if not FIRST_YEAR <= day.year <= LAST_YEAR:
        raise ValueError(f"out of range: {day.isoformat()} (digests cover {FIRST_YEAR} to {LAST_YEAR})")
    return day


def _local(moment: dt.datetime, tz: str) -> dt.datetime:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(ZoneInfo(tz))


def previous_day(fired_at: dt.datetime, tz: str = "Europe/Belgrade") -> Period:
    """The calendar day before the local date of the moment a digest run fires (never ``now()``).

    ``fired_at`` is the run's ``run_after`` / data interval end, NOT its Airflow logical date: for a
    CronTriggerTimetable with an interval the logical date is one interval earlier than the firing.
    """
    return daily_period(_local(fired_at, tz).date() - dt.timedelta(days=1), tz)


def previous_week(fired_at: dt.datetime, tz: str = "Europe/Belgrade") -> Period:
    """The Monday–Sunday week before the week of the moment a digest run fires."""
    return weekly_period(_local(fired_at, tz).date() - dt.timedelta(days=7), tz)


def covered_period(kind: str, fired_at: dt.datetime, tz: str = "Europe/Belgrade") -> Period:
    """The period a digest run firing at ``fired_at`` reports on: yesterday, or last Monday–Sunday."""
    if kind == "daily":
        return previous_day(fired_at, tz)
    if kind == "weekly":
        return previous_week(fired_at, tz)
    raise ValueError(f"unknown digest kind {kind!r}: use daily or weekly")


def data_date(moment: dt.datetime, tz: str = "Europe/Belgrade") -> dt.date:
    """The local calendar date of a moment: the key of once-a-day operator alerts, whoever evaluates them."""
    return _local(moment, tz).date()

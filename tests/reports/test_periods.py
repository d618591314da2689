"""Digest periods: local calendar days and ISO weeks, as UTC bounds, from dates and Airflow logical dates."""

import datetime as dt

import pytest

from reports.periods import daily_period, parse_week, period_for, previous_day, previous_week, weekly_period

TZ = "Europe/Belgrade"


def test_daily_period_is_local_midnight_to_midnight_in_utc():
    period = daily_period(dt.date(2026, 3, 16), TZ)
    assert period.utc_start == dt.datetime(2026, 3, 15, 23, 0, tzinfo=dt.UTC)
    assert period.utc_end == dt.datetime(2026, 3, 16, 23, 0, tzinfo=dt.UTC)
    assert period.key == "2026-03-16"
    assert period.previous().start == dt.date(2026, 3, 15)


def test_daily_period_on_the_dst_change_day_is_23_hours():
    period = daily_period(dt.date(2026, 3, 29), TZ)  # clocks go forward at 02:00 local
    assert period.utc_end - period.utc_start == dt.timedelta(hours=23)


def test_weekly_period_is_monday_to_sunday_with_iso_key():
    period = weekly_period(dt.date(2026, 3, 12), TZ)  # a Thursday
    assert (period.start, period.end) == (dt.date(2026, 3, 9), dt.date(2026, 3, 15))
    assert period.key == "2026-W11"
    assert period.previous().key == "2026-W10"
    assert len(period.days) == 7


def test_parse_week():
    assert parse_week("2026-W11") == dt.date(2026, 3, 9)
    assert parse_week("2026w01") == dt.date(2025, 12, 29)
    for bad in ("2026-11", "W11", "2026-W54"):
        with pytest.raises(ValueError):
            parse_week(bad)


def test_periods_from_airflow_logical_dates():
    # The daily DAG runs at 07:00 Belgrade (06:00 UTC in winter): the digest covers the day before.
    logical = dt.datetime(2026, 3, 17, 6, 0, tzinfo=dt.UTC)
    assert previous_day(logical, TZ).start == dt.date(2026, 3, 16)
    # Just after local midnight but still the previous day in UTC: the local date decides.
    assert previous_day(dt.datetime(2026, 3, 16, 23, 30, tzinfo=dt.UTC), TZ).start == dt.date(2026, 3, 16)
    # The weekly DAG runs on Monday: the digest covers Monday to Sunday before it.
    week = previous_week(dt.datetime(2026, 3, 23, 7, 0, tzinfo=dt.UTC), TZ)
    assert (week.start, week.end, week.key) == (dt.date(2026, 3, 16), dt.date(2026, 3, 22), "2026-W12")


def test_unknown_kind_is_rejected():
    with pytest.raises(ValueError):
        period_for("monthly", dt.date(2026, 3, 1), TZ)

"""The fixed demo clock."""

from __future__ import annotations

import datetime as dt

import pytest

from sampleweb.clock import BELGRADE, DEMO_TODAY, demo_date, demo_datetime, parse_hhmm, previous_week


def test_demo_day_is_a_fixed_tuesday():
    assert DEMO_TODAY == dt.date(2026, 3, 17) and DEMO_TODAY.weekday() == 1


def test_offsets_become_aware_belgrade_datetimes():
    moment = demo_datetime(-1, "09:30")
    assert moment.tzinfo is BELGRADE
    assert moment.isoformat() == "2026-03-16T09:30:00+01:00"
    # Central European Summer Time starts on the last Sunday of March.
    assert demo_datetime(14, "09:30").utcoffset() == dt.timedelta(hours=2)
    assert demo_date(-8) == dt.date(2026, 3, 9)


def test_previous_week_is_monday_to_sunday_before_the_demo_day():
    assert previous_week() == (dt.date(2026, 3, 9), dt.date(2026, 3, 15))
    assert previous_week(dt.date(2026, 3, 23)) == (dt.date(2026, 3, 16), dt.date(2026, 3, 22))


@pytest.mark.parametrize("bad", ["9:30", "09-30", "0930", "25:00", ""])
def test_bad_times_are_rejected(bad):
    with pytest.raises(ValueError):
        parse_hhmm(bad)

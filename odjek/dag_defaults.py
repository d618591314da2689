"""Defaults shared by the DAG files: light to import (no pendulum-heavy or Odjek work at parse time)."""

from __future__ import annotations

import datetime as dt

TIMEZONE = "Europe/Belgrade"
START_DATE = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)

# Host partitions the collect run's fetch, extract and tag tasks are mapped over: at most this many of them
# run at once, each owning whole hosts (per-host politeness holds however many workers there are).
COLLECT_PARTITIONS = 8

# A run that outlives these is failed by the scheduler (and alerted): a hung crawl must not block the next
# runs for ever (max_active_runs=1). Collect fires every 30 minutes; digests and maintenance daily or weekly.
DAGRUN_TIMEOUTS = {
    "collect": dt.timedelta(minutes=90),
    "digest": dt.timedelta(hours=3),
    "maintenance": dt.timedelta(hours=2),
}


def _on_failure(context) -> None:
    # Imported lazily so parsing a DAG file never imports the mail or archive code.
    from odjek.tasks import alert_failure

    alert_failure(context)


DEFAULT_ARGS = {
    "owner": "odjek",
    "retries": 2,
    "retry_delay": dt.timedelta(minutes=2),
    "retry_exponential_backoff": True,
    "max_retry_delay": dt.timedelta(minutes=30),
    "on_failure_callback": _on_failure,
}

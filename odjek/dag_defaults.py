"""Defaults shared by the DAG files: light to import (no pendulum-heavy or Odjek work at parse time)."""

from __future__ import annotations

import datetime as dt

TIMEZONE = "Europe/Belgrade"
START_DATE = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)


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

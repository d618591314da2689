"""Airflow DAG, Monday 08:00 Europe/Belgrade: render last week's (Monday–Sunday) digest → send it once per recipient."""

from __future__ import annotations

import datetime as dt

from odjek.dag_factories import digest_dag

dag = digest_dag("weekly", "0 8 * * 1", dt.timedelta(weeks=1), __doc__)

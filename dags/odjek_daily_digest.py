"""Airflow DAG, 07:00 Europe/Belgrade: render the previous calendar day's digest → send it once per recipient."""

from __future__ import annotations

import datetime as dt

from odjek.dag_factories import digest_dag

dag = digest_dag("daily", "0 7 * * *", dt.timedelta(days=1), __doc__)

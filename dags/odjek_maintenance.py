"""Daily: source health and silent-source alerts, retention of raw HTML, index upkeep."""

from __future__ import annotations

import datetime as dt

from airflow.sdk import CronTriggerTimetable, dag, task

from odjek.dag_defaults import DEFAULT_ARGS, START_DATE, TIMEZONE


@dag(
    dag_id="odjek_maintenance",
    schedule=CronTriggerTimetable("30 3 * * *", timezone=TIMEZONE, interval=dt.timedelta(days=1)),
    start_date=START_DATE,
    catchup=False,
    max_active_runs=1,
    default_args=DEFAULT_ARGS,
    tags=["odjek", "maintenance"],
    doc_md=__doc__,
)
def odjek_maintenance():
    @task
    def source_health(logical_date=None) -> dict:
        from odjek import tasks

        return tasks.source_health_alerts(logical_date)

    @task
    def retain_raw_pages(logical_date=None) -> dict:
        from odjek import tasks

        return tasks.retain_raw_pages(logical_date)

    @task
    def index_upkeep() -> dict:
        from odjek import tasks

        return tasks.index_upkeep()

    source_health() >> retain_raw_pages() >> index_upkeep()


odjek_maintenance()

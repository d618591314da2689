"""Daily: source health and silent-source alerts, retention of raw HTML, index upkeep."""

from __future__ import annotations

import datetime as dt

from airflow.sdk import CronTriggerTimetable, dag, task

from odjek.dag_defaults import DAGRUN_TIMEOUTS, DEFAULT_ARGS, START_DATE, TIMEZONE


@dag(
    dag_id="odjek_maintenance",
    schedule=CronTriggerTimetable("30 3 * * *", timezone=TIMEZONE, interval=dt.timedelta(days=1)),
    start_date=START_DATE,
    catchup=False,
    max_active_runs=1,
    dagrun_timeout=DAGRUN_TIMEOUTS["maintenance"],
    default_args=DEFAULT_ARGS,
    tags=["odjek", "maintenance"],
    doc_md=__doc__,
)
def odjek_maintenance():
    # Keyed on when the run fires (data interval end / run_after), never on the logical date, which is a
    # day earlier for a scheduled run and absent for a manual run triggered without one.
    @task
    def source_health(dag_run=None) -> dict:
        from odjek import tasks

        return tasks.source_health_alerts(tasks.fired_at(dag_run))

    @task
    def retain_raw_pages(dag_run=None) -> dict:
        from odjek import tasks

        return tasks.retain_raw_pages(tasks.fired_at(dag_run))

    @task
    def index_upkeep() -> dict:
        from odjek import tasks

        return tasks.index_upkeep()

    source_health() >> retain_raw_pages() >> index_upkeep()


odjek_maintenance()

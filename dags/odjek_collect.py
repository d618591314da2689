"""Every 30 minutes: sync sources → discover (mapped per source group) → fetch → extract → tag → cluster → alerts."""

from __future__ import annotations

import datetime as dt

from airflow.sdk import Asset, CronTriggerTimetable, dag, task

from odjek.dag_defaults import DEFAULT_ARGS, START_DATE, TIMEZONE

ARTICLES = Asset(name="articles", uri="odjek://archive/articles")


@dag(
    dag_id="odjek_collect",
    schedule=CronTriggerTimetable("*/30 * * * *", timezone=TIMEZONE),
    start_date=START_DATE,
    catchup=False,
    max_active_runs=1,
    default_args=DEFAULT_ARGS,
    tags=["odjek", "collect"],
    doc_md=__doc__,
)
def odjek_collect():
    @task
    def sync_sources() -> list[dict]:
        from odjek import tasks

        return tasks.sync_sources()

    @task
    def discover(unit: dict) -> dict:
        from odjek import tasks

        return tasks.discover_group(unit)

    @task(execution_timeout=dt.timedelta(hours=1))
    def fetch() -> dict:
        from odjek import tasks

        return tasks.run_stage("fetch")

    @task
    def extract() -> dict:
        from odjek import tasks

        return tasks.run_stage("extract")

    @task
    def tag() -> dict:
        from odjek import tasks

        return tasks.run_stage("tag")

    @task
    def cluster() -> dict:
        from odjek import tasks

        return tasks.run_stage("cluster")

    @task(outlets=[ARTICLES])
    def alerts() -> dict:
        from odjek import tasks

        return tasks.run_stage("alerts")

    discovered = discover.expand(unit=sync_sources())
    discovered >> fetch() >> extract() >> tag() >> cluster() >> alerts()


odjek_collect()

"""Monday 08:00 Europe/Belgrade: render last week's (Monday–Sunday) digest → send it (once per recipient)."""

from __future__ import annotations

import datetime as dt

from airflow.sdk import CronTriggerTimetable, dag, task

from odjek.dag_defaults import DEFAULT_ARGS, START_DATE, TIMEZONE


@dag(
    dag_id="odjek_weekly_digest",
    schedule=CronTriggerTimetable("0 8 * * 1", timezone=TIMEZONE, interval=dt.timedelta(weeks=1)),
    start_date=START_DATE,
    catchup=False,
    max_active_runs=1,
    default_args=DEFAULT_ARGS,
    tags=["odjek", "digest"],
    doc_md=__doc__,
)
def odjek_weekly_digest():
    @task
    def render(logical_date=None) -> dict:
        from odjek import tasks

        return tasks.render_digest("weekly", logical_date)

    @task
    def send(rendered: dict) -> dict:
        from odjek import tasks

        return tasks.send_digest(rendered)

    send(render())


odjek_weekly_digest()

"""DAG shapes used by more than one DAG file (the files stay one-liners that name their schedule)."""

from __future__ import annotations

import datetime as dt

from odjek.dag_defaults import DAGRUN_TIMEOUTS, DEFAULT_ARGS, START_DATE, TIMEZONE


def digest_dag(kind: str, cron: str, interval: dt.timedelta, doc: str):
    """render → send for one digest kind; the period comes from when the run fires, never from now()."""
    from airflow.sdk import CronTriggerTimetable, dag, task

    @dag(
        dag_id=f"odjek_{kind}_digest",
        schedule=CronTriggerTimetable(cron, timezone=TIMEZONE, interval=interval),
        start_date=START_DATE,
        catchup=False,
        max_active_runs=1,
        dagrun_timeout=DAGRUN_TIMEOUTS["digest"],
        default_args=DEFAULT_ARGS,
        tags=["odjek", "digest"],
        doc_md=doc,
    )
    def digest():
        @task
        def render(dag_run=None) -> dict:
            from odjek import tasks

            # The logical date is one interval before the firing (and None for some manual runs): never use it.
            return tasks.render_digest(kind, tasks.fired_at(dag_run))

        @task
        def send(rendered: dict) -> dict:
            from odjek import tasks

            return tasks.send_digest(rendered)

        send(render())

    return digest()

"""Every 30 minutes: sync sources → per host partition (mapped): discover → fetch → extract → tag → then
cluster → alerts → publish the `articles` asset (only when articles were added) → check the outlets."""

from __future__ import annotations

import datetime as dt

from airflow.sdk import Asset, CronTriggerTimetable, dag, task, task_group

from odjek.dag_defaults import (
    COLLECT_PARTITIONS,
    DAGRUN_TIMEOUTS,
    DEFAULT_ARGS,
    START_DATE,
    TIMEZONE,
)

ARTICLES = Asset(name="articles", uri="odjek://archive/articles")


@dag(
    dag_id="odjek_collect",
    schedule=CronTriggerTimetable("*/30 * * * *", timezone=TIMEZONE),
    start_date=START_DATE,
    catchup=False,
    max_active_runs=1,
    dagrun_timeout=DAGRUN_TIMEOUTS["collect"],
    default_args=DEFAULT_ARGS,
    tags=["odjek", "collect"],
    doc_md=__doc__,
)
def odjek_collect():
    @task
    def sync_sources() -> list[dict]:
        from odjek import tasks

        return tasks.sync_sources(COLLECT_PARTITIONS)

    # One mapped instance per host partition: each owns whole hosts, so per-host delay and concurrency hold
    # however many workers run partitions side by side; a partition's stages follow each other directly.
    @task_group
    def crawl(unit: dict):
        @task
        def discover(unit: dict) -> dict:
            from odjek import tasks

            return tasks.run_partition_stage("discover", unit)

        # all_done: URLs queued by earlier runs are fetched even when this run's discovery failed (issue 14).
        @task(execution_timeout=dt.timedelta(hours=1), trigger_rule="all_done")
        def fetch(unit: dict) -> dict:
            from odjek import tasks

            return tasks.run_partition_stage("fetch", unit)

        # A stage that failed wholesale fails its task (as `odjek run` exits 3), and like `odjek run` the next
        # stage still works on what earlier runs left in the frontier.
        @task(trigger_rule="all_done")
        def extract(unit: dict) -> dict:
            from odjek import tasks

            return tasks.run_partition_stage("extract", unit)

        @task(trigger_rule="all_done")
        def tag(unit: dict) -> dict:
            from odjek import tasks

            return tasks.run_partition_stage("tag", unit)

        discovered, fetched = discover(unit), fetch(unit)
        tagged = tag(unit)
        discovered >> fetched >> extract(unit) >> tagged
        return {"discovered": discovered, "fetched": fetched, "tagged": tagged}

    # Clustering is global (a story spans outlets); it runs once whatever happened to single partitions.
    @task(trigger_rule="all_done")
    def cluster() -> dict:
        from odjek import tasks

        return tasks.run_stage("cluster")

    @task(trigger_rule="all_done")
    def alerts() -> dict:
        from odjek import tasks

        return tasks.run_stage("alerts")

    @task(outlets=[ARTICLES])
    def publish(tagged: list[dict]) -> dict:
        from airflow.sdk.exceptions import AirflowSkipException

        from odjek import tasks

        added = tasks.articles_added(tagged)
        if not added:
            # A skipped task emits no asset event: consumers of `articles` run only when there is news.
            raise AirflowSkipException("no articles added in this run")
        return {"articles": added}

    # Last, after all work is kept: a run in which an outlet (or every outlet) delivered only errors is failed,
    # and so is one in which a stage task failed (as `odjek run` exits 4 and 3).
    @task(trigger_rule="all_done", retries=0)
    def check_sources(discovered: list[dict], fetched: list[dict], dag_run=None, ti=None) -> dict:
        from odjek import tasks

        states = ti.get_task_states(dag_id=ti.dag_id, run_ids=[ti.run_id]).get(ti.run_id, {})
        return tasks.check_run(discovered, fetched, tasks.fired_at(dag_run), states, ti.task_id)

    crawled = crawl.expand(unit=sync_sources())
    clustered = cluster()
    crawled["tagged"] >> clustered
    published = publish(crawled["tagged"])
    clustered >> alerts() >> published
    published >> check_sources(crawled["discovered"], crawled["fetched"])


odjek_collect()

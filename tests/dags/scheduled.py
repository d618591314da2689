"""Run a DAG the way the scheduler creates its runs: the DAG's own timetable gives logical date, data interval
and run_after (``next_dagrun_info``), the run has the scheduler's run type, and the tasks then run in-process
with ``dag.test()``'s loop (no scheduler needed).

``dag.test(logical_date=X)`` alone would create a *manual* run with the interval (X - interval, X); handing it the
firing moment as X hides the shift a scheduled run has (its logical date is one interval before it fires).
"""

from __future__ import annotations

import contextlib
import datetime as dt

RUN_TYPES = ("scheduled", "backfill")


def scheduled_info(dag, fires_at: dt.datetime):
    """The DagRunInfo the timetable gives for the run that fires at ``fires_at`` (which must be on the schedule)."""
    from airflow.serialization.encoders import coerce_to_core_timetable
    from airflow.timetables.base import TimeRestriction

    timetable = coerce_to_core_timetable(dag.timetable)
    info = timetable.next_dagrun_info(last_automated_data_interval=None,
                                      restriction=TimeRestriction(earliest=fires_at, latest=fires_at, catchup=True))
    assert info is not None and info.run_after == fires_at, f"{fires_at} is not on {dag.dag_id}'s schedule"
    return info


@contextlib.contextmanager
def _runs_created_as(info, run_type: str, monkeypatch):
    """Make dag.test() create its run as the scheduler (or a backfill) would from ``info``."""
    import airflow.models.dagrun as dagrun_module
    from airflow.models.dagrun import DagRun
    from airflow.utils.state import DagRunState
    from airflow.utils.types import DagRunTriggeredByType, DagRunType
    from sqlalchemy import select

    kind = DagRunType.SCHEDULED if run_type == "scheduled" else DagRunType.BACKFILL_JOB
    triggered = DagRunTriggeredByType.TIMETABLE if run_type == "scheduled" else DagRunTriggeredByType.BACKFILL

    def create(*, dag, session, **_ignored):
        existing = session.scalar(select(DagRun).where(DagRun.dag_id == dag.dag_id,
                                                       DagRun.logical_date == info.logical_date))
        if existing:
            session.delete(existing)
            session.commit()
        return dag.create_dagrun(
            run_id=kind.generate_run_id(suffix=info.run_after.isoformat()), logical_date=info.logical_date,
            data_interval=info.data_interval, run_after=info.run_after, run_type=kind, triggered_by=triggered,
            state=DagRunState.RUNNING, start_date=info.run_after, session=session)

    with monkeypatch.context() as patch:
        patch.setattr(dagrun_module, "get_or_create_dagrun", create)
        yield


def run_scheduled(dag, fires_at: dt.datetime, monkeypatch, run_type: str = "scheduled"):
    """Run ``dag`` as the run the scheduler (or a backfill) creates for the firing at ``fires_at``."""
    info = scheduled_info(dag, fires_at)
    with _runs_created_as(info, run_type, monkeypatch):
        run = dag.test(logical_date=info.logical_date, run_after=info.run_after)
    assert run.run_type == ("scheduled" if run_type == "scheduled" else "backfill")
    assert run.logical_date == info.logical_date and run.data_interval_end == info.run_after
    return run

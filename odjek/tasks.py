"""What each Airflow task does, as plain functions of plain values (the DAG files only wire these).

Every function reads settings from the environment (``ODJEK_*``), opens the archive itself and returns
a small JSON-able dict for XCom. Stages are frontier-driven, so re-running a task for the same data
interval redoes nothing that is done; digest sends are claimed per (kind, period, recipient).
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from email.message import EmailMessage

LOGGER = logging.getLogger(__name__)


def _context(source_ids=None, sync: bool = False):
    from odjek.runner import open_context
    from odjek.settings import load_settings

    return open_context(load_settings(), sync=sync, source_ids=source_ids)


def _settings_and_archive():
    """Settings from the environment and the archive they name (migrated on open)."""
    from archive import open_archive
    from odjek.settings import load_settings

    settings = load_settings()
    return settings, open_archive(settings.resolved_database_url)


def _report_dict(report) -> dict[str, Any]:
    return {"stage": report.stage, "processed": report.processed, "succeeded": report.succeeded,
            "failed": report.failed, "seconds": round(report.seconds, 2), "per_source": report.per_source}


def fired_at(dag_run: Any) -> dt.datetime:
    """When a DAG run fires: its data interval end, else (manual run without logical date) its ``run_after``.

    For a scheduled, backfilled or cleared run of a CronTriggerTimetable both are the firing moment; the
    logical date is one interval earlier and must not be read as "today". A manual run triggered with a
    logical date X gets the interval (X - interval, X), so X is treated as its firing moment.
    """
    end = getattr(dag_run, "data_interval_end", None)
    moment = end or getattr(dag_run, "run_after", None)
    if moment is None:
        raise ValueError(f"DAG run {getattr(dag_run, 'run_id', '?')} has neither a data interval nor run_after")
    return moment


def host_partitions(sources: list, count: int) -> list[dict[str, Any]]:
    """Spread enabled outlets over at most ``count`` partitions so that no host is in two of them.

    Outlets sharing a host are kept together (one Scrapy process then enforces that host's delay and
    concurrency), and the largest host groups are placed first on the least-loaded partition.
    """
    # Outlets that share any host end up in one component, merged as they are met.
    components: list[tuple[set[str], set[str]]] = []  # (source ids, hosts)
    for source in (s for s in sources if s.enabled):
        ids, hosts = {source.id}, set(source.hosts) or {f"source:{source.id}"}
        touching = [c for c in components if c[1] & hosts]
        for c in touching:
            ids |= c[0]
            hosts |= c[1]
        components = [c for c in components if not (c[1] & hosts)] + [(ids, hosts)]
    groups = sorted((ids for ids, _ in components), key=lambda c: (-len(c), sorted(c)))
    slots: list[list[str]] = [[] for _ in range(max(1, min(count, len(groups))))]
    for component in groups:
        min(slots, key=len).extend(sorted(component))
    return [{"partition": i, "source_ids": sorted(ids)} for i, ids in enumerate(slots) if ids]


def sync_sources(partitions: int = 8) -> list[dict[str, Any]]:
    """Validate and store the configured outlets; return the host partitions the crawl tasks are mapped over."""
    ctx = _context(sync=True)
    return host_partitions(ctx.sources, partitions)


class StageFailed(Exception):
    """A pipeline stage raised as a whole (the CLI's exit 3); the Airflow task fails with its reason."""


def run_stage(name: str, source_ids: list[str] | None = None) -> dict[str, Any]:
    """Run one pipeline stage once over the frontier (optionally for some outlets only)."""
    from odjek.runner import run_stages

    ctx = _context(source_ids=source_ids)
    (report,) = run_stages(ctx, [name])
    LOGGER.info("%s: %d processed, %d failed", name, report.processed, report.failed)
    if report.error:
        # A stage that failed wholesale fails its task, as it makes ``odjek run`` exit 3 (its counts are
        # already recorded in pipeline_runs); single URLs that failed are that URL's record, not the task's.
        raise StageFailed(f"stage {name} failed: {report.error}")
    return _report_dict(report)


def run_partition_stage(name: str, unit: dict[str, Any]) -> dict[str, Any]:
    """One stage over one host partition of the frontier (a mapped task)."""
    result = run_stage(name, unit["source_ids"])
    result["partition"] = unit.get("partition")
    result["source_ids"] = list(unit["source_ids"])
    return result


class SourcesFailed(Exception):
    """Outlets delivered nothing in this run because of errors; ``alert_key`` makes the alert once a day."""

    def __init__(self, message: str, alert_key: str, every_source: bool):
        super().__init__(message)
        self.alert_key = alert_key
        self.every_source = every_source


def partition_results(value: Any) -> list[dict]:
    """The results of a mapped task as a list: Airflow hands a downstream task the bare value (not a list of
    one) when the mapped task ran as a single instance, and nothing for instances that failed."""
    if value is None:
        return []
    if isinstance(value, dict):
        return [value]
    return [r for r in value if isinstance(r, dict)]


def failed_sources(discovered: list[dict], fetched: list[dict]) -> tuple[list[str], list[str]]:
    """(outlets that failed in this run, outlets that were tried): failed = errors and nothing delivered."""
    tried: set[str] = set()
    failed: set[str] = set()
    delivered: set[str] = set()
    for result in discovered or []:
        tried.update(result.get("source_ids", []))
        for source_id, counts in (result.get("per_source") or {}).items():
            if counts.get("errors") and not counts.get("discovered"):
                failed.add(source_id)
            elif counts.get("discovered"):
                delivered.add(source_id)
    for result in fetched or []:
        for source_id, counts in (result.get("per_source") or {}).items():
            if counts.get("fetched"):
                delivered.add(source_id)
                failed.discard(source_id)
            elif counts.get("failed") and source_id not in delivered:
                failed.add(source_id)
    return sorted(failed), sorted(tried)


def check_sources(discovered: Any, fetched: Any, fired: dt.datetime) -> dict[str, Any]:
    """Fail the collect run when an outlet (or every outlet) delivered nothing but errors, after all work is done."""
    from odjek.settings import load_settings
    from odjek.stages.alerts import batch_key_names
    from reports.periods import data_date

    failed, tried = failed_sources(partition_results(discovered), partition_results(fetched))
    if not failed:
        return {"sources": len(tried), "failed": []}
    every = len(failed) == len(tried)
    settings = load_settings()
    key = f"{data_date(fired, settings.locale.timezone).isoformat()}:{batch_key_names(failed)}"
    what = f"all {len(tried)} sources" if every else f"{len(failed)} of {len(tried)} sources"
    raise SourcesFailed(f"{what} failed in this run: {', '.join(failed)}", key, every)


class StagesFailed(Exception):
    """Tasks of this collect run failed (a stage failed wholesale, as ``odjek run`` exits 3): the run is failed
    too. Each failed task alerted operators itself, so this one only logs."""


def failed_tasks(task_states: dict[str, Any], own_task_id: str) -> list[str]:
    """Task (and mapped task ``id_index``) ids of a run's task states that failed or could not run for it."""
    bad = {"failed", "upstream_failed"}
    return sorted(k for k, v in (task_states or {}).items()
                  if k != own_task_id and str(getattr(v, "value", v)) in bad)


def check_run(discovered: Any, fetched: Any, fired: dt.datetime, task_states: dict[str, Any],
              own_task_id: str) -> dict[str, Any]:
    """The collect run's last word: outlets that delivered only errors fail it (``odjek run`` exit 4), and so
    do stage tasks that failed (exit 3); with later stages running after a failed one (``all_done``), the run
    would otherwise end ``success`` because its last task did."""
    result = check_sources(discovered, fetched, fired)
    failed = failed_tasks(task_states, own_task_id)
    if failed:
        raise StagesFailed(f"tasks failed in this run: {', '.join(failed)}")
    return result


def articles_added(tagged: Any) -> int:
    """Articles this run made ready (tagged), summed over the partitions."""
    return sum(int(r.get("succeeded", 0)) for r in partition_results(tagged))


def digest_period(kind: str, fired: dt.datetime, timezone: str) -> dt.date:
    """First day of the period a digest run firing at ``fired`` covers: yesterday, or last Monday–Sunday."""
    from reports.periods import covered_period

    return covered_period(kind, fired, timezone).start


def render_digest(kind: str, fired: dt.datetime) -> dict[str, Any]:
    """Render the digest of the period before ``fired`` (HTML and PDF), store the files in the archive."""
    from pathlib import Path

    from archive.digest_files import store_digest_file
    from reports.digest import render_digest as render

    settings, db = _settings_and_archive()
    start = digest_period(kind, fired, settings.locale.timezone)
    run = render(settings, db, kind, start)
    for fmt, value in (("html", run.html_path), ("pdf", run.pdf_path)):
        if value:
            path = Path(value)
            store_digest_file(db, run.id, fmt, path.name, path.read_bytes())
    return {"id": run.id, "kind": kind, "period_start": start.isoformat(), "html": run.html_path,
            "pdf": run.pdf_path, "status": run.status}


def send_digest(rendered: dict[str, Any]) -> dict[str, Any]:
    """Send a rendered digest once per recipient (a retried task sends nothing twice); held digests wait."""
    from archive.digest_files import restore_digest_files
    from reports.digest import get_run
    from reports.digest import send_digest as send

    settings, db = _settings_and_archive()
    run = get_run(db, rendered["id"])
    if run.status == "held":
        LOGGER.info("digest %s %s is held for review; not sent", run.kind, run.period_start)
        return {"sent": 0, "held": True}
    # This worker may not be the one that rendered: the attached PDF comes from the archive's copy.
    restore_digest_files(db, run.id, {"html": run.html_path, "pdf": run.pdf_path})
    deliveries = send(settings, db, run)
    failed = [d for d in deliveries if d.state == "failed"]
    if failed:
        raise RuntimeError("digest not delivered to " + ", ".join(f"{d.recipient} ({d.detail})" for d in failed))
    return {"sent": sum(d.state in {"sent", "written"} for d in deliveries),
            "skipped": sum(d.state == "skipped" for d in deliveries)}


def source_health_alerts(fired: dt.datetime) -> dict[str, Any]:
    """Compute source health and alert operators (once per data date per set) about sources that went silent."""
    from archive.health import source_health
    from odjek.stages.alerts import silent_source_alert

    settings, db = _settings_and_archive()
    health = source_health(db, settings, fired)
    outcome = silent_source_alert(settings, db, fired)
    return {"sources": len(health), "flagged": [h.source_id for h in health if h.flagged], "alert": outcome}


def retain_raw_pages(fired: dt.datetime) -> dict[str, Any]:
    """Drop raw HTML older than the retention period before the run's firing moment (articles stay); close
    runs and release claims that killed processes left behind. The same code as ``odjek maintenance``."""
    from archive.maintenance import run_maintenance

    settings, db = _settings_and_archive()
    return run_maintenance(db, settings, retention=True, upkeep=False, now=fired)


def index_upkeep() -> dict[str, Any]:
    """SQLite: FTS optimize and ANALYZE; PostgreSQL: VACUUM ANALYZE (as ``odjek maintenance`` does)."""
    from archive.maintenance import run_maintenance

    settings, db = _settings_and_archive()
    return run_maintenance(db, settings, retention=False, upkeep=True)["upkeep"]


# The Airflow 3 supervisor kills the task process [core] task_success_overtime (20 s) after the task ends,
# callbacks included: the whole alert path must finish well inside that, whatever the SMTP relay does.
ALERT_SMTP_DEADLINE_S = 8.0


def operator_message(settings, subject: str, body: str) -> EmailMessage:
    """An operator alert with the headers every mail needs (From, To, Date, Message-ID)."""
    from email.message import EmailMessage
    from email.utils import formatdate, make_msgid

    message = EmailMessage()
    message["Subject"] = subject
    message["From"] = settings.mail.mail_from
    message["To"] = ", ".join(settings.digest.ops_recipients)
    message["Date"] = formatdate(localtime=False, usegmt=True)
    message["Message-ID"] = make_msgid(domain=settings.mail.mail_from.rsplit("@", 1)[-1])
    message.set_content(body)
    return message


def _attempts_within(settings, message, recipients: list[str], deadline_s: float) -> dict[str, tuple[str, str | None]]:
    """One SMTP attempt per recipient in helper threads, waited for at most ``deadline_s`` in all.

    Returns recipient -> (state, error) with the mailer's states; an attempt still running at the deadline is
    ``failed`` (its thread is a daemon: it cannot hold up the task process's exit).
    """
    import copy
    import threading

    from reports.mailer import STATE_FAILED, attempt

    outcomes: dict[str, tuple[str, str | None]] = {}
    threads = []
    for recipient in recipients:
        msg = copy.deepcopy(message)
        del msg["To"]
        msg["To"] = recipient

        def run(recipient=recipient, msg=msg) -> None:
            outcome = attempt(settings, msg, recipient)
            outcomes[recipient] = (outcome.state, outcome.error)

        thread = threading.Thread(target=run, name=f"odjek-ops-alert-{recipient}", daemon=True)
        thread.start()
        threads.append(thread)
    deadline = time.monotonic() + deadline_s
    for thread in threads:
        thread.join(max(0.0, deadline - time.monotonic()))
    late = f"no answer from {settings.mail.smtp_host}:{settings.mail.smtp_port} within {deadline_s:.0f} s"
    return {r: outcomes.get(r, (STATE_FAILED, late)) for r in recipients}


def send_operator_alert(settings, message, *, kind: str, period: str,
                        deadline_s: float = ALERT_SMTP_DEADLINE_S) -> str:
    """Record an operator alert durably, then try to mail it once, bounded in time; returns what happened.

    The .eml goes to the outbox first (no database, no network), so a dead relay or archive loses nothing.
    Each recipient's send is claimed once per (kind, period) like every mail, and every claim this makes
    ends ``sent``, ``failed`` or ``rejected`` before the function returns.
    """
    from archive.sends import STATE_SENT, claim_send, finish_send
    from reports.mailer import write_outbox

    path = write_outbox(settings, message, f"{kind}-{period}")
    if not settings.mail.smtp_host:
        LOGGER.info("operator alert %s written to %s", kind, path)
        return f"written {path}"
    from archive import open_archive

    db = open_archive(settings.resolved_database_url)
    claimed = [r for r in settings.digest.ops_recipients
               if claim_send(db, kind, period, r, message_id=message["Message-ID"])]
    if not claimed:
        LOGGER.info("operator alert %s %s already sent or being sent; copy kept at %s", kind, period, path)
        return "skipped"
    outcomes = _attempts_within(settings, message, claimed, deadline_s)
    for recipient, (state, error) in outcomes.items():
        finish_send(db, kind, period, recipient, state, error=error)
    failed = {r: e for r, (state, e) in outcomes.items() if state != STATE_SENT}
    if failed:
        LOGGER.error("operator alert %s not mailed to %s; the message is kept at %s", kind,
                     "; ".join(f"{r} ({e})" for r, e in failed.items()), path)
        return "failed: " + "; ".join(f"{r} ({e})" for r, e in failed.items())
    path.unlink(missing_ok=True)  # delivered: the outbox keeps only what still needs a human
    return "sent"


def alert_failure(context: dict) -> None:
    """Airflow on_failure_callback: one bounded operator alert per failed task try (the .eml is always kept).

    An outlet failure raised by the collect run's check is alerted once a day per set of failed outlets.
    """
    from odjek.settings import load_settings

    ti = context.get("task_instance") or context.get("ti")
    dag_id = getattr(ti, "dag_id", "?")
    task_id = getattr(ti, "task_id", "?")
    run_id = getattr(ti, "run_id", "?")
    try_number = getattr(ti, "try_number", 0)
    log_url = getattr(ti, "log_url", "") or ""
    exception = context.get("exception")
    LOGGER.error("task %s.%s failed in run %s (try %s): %s", dag_id, task_id, run_id, try_number, exception)
    if isinstance(exception, StagesFailed):
        return  # the failed tasks it names were alerted one by one
    settings = load_settings()
    if not settings.digest.ops_recipients:
        LOGGER.error("no ODJEK_OPS_RECIPIENTS are set: the failure of %s.%s is only logged", dag_id, task_id)
        return
    message = operator_message(
        settings, f"[Odjek] task failed: {dag_id}.{task_id} ({run_id})",
        f"DAG: {dag_id}\nTask: {task_id}\nRun: {run_id}\nTry: {try_number}\n"
        f"Error: {type(exception).__name__ if exception else '?'}: {exception}\nLog: {log_url}\n")
    if isinstance(exception, SourcesFailed):
        kind, period = "ops:sources-failed", exception.alert_key
    else:
        kind, period = "ops:task-failure", f"{dag_id}/{run_id}/{task_id}/{try_number}"
    send_operator_alert(settings, message, kind=kind, period=period)

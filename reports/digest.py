"""The digest stage: render a period's digest to HTML and PDF, hold it for review or send it once.

These are the plain functions the CLI (``odjek digest``), the Airflow DAGs and the demo call.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from archive.db import Database, iso, utcnow
from archive.digests import find_run, get_run, list_runs, review_json, save_review_json, set_status, upsert_run  # noqa: F401 - list_runs: web review list
from reports.assemble import assemble
from reports.charts import Chart, make_charts
from reports.i18n import check_script
from reports.mailer import Delivery, deliver
from reports.message import build_message, chart_cids
from reports.model import Digest, Review
from reports.periods import Period, period_for, previous_day, previous_week  # noqa: F401 - re-exported for DAGs
from reports.render import render_html, render_pdf, render_text
from schemas.records import DigestRun
from schemas.settings import Settings

LOGGER = logging.getLogger(__name__)

STATUS_RENDERED = "rendered"
STATUS_HELD = "held"
STATUS_RELEASED = "released"


@dataclass(slots=True)
class RenderTimings:
    """Seconds per step of the last render (the benchmark reads them)."""

    assemble_s: float = 0.0
    charts_s: float = 0.0
    html_s: float = 0.0
    pdf_s: float = 0.0
    pdf_cpu_s: float = 0.0  # CPU seconds of WeasyPrint: wall time lies on a busy shared machine


LAST_TIMINGS = RenderTimings()


def output_paths(settings: Settings, period: Period, script: str) -> tuple[Path, Path]:
    """digests/daily-2026-03-16-cyrl.html and .pdf (weekly-2026-W11-cyrl.*)."""
    stem = f"{period.kind}-{period.key}-{script}"
    return settings.digests_path / f"{stem}.html", settings.digests_path / f"{stem}.pdf"


def _write_atomic(path: Path, data: bytes) -> None:
    """Write via a temporary file and rename, so a reader never sees half a digest."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


# digest_runs ----------------------------------------------------------------------------------

def get_review(db: Database, run_id: int) -> Review:
    return Review.from_json(review_json(db, run_id))


def save_review(db: Database, run_id: int, review: Review) -> None:
    save_review_json(db, run_id, review.to_json())


def _upsert_run(db: Database, period: Period, script: str, html: Path, pdf: Path, status: str) -> int:
    return upsert_run(db, period.kind, period.start, period.end, script, str(html), str(pdf), status)


# Rendering ------------------------------------------------------------------------------------

def build(settings: Settings, db: Database, period: Period, review: Review | None = None) -> tuple[Digest, float]:
    """Assemble the digest for ``period`` (timed)."""
    started = time.perf_counter()
    digest = assemble(db, period, review)
    return digest, time.perf_counter() - started


def render_files(settings: Settings, digest: Digest, script: str) -> tuple[str, bytes, list[Chart]]:
    """The web HTML and the PDF bytes of an assembled digest (timings go to LAST_TIMINGS)."""
    started = time.perf_counter()
    charts = make_charts(digest, script)
    LAST_TIMINGS.charts_s = time.perf_counter() - started
    started = time.perf_counter()
    html_web = render_html(digest, script, "web", charts, base_url=settings.web.base_url)
    html_pdf = render_html(digest, script, "pdf", charts)
    LAST_TIMINGS.html_s = time.perf_counter() - started
    started, cpu = time.perf_counter(), time.process_time()
    pdf = render_pdf(html_pdf, charts)
    LAST_TIMINGS.pdf_s = time.perf_counter() - started
    LAST_TIMINGS.pdf_cpu_s = time.process_time() - cpu
    return html_web, pdf, charts


def render_digest(settings: Settings, db: Database, kind: str, period_start: dt.date, script: str | None = None
                  ) -> DigestRun:
    """Render the digest of the period containing ``period_start`` to HTML and PDF and record the run.

    With ``review_digests`` on, a new digest is held for review; a released one stays released (its review
    is applied). Re-rendering the same period replaces the files: the result depends only on the archive.
    """
    script = check_script(script or settings.locale.output_script)
    period = period_for(kind, period_start, settings.locale.timezone)
    existing = find_run(db, kind, period.start, script)
    review = get_review(db, existing.id) if existing else Review()
    digest, LAST_TIMINGS.assemble_s = build(settings, db, period, review)
    html, pdf, _ = render_files(settings, digest, script)
    html_path, pdf_path = output_paths(settings, period, script)
    _write_atomic(html_path, html.encode("utf-8"))
    _write_atomic(pdf_path, pdf)
    if existing and existing.status == STATUS_RELEASED:
        status = STATUS_RELEASED
    else:
        status = STATUS_HELD if settings.digest.review_digests else STATUS_RENDERED
    run_id = _upsert_run(db, period, script, html_path, pdf_path, status)
    LOGGER.info("rendered %s digest %s (%s): %s, %s [%s]", kind, period.key, script, html_path, pdf_path, status)
    return DigestRun(kind=kind, period_start=period.start, period_end=period.end, script=script,
                     html_path=str(html_path), pdf_path=str(pdf_path), status=status, id=run_id)


def recipients_for(settings: Settings, kind: str) -> list[str]:
    return list(settings.digest.daily_recipients if kind == "daily" else settings.digest.weekly_recipients)


def build_email(settings: Settings, db: Database, run: DigestRun):
    """The digest email of a recorded run: body from the archive (review applied), PDF from the run's file."""
    period = period_for(run.kind, run.period_start, settings.locale.timezone)
    review = get_review(db, run.id) if run.id else Review()
    digest = assemble(db, period, review)
    charts = make_charts(digest, run.script)
    cids = chart_cids(charts, period.key)
    # The full digest in the web UI (the email lists the first stories of each section).
    full_url = f"{settings.web.base_url.rstrip('/')}/digests/{run.id}/html" if run.id else ""
    html = render_html(digest, run.script, "email", charts, base_url=settings.web.base_url, cids=cids, full_url=full_url)
    text = render_text(digest, run.script, base_url=settings.web.base_url, full_url=full_url)
    pdf_path = Path(run.pdf_path) if run.pdf_path else None
    if pdf_path is None or not pdf_path.exists():
        LOGGER.warning("PDF of %s digest %s is missing; rendering it again", run.kind, period.key)
        pdf = render_pdf(render_html(digest, run.script, "pdf", charts), charts)
    else:
        pdf = pdf_path.read_bytes()
    return build_message(digest, run.script, text=text, html=html, charts=charts, cids=cids, pdf=pdf,
                         sender=settings.mail.mail_from)


def send_digest(settings: Settings, db: Database, run: DigestRun, resend: bool = False) -> list[Delivery]:
    """Email a rendered digest to the kind's recipients, once per (kind, period, recipient).

    A digest held for review is not sent (the review page's release sends it); ``resend`` is the operator's
    deliberate override of the once-only rule.
    """
    if run.id is not None:
        current = get_run(db, run.id)
        run = current or run
    if run.status == STATUS_HELD:
        LOGGER.info("%s digest %s is held for review; not sending", run.kind, run.period_start)
        return []
    recipients = recipients_for(settings, run.kind)
    if not recipients:
        LOGGER.warning("no recipients configured for the %s digest; nothing sent", run.kind)
        return []
    message = build_email(settings, db, run)
    period = period_for(run.kind, run.period_start, settings.locale.timezone)
    deliveries = deliver(settings, db, message, kind=f"digest:{run.kind}", period=period.key,
                         recipients=recipients, resend=resend)
    for d in deliveries:
        LOGGER.info("%s digest %s to %s: %s %s", run.kind, period.key, d.recipient, d.state, d.detail)
    return deliveries


class NoRecipients(ValueError):
    """Releasing a digest nobody would receive: refused, the digest stays held."""


def release_digest(settings: Settings, db: Database, run_id: int, user: str) -> tuple[DigestRun, list[Delivery]]:
    """Release a held digest: record who released it, re-render with the review applied, then send.

    Refused (NoRecipients, nothing changed) when no recipients are configured for its kind.
    """
    run = get_run(db, run_id)
    if run is None:
        raise LookupError(f"no digest run {run_id}")
    if not recipients_for(settings, run.kind):
        raise NoRecipients(f"no recipients configured for the {run.kind} digest (ODJEK_{run.kind.upper()}_RECIPIENTS);"
                           " it stays held")
    review = get_review(db, run_id)
    review.released_by, review.released_at = user, iso(utcnow())
    save_review(db, run_id, review)
    set_status(db, run_id, STATUS_RELEASED)
    run = render_digest(settings, db, run.kind, run.period_start, run.script)
    return run, send_digest(settings, db, run)

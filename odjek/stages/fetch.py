"""Fetch stage: ``new`` frontier entries → stored raw pages (or recorded failures), politely, with Scrapy.

The crawl runs in its own process and claims entries itself (round-robin per outlet); this stage only
starts it when there is due work and records one source run per outlet for source health.
"""

from __future__ import annotations

import logging

from archive import frontier
from archive.sources import SourceRun, record_source_run
from odjek.runner import StageContext, StageReport
from odjek.stages.discover import crawl_or_error, selected_sources
from schemas.records import FrontierState

NAME = "fetch"
ORDER = 20
LOGGER = logging.getLogger(__name__)


def due_counts(ctx: StageContext, source_ids: list[str]) -> dict[str, int]:
    """How many ``new`` entries per outlet are due (not leased, not waiting for a retry)."""
    if not source_ids:
        return {}
    return frontier.due_counts(ctx.db, FrontierState.NEW, source_ids)


def run(ctx: StageContext) -> StageReport:
    """Fetch all due entries of the selected outlets in one crawl; record a run per outlet that had work."""
    report = StageReport(NAME)
    sources = selected_sources(ctx)
    due = due_counts(ctx, [s.id for s in sources])
    if not due:
        return report
    summary = crawl_or_error("fetch", ctx, [s for s in sources if s.id in due])
    timed_out = bool(summary.stats.get("time_limit_reached"))
    for source_id, tally in summary.sources.items():
        fetched, failed = int(tally.get("fetched", 0)), int(tally.get("failed", 0))
        retry_later, duplicates = int(tally.get("retry_later", 0)), int(tally.get("duplicates", 0))
        left = int(tally.get("left_for_next_run", 0))
        errors = list(tally.get("errors", []))  # a crawl that failed as a whole, a source given up on as slow
        if fetched == 0 and (failed or retry_later):
            reasons = ", ".join(f"{k} ×{v}" for k, v in sorted(tally.get("failed_by_reason", {}).items()))
            errors.append(f"no page fetched: {failed} failed, {retry_later} to retry ({reasons or 'retryable errors'})")
        if left and timed_out:
            errors.append(f"warning: {left} URLs left for the next run (crawl time limit)")
        if left:
            report.count(source_id, "left_for_next_run", left)
        # A timeout or broken connection is a failed attempt of this run even though the URL is tried again
        # later: it counts as failed (and as retry_later), never as neither fetched nor failed.
        record_source_run(ctx.db, SourceRun(source_id=source_id, stage=NAME, run_id=ctx.run_id, fetched=fetched,
                                            failed=failed + retry_later, errors=errors))
        report.count(source_id, "fetched", fetched)
        if failed or retry_later:
            report.count(source_id, "failed", failed + retry_later)
        if retry_later:
            report.count(source_id, "retry_later", retry_later)
        if duplicates:
            report.count(source_id, "duplicates", duplicates)
        report.processed += fetched + failed + retry_later + duplicates
        report.succeeded += fetched
        report.failed += failed + retry_later
    report.details = {"retry_later": sum(int(t.get("retry_later", 0)) for t in summary.sources.values()),
                      "duplicates": sum(int(t.get("duplicates", 0)) for t in summary.sources.values()),
                      "left_for_next_run": sum(int(t.get("left_for_next_run", 0)) for t in summary.sources.values()),
                      "peak_memory_mb": round((summary.stats.get("peak_rss_bytes") or 0) / 2**20, 1)}
    if summary.stats.get("crawl_error"):
        report.details["crawl_error"] = summary.stats["crawl_error"]
    ctx.report_progress(NAME, report.processed, None)
    return report

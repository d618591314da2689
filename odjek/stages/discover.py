"""Discover stage: every enabled outlet's feeds, sitemaps and section pages → new frontier URLs.

The crawl runs in its own Scrapy process (:func:`crawlers.process.run_crawl`); this stage records one
source run per outlet (new URLs, errors with reasons, warnings) for source health.
"""

from __future__ import annotations

import logging

from archive.sources import SourceRun, record_source_run
from odjek.runner import StageContext, StageReport
from schemas.config import Source

NAME = "discover"
ORDER = 10
LOGGER = logging.getLogger(__name__)

WARNING_PREFIX = "warning: "


def selected_sources(ctx: StageContext) -> list[Source]:
    """Enabled outlets, limited to ``ctx.source_ids`` when a task is mapped over a group."""
    wanted = set(ctx.source_ids or ())
    return [s for s in ctx.sources if s.enabled and (not wanted or s.id in wanted)]


def crawl_or_error(mode: str, ctx: StageContext, sources: list[Source]):
    """Run a crawl; a crawl that fails as a whole becomes every source's error instead of an exception.

    The crawl process itself never lets one outlet end it; what remains (killed at the hard time limit,
    a crash) is recorded against the outlets it covered, and the next stage still runs (issue 14).
    """
    from crawlers.process import CrawlError, CrawlSummary, run_crawl

    try:
        return run_crawl(mode, ctx.settings, sources)
    except CrawlError as exc:
        first_line = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        LOGGER.error("%s crawl over %d source(s) failed: %s", mode, len(sources), exc)
        return CrawlSummary(mode=mode, sources={s.id: {"errors": [f"crawl: {first_line}"]} for s in sources},
                            stats={"crawl_error": first_line})


def run(ctx: StageContext) -> StageReport:
    """Crawl feeds, sitemaps and sections of the selected outlets once; record a run per outlet."""
    report = StageReport(NAME)
    sources = selected_sources(ctx)
    if not sources:
        return report
    from odjek.fallback_runs import crawl_paths

    # Each outlet's declared paths, then its fallbacks as far as their failing streaks require (issue 19).
    summary = crawl_paths(ctx.db, ctx.settings, sources, lambda reduced: crawl_or_error("discover", ctx, reduced))
    for source in sources:
        tally = summary.sources.get(source.id, {})
        errors = list(tally.get("errors", []))
        warnings = [WARNING_PREFIX + w for w in tally.get("warnings", [])]
        if tally.get("capped"):
            warnings.append(f"{WARNING_PREFIX}{tally['capped']} URLs left for the next run (max_urls_per_source)")
        if summary.stats.get("time_limit_reached"):
            warnings.append(f"{WARNING_PREFIX}discovery stopped at the crawl time limit (crawl_timeout_s)")
        record_source_run(ctx.db, SourceRun(source_id=source.id, stage=NAME, run_id=ctx.run_id,
                                            discovered=int(tally.get("discovered", 0)), errors=errors + warnings))
        report.count(source.id, "discovered", int(tally.get("discovered", 0)))
        if errors:
            report.count(source.id, "errors", len(errors))
            report.failed += 1
            for error in errors:
                LOGGER.warning("source %s: %s", source.id, error)
        report.processed += int(tally.get("found", 0))
        report.succeeded += int(tally.get("discovered", 0))
    report.details = {"found": report.processed, "new_urls": report.succeeded, "sources": len(sources),
                      "sources_with_errors": report.failed,
                      "feeds_not_modified": sum(int(t.get("not_modified", 0)) for t in summary.sources.values())}
    if summary.stats.get("crawl_error"):
        report.details["crawl_error"] = summary.stats["crawl_error"]
    ctx.report_progress(NAME, len(sources), len(sources))
    return report

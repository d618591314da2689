"""The stage runner: every pipeline stage, run once over the frontier, from the CLI, the demo or a DAG task.

Stages are modules in ``odjek/stages`` exposing ``NAME``, ``ORDER`` and ``run(ctx) -> StageReport``;
the runner discovers them, so adding a stage is adding a module. Stages never call each other.
"""

from __future__ import annotations

import importlib
import logging
import pkgutil
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType

from archive import ArchiveUnavailable, Database, open_archive
from archive.frontier import release_stale_claims, worker_id
from archive.maintenance import close_abandoned_runs
from archive.sources import finish_pipeline_run, start_pipeline_run, sync_sources
from odjek.errors import EXIT_ALL_SOURCES_FAILED, EXIT_OK, EXIT_STAGE_FAILED, InputError
from odjek.settings import Settings
from schemas.config import ConfigError, Source, load_sources

LOGGER = logging.getLogger(__name__)


@dataclass
class StageContext:
    """What a stage needs: settings, the open archive, the configured outlets and who it is."""

    settings: Settings
    db: Database
    sources: list[Source]
    run_id: int | None = None
    owner: str = field(default_factory=worker_id)
    progress: Callable[[str, int, int | None], None] | None = None  # (stage, done, total)
    source_ids: Sequence[str] | None = None  # limit to these outlets (a mapped DAG task)

    def report_progress(self, stage: str, done: int, total: int | None = None) -> None:
        if self.progress:
            self.progress(stage, done, total)

    @property
    def sources_by_id(self) -> dict[str, Source]:
        return {s.id: s for s in self.sources}


@dataclass
class StageReport:
    """Counts of what a stage did; ``per_source`` maps source id → counters. ``error`` is set when the stage
    as a whole failed (it raised); the run goes on with the next stage."""

    stage: str
    processed: int = 0
    succeeded: int = 0
    failed: int = 0
    seconds: float = 0.0
    details: dict = field(default_factory=dict)
    per_source: dict[str, dict[str, int]] = field(default_factory=dict)
    error: str | None = None

    def count(self, source_id: str, key: str, n: int = 1) -> None:
        bucket = self.per_source.setdefault(source_id, {})
        bucket[key] = bucket.get(key, 0) + n


def stage_modules() -> list[ModuleType]:
    """The stage modules, in pipeline order."""
    import odjek.stages

    modules = [importlib.import_module(f"odjek.stages.{m.name}") for m in pkgutil.iter_modules(odjek.stages.__path__)]
    return sorted((m for m in modules if hasattr(m, "run")), key=lambda m: m.ORDER)


def load_configured_sources(settings: Settings, sources_file: Path | None = None) -> list[Source]:
    path = Path(sources_file) if sources_file else settings.sources_path
    try:
        return load_sources(path)
    except ConfigError as exc:
        raise InputError(f"invalid sources file:\n{exc}") from None


def open_context(settings: Settings, sources_file: Path | None = None, *, sync: bool = True,
                 progress=None, source_ids: Sequence[str] | None = None) -> StageContext:
    """Open the archive, load and sync the outlets, release claims and close runs of dead workers."""
    db = open_archive(settings.resolved_database_url)
    sources = load_configured_sources(settings, sources_file)
    if sync:
        sync_sources(db, sources)
    release_stale_claims(db)
    close_abandoned_runs(db)
    return StageContext(settings=settings, db=db, sources=sources, progress=progress, source_ids=source_ids)


def run_stages(ctx: StageContext, names: Sequence[str] | None = None) -> list[StageReport]:
    """Run the named stages (all, by default) once each, in pipeline order, recording the run."""
    modules = stage_modules()
    known = [m.NAME for m in modules]
    wanted = list(names) if names else known
    unknown = [n for n in wanted if n not in known]
    if unknown:
        raise InputError(f"unknown stage(s) {', '.join(unknown)}; stages are: {', '.join(known)}")
    ctx.run_id = start_pipeline_run(ctx.db, wanted, owner=ctx.owner)
    reports: list[StageReport] = []
    status = "failed"
    try:
        for module in modules:
            if module.NAME not in wanted:
                continue
            reports.append(_run_stage(ctx, module))
        status = run_status(reports)
    finally:
        finish_pipeline_run(ctx.db, ctx.run_id, status, {
            r.stage: {"processed": r.processed, "succeeded": r.succeeded, "failed": r.failed,
                      "seconds": round(r.seconds, 2), **({"error": r.error} if r.error else {})} for r in reports})
    return reports


def _run_stage(ctx: StageContext, module: ModuleType) -> StageReport:
    """Run one stage; an exception fails that stage (recorded with its reason), not the whole run, so
    later stages still work on what earlier runs left. A store that went away still ends the run."""
    started = time.perf_counter()
    LOGGER.info("stage %s: starting", module.NAME)
    try:
        report = module.run(ctx)
    except (ArchiveUnavailable, KeyboardInterrupt):
        raise
    except Exception as exc:
        if _store_gone(exc):
            raise
        LOGGER.exception("stage %s failed", module.NAME)
        report = StageReport(module.NAME, error=" ".join(f"{type(exc).__name__}: {exc}".split())[:500])
    report.seconds = time.perf_counter() - started
    LOGGER.info("stage %s: %d processed, %d ok, %d failed in %.1fs%s", report.stage, report.processed,
                report.succeeded, report.failed, report.seconds, f" ({report.error})" if report.error else "")
    return report


def _store_gone(exc: BaseException) -> bool:
    if type(exc).__module__.startswith("psycopg"):
        import psycopg

        return isinstance(exc, psycopg.OperationalError)
    return False


def failed_sources(reports: Sequence[StageReport]) -> tuple[set[str], set[str]]:
    """(sources that had work, sources none of whose work succeeded) over discover and fetch."""
    seen: set[str] = set()
    good: set[str] = set()
    for report in reports:
        if report.stage not in {"discover", "fetch"}:
            continue
        for source_id, counters in report.per_source.items():
            seen.add(source_id)
            if counters.get("errors", 0) == 0 and report.stage == "discover" or counters.get("fetched", 0) > 0:
                good.add(source_id)
    return seen, seen - good


def run_status(reports: Sequence[StageReport]) -> str:
    """``success``, ``stage_failed`` (a stage raised) or ``sources_failed`` (every source with work failed)."""
    if any(r.error for r in reports):
        return "stage_failed"
    seen, failed = failed_sources(reports)
    if seen and failed == seen:
        return "sources_failed"
    return "success"


def exit_code(reports: Sequence[StageReport]) -> int:
    """The run's exit status (odjek.errors): 3 when a stage failed wholesale, 4 when every source failed."""
    return {"stage_failed": EXIT_STAGE_FAILED, "sources_failed": EXIT_ALL_SOURCES_FAILED}.get(run_status(reports),
                                                                                             EXIT_OK)

"""The stage runner: every pipeline stage, run once over the frontier, from the CLI, the demo or a DAG task.

Stages are modules in ``odjek/stages`` exposing ``NAME``, ``ORDER`` and ``run(ctx) -> StageReport``;
the runner discovers them, so adding a stage is adding a module. Stages never call each other.
"""

from __future__ import annotations

import importlib
import logging
import pkgutil
import time
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Callable, Sequence

from archive import Database, open_archive
from archive.frontier import release_stale_claims, worker_id
from archive.sources import finish_pipeline_run, start_pipeline_run, sync_sources
from odjek.errors import InputError
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
    """Counts of what a stage did; ``per_source`` maps source id → counters."""

    stage: str
    processed: int = 0
    succeeded: int = 0
    failed: int = 0
    seconds: float = 0.0
    details: dict = field(default_factory=dict)
    per_source: dict[str, dict[str, int]] = field(default_factory=dict)

    def count(self, source_id: str, key: str, n: int = 1) -> None:
        bucket = self.per_source.setdefault(source_id, {})
        bucket[key] = bucket.get(key, 0) + n


def stage_modules() -> list[ModuleType]:
    """The stage modules, in pipeline order."""
    import odjek.stages

    modules = [importlib.import_module(f"odjek.stages.{m.name}") for m in pkgutil.iter_modules(odjek.stages.__path__)]
    return sorted((m for m in modules if hasattr(m, "run")), key=lambda m: m.ORDER)


def stage_names() -> list[str]:
    return [m.NAME for m in stage_modules()]


def load_configured_sources(settings: Settings, sources_file: Path | None = None) -> list[Source]:
    path = Path(sources_file) if sources_file else settings.sources_path
    try:
        return load_sources(path)
    except ConfigError as exc:
        raise InputError(f"invalid sources file:\n{exc}") from None


def open_context(settings: Settings, sources_file: Path | None = None, *, sync: bool = True,
                 progress=None, source_ids: Sequence[str] | None = None) -> StageContext:
    """Open the archive, load and sync the outlets, release claims of dead workers."""
    db = open_archive(settings.resolved_database_url)
    sources = load_configured_sources(settings, sources_file)
    if sync:
        sync_sources(db, sources)
    release_stale_claims(db)
    return StageContext(settings=settings, db=db, sources=sources, progress=progress, source_ids=source_ids)


def run_stages(ctx: StageContext, names: Sequence[str] | None = None) -> list[StageReport]:
    """Run the named stages (all, by default) once each, in pipeline order, recording the run."""
    modules = stage_modules()
    known = [m.NAME for m in modules]
    wanted = list(names) if names else known
    unknown = [n for n in wanted if n not in known]
    if unknown:
        raise InputError(f"unknown stage(s) {', '.join(unknown)}; stages are: {', '.join(known)}")
    ctx.run_id = start_pipeline_run(ctx.db, wanted)
    reports: list[StageReport] = []
    status = "failed"
    try:
        for module in modules:
            if module.NAME not in wanted:
                continue
            started = time.perf_counter()
            LOGGER.info("stage %s: starting", module.NAME)
            report = module.run(ctx)
            report.seconds = time.perf_counter() - started
            LOGGER.info("stage %s: %d processed, %d ok, %d failed in %.1fs", report.stage, report.processed,
                        report.succeeded, report.failed, report.seconds)
            reports.append(report)
        status = "success"
    finally:
        finish_pipeline_run(ctx.db, ctx.run_id, status, {
            r.stage: {"processed": r.processed, "succeeded": r.succeeded, "failed": r.failed,
                      "seconds": round(r.seconds, 2)} for r in reports})
    return reports

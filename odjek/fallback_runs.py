"""Discovery over each outlet's active path and the paths before it, with per-path streaks kept (issue 19).

One crawl process per path level (all outlets' declared paths, then every outlet's first fallback that is
needed, …), so each crawl's per-source tally is exactly one path's outcome. Failures of a path that a
working fallback covers are recorded as warnings: the outlet is degraded, not silent.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence

from archive.db import utcnow
from archive.sources import path_states, save_path_state
from crawlers.fallbacks import (
    Choice,
    CrawlPath,
    choose_path,
    next_state,
    path_outcome,
    source_paths,
)
from crawlers.process import CrawlSummary
from schemas.config import Source

LOGGER = logging.getLogger(__name__)

Crawl = Callable[[list[Source]], CrawlSummary]


def plan(db, settings, sources: Sequence[Source]) -> dict[str, tuple[list[CrawlPath], Choice]]:
    """Per outlet: its paths and which of them this run crawls."""
    plans = {}
    for source in sources:
        paths = source_paths(source, str(settings.crawl.google_news_url))
        plans[source.id] = (paths, choose_path(paths, path_states(db, source.id), int(settings.crawl.fallback_after_runs)))
    return plans


def _merge(into: dict, tally: dict) -> None:
    """Add one path's tally to the outlet's (numbers summed, lists joined, reason counts added)."""
    for key, value in tally.items():
        if isinstance(value, bool) or key not in into:
            into.setdefault(key, value if not isinstance(value, (list, dict)) else type(value)(value))
            continue
        if isinstance(value, (int, float)):
            into[key] += value
        elif isinstance(value, list):
            into[key] = [*into[key], *value]
        elif isinstance(value, dict):
            for k, v in value.items():
                into[key][k] = into[key].get(k, 0) + v


def crawl_paths(db, settings, sources: Sequence[Source], crawl: Crawl) -> CrawlSummary:
    """Crawl every outlet's paths up to its active one, record each path's outcome, return merged tallies."""
    plans = plan(db, settings, sources)
    by_id = {s.id: s for s in sources}
    levels: dict[int, list[Source]] = {}
    for sid, (_, choice) in plans.items():
        for path in choice.crawl:
            levels.setdefault(path.index, []).append(path.as_source(by_id[sid]))
    merged: dict[str, dict] = {s.id: {} for s in sources}
    worked: dict[str, list[str]] = {s.id: [] for s in sources}
    failed: dict[str, list[tuple[str, dict]]] = {s.id: [] for s in sources}
    stats: dict = {}
    for level in sorted(levels):
        summary = crawl(levels[level])
        stats = stats or dict(summary.stats)
        if summary.stats.get("crawl_error"):
            stats["crawl_error"] = summary.stats["crawl_error"]
        now = utcnow()
        for reduced in levels[level]:
            paths, _ = plans[reduced.id]
            path = paths[level]
            tally = dict(summary.sources.get(reduced.id, {}))
            ok, error = path_outcome(tally)
            if not summary.stats.get("crawl_error"):
                # A crawl that failed as a whole says nothing about the outlet: its streak stays as it was.
                previous = path_states(db, reduced.id).get(path.key)
                save_path_state(db, reduced.id, path.label,
                                next_state(previous, path.key, ok, error, int(tally.get("found", 0) or 0), now))
            if ok:
                worked[reduced.id].append(path.label)
            else:
                failed[reduced.id].append((path.label, tally))
            if not ok and level:
                LOGGER.warning("source %s: %s failed: %s", reduced.id, path.label, error)
            # A working path keeps its partial errors (one of two feeds down) as errors, as before fallbacks.
            _merge(merged[reduced.id], tally if ok else {k: v for k, v in tally.items() if k != "errors"})
    for sid, (_, choice) in plans.items():
        tally = merged[sid]
        tally.setdefault("errors", [])
        for label, path_tally in failed[sid]:
            lines = [f"{label}: {e}" for e in path_tally.get("errors", [])] or [f"{label}: empty: no entries found"]
            if worked[sid]:
                # A working fallback covers the outlet: its failing paths are a warning, not a silent source.
                tally.setdefault("warnings", []).extend(lines)
            else:
                tally["errors"].extend(lines)
        if choice.unavailable and not worked[sid]:
            tally["errors"].append(f"unavailable: {choice.reason}")
        elif choice.active is not None and choice.active.index > 0:
            tally.setdefault("warnings", []).append(f"fallback in use: {choice.reason}")
    return CrawlSummary(mode="discover", sources=merged, stats=stats)

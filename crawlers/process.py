"""Start a crawl in its own process and read back its per-source summary (callable any number of times).

Settings travel as ``ODJEK_*`` environment variables of the child, the outlets as a temporary sources
file; the child's log is kept in a temporary file and its warnings are relayed to this process's log.
"""

from __future__ import annotations

import json
import logging
import os
import re
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from schemas.config import Source
from schemas.settings import ENV_PREFIX, Settings

LOGGER = logging.getLogger(__name__)

LOG_TAIL_LINES = 30
_LEVEL = re.compile(r"\[[\w.]+\] (WARNING|ERROR|CRITICAL):")


class CrawlError(RuntimeError):
    """The crawl process failed or produced no summary; the message carries the end of its log."""


@dataclass
class CrawlSummary:
    """What a crawl process reported: per-source counters and a few Scrapy stats."""

    mode: str
    sources: dict[str, dict] = field(default_factory=dict)
    stats: dict[str, Any] = field(default_factory=dict)


def child_environment(settings: Settings, base: dict[str, str] | None = None) -> dict[str, str]:
    """The child's environment: this one plus every setting as ``ODJEK_<NAME>`` (lists comma-joined)."""
    env = dict(os.environ if base is None else base)
    env.pop("ODJEK_SETTINGS_FILE", None)  # every value is passed explicitly below
    for name, value in settings.flat(reveal=True).items():
        if isinstance(value, list):
            value = ",".join(value)
        elif isinstance(value, bool):
            value = "1" if value else "0"
        env[f"{ENV_PREFIX}{name.upper()}"] = str(value)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(settings.root), env.get("PYTHONPATH", "")) if p)
    return env


def write_sources_file(sources: Sequence[Source], folder: Path) -> Path:
    """The outlets as a sources file the child can load (JSON is valid YAML)."""
    path = folder / "sources.json"
    path.write_text(json.dumps({"sources": [s.model_dump(mode="json") for s in sources]}, ensure_ascii=False),
                    encoding="utf-8")
    return path


def run_crawl(mode: str, settings: Settings, sources: Sequence[Source], *, source_ids: Sequence[str] | None = None,
              scrapy_overrides: dict[str, Any] | None = None, max_entries: int | None = None,
              timeout_s: float | None = None) -> CrawlSummary:
    """Run ``python -m crawlers.crawl <mode>`` over ``sources`` and return its summary."""
    with tempfile.TemporaryDirectory(prefix=f"odjek-{mode}-") as tmp:
        folder = Path(tmp)
        summary_path = folder / "summary.json"
        log_path = folder / "crawl.log"
        command = [sys.executable, "-m", "crawlers.crawl", mode, "--sources", str(write_sources_file(sources, folder)),
                   "--summary", str(summary_path), "--log-level", _child_log_level()]
        for source_id in source_ids or ():
            command += ["--source", source_id]
        if max_entries is not None:
            command += ["--max-entries", str(max_entries)]
        limit = timeout_s if timeout_s is not None else float(settings.crawl.crawl_timeout_s)
        overrides = {"ODJEK_SOFT_DEADLINE_S": soft_deadline_s(limit, float(settings.crawl.download_timeout_s)),
                     **(scrapy_overrides or {})}
        for key, value in overrides.items():
            command += ["--set", f"{key}={json.dumps(value)}"]
        LOGGER.info("starting %s crawl over %d sources", mode, len(sources))
        with log_path.open("wb") as log:
            try:
                completed = subprocess.run(command, env=child_environment(settings), cwd=settings.root,
                                           stdout=log, stderr=subprocess.STDOUT, timeout=limit, check=False)
            except subprocess.TimeoutExpired:
                raise CrawlError(f"{mode} crawl did not finish within {limit:g}s and was stopped; "
                                 f"its claims are released on the next run\n{_tail(log_path)}") from None
        _relay_warnings(log_path)
        if completed.returncode != 0 or not summary_path.exists():
            raise CrawlError(f"{mode} crawl failed (exit status {completed.returncode})\n{_tail(log_path)}")
        data = json.loads(summary_path.read_text(encoding="utf-8"))
    return CrawlSummary(mode=mode, sources=data.get("sources", {}), stats=data.get("stats", {}))


def soft_deadline_s(limit_s: float, download_timeout_s: float) -> float:
    """When the crawl closes itself: before the hard limit, leaving time for in-flight requests and the summary.

    A crawl that closes itself reports what it did and releases what it did not start; only one that
    overruns the hard limit is killed (and then reports nothing).
    """
    return round(max(limit_s - download_timeout_s - max(30.0, 0.05 * limit_s), 0.5 * limit_s), 1)


def _child_log_level() -> str:
    level = logging.getLogger().getEffectiveLevel()
    return "DEBUG" if level <= logging.DEBUG else "INFO"


def _tail(path: Path, lines: int = LOG_TAIL_LINES) -> str:
    text = path.read_text(encoding="utf-8", errors="replace") if path.exists() else ""
    return "\n".join(text.splitlines()[-lines:])


def _relay_warnings(path: Path) -> None:
    """Repeat the child's warnings and errors in this process's log (Airflow task logs, CLI)."""
    if not path.exists():
        return
    with path.open(encoding="utf-8", errors="replace") as lines:
        for line in lines:
            match = _LEVEL.search(line)
            if match:
                LOGGER.log(logging.getLevelName(match.group(1)), "crawl: %s", line.rstrip()[:500])

"""``odjek run``: all pipeline stages once (or one with ``--stage``), with a per-source summary."""

from __future__ import annotations

import time
from pathlib import Path

import click

from odjek.context import echo_json, settings_from_env


def summarize(reports) -> dict:
    """Per-source and total counters from the stage reports, for the summary table and --json."""
    per_source: dict[str, dict[str, int]] = {}
    for report in reports:
        for source_id, counters in report.per_source.items():
            bucket = per_source.setdefault(source_id, {})
            for key, value in counters.items():
                bucket[key] = bucket.get(key, 0) + value
    totals: dict[str, int] = {}
    for counters in per_source.values():
        for key, value in counters.items():
            totals[key] = totals.get(key, 0) + value
    from odjek.runner import failed_sources, run_status

    stages = {r.stage: {"processed": r.processed, "succeeded": r.succeeded, "failed": r.failed,
                        "seconds": round(r.seconds, 2), **r.details, **({"error": r.error} if r.error else {})}
              for r in reports}
    return {"status": run_status(reports), "failed_sources": sorted(failed_sources(reports)[1]), "stages": stages,
            "sources": per_source, "totals": totals}


SUMMARY_COLUMNS = ("discovered", "fetched", "articles", "not_articles", "failed", "retry_later", "tagged", "errors")


def print_summary(summary: dict, seconds: float) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title="Odjek run", show_footer=True)
    table.add_column("source", footer="total")
    for column in SUMMARY_COLUMNS:
        table.add_column(column.replace("_", " "), justify="right", footer=str(summary["totals"].get(column, 0)))
    for source_id in sorted(summary["sources"]):
        counters = summary["sources"][source_id]
        table.add_row(source_id, *(str(counters.get(c, 0)) for c in SUMMARY_COLUMNS))
    console = Console()
    console.print(table)
    for stage, info in summary["stages"].items():
        failure = f"  [bold red]stage failed: {info['error']}[/]" if info.get("error") else ""
        console.print(f"  {stage:8} {info['processed']:6} processed {info['failed']:5} failed  {info['seconds']:7.1f}s"
                      f"{failure}", markup=True, highlight=False)
    verdict = {"success": "done", "stage_failed": "failed: a stage failed",
               "sources_failed": "failed: every source failed"}[summary["status"]]
    console.print(f"{verdict} in {seconds:.1f}s")


@click.command("run")
@click.option("--stage", "stages", multiple=True, help="Run only this stage (repeatable); default: all in order.")
@click.option("--sources", "sources_file", type=click.Path(path_type=Path, exists=True, dir_okay=False),
              help="Sources file to run over (default: ODJEK_SOURCES_FILE).")
@click.option("--source", "source_ids", multiple=True, help="Limit to this source id (repeatable).")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
def command(stages: tuple[str, ...], sources_file: Path | None, source_ids: tuple[str, ...], as_json: bool) -> None:
    """Run the pipeline once: discover, fetch, extract, tag, cluster, alerts."""
    from odjek.runner import exit_code, open_context, run_stages

    settings = settings_from_env()
    started = time.perf_counter()
    progress = None if as_json else _progress_printer()
    ctx = open_context(settings, sources_file, progress=progress, source_ids=list(source_ids) or None)
    try:
        reports = run_stages(ctx, list(stages) or None)
    finally:
        if hasattr(progress, "stop"):
            progress.stop()
    summary = summarize(reports)
    seconds = time.perf_counter() - started
    if as_json:
        echo_json({**summary, "seconds": round(seconds, 2)})
    else:
        print_summary(summary, seconds)
    code = exit_code(reports)
    if code:
        # The summary went to stdout; the exit status tells the scheduler (odjek.errors documents the codes).
        from odjek.errors import RunFailed

        if summary["status"] == "stage_failed":
            failed = [f"{name} ({info['error']})" for name, info in summary["stages"].items() if info.get("error")]
            raise RunFailed("stage failed: " + "; ".join(failed), code)
        raise RunFailed(f"every source failed: {', '.join(summary['failed_sources'])}", code)


def _progress_printer():
    """Progress on stderr: a rich progress bar per stage when interactive, a line every few seconds otherwise."""
    import sys

    if sys.stderr.isatty():
        return _RichProgress()
    last = {"t": 0.0}

    def report(stage: str, done: int, total: int | None) -> None:
        now = time.monotonic()
        if now - last["t"] >= 5.0:
            last["t"] = now
            click.echo(f"  {stage}: {done}{f'/{total}' if total else ''}", err=True)

    return report


class _RichProgress:
    """One rich progress task per stage, created on the stage's first report."""

    def __init__(self) -> None:
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            SpinnerColumn,
            TextColumn,
            TimeElapsedColumn,
        )

        self.progress = Progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                                 TimeElapsedColumn(), console=Console(stderr=True), transient=True)
        self.tasks: dict[str, int] = {}

    def __call__(self, stage: str, done: int, total: int | None) -> None:
        if not self.tasks:
            self.progress.start()
        if stage not in self.tasks:
            self.tasks[stage] = self.progress.add_task(stage, total=total)
        self.progress.update(self.tasks[stage], completed=done, total=total)

    def stop(self) -> None:
        if self.tasks:
            self.progress.stop()

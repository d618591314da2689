"""``odjek status``: source health, frontier counts, last pipeline run, database size, last digests sent."""

from __future__ import annotations

import click

from odjek.context import echo_json, settings_from_env


def _age(value: str | None) -> str:
    """An ISO timestamp as a short age ('3h ago', '2d ago'), '–' when absent."""
    if not value:
        return "–"
    from archive.db import parse_iso, utcnow

    seconds = (utcnow() - parse_iso(value)).total_seconds()
    if seconds < 3600:
        return f"{max(seconds, 0) / 60:.0f}m ago"
    if seconds < 172_800:
        return f"{seconds / 3600:.0f}h ago"
    return f"{seconds / 86400:.0f}d ago"


def _size(n: int | None) -> str:
    if n is None:
        return "unknown"
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return str(n)


def _active(source: dict) -> str:
    """The path discovery uses and, when it is not simply working, why."""
    path, reason = source.get("active_path"), source.get("active_reason") or ""
    if not path:
        return "–"
    return path if reason.endswith((": working", ": not run yet")) else f"{path}: {reason[:160]}"


def print_status(report: dict) -> None:
    """The status report as rich tables."""
    from rich.console import Console
    from rich.table import Table

    console = Console()
    table = Table(title="Sources")
    for column, justify in (("source", "left"), ("discovered", "right"), ("fetched", "right"), ("failed", "right"),
                            ("failed by reason", "left"), ("new articles 24h", "right"), ("last success", "left"),
                            ("newest entry", "left"), ("active path", "left"), ("last error", "left"),
                            ("flag", "left")):
        table.add_column(column, justify=justify, overflow="fold")
    for s in report["sources"]:
        reasons = ", ".join(f"{k} {v}" for k, v in s["failed_by_reason"].items()) or "–"
        flag = f"[bold red]⚑ {s['flag_reason']}[/]" if s["flagged"] else ("" if s["enabled"] else "disabled")
        error = (s["last_error"] or "–")[:120]
        table.add_row(s["source_id"], str(s["discovered_last_run"]), str(s["fetched_last_run"]),
                      str(s["failed_last_run"]), reasons, str(s["new_articles_24h"]), _age(s["last_success_at"]),
                      _age(s["newest_entry_at"]), _active(s), error, flag)
    console.print(table)
    frontier = ", ".join(f"{state} {n}" for state, n in sorted(report["frontier"].items())) or "empty"
    console.print(f"frontier: {frontier}")
    run = report["last_pipeline_run"]
    if run:
        console.print(f"last pipeline run: #{run['id']} {run['status']} ({run['stages']}), "
                      f"started {_age(run['started_at'])}")
    else:
        console.print("last pipeline run: none")
    console.print(f"database: {report['database']['dialect']}, {_size(report['database']['bytes'])}")
    digests = report["last_digests_sent"]
    console.print("last digests sent: " + (", ".join(f"{d['kind']} {d['period']} ({_age(d['sent_at'])})"
                                                     for d in digests) or "none"))
    for send in report.get("undelivered_sends", []):
        console.print(f"[bold red]not delivered ({send['state']}):[/] {send['kind']} {send['period']} to "
                      f"{send['recipient']}: {(send['error'] or '')[:160]}", highlight=False)
    if report["flagged"]:
        console.print(f"[bold red]flagged sources: {', '.join(report['flagged'])}[/]")
    if "settings" in report:
        console.print("settings (secrets masked): " + ", ".join(f"{k}={v!r}" for k, v in report["settings"].items()),
                      highlight=False)


@click.command("status")
@click.option("--json", "as_json", is_flag=True, help="Print the status as one JSON object.")
@click.option("--settings", "show_settings", is_flag=True,
              help="Also show the settings in effect, every secret masked (key `settings` with --json).")
def command(as_json: bool, show_settings: bool) -> None:
    """Show source health (per outlet: discovered, fetched, failures by reason, staleness, flags) and totals."""
    from archive import open_archive
    from archive.health import status_report

    settings = settings_from_env()
    # Never create a store here: a mistyped database name or path must be an error, not an empty archive.
    db = open_archive(settings.resolved_database_url, create=False)
    try:
        report = status_report(db, settings)
    finally:
        db.close()
    if show_settings:
        report["settings"] = settings.redacted()
    if as_json:
        echo_json(report)
    else:
        print_status(report)

"""``odjek failures``: the most recently failed URLs with their reasons (a table, or JSON lines)."""

from __future__ import annotations

import click

from odjek.context import echo_json, settings_from_env


def print_failures(rows: list[dict]) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"Recent failures ({len(rows)})")
    for column in ("when", "source", "state", "tries", "reason", "error", "url"):
        table.add_column(column, overflow="fold")
    for r in rows:
        state = r["state"] if r["state"] == "failed" else f"retry {r['next_attempt_at'] or ''}".strip()
        table.add_row(r["at"], r["source_id"], state, str(r["attempts"]), r["reason"], (r["error"] or "")[:200],
                      r["url"])
    Console().print(table)


@click.command("failures")
@click.option("--source", "source_id", help="Only this source id.")
@click.option("--hours", type=click.IntRange(min=1, max=1_000_000), help="Only failures of the last N hours.")
@click.option("--limit", type=click.IntRange(min=1, max=10_000), default=50, show_default=True,
              help="At most this many URLs, newest first.")
@click.option("--failed-only", is_flag=True, help="Leave out URLs still waiting for another attempt.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object per failed URL.")
def command(source_id: str | None, hours: int | None, limit: int, failed_only: bool, as_json: bool) -> None:
    """List recently failed URLs with their reasons: failed for good, and (unless --failed-only) those
    waiting for a retry after a timeout or a server error."""
    import datetime as dt

    from archive import open_archive
    from archive.db import utcnow
    from archive.health import recent_failures

    settings = settings_from_env()
    db = open_archive(settings.resolved_database_url, create=False)
    try:
        since = utcnow() - dt.timedelta(hours=hours) if hours else None
        rows = recent_failures(db, limit=limit, source_id=source_id, since=since, include_retrying=not failed_only)
    finally:
        db.close()
    if as_json:
        for row in rows:
            echo_json(row)
    else:
        print_failures(rows)

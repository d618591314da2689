"""``odjek maintenance``: retention and index upkeep from the command line (the maintenance DAG does the same)."""

from __future__ import annotations

import click

from odjek.context import echo_json, settings_from_env


@click.command("maintenance")
@click.option("--retention/--no-retention", default=True, show_default=True,
              help="Delete raw HTML older than raw_retention_days (articles stay).")
@click.option("--upkeep/--no-upkeep", default=True, show_default=True,
              help="Index upkeep: SQLite full-text optimize and ANALYZE; PostgreSQL VACUUM ANALYZE.")
@click.option("--json", "as_json", is_flag=True, help="Print what was done as JSON.")
def command(retention: bool, upkeep: bool, as_json: bool) -> None:
    """Close runs left running by killed processes, release their claims, apply retention and upkeep."""
    from archive import open_archive
    from archive.maintenance import run_maintenance

    settings = settings_from_env()
    db = open_archive(settings.resolved_database_url, create=False)
    try:
        report = run_maintenance(db, settings, retention=retention, upkeep=upkeep)
    finally:
        db.close()
    if as_json:
        echo_json(report)
        return
    click.echo(f"abandoned runs closed: {len(report['abandoned_runs'])}")
    click.echo(f"claims of dead workers released: {report['released_claims']}")
    if "retention" in report:
        click.echo(f"raw pages deleted (fetched before {report['retention']['cutoff']}):"
                   f" {report['retention']['deleted_raw_pages']}")
    if "upkeep" in report:
        click.echo(f"index upkeep ({report['upkeep']['dialect']}): {', '.join(report['upkeep']['done'])}")

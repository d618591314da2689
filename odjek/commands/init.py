"""``odjek init``: create the archive (or bring its schema up to date)."""

from __future__ import annotations

import click

from odjek.context import echo_json, settings_from_env


@click.command("init")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
def command(as_json: bool) -> None:
    """Create the archive or apply pending schema migrations."""
    from archive import open_archive
    from archive.migrations import schema_version

    settings = settings_from_env()
    db = open_archive(settings.resolved_database_url)
    version = schema_version(db)
    where = settings.redacted()["database_url"] or settings.resolved_database_url
    if as_json:
        echo_json({"database": where, "dialect": db.dialect, "schema_version": version})
    else:
        click.echo(f"archive ready: {where} ({db.dialect}, schema version {version})")

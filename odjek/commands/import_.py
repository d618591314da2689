"""``odjek import``: bring articles from JSON lines into the archive, through the later stages like crawled ones."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from odjek.context import echo_json, settings_from_env


@click.command("import")
@click.argument("file", type=click.Path(path_type=Path, allow_dash=True))
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
def command(file: Path, as_json: bool) -> None:
    """Import articles from JSON lines {url, title, text, published, source, language?}.

    Good lines are imported; each bad line is reported with its number and reason, and the exit
    status is then 1.
    """
    from archive import open_archive
    from archive.imports import import_lines
    from crawlers.canonical import canonicalize_url
    from odjek.errors import InputError

    settings = settings_from_env()
    if str(file) == "-":
        lines = sys.stdin.read().splitlines()
    else:
        try:
            lines = file.read_text(encoding="utf-8").splitlines()
        except (OSError, UnicodeDecodeError) as exc:
            raise InputError(f"cannot read {file}: {exc}") from None
    db = open_archive(settings.resolved_database_url)
    report = import_lines(db, lines, canonicalize=canonicalize_url)
    if as_json:
        echo_json({"imported": report.imported, "unchanged": report.unchanged,
                   "rejected": [{"line": n, "reason": r} for n, r in report.rejected]})
    else:
        click.echo(f"imported {report.imported} article(s), {report.unchanged} unchanged, "
                   f"{len(report.rejected)} rejected")
        for number, reason in report.rejected:
            click.echo(f"{file}:{number}: rejected: {reason}", err=True)
    if report.rejected:
        sys.exit(1)

"""``odjek orgs``: the diaspora organisations registry (import, export, list, relink)."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from odjek.context import echo_json, settings_from_env


def _archive():
    from archive import open_archive

    return open_archive(settings_from_env().resolved_database_url)


@click.group("orgs")
def command() -> None:
    """The registry of diaspora organisations and their links to articles."""


@command.command("import")
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--replace", is_flag=True, help="Also remove entries the file does not list.")
@click.option("--relink/--no-relink", default=True, show_default=True,
              help="Relink the articles that could match the changed entries afterwards.")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
def import_command(file: Path, replace: bool, relink: bool, as_json: bool) -> None:
    """Import a registry file (.csv or .xlsx; columns in docs/orgs.md).

    Every row is validated first; if any is bad, each bad row is reported with its line number,
    nothing is imported and the exit status is 1.
    """
    from archive.orgs import RegistryFileError, import_orgs, read_rows
    from archive.orgs import relink as relink_articles
    from odjek.errors import InputError

    try:
        rows = read_rows(file)
    except RegistryFileError as exc:
        raise InputError(f"{file}: {exc}") from None
    db = _archive()
    report = import_orgs(db, rows, replace=replace)
    relinked = relink_articles(db) if relink and not report.errors else None
    if as_json:
        echo_json({"added": report.added, "changed": report.changed, "unchanged": report.unchanged,
                   "removed": report.removed, "errors": [{"line": n, "reason": r} for n, r in report.errors],
                   "relinked": relinked})
    elif report.errors:
        for number, reason in report.errors:
            click.echo(f"{file}:{number}: {reason}", err=True)
        click.echo(f"{len(report.errors)} bad row(s): nothing imported", err=True)
    else:
        click.echo(f"imported: {len(report.added)} added, {len(report.changed)} changed, {report.unchanged} unchanged,"
                   f" {len(report.removed)} removed")
        if relinked is not None:
            click.echo(f"relinked {relinked['articles']} article(s): {relinked['links']} link(s)")
    if report.errors:
        sys.exit(1)


@command.command("export")
@click.option("--output", "-o", type=click.Path(path_type=Path, dir_okay=False),
              help="File to write (.csv or .xlsx); CSV on stdout without it.")
def export_command(output: Path | None) -> None:
    """Export the registry in the import format."""
    from archive.orgs import export_csv, export_xlsx, list_orgs
    from odjek.errors import InputError

    orgs = list_orgs(_archive())
    if output is None:
        click.echo(export_csv(orgs), nl=False)
        return
    suffix = output.suffix.lower()
    try:
        if suffix == ".csv":
            output.write_text(export_csv(orgs), encoding="utf-8")
        elif suffix == ".xlsx":
            export_xlsx(orgs, output)
        else:
            raise InputError(f"{output}: export to .csv or .xlsx")
    except OSError as exc:
        raise InputError(f"cannot write {output}: {exc}") from None
    click.echo(f"exported {len(orgs)} organisation(s) to {output}")


@command.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print as JSON.")
def list_command(as_json: bool) -> None:
    """The registry with each entry's article count."""
    from archive.orgs import article_counts, list_orgs

    db = _archive()
    counts = article_counts(db)
    orgs = list_orgs(db)
    if as_json:
        echo_json([{**o.to_row(), "articles": counts.get(o.id, 0)} for o in orgs])
        return
    for org in orgs:
        click.echo(f"{org.id}\t{org.name}\t{org.city}, {org.country}\t{counts.get(org.id, 0)} article(s)")


@command.command("relink")
@click.option("--all", "full", is_flag=True, help="Relink every article, not only those that could match changes.")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
def relink_command(full: bool, as_json: bool) -> None:
    """Relink articles after registry changes (only those that could match changed entries)."""
    from archive.orgs import relink

    report = relink(_archive(), full=full)
    if as_json:
        echo_json(report)
    else:
        click.echo(f"{len(report['changed'])} changed entr(ies); relinked {report['articles']} article(s):"
                   f" {report['links']} link(s)")

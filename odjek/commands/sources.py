"""``odjek sources``: inspect and validate the configured outlets."""

from __future__ import annotations

from pathlib import Path

import click

from odjek.context import echo_json, settings_from_env


@click.group("sources")
def command() -> None:
    """Validate and list the configured outlets and watched people."""


@command.command("check")
@click.option("--sources", "sources_file", type=click.Path(path_type=Path), help="Sources file (default: settings).")
@click.option("--people", "people_file", type=click.Path(path_type=Path), help="People file (default: settings).")
@click.option("--allow-unchecked", is_flag=True,
              help="Accept URLs with neither evidence nor an unverified mark (local and test sources files).")
def check(sources_file: Path | None, people_file: Path | None, allow_unchecked: bool) -> None:
    """Validate sources and people files without network; point at file and line of each error.

    Every crawled URL needs evidence (a public reference and the date seen) or an explicit ``unverified``
    mark; the unverified ones are listed so an operator knows which to probe first.
    """
    from odjek.errors import OdjekError
    from schemas.config import ConfigError, evidence_problems, load_people, load_sources

    settings = settings_from_env()
    problems: list[str] = []
    counts = {}
    loaded: list = []
    for label, path, loader in (("sources", sources_file or settings.sources_path, load_sources),
                                ("people", people_file or settings.people_path, load_people)):
        try:
            items = loader(path)
            counts[label] = len(items)
            if label == "sources":
                loaded = items
        except ConfigError as exc:
            problems.extend(exc.problems)
    path = sources_file or settings.sources_path
    unverified = [(s.id, url) for s in loaded for url in s.unverified_urls()]
    if not allow_unchecked and loaded:
        problems += evidence_problems(path, loaded)
    if problems:
        for problem in problems:
            click.echo(problem, err=True)
        raise OdjekError(f"{len(problems)} problem(s) in the configuration")
    for source_id, url in unverified:
        click.echo(f"unverified: {source_id}: {url}")
    from nlp.people import confirmation_warnings

    # A stale people file silently credits the wrong person as director: a warning, not an error.
    for warning in confirmation_warnings(people_file or settings.people_path, int(settings.tag.people_max_age_days)):
        click.echo(f"warning: {warning}", err=True)
    click.echo(f"ok: {counts['sources']} sources, {counts['people']} people, {len(unverified)} unverified URL(s)")


@command.command("list")
@click.option("--sources", "sources_file", type=click.Path(path_type=Path), help="Sources file (default: settings).")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per source.")
def list_sources(sources_file: Path | None, as_json: bool) -> None:
    """List the configured outlets."""
    from odjek.runner import load_configured_sources

    sources = load_configured_sources(settings_from_env(), sources_file)
    for source in sources:
        if as_json:
            echo_json(source.model_dump(mode="json"))
        else:
            ways = [w for w, v in (("feeds", source.feeds), ("sitemaps", source.sitemaps),
                                   ("sections", source.sections)) if v]
            fallbacks = " → ".join(f.kind for f in source.fallbacks)
            click.echo(f"{source.id:28} {source.group.value:9} {source.country} {','.join(source.languages):8} "
                       f"{'+'.join(ways) or '-'}{f' → {fallbacks}' if fallbacks else ''}")


@command.command("probe")
@click.option("--sources", "sources_file", type=click.Path(path_type=Path), help="Sources file (default: settings).")
@click.option("--only", "only", multiple=True, metavar="ID", help="Probe only this source (repeatable).")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per source instead of the table.")
@click.option("--as-of", "as_of", default=None, metavar="ISO-DATETIME",
              help="Judge staleness as of this moment instead of now (replaying a recorded web).")
def probe(sources_file: Path | None, only: tuple[str, ...], as_json: bool, as_of: str | None) -> None:
    """Go-live check from the production network: every path of every source, once.

    Per source and path: HTTP status, robots.txt decision, feed/sitemap parse result, item count, newest
    item, and whether sampled items extract as articles (language/script). Exits 6 when a source has no
    working path.
    """
    import datetime as dt

    from crawlers.probe import probe_sources, table_rows
    from odjek.errors import EXIT_SOURCE_UNAVAILABLE, InputError, RunFailed
    from odjek.runner import load_configured_sources

    settings = settings_from_env()
    sources = [s for s in load_configured_sources(settings, sources_file) if s.enabled]
    unknown = sorted(set(only) - {s.id for s in sources})
    if unknown:
        raise InputError(f"unknown or disabled source id(s): {', '.join(unknown)}")
    if only:
        sources = [s for s in sources if s.id in only]
    now = None
    if as_of:
        try:
            now = dt.datetime.fromisoformat(as_of)
        except ValueError:
            raise InputError(f"--as-of: not an ISO date-time: {as_of!r}") from None
        now = now if now.tzinfo else now.replace(tzinfo=dt.UTC)
    reports = probe_sources(settings, sources, now)
    if as_json:
        for report in reports:
            echo_json(report.as_dict())
    else:
        _print_probe_table(table_rows(reports))
    dead = [r.source_id for r in reports if not r.working]
    if dead:
        raise RunFailed(f"no working path for {len(dead)} source(s): {', '.join(dead)}", EXIT_SOURCE_UNAVAILABLE)


def _print_probe_table(rows: list[list[str]]) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title="Probe")
    for column in ("source", "path", "http", "robots", "parse", "items", "newest", "samples", "verdict"):
        table.add_column(column, overflow="fold")
    for row in rows:
        table.add_row(*row)
    Console(width=200).print(table)

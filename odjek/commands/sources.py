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
def check(sources_file: Path | None, people_file: Path | None) -> None:
    """Validate sources and people files without network; point at file and line of each error."""
    from odjek.errors import OdjekError
    from schemas.config import ConfigError, load_people, load_sources

    settings = settings_from_env()
    problems: list[str] = []
    counts = {}
    for label, path, loader in (("sources", sources_file or settings.sources_path, load_sources),
                                ("people", people_file or settings.people_path, load_people)):
        try:
            counts[label] = len(loader(path))
        except ConfigError as exc:
            problems.extend(exc.problems)
    if problems:
        for problem in problems:
            click.echo(problem, err=True)
        raise OdjekError(f"{len(problems)} problem(s) in the configuration")
    click.echo(f"ok: {counts['sources']} sources, {counts['people']} people")


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
            click.echo(f"{source.id:28} {source.group.value:9} {source.country} {','.join(source.languages):8} "
                       f"{'+'.join(ways)}")

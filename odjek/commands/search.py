"""``odjek search``: the archive's search from the command line (JSON lines with --json)."""

from __future__ import annotations

import datetime as dt

import click

from odjek.context import echo_json, settings_from_env


def _date(ctx, param, value: str | None) -> dt.date | None:
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date like 2026-03-16") from None


@click.command("search")
@click.argument("query", nargs=-1)
@click.option("--from", "date_from", callback=_date, help="Published on or after this date (YYYY-MM-DD).")
@click.option("--to", "date_to", callback=_date, help="Published on or before this date (YYYY-MM-DD).")
@click.option("--source", "sources", multiple=True, help="Outlet id (repeatable).")
@click.option("--group", "groups", multiple=True, help="Outlet group: domestic, regional, diaspora, foreign.")
@click.option("--language", "languages", multiple=True, help="Language code, e.g. sr, en (repeatable).")
@click.option("--topic", "topics", multiple=True, help="Topic id from the taxonomy (repeatable).")
@click.option("--region", "regions", multiple=True, help="Region id: region, europe_russia, overseas_far_east.")
@click.option("--office", is_flag=True, help="Only articles that mention the Directorate.")
@click.option("--cluster", "cluster_id", type=int, help="Only articles of this story cluster.")
@click.option("--sort", type=click.Choice(["relevance", "date"]), default="relevance", show_default=True,
              help="Order of results.")
@click.option("--limit", type=click.IntRange(1, 10_000), default=20, show_default=True, help="Results to print.")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per result line.")
def command(query, date_from, date_to, sources, groups, languages, topics, regions, office, cluster_id, sort, limit,
            as_json) -> None:
    """Search the archive: words (all must match), "phrases", -exclusion, OR, prefix*, (parentheses).

    Matching ignores script (Cyrillic/Latin), case, diacritics and Serbian case endings.
    Exit status 0 also when nothing is found.
    """
    from archive import open_archive
    from archive.search import SearchFilters, search

    settings = settings_from_env()
    db = open_archive(settings.resolved_database_url)
    filters = SearchFilters(date_from=date_from, date_to=date_to, sources=list(sources), groups=list(groups),
                            languages=list(languages), topics=list(topics), regions=list(regions), office=office,
                            cluster_id=cluster_id)
    results = search(db, " ".join(query), filters, sort=sort, per_page=limit)
    if results.message:
        click.echo(f"odjek: {results.message}", err=True)
    for hit in results.hits:
        record = {"id": hit.id, "url": hit.url, "title": hit.title, "published": hit.published,
                  "source": hit.source_id, "language": hit.language, "labels": [lab.label for lab in hit.labels],
                  "score": hit.score, "snippet": hit.snippet_text}
        if as_json:
            echo_json(record)
        else:
            when = hit.published.strftime("%Y-%m-%d") if hit.published else "----------"
            click.echo(f"{when}  {hit.source_id:<20} {hit.title}\n            {hit.url}\n            {hit.snippet_text}")
    if not as_json:
        click.echo(f"{'more than ' if results.more else ''}{results.total} result(s)", err=True)

"""``odjek search``: the archive's search from the command line (JSON lines with --json)."""

from __future__ import annotations

import datetime as dt

import click

from odjek.context import echo_json, settings_from_env


def _date(ctx, param, value: str | None) -> dt.date | None:
    if not value:
        return None
    from archive.search import DATE_FILTER_YEARS

    try:
        day = dt.date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date like 2026-03-16") from None
    if not DATE_FILTER_YEARS[0] <= day.year <= DATE_FILTER_YEARS[1]:
        raise click.BadParameter(f"{value!r} is outside {DATE_FILTER_YEARS[0]}–{DATE_FILTER_YEARS[1]}")
    return day


@click.command("search")
@click.argument("query", nargs=-1)
@click.option("--from", "date_from", callback=_date, help="Published on or after this date (YYYY-MM-DD).")
@click.option("--to", "date_to", callback=_date, help="Published on or before this date (YYYY-MM-DD).")
@click.option("--source", "sources", multiple=True, help="Outlet id (repeatable).")
@click.option("--group", "groups", multiple=True, help="Outlet group: domestic, regional, diaspora, foreign.")
@click.option("--language", "languages", multiple=True, help="Language code, e.g. sr, en (repeatable).")
@click.option("--topic", "topics", multiple=True, help="Topic id from the taxonomy (repeatable).")
@click.option("--region", "regions", multiple=True, help="Region id: region, europe_russia, overseas_far_east.")
@click.option("--country", "countries", multiple=True, help="Country ISO code, e.g. DE (repeatable).")
@click.option("--person", "people", multiple=True, help="Watched person id from config/people.yaml (repeatable).")
@click.option("--office", is_flag=True, help="Only articles that mention the Directorate.")
@click.option("--director", is_flag=True, help="Only articles that mention the Directorate's director.")
@click.option("--critical", is_flag=True, help="Only critical coverage.")
@click.option("--exact", is_flag=True, help="Search the words as typed: no other names of people and terms.")
@click.option("--reindex", is_flag=True, help="Rebuild every article's search keys (after a normaliser change), then exit.")
@click.option("--cluster", "cluster_id", type=int, help="Only articles of this story cluster.")
@click.option("--sort", type=click.Choice(["relevance", "date"]), default="relevance", show_default=True,
              help="Order of results.")
@click.option("--limit", type=click.IntRange(1, 10_000), default=20, show_default=True, help="Results to print.")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per result line.")
def command(query, date_from, date_to, sources, groups, languages, topics, regions, countries, people, office, director,
            critical, exact, reindex, cluster_id, sort, limit, as_json) -> None:
    """Search the archive: words (all must match), "phrases", -exclusion, OR, prefix*, (parentheses).

    Matching ignores script (Cyrillic/Latin), case, diacritics and Serbian case endings.
    Exit status 0 also when nothing is found.
    """
    from archive import open_archive
    from archive.search import SearchFilters, reindex_search, search
    from search.query import parse_query

    settings = settings_from_env()
    db = open_archive(settings.resolved_database_url)
    if reindex:
        with db.transaction() as tx:
            done = reindex_search(tx)
        click.echo(f"rebuilt the search keys of {done} article(s)", err=True)
        return
    filters = SearchFilters(date_from=date_from, date_to=date_to, sources=list(sources), groups=list(groups),
                            languages=list(languages), topics=list(topics), regions=list(regions),
                            countries=[c.upper() for c in countries], people=list(people), office=office,
                            director=director, critical=critical, cluster_id=cluster_id, timezone=settings.locale.timezone)
    results = search(db, parse_query(" ".join(query), expand=not exact), filters, sort=sort, per_page=limit)
    if results.message:
        click.echo(f"odjek: {results.message}", err=True)
    if results.query.expanded:
        click.echo(f"odjek: also searched: {', '.join(results.query.expanded)}", err=True)
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

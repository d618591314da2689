"""``odjek reextract``: extract articles again from stored raw pages (after an upgrade or an override)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import click

from odjek.context import echo_json, settings_from_env

# "failed" with a stored page: extraction failed on it (an unexpected error, retried until MAX_ATTEMPTS);
# a fetch that failed stored no page, so it is never selected here.
REEXTRACTABLE = ("fetched", "extracted", "tagged", "not_article", "failed")


def select_entries(db, source_id: str | None, since: dt.date | None) -> list[int]:
    """Frontier entries that have a stored raw page, optionally of one source and fetched since a date."""
    from archive.frontier import with_raw_page

    fetched_since = dt.datetime.combine(since, dt.time(), dt.UTC) if since else None
    return with_raw_page(db, REEXTRACTABLE, source_id, fetched_since)


@click.command("reextract")
@click.option("--source", "source_id", help="Only this source id.")
@click.option("--since", type=click.DateTime(["%Y-%m-%d"]), help="Only pages fetched on or after this date.")
@click.option("--sources", "sources_file", type=click.Path(path_type=Path, exists=True, dir_okay=False),
              help="Sources file (default: ODJEK_SOURCES_FILE), for per-outlet extraction overrides.")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
def command(source_id: str | None, since: dt.datetime | None, sources_file: Path | None, as_json: bool) -> None:
    """Re-extract articles from stored raw pages (failed extractions too); later stages re-tag them. Idempotent."""
    from archive.frontier import clear_backoff, reset_to
    from odjek.runner import open_context, run_stages
    from schemas.records import FrontierState

    ctx = open_context(settings_from_env(), sources_file, sync=False)
    ids = select_entries(ctx.db, source_id, since.date() if since else None)
    reset_to(ctx.db, ids, FrontierState.FETCHED)
    clear_backoff(ctx.db, ids)
    (report,) = run_stages(ctx, ["extract"])
    result = {"selected": len(ids), "articles": sum(c.get("articles", 0) for c in report.per_source.values()),
              "not_articles": sum(c.get("not_articles", 0) for c in report.per_source.values()),
              "failed": report.failed}
    if as_json:
        echo_json(result)
    else:
        click.echo(f"re-extracted {result['selected']} page(s): {result['articles']} article(s), "
                   f"{result['not_articles']} not article(s), {result['failed']} failed; run `odjek run --stage tag`"
                   " to re-tag them")

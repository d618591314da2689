"""Tag stage: extracted articles → labels and mentions (spaCy pipeline, batched)."""

from __future__ import annotations

import logging
from zoneinfo import ZoneInfo

from archive.articles import articles_for_entries, record_tags
from archive.frontier import claim, counts_by_state
from archive.orgs import link_and_store
from archive.sources import source_countries
from odjek.runner import StageContext, StageReport
from schemas.records import Article, FrontierState, TagContext

NAME = "tag"
ORDER = 40
LOGGER = logging.getLogger(__name__)


def tag_context(article: Article, countries: dict[str, str], timezone: str) -> TagContext:
    """When (local calendar day: director terms are dates) and where an article was published."""
    day = article.published.astimezone(ZoneInfo(timezone)).date() if article.published else None
    return TagContext(published=day, country=countries.get(article.source_id))


def run(ctx: StageContext) -> StageReport:
    """Claim extracted entries in batches, tag their articles with nlp.pipe, write results per batch."""
    from nlp.pipeline import tag_texts

    report = StageReport(NAME)
    total = counts_by_state(ctx.db).get("extracted", 0)  # for progress only: others may add more
    people_file = ctx.settings.people_path
    while True:
        batch = claim(ctx.db, FrontierState.EXTRACTED, ctx.settings.archive.batch_size, ctx.owner,
                      ctx.settings.archive.claim_lease_s, ctx.source_ids)
        if not batch:
            break
        by_entry = articles_for_entries(ctx.db, [e.id for e in batch])
        countries = source_countries(ctx.db)
        items = [(entry.id, by_entry[entry.id].document, by_entry[entry.id].language,
                  tag_context(by_entry[entry.id], countries, ctx.settings.locale.timezone))
                 for entry in batch if entry.id in by_entry]
        results = []
        for frontier_id, result in tag_texts(items, people_file=people_file):
            results.append((frontier_id, by_entry[frontier_id].id, result))
            report.count(by_entry[frontier_id].source_id, "tagged")
        # Registry links first: if the run stops before record_tags, the entries are tagged again and the
        # links replaced, never left missing (docs/orgs.md).
        link_and_store(ctx.db, [(by_entry[fid].id, by_entry[fid].document, by_entry[fid].language,
                                 countries.get(by_entry[fid].source_id)) for fid, _, _ in results])
        record_tags(ctx.db, results, ctx.owner)
        report.processed += len(batch)
        report.succeeded += len(results)
        ctx.report_progress(NAME, report.processed, max(total, report.processed))
    return report

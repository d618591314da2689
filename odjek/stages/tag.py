"""Tag stage: extracted articles → labels and mentions (spaCy pipeline, batched)."""

from __future__ import annotations

import logging

from archive.articles import articles_for_entries, record_tags
from archive.frontier import claim, counts_by_state
from odjek.runner import StageContext, StageReport
from schemas.records import FrontierState

NAME = "tag"
ORDER = 40
LOGGER = logging.getLogger(__name__)


def run(ctx: StageContext) -> StageReport:
    """Claim extracted entries in batches, tag their articles with nlp.pipe, write results per batch."""
    from nlp.pipeline import tag_texts

    report = StageReport(NAME)
    total = counts_by_state(ctx.db).get("extracted", 0)  # for progress only: others may add more
    people_file = ctx.settings.people_path
    while True:
        batch = claim(ctx.db, FrontierState.EXTRACTED, ctx.settings.batch_size, ctx.owner,
                      ctx.settings.claim_lease_s, ctx.source_ids)
        if not batch:
            break
        by_entry = articles_for_entries(ctx.db, [e.id for e in batch])
        items = [(entry.id, by_entry[entry.id].document, by_entry[entry.id].language)
                 for entry in batch if entry.id in by_entry]
        results = []
        for frontier_id, result in tag_texts(items, people_file=people_file):
            results.append((frontier_id, by_entry[frontier_id].id, result))
            report.count(by_entry[frontier_id].source_id, "tagged")
        record_tags(ctx.db, results, ctx.owner)
        report.processed += len(batch)
        report.succeeded += len(results)
        ctx.report_progress(NAME, report.processed, max(total, report.processed))
    return report

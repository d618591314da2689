"""Extract stage: fetched pages → articles (or not-article records), from the stored raw HTML."""

from __future__ import annotations

import datetime as dt
import logging
from zoneinfo import ZoneInfo

from archive.articles import LeaseLost, duplicate_of, get_raw_page, record_extracted
from archive.frontier import ARTICLE_HINTS, claim, counts_by_state, record_failure
from odjek.runner import StageContext, StageReport
from schemas.records import Article, FrontierEntry, FrontierState

NAME = "extract"
ORDER = 30
LOGGER = logging.getLogger(__name__)


def best_published(extracted: dt.datetime | None, hinted: str | None, timezone: str) -> dt.datetime | None:
    """The page's date, or the feed's timestamp when the page gave none or only a day (local midnight).

    Feeds and sitemaps carry the time of publication; pages often show only the date, and a digest
    lists mentions with their time.
    """
    from archive.db import parse_iso

    feed_time = parse_iso(hinted) if hinted else None
    if feed_time is None:
        return extracted
    if extracted is None:
        return feed_time
    local = extracted.astimezone(ZoneInfo(timezone))
    date_only = local.time() == dt.time(0, 0)
    if date_only and abs(feed_time - extracted) <= dt.timedelta(days=1, hours=1):
        return feed_time
    return extracted


def extract_entry(ctx: StageContext, entry: FrontierEntry) -> Article | None:
    """Extract one fetched entry from its stored page; None when the page is missing (recorded as failure)."""
    from extract.article import extract_article

    page = get_raw_page(ctx.db, entry.id)
    if page is None:
        record_failure(ctx.db, entry, "raw page missing", ctx.owner, retryable=False)
        return None
    source = ctx.sources_by_id.get(entry.source_id)
    article = extract_article(page.body, page.final_url, headers=page.headers, source=source,
                              listed_as_article=entry.via in ARTICLE_HINTS)
    article.source_id = entry.source_id
    article.url = page.final_url or entry.url
    if not article.title and entry.hints.get("title"):
        article.title = entry.hints["title"]
    article.published = best_published(article.published, entry.hints.get("published"), ctx.settings.locale.timezone)
    if article.is_article and page.content_hash:
        original = duplicate_of(ctx.db, page.content_hash, entry.id)
        if original is not None and original < entry.id:
            article.is_article = False
            article.not_article_reason = f"duplicate of #{original} (identical body)"
    return article


def run(ctx: StageContext) -> StageReport:
    """Claim fetched entries in batches, extract each, write article and state in one transaction per entry."""
    report = StageReport(NAME)
    total = counts_by_state(ctx.db).get("fetched", 0)  # for progress only: others may add more
    while True:
        batch = claim(ctx.db, FrontierState.FETCHED, ctx.settings.archive.batch_size, ctx.owner,
                      ctx.settings.archive.claim_lease_s, ctx.source_ids)
        if not batch:
            break
        for entry in batch:
            report.processed += 1
            try:
                article = extract_entry(ctx, entry)
            except Exception as exc:  # noqa: BLE001 - one bad page must not stop the stage; it is recorded
                # Unexpected means not understood: maybe the database hiccuped, maybe a bug fixed by the
                # next release. Retryable (backoff, up to MAX_ATTEMPTS), and `odjek reextract --failed`
                # picks it up again later; a page that is plainly not an article is never an exception.
                LOGGER.exception("extraction failed for %s", entry.url)
                record_failure(ctx.db, entry, f"extraction error: {type(exc).__name__}: {exc}"[:500], ctx.owner,
                               retryable=True, max_attempts=int(ctx.settings.archive.max_attempts))
                report.failed += 1
                report.count(entry.source_id, "failed")
                continue
            if article is None:
                report.failed += 1
                report.count(entry.source_id, "failed")
                continue
            try:
                record_extracted(ctx.db, entry, article, ctx.owner)
            except LeaseLost:
                LOGGER.warning("lease on %s lost to another worker; skipped", entry.url)
                continue
            report.succeeded += 1
            report.count(entry.source_id, "articles" if article.is_article else "not_articles")
            ctx.report_progress(NAME, report.processed, max(total, report.processed))
    return report

"""Item pipeline: the one place crawl results reach the archive (through :class:`crawlers.store.CrawlStore`)."""

from __future__ import annotations

import json
import logging
import resource
from pathlib import Path

from crawlers.items import DiscoveryOutcome, FetchedPage, FetchFailure, FetchLeftOver

LOGGER = logging.getLogger(__name__)


class StorePipeline:
    """Hands each item to the crawl's store; writes the per-source summary when the spider closes."""

    def __init__(self, crawler):
        self.crawler = crawler
        self._dropped: set[str] = set()

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    @property
    def store(self):
        return self.crawler.spider.store

    def process_item(self, item):
        if isinstance(item, DiscoveryOutcome):
            self.store.discovery(item)
        elif isinstance(item, FetchedPage):
            self.store.fetched(item)
        elif isinstance(item, FetchFailure):
            self.store.failed(item)
            self._drop_if_given_up(item.entry.source_id)
        elif isinstance(item, FetchLeftOver):
            self.store.left_for_next_run(item.entry)
        else:
            LOGGER.warning("unexpected item %r ignored", type(item).__name__)
        return item

    def _drop_if_given_up(self, source_id: str) -> None:
        """When the store just gave up on a slow source, drop its requests queued in the downloader."""
        reason = self.store.tripped.get(source_id)
        if reason and source_id not in self._dropped:
            from crawlers.middlewares import drop_queued_requests

            self._dropped.add(source_id)
            dropped = drop_queued_requests(self.crawler.engine.downloader, source_id, reason)
            LOGGER.info("source %s given up for this crawl: %d queued requests dropped", source_id, dropped)

    def close_spider(self):
        if getattr(self.crawler.spider, "queue", None) is not None:
            # Entries claimed but never requested (the crawl's time limit) are free for the next run at once.
            self.store.release_claims()
        summary = {"sources": self.store.summary(), "stats": _stats(self.crawler)}
        path = self.crawler.settings.get("ODJEK_SUMMARY_PATH")
        if path:
            Path(path).write_text(json.dumps(summary, ensure_ascii=False, default=str), encoding="utf-8")


def peak_rss_bytes() -> int:
    """Peak resident memory of this process since it started.

    VmHWM belongs to the process's own address space; ru_maxrss would also count the parent's
    footprint at fork time, since Linux carries it across execve (a crawl started from a large
    test or Airflow process would report that process's size).
    """
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def _stats(crawler) -> dict:
    """The Scrapy stats worth keeping: response counts, elapsed time, peak memory, close reason."""
    stats = crawler.stats.get_stats() if crawler.stats else {}
    keep = ("elapsed_time_seconds", "finish_reason", "memusage/max", "downloader/request_count",
            "downloader/response_count", "item_scraped_count", "robotstxt/forbidden", "retry/count")
    out = {k: stats.get(k) for k in keep if k in stats}
    # Scrapy's memusage/max is sampled once a minute; the kernel's high-water mark is the true peak.
    out["peak_rss_bytes"] = peak_rss_bytes()
    # Set by crawlers.middlewares.CrawlDeadline (finish_reason is only recorded after the pipelines close).
    out["time_limit_reached"] = bool(getattr(crawler.spider, "time_is_up", False))
    started = stats.get("start_time")
    if started is not None:
        import datetime as dt

        out["crawl_seconds"] = round((dt.datetime.now(dt.UTC) - started).total_seconds(), 3)
    out["status_counts"] = {k.rsplit("/", 1)[-1]: v for k, v in stats.items()
                            if k.startswith("downloader/response_status_count/")}
    return out

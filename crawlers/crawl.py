"""One Scrapy crawl in its own process: ``python -m crawlers.crawl {discover|fetch} --sources F --summary S``.

The Twisted reactor cannot be restarted, so every crawl is a fresh process started by
:func:`crawlers.process.run_crawl`; settings come from ``ODJEK_*`` environment variables (as everywhere),
the outlets from a sources file, and the per-source result is written as JSON to ``--summary``.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import time
from pathlib import Path
from typing import Any

from schemas.config import Source, load_sources
from schemas.settings import Settings

LOGGER = logging.getLogger(__name__)

MODES = ("discover", "fetch")


def scrapy_settings(settings: Settings, sources: list[Source], mode: str) -> dict[str, Any]:
    """Scrapy settings for a crawl: politeness, limits and safety all derived from Odjek's settings."""
    delay = float(settings.crawl.download_delay_s)
    per_host = int(settings.crawl.concurrency_per_domain)
    return {
        "BOT_NAME": "odjek",
        "USER_AGENT": settings.resolved_user_agent,
        "ROBOTSTXT_OBEY": True,
        "CONCURRENT_REQUESTS": int(settings.crawl.concurrent_requests),
        "CONCURRENT_REQUESTS_PER_DOMAIN": per_host,
        "DOWNLOAD_DELAY": delay,
        "AUTOTHROTTLE_ENABLED": True,
        "AUTOTHROTTLE_START_DELAY": delay,
        "AUTOTHROTTLE_MAX_DELAY": max(60.0, delay),
        "AUTOTHROTTLE_TARGET_CONCURRENCY": float(per_host),
        "DOWNLOAD_SLOTS": download_slots(sources),
        "DOWNLOAD_TIMEOUT": float(settings.crawl.download_timeout_s),
        # Both limits also apply while decompressing (Scrapy ≥ 2.11.1), so gzip bombs stop at the cap too.
        "DOWNLOAD_MAXSIZE": int(settings.crawl.max_page_bytes),
        "DOWNLOAD_WARNSIZE": int(settings.crawl.max_page_bytes) // 2,
        "DOWNLOAD_FAIL_ON_DATALOSS": True,
        "REDIRECT_MAX_TIMES": int(settings.crawl.max_redirects),
        "RETRY_ENABLED": False,  # replaced by RetryAfterMiddleware (backoff, Retry-After)
        # Scrapy starts CONCURRENT_ITEMS asyncio workers for every callback's output (100 by default); our
        # callbacks yield one item and the pipeline is synchronous, so one worker saves ~2 ms CPU per page.
        "CONCURRENT_ITEMS": 1,
        "COOKIES_ENABLED": False,
        "TELNETCONSOLE_ENABLED": False,
        # Scrapy 2.19 turns on RemoteControl by default: an HTTP server that runs Python code sent to it,
        # with its token in a job file under the user's state folder (left behind by a killed crawl).
        "REMOTE_CONTROL_ENABLED": False,
        "HTTPCACHE_ENABLED": False,
        "MEMUSAGE_ENABLED": True,
        "LOG_LEVEL": "INFO",
        "SCHEDULER_PRIORITY_QUEUE": "scrapy.pqueues.DownloaderAwarePriorityQueue",
        "TWISTED_DNS_RESOLVER": "crawlers.middlewares.GuardedResolver",
        "DOWNLOADER_MIDDLEWARES": {
            "crawlers.middlewares.AddressGuardMiddleware": 10,
            "crawlers.middlewares.SlowSourceMiddleware": 20,
            "scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware": None,
            "crawlers.middlewares.SharedRobotsTxtMiddleware": 100,
            "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
            "crawlers.middlewares.RetryAfterMiddleware": 550,
        },
        "ITEM_PIPELINES": {"crawlers.pipelines.StorePipeline": 300},
        "EXTENSIONS": {"crawlers.middlewares.CrawlDeadline": 100},
        "ODJEK_SOFT_DEADLINE_S": 0.0,  # set by crawlers.process.run_crawl from its hard limit
        "ODJEK_ALLOW_PRIVATE": bool(settings.crawl.allow_private_addresses),
        "ODJEK_TRUSTED_ADDRESSES": [],
        "ODJEK_RETRY_TIMES": int(settings.crawl.retry_times),
        "ODJEK_RETRY_BACKOFF_S": float(settings.crawl.retry_backoff_s),
        "ODJEK_RETRY_AFTER_MAX_S": float(settings.crawl.retry_after_max_s),
        "ODJEK_MODE": mode,
    }


def download_slots(sources: list[Source]) -> dict[str, dict]:
    """Per-host overrides from the sources' ``crawl`` settings (delay, concurrency)."""
    slots: dict[str, dict] = {}
    for source in sources:
        override = {}
        if source.crawl.download_delay_s is not None:
            override["delay"] = source.crawl.download_delay_s
        if source.crawl.concurrency is not None:
            override["concurrency"] = source.crawl.concurrency
        if override:
            for host in source.hosts:
                if host:
                    slots[host] = override
    return slots


def _feed_states(db, sources: list[Source]) -> dict[str, tuple[str | None, str | None]]:
    from archive.sources import get_feed_state

    states = {}
    for source in sources:
        for feed in source.feeds:
            state = get_feed_state(db, feed)
            if state:
                states[feed] = (state.etag, state.last_modified)
    return states


def run(mode: str, settings: Settings, sources: list[Source], summary_path: Path, *,
        overrides: dict[str, Any] | None = None, max_entries: int | None = None) -> None:
    """Run one crawl in this process (once per process: the reactor cannot restart)."""
    from scrapy.crawler import CrawlerProcess

    from archive.db import Database
    from archive.frontier import worker_id
    from crawlers.spiders import DiscoverSpider, FetchSpider
    from crawlers.store import CrawlStore, FrontierQueue

    db = Database(settings.resolved_database_url)
    owner = worker_id()
    store = CrawlStore(db, owner, max_attempts=int(settings.archive.max_attempts),
                       max_urls_per_source=int(settings.crawl.max_urls_per_source),
                       source_max_timeouts=int(settings.crawl.source_max_timeouts))
    scrapy_config = scrapy_settings(settings, sources, mode)
    scrapy_config.update(overrides or {})
    scrapy_config["ODJEK_SUMMARY_PATH"] = str(summary_path)
    process = CrawlerProcess(scrapy_config)
    if mode == "discover":
        process.crawl(DiscoverSpider, sources=sources, feed_states=_feed_states(db, sources),
                      section_max_pages=int(settings.crawl.section_max_pages), store=store,
                      sitemap_max_children=int(settings.crawl.sitemap_max_children))
    else:
        queue = FrontierQueue(db, owner, [s.id for s in sources], per_source=int(settings.archive.batch_size),
                              lease_s=int(settings.archive.claim_lease_s), max_entries=max_entries, store=store,
                              max_per_source=int(settings.crawl.max_urls_per_source))
        process.crawl(FetchSpider, queue=queue, store=store)
    process.start()
    db.close()


def _parse_override(text: str) -> tuple[str, Any]:
    key, _, raw = text.partition("=")
    try:
        return key, json.loads(raw)
    except json.JSONDecodeError:
        return key, raw


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m crawlers.crawl", description=__doc__)
    parser.add_argument("mode", choices=MODES)
    parser.add_argument("--sources", required=True, type=Path, help="Sources file (YAML or JSON).")
    parser.add_argument("--summary", required=True, type=Path, help="Where to write the per-source JSON summary.")
    parser.add_argument("--source", action="append", default=[], help="Limit to this source id (repeatable).")
    parser.add_argument("--max-entries", type=int, default=None, help="Fetch at most this many frontier entries.")
    parser.add_argument("--set", action="append", default=[], help="Scrapy setting override KEY=JSON (tests).")
    parser.add_argument("--log-level", default="INFO")
    args = parser.parse_args(argv)
    # The parent passes every setting as a variable (crawlers.process.child_environment), no file.
    settings = Settings.from_variables(os.environ)
    sources = [s for s in load_sources(args.sources) if s.enabled and (not args.source or s.id in args.source)]
    overrides = dict(_parse_override(item) for item in args.set)
    overrides.setdefault("LOG_LEVEL", args.log_level)
    started = time.monotonic()
    run(args.mode, settings, sources, args.summary, overrides=overrides, max_entries=args.max_entries)
    if args.summary.exists():
        data = json.loads(args.summary.read_text(encoding="utf-8"))
        data.setdefault("stats", {})["wall_seconds"] = round(time.monotonic() - started, 2)
        args.summary.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())

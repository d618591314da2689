"""Shared helpers of the crawler tests: test settings and source records."""

from __future__ import annotations

from odjek.settings import Settings
from schemas.config import Source


def crawl_settings(database_url: str, **overrides) -> Settings:
    """Production settings with the delay relaxed and short timeouts, for loopback servers."""
    values = {"database_url": database_url, "allow_private_addresses": True, "download_delay_s": 0,
              "download_timeout_s": 3, "retry_backoff_s": 0.1, "concurrency_per_domain": 4}
    values.update(overrides)
    return Settings.from_mapping(values)


def source(source_id: str, **ways) -> Source:
    """A minimal valid source with the given feeds / sitemaps / sections."""
    return Source(id=source_id, name=source_id, country="RS", languages=["sr"], group="domestic", **ways)

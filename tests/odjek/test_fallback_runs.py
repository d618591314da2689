"""Per-path discovery bookkeeping: one crawl per path level, streaks kept, degraded outlets warned not failed."""

from __future__ import annotations

from archive import open_archive
from archive.sources import path_states
from crawlers.fallbacks import source_paths
from crawlers.process import CrawlSummary
from odjek.fallback_runs import crawl_paths
from odjek.settings import Settings
from schemas.config import Source

GNEWS = "http://127.0.0.40:9/rss/search?q=site:{domain}"


def outlet() -> Source:
    return Source(id="novosti", name="Novosti", country="RS", languages=["sr"], group="domestic",
                  homepage="http://127.0.0.31/", feeds=["http://127.0.0.31/rss"],
                  fallbacks=[{"sitemaps": ["http://127.0.0.31/news.xml"]}, {"google_news": True}])


def fake_crawl(outcomes: dict, calls: list):
    """A crawl stand-in answering per path URL; records which reduced sources each level crawled."""
    def crawl(reduced: list[Source]) -> CrawlSummary:
        calls.append([(s.id, s.feeds + s.sitemaps) for s in reduced])
        tallies = {s.id: outcomes[(s.feeds + s.sitemaps)[0]] for s in reduced}
        stats = {"crawl_error": "killed"} if any(t.get("crash") for t in tallies.values()) else {}
        return CrawlSummary("discover", tallies, stats)
    return crawl


def test_levels_streaks_and_warnings(tmp_path):
    db = open_archive(f"sqlite:///{tmp_path / 'a.db'}")
    settings = Settings.from_mapping({"fallback_after_runs": 2, "google_news_url": GNEWS})
    source = outlet()
    paths = source_paths(source, GNEWS)
    broken = {"found": 0, "errors": ["feed http://127.0.0.31/rss: parse error: not a feed"]}
    works = {"found": 5, "discovered": 5}
    outcomes = {"http://127.0.0.31/rss": broken, "http://127.0.0.31/news.xml": works}
    calls: list = []
    for _ in range(2):  # two failed runs of the primary: only the primary is crawled
        summary = crawl_paths(db, settings, [source], fake_crawl(outcomes, calls))
        assert summary.sources["novosti"]["errors"] == ["primary (feeds): feed http://127.0.0.31/rss: parse error: not a feed"]
    assert [len(c) for c in calls] == [1, 1] and path_states(db, "novosti")[paths[0].key].failing_runs == 2
    calls.clear()
    summary = crawl_paths(db, settings, [source], fake_crawl(outcomes, calls))
    # Run 3: primary retried, then the sitemap fallback in its own crawl; the outlet is degraded, not failing.
    assert calls == [[("novosti", ["http://127.0.0.31/rss"])], [("novosti", ["http://127.0.0.31/news.xml"])]]
    tally = summary.sources["novosti"]
    assert tally["errors"] == [] and tally["discovered"] == 5
    assert any(w.startswith("fallback in use: fallback 1 (sitemaps) in use because primary (feeds) failed 2 runs")
               for w in tally["warnings"])
    states = path_states(db, "novosti")
    assert states[paths[0].key].failing_runs == 3 and states[paths[1].key].failing_runs == 0
    db.close()


def test_a_crawl_that_failed_as_a_whole_does_not_count_against_the_outlet(tmp_path):
    db = open_archive(f"sqlite:///{tmp_path / 'a.db'}")
    settings = Settings.from_mapping({"fallback_after_runs": 1, "google_news_url": GNEWS})
    source = outlet()
    crashed = {"found": 0, "errors": ["crawl: discover crawl failed (exit status -9)"], "crash": True}
    summary = crawl_paths(db, settings, [source], fake_crawl({"http://127.0.0.31/rss": crashed}, []))
    assert summary.stats["crawl_error"] == "killed" and summary.sources["novosti"]["errors"]
    assert path_states(db, "novosti") == {}
    db.close()

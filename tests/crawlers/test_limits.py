"""Bounded crawls against hostile outlets on loopback (issue 14): a huge sitemap index, trickling pages,
a crawl that runs out of time, a crawl that fails as a whole, and Scrapy's remote-control server kept off.

Timeouts and caps are set small so each case takes seconds; what is asserted is the bound (requests made,
attempts counted, what is left for the next run), never a wall-clock figure.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from pathlib import Path

from archive.frontier import add_urls, claim
from crawlers.crawl import scrapy_settings
from crawlers.process import CrawlError, run_crawl, soft_deadline_s
from crawlers.store import CrawlStore, FrontierQueue
from schemas.records import DiscoveredUrl, FrontierState
from tests.crawlers.helpers import crawl_settings, source
from tests.crawlers.loopback import LoopbackServer, hang_after_headers, static, trickle

ARTICLE = ("<html><head><title>Vest</title></head><body><article><h1>Vest</h1>"
           "<p>Tekst vesti o dijaspori i povratku.</p></article></body></html>")


def _queue(db, source_id: str, urls: list[str]) -> None:
    add_urls(db, [DiscoveredUrl(url=u, source_id=source_id, via="feed") for u in urls])


def _rows(db) -> dict[str, dict]:
    return {r["url"]: r for r in db.query("SELECT url, state, last_error, attempts, lease_owner FROM frontier")}


def _index(children: list[tuple[str, str]]) -> str:
    items = "".join(f"<sitemap><loc>{loc}</loc><lastmod>{day}</lastmod></sitemap>" for loc, day in children)
    return f'<?xml version="1.0"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{items}</sitemapindex>'


def _urlset(urls: list[str]) -> str:
    items = "".join(f"<url><loc>{u}</loc></url>" for u in urls)
    return f'<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{items}</urlset>'


def test_a_5000_child_sitemap_index_costs_only_the_capped_requests_newest_first(sqlite_archive, tmp_path):
    url = f"sqlite:///{tmp_path / 'archive.db'}"
    with LoopbackServer("127.0.0.81") as web:
        # Child n was modified n minutes into 2026; the index lists them shuffled.
        order = sorted(range(5000), key=lambda n: (n * 7919) % 5000)
        def stamp(n: int) -> str:
            return (dt.datetime(2026, 1, 1) + dt.timedelta(minutes=n)).isoformat() + "Z"

        web.routes["/index.xml"] = static(_index([(web.url(f"/sm/{n}.xml"), stamp(n)) for n in order]),
                                          "application/xml")
        for n in range(5000):
            web.routes[f"/sm/{n}.xml"] = static(_urlset([web.url(f"/a/{n}-{k}-vest-o-dijaspori") for k in range(2)]),
                                                "application/xml")
        settings = crawl_settings(url, sitemap_max_children=5)
        summary = run_crawl("discover", settings, [source("big", sitemaps=[web.url("/index.xml")])], timeout_s=120)
        child_hits = [path for path in web.paths_hit() if path.startswith("/sm/")]
    assert sorted(child_hits) == [f"/sm/{n}.xml" for n in range(4995, 5000)]
    tally = summary.sources["big"]
    assert tally["discovered"] == 10 and tally["errors"] == []
    assert tally["warnings"] == [(f"sitemap {web.url('/index.xml')}: 4995 of 5000 child sitemaps not followed "
                                  "(sitemap_max_children 5)")]


def test_child_sitemaps_are_ordered_newest_first():
    from crawlers.sitemaps import parse_sitemap

    body = _index([("http://news.example/old.xml", "2025-01-01"), ("http://news.example/none.xml", ""),
                   ("http://news.example/new.xml", "2026-11-30T10:00:00+01:00")]).encode()
    assert parse_sitemap(body, "http://news.example/index.xml", "s").children == [
        "http://news.example/new.xml", "http://news.example/old.xml", "http://news.example/none.xml"]


def test_trickling_pages_are_cut_at_the_timeout_and_a_slow_source_is_given_up_for_the_run(sqlite_archive, tmp_path):
    url = f"sqlite:///{tmp_path / 'archive.db'}"
    durations: list[float] = []
    with LoopbackServer("127.0.0.82") as slow, LoopbackServer("127.0.0.83") as healthy:
        for n in range(12):
            slow.routes[f"/drip/{n}"] = trickle(slow.stop_event, every_s=0.4, max_s=30, durations=durations)
        for n in range(5):
            healthy.routes[f"/ok/{n}"] = static(ARTICLE)
        drip = [slow.url(f"/drip/{n}") for n in range(12)]
        fine = [healthy.url(f"/ok/{n}") for n in range(5)]
        _queue(sqlite_archive, "slow", drip)
        _queue(sqlite_archive, "healthy", fine)
        settings = crawl_settings(url, download_timeout_s=1.5, concurrency_per_domain=2, source_max_timeouts=3)
        summary = run_crawl("fetch", settings, [source("slow", feeds=[slow.url("/f")]),
                                                source("healthy", feeds=[healthy.url("/f")])], timeout_s=120)
        time.sleep(0.5)  # the server notices closed connections on its next drip
        drip_hits = [p for p in slow.paths_hit() if p.startswith("/drip/")]
    rows = _rows(sqlite_archive)
    assert all(rows[u]["state"] == "fetched" for u in fine)
    tried = [u for u in drip if rows[u]["attempts"]]
    untried = [u for u in drip if not rows[u]["attempts"]]
    # Three timeouts in a row give the source up; the requests already in flight on its two slots finish.
    assert 3 <= len(tried) <= 5 and len(drip_hits) == len(tried)
    assert all(rows[u]["last_error"].startswith("timeout: no complete response within 1.5s") for u in tried)
    assert all(rows[u]["state"] == "new" and rows[u]["lease_owner"] is None for u in untried)
    # Scrapy's DOWNLOAD_TIMEOUT bounds the whole download, body included: a drip never outlasts it by much.
    assert durations and max(durations) < 1.5 + 1.0
    tally = summary.sources["slow"]
    assert tally["errors"] == ["slow: 3 timeouts or broken connections in a row; its other URLs wait for the next run"]
    assert tally["left_for_next_run"] == len(untried) and tally["retry_later"] == len(tried)
    assert summary.sources["healthy"]["fetched"] == 5 and summary.sources["healthy"]["errors"] == []


def test_an_entry_tried_in_this_crawl_is_not_claimed_again_by_it(archive):
    _queue(archive, "s", [f"http://news.example/a/{n}-vest" for n in range(3)])
    store = CrawlStore(archive, "host:1")
    queue = FrontierQueue(archive, "host:1", ["s"], per_source=2, lease_s=900, store=store)
    first = queue.claim_round()
    assert len(first) == 2
    # Both failed retryably and became due again while the crawl still runs (a long crawl).
    store.attempted.update(e.id for e in first)
    archive.query("UPDATE frontier SET lease_owner = NULL, lease_until = NULL, next_attempt_at = NULL")
    again = queue.claim_round()
    assert [e.url for e in again] == ["http://news.example/a/2-vest"]
    assert queue.claim_round() == []
    # At the end the held entries are released, and only untried ones count as left over.
    store.release_claims()
    assert archive.scalar("SELECT COUNT(*) FROM frontier WHERE lease_owner IS NOT NULL") == 0
    assert store.tally["s"].left_for_next_run == 1


def test_fetch_claims_at_most_max_urls_per_source_per_crawl(archive):
    _queue(archive, "big", [f"http://big.example/a/{n}-vest" for n in range(7)])
    _queue(archive, "small", ["http://small.example/a/1-vest"])
    queue = FrontierQueue(archive, "host:1", ["big", "small"], per_source=3, lease_s=900, max_per_source=4)
    claimed = []
    while batch := queue.claim_round():
        claimed += batch
    assert sorted(e.source_id for e in claimed) == ["big"] * 4 + ["small"]
    assert len(claim(archive, FrontierState.NEW, 10, "other:2")) == 3  # the rest waits for the next run


def test_a_crawl_reaching_its_time_limit_closes_itself_reports_and_releases_its_claims(sqlite_archive, tmp_path):
    url = f"sqlite:///{tmp_path / 'archive.db'}"
    with LoopbackServer("127.0.0.84") as web:
        for n in range(40):
            web.routes[f"/hang/{n}"] = hang_after_headers(web.stop_event, max_s=30)
        _queue(sqlite_archive, "stuck", [web.url(f"/hang/{n}") for n in range(40)])
        settings = crawl_settings(url, download_timeout_s=2, concurrency_per_domain=2, source_max_timeouts=0)
        limit = 30.0
        assert soft_deadline_s(limit, 2) == 15.0
        summary = run_crawl("fetch", settings, [source("stuck", feeds=[web.url("/f")])], timeout_s=limit)
    assert summary.stats["time_limit_reached"] is True
    tally = summary.sources["stuck"]
    assert tally["retry_later"] >= 2 and tally["left_for_next_run"] == 40 - tally["retry_later"]
    assert sqlite_archive.scalar("SELECT COUNT(*) FROM frontier WHERE lease_owner IS NOT NULL") == 0
    assert sqlite_archive.scalar("SELECT COUNT(*) FROM frontier WHERE attempts = 0") == tally["left_for_next_run"]


def test_a_failed_discovery_crawl_is_each_sources_error_and_fetch_still_runs(tmp_path, monkeypatch):
    import crawlers.process
    from archive import open_archive
    from archive.sources import sync_sources
    from odjek.runner import StageContext, run_stages

    url = f"sqlite:///{tmp_path / 'archive.db'}"
    real_run_crawl = crawlers.process.run_crawl

    def discovery_dies(mode, *args, **kwargs):
        if mode == "discover":
            raise CrawlError("discover crawl did not finish within 5s and was stopped; its claims are released"
                             " on the next run\n...log tail...")
        return real_run_crawl(mode, *args, **kwargs)

    monkeypatch.setattr(crawlers.process, "run_crawl", discovery_dies)
    with LoopbackServer("127.0.0.85") as web:
        web.routes["/a/1-vest-o-dijaspori"] = static(ARTICLE)
        db = open_archive(url)
        sources = [source("one", feeds=[web.url("/rss")]), source("two", feeds=[web.url("/rss2")])]
        sync_sources(db, sources)
        _queue(db, "one", [web.url("/a/1-vest-o-dijaspori")])  # queued by an earlier run
        ctx = StageContext(settings=crawl_settings(url), db=db, sources=sources)
        discover, fetch = run_stages(ctx, ["discover", "fetch"])
    assert discover.details["crawl_error"].startswith("discover crawl did not finish within 5s")
    assert discover.failed == 2 and fetch.succeeded == 1
    errors = {r["source_id"]: r["errors"] for r in db.query(
        "SELECT source_id, errors FROM source_runs WHERE stage = 'discover'")}
    assert set(errors) == {"one", "two"} and all("crawl: discover crawl did not finish" in e for e in errors.values())
    db.close()


def test_scrapy_remote_control_server_is_off_and_leaves_no_token_files(sqlite_archive, tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'archive.db'}"
    settings = crawl_settings(url, download_timeout_s=2)
    assert scrapy_settings(settings, [], "fetch")["REMOTE_CONTROL_ENABLED"] is False
    assert scrapy_settings(settings, [], "fetch")["TELNETCONSOLE_ENABLED"] is False
    # Scrapy writes the server's bearer token to $XDG_STATE_HOME/scrapy/job_files/<pid>-<uuid>.json.
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    jobs = tmp_path / "state" / "scrapy" / "job_files"

    def crawl_and_watch(overrides: dict) -> list[str]:
        seen: set[str] = set()
        done = threading.Event()

        def watch():
            while not done.is_set():
                seen.update(p.name for p in jobs.glob("*.json")) if jobs.exists() else None
                time.sleep(0.05)

        watcher = threading.Thread(target=watch)
        watcher.start()
        try:
            run_crawl("fetch", settings, [source("s", feeds=[web.url("/f")])], scrapy_overrides=overrides)
        finally:
            done.set()
            watcher.join()
        return sorted(seen)

    with LoopbackServer("127.0.0.86") as web:
        web.routes["/hang"] = hang_after_headers(web.stop_event, max_s=30)
        _queue(sqlite_archive, "s", [web.url("/hang")])
        assert crawl_and_watch({}) == []
        # The watcher does see the token file when the server is on (Scrapy's default).
        sqlite_archive.query("UPDATE frontier SET next_attempt_at = NULL")
        assert len(crawl_and_watch({"REMOTE_CONTROL_ENABLED": True})) == 1
    assert not any(Path(jobs).glob("*.json")) if jobs.exists() else True


def _rss(urls: list[str]) -> str:
    items = "".join(f"<item><title>Vest {n}</title><link>{u}</link><pubDate>Mon, 30 Nov 2026 09:00:00 GMT</pubDate>"
                    f"</item>" for n, u in enumerate(urls))
    return f'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title><link>http://x</link>{items}</channel></rss>'


def test_odjek_run_over_hostile_outlets_ends_with_each_sources_record_not_a_traceback(tmp_path, monkeypatch):
    from click.testing import CliRunner

    from archive import open_archive
    from odjek.cli import main

    with LoopbackServer("127.0.0.87") as big, LoopbackServer("127.0.0.88") as slow, \
            LoopbackServer("127.0.0.89") as healthy:
        big.routes["/index.xml"] = static(_index([(big.url(f"/sm/{n}.xml"), f"2026-11-{1 + n % 28:02d}")
                                                  for n in range(200)]), "application/xml")
        for n in range(200):
            big.routes[f"/sm/{n}.xml"] = static(_urlset([big.url(f"/a/{n}-vest-o-dijaspori")]), "application/xml")
            big.routes[f"/a/{n}-vest-o-dijaspori"] = static(ARTICLE)
        slow.routes["/rss"] = static(_rss([slow.url(f"/drip/{n}-vest") for n in range(8)]), "application/rss+xml")
        for n in range(8):
            slow.routes[f"/drip/{n}-vest"] = trickle(slow.stop_event, every_s=0.4, max_s=30)
        healthy.routes["/rss"] = static(_rss([healthy.url(f"/ok/{n}-vest") for n in range(3)]), "application/rss+xml")
        for n in range(3):
            healthy.routes[f"/ok/{n}-vest"] = static(ARTICLE)
        sources = tmp_path / "sources.yaml"
        line = "  - {{id: {id}, name: {id}, country: RS, languages: [sr], group: domestic, {way}: ['{url}']}}\n"
        sources.write_text("sources:\n" + line.format(id="big", way="sitemaps", url=big.url("/index.xml"))
                           + line.format(id="slow", way="feeds", url=slow.url("/rss"))
                           + line.format(id="healthy", way="feeds", url=healthy.url("/rss")), encoding="utf-8")
        for name, value in {"DATA_DIR": tmp_path / "var", "ALLOW_PRIVATE_ADDRESSES": "1", "DOWNLOAD_DELAY_S": "0",
                            "DOWNLOAD_TIMEOUT_S": "1.5", "SITEMAP_MAX_CHILDREN": "5", "SOURCE_MAX_TIMEOUTS": "2",
                            "CONCURRENCY_PER_DOMAIN": "2", "RETRY_BACKOFF_S": "0.1"}.items():
            monkeypatch.setenv(f"ODJEK_{name}", str(value))
        monkeypatch.delenv("ODJEK_DATABASE_URL", raising=False)
        result = CliRunner().invoke(main, ["run", "--stage", "discover", "--stage", "fetch", "--sources",
                                           str(sources), "--json"])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    assert result.exit_code == 0, result.output  # not every source failed: the run itself did not fail
    db = open_archive(f"sqlite:///{tmp_path / 'var' / 'odjek.db'}")
    states = {(r["source_id"], r["state"]): r["n"] for r in db.query(
        "SELECT source_id, state, COUNT(*) AS n FROM frontier GROUP BY source_id, state")}
    runs = {(r["source_id"], r["stage"]): r["errors"] for r in db.query("SELECT source_id, stage, errors FROM source_runs")}
    db.close()
    assert states[("big", "fetched")] == 5 and states[("healthy", "fetched")] == 3
    assert states[("slow", "new")] == 8  # two timed out, six left for the next run
    assert "child sitemaps not followed" in runs[("big", "discover")]
    assert "slow: 2 timeouts or broken connections in a row" in runs[("slow", "fetch")]

"""Fetching against hostile servers, Retry-After, and the SSRF guard in a real crawl."""

from __future__ import annotations

import pytest

from archive.frontier import add_urls
from crawlers.middlewares import retry_after_seconds
from crawlers.process import run_crawl
from schemas.records import DiscoveredUrl
from tests.crawlers.helpers import crawl_settings, source
from tests.crawlers.loopback import (
    LoopbackServer,
    broken_chunked,
    endless,
    gzip_bomb,
    hang_after_headers,
    redirect,
    short_body,
    static,
    status_with_retry_after,
)

MB = 1024 * 1024


def _queue(db, source_id: str, urls: list[str]) -> None:
    add_urls(db, [DiscoveredUrl(url=u, source_id=source_id, via="feed") for u in urls])


def _states(db) -> dict[str, tuple[str, str | None, int]]:
    return {r["url"]: (r["state"], r["last_error"], r["attempts"])
            for r in db.query("SELECT url, state, last_error, attempts FROM frontier")}


def test_retry_after_header_forms():
    assert retry_after_seconds(b"120") == 120
    assert retry_after_seconds("Wed, 25 Nov 2026 10:00:30 GMT", now=1795600800.0) == pytest.approx(30, abs=1)
    assert retry_after_seconds(b"soon") is None and retry_after_seconds(None) is None


def test_hostile_server_every_url_ends_as_a_recorded_failure_with_bounded_memory(archive, archive_url):
    with LoopbackServer("127.0.0.61") as web:
        web.routes.update({
            "/hang": hang_after_headers(web.stop_event),
            "/short": short_body(),
            "/chunked": broken_chunked(),
            "/huge-chunked": endless(200 * MB),
            "/huge-declared": endless(50 * MB, with_length=True),
            "/bomb": gzip_bomb(500 * MB),
            "/loop-a": redirect(web.url("/loop-b")),
            "/loop-b": redirect(web.url("/loop-a")),
            "/slow-down": status_with_retry_after(429, 1),
            "/fine": static("<html><body><p>Still fetched.</p></body></html>"),
        })
        urls = {name: web.url(f"/{name}") for name in
                ("hang", "short", "chunked", "huge-chunked", "huge-declared", "bomb", "loop-a", "slow-down", "fine")}
        _queue(archive, "hostile", list(urls.values()))
        settings = crawl_settings(archive_url, download_timeout_s=2, max_page_bytes=5 * MB, max_redirects=3,
                                  retry_times=1, max_attempts=3)
        summary = run_crawl("fetch", settings, [source("hostile", feeds=[web.url("/feed")])], timeout_s=240)
        slow_hits = [t for path, t, _ in web.hits if path == "/slow-down"]
    states = _states(archive)
    kinds = {name: (states[url][0], (states[url][1] or "").split(":", 1)[0]) for name, url in urls.items()}
    assert kinds == {
        "hang": ("new", "timeout"),  # retryable: back in the queue after a backoff, attempt counted
        "short": ("new", "connection"),
        "chunked": ("new", "connection"),
        "huge-chunked": ("failed", "too large"),
        "huge-declared": ("failed", "too large"),
        "bomb": ("failed", "too large"),
        "loop-a": ("failed", "redirects"),
        "slow-down": ("new", "http 429"),
        "fine": ("fetched", ""),
    }
    assert all(states[url][2] == 1 for name, url in urls.items() if name != "fine")
    assert "Retry-After 1s" in states[urls["slow-down"]][1]
    # The 429 paused the host for the announced second before the one retry.
    assert len(slow_hits) == 2 and slow_hits[1] - slow_hits[0] >= 0.9
    assert archive.scalar("SELECT COUNT(*) FROM raw_pages") == 1
    # 200 MB streamed and 500 MB inflated: neither was held in memory (a crawl idles at about 100 MB).
    assert summary.stats["peak_rss_bytes"] < 250 * MB
    assert summary.sources["hostile"]["fetched"] == 1 and summary.sources["hostile"]["retry_later"] == 4


def test_retryable_failures_become_final_after_max_attempts(sqlite_archive, tmp_path):
    url = f"sqlite:///{tmp_path / 'archive.db'}"
    with LoopbackServer("127.0.0.62") as web:
        web.routes["/down"] = static("down", status=503)
        _queue(sqlite_archive, "s", [web.url("/down")])
        settings = crawl_settings(url, retry_times=0, max_attempts=2)
        for _ in range(2):
            sqlite_archive.query("UPDATE frontier SET next_attempt_at = NULL")  # skip the backoff wait
            run_crawl("fetch", settings, [source("s", feeds=[web.url("/rss")])])
    state, error, attempts = _states(sqlite_archive)[web.url("/down")]
    assert (state, attempts) == ("failed", 2) and error.startswith("http 503: server error")


def test_ssrf_guard_refuses_private_targets_before_connecting(archive, archive_url):
    with LoopbackServer("127.0.0.1") as inside, LoopbackServer("127.0.0.2") as outside:
        inside.routes["/secret"] = static("internal")
        outside.routes["/jump"] = redirect(inside.url("/secret"))
        outside.routes["/ok"] = static("<html><body>public page</body></html>")
        outside.routes["/rss.xml"] = redirect(inside.url("/feed.xml"))
        settings = crawl_settings(archive_url, allow_private_addresses=False)
        # 127.0.0.2 stands in for a public server. Private and metadata answers come from a stub resolver
        # for names under .test (reserved, never resolvable): even a regressed guard sends nothing there.
        overrides = {"ODJEK_TRUSTED_ADDRESSES": ["127.0.0.2"],
                     "ODJEK_STUB_DNS": {"intranet.test": ["10.0.0.1"], "metadata.test": ["169.254.169.254"],
                                        "dual.test": ["127.0.0.2", "fd00::1"]}}
        sources = [source("private", feeds=["http://intranet.test/rss.xml"]),
                   source("metadata", feeds=["http://metadata.test/latest/meta-data/"]),
                   source("jumper", feeds=[outside.url("/rss.xml")])]
        discovered = run_crawl("discover", settings, sources, scrapy_overrides=overrides)
        _queue(archive, "jumper", [outside.url("/jump"), outside.url("/ok"), "http://intranet.test/article",
                                   "http://dual.test/article", "http://[::1]/x"])
        run_crawl("fetch", settings, sources, scrapy_overrides=overrides)
        inside_hits = list(inside.hits)
    assert discovered.sources["private"]["errors"] == [
        "feed http://intranet.test/rss.xml: refused: intranet.test (10.0.0.1) is a private address"]
    assert discovered.sources["metadata"]["errors"] == [
        "feed http://metadata.test/latest/meta-data/: refused: metadata.test (169.254.169.254) is a cloud metadata"
        " address"]
    assert discovered.sources["jumper"]["errors"] == [
        f"feed {outside.url('/rss.xml')}: refused: 127.0.0.1 is a loopback address"]
    states = _states(archive)
    assert states[outside.url("/jump")][:2] == ("failed", "refused: 127.0.0.1 is a loopback address")
    assert states["http://intranet.test/article"][:2] == (
        "failed", "refused: intranet.test (10.0.0.1) is a private address")
    assert states["http://dual.test/article"][:2] == ("failed", "refused: dual.test (fd00::1) is a private address")
    assert states["http://[::1]/x"][:2] == ("failed", "refused: ::1 is a loopback address")
    assert states[outside.url("/ok")][0] == "fetched"
    assert inside_hits == []


# Spellings of 127.0.0.1 (and of "this host") that a URL parser, the C resolver or the kernel read as loopback.
LOOPBACK_SPELLINGS = ["127.0.0.1", "127.1", "127.0.1", "2130706433", "0x7f000001", "0x7f.0.0.1", "0177.0.0.1",
                      "017700000001", "127.000.000.001", "localhost", "LOCALHOST.", "intranet.localhost", "[::1]",
                      "[0:0:0:0:0:0:0:1]", "[::ffff:127.0.0.1]", "[::ffff:7f00:1]", "0.0.0.0", "0"]


def test_loopback_spellings_and_redirects_to_them_are_refused_before_connecting(archive, archive_url):
    """Kept from the issue-14 audit: every spelling of the crawler's own host, asked directly or reached by a
    redirect from an allowed server, is refused and never connected to (all targets are this machine)."""
    with LoopbackServer("127.0.0.1") as inside, LoopbackServer("127.0.0.2") as outside:
        inside.routes["/secret"] = static("internal")
        direct = [f"http://{host}:{inside.port}/secret" for host in LOOPBACK_SPELLINGS]
        jumps = []
        for i, target in enumerate(direct):
            outside.routes[f"/jump/{i}"] = redirect(target)
            jumps.append(outside.url(f"/jump/{i}"))
        settings = crawl_settings(archive_url, allow_private_addresses=False)
        _queue(archive, "spellings", direct + jumps)
        queued = archive.scalar("SELECT COUNT(*) FROM frontier")
        run_crawl("fetch", settings, [source("spellings", feeds=[outside.url("/rss")])],
                  scrapy_overrides={"ODJEK_TRUSTED_ADDRESSES": ["127.0.0.2"]})
        inside_hits = list(inside.hits)
        outside_hits = {path for path, *_ in outside.hits} - {"/robots.txt"}
    assert queued == len(LOOPBACK_SPELLINGS) * 2
    rows = archive.query("SELECT url, state, last_error FROM frontier")
    assert {r["state"] for r in rows} == {"failed"}, [(r["url"], r["state"], r["last_error"]) for r in rows]
    assert all(r["last_error"].startswith("refused: ") for r in rows), [(r["url"], r["last_error"]) for r in rows]
    assert outside_hits == {f"/jump/{i}" for i in range(len(LOOPBACK_SPELLINGS))}  # each redirect was followed
    assert inside_hits == []


def test_guarded_resolver_refuses_private_answers():
    from twisted.internet.error import DNSLookupError

    from crawlers.middlewares import GuardedResolver

    resolver = GuardedResolver(object(), 0, 5.0)  # no reactor installed in the test process
    assert resolver._check("93.184.216.34", "news.example") == "93.184.216.34"
    with pytest.raises(DNSLookupError, match="rebind.example resolves to 10.0.0.7, a private address"):
        resolver._check("10.0.0.7", "rebind.example")
    resolver.trusted = frozenset({"127.0.0.2"})
    assert resolver._check("127.0.0.2", "stand-in.example") == "127.0.0.2"

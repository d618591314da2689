"""The collector end to end on loopback webs: discovery (feeds, sitemaps, sections), fetching, re-runs."""

from __future__ import annotations

import json
import re
from collections import Counter

from crawlers.feeds import parse_feed
from crawlers.process import run_crawl
from schemas.config import Section
from tests.conftest import shared_dir
from tests.crawlers.helpers import crawl_settings, source
from tests.crawlers.loopback import LoopbackServer, redirect, static


def _page(title: str, canonical: str | None = None) -> str:
    link = f'<link rel="canonical" href="{canonical}">' if canonical else ""
    return f"<html><head><title>{title}</title>{link}</head><body><article><p>{title} tekst.</p></article></body></html>"


def _small_web(web: LoopbackServer) -> list:
    """Four outlets on one host: RSS with ETag, Atom with Last-Modified, a sitemap index via robots.txt, sections."""
    base = web.url("")
    rss_items = "".join(
        f"<item><title>Vest {i}</title><link>{base}/rss/{i}?utm_source=rss&amp;fbclid=x</link></item>" for i in range(3))
    web.routes["/rss.xml"] = static(f'<rss version="2.0"><channel><title>R</title>{rss_items}</channel></rss>',
                                    "application/rss+xml", etag='"r1"')
    atom = (f'<feed xmlns="http://www.w3.org/2005/Atom"><title>A</title>'
            f'<entry><title>Atom 1</title><link href="{base}/atom/1"/><updated>2026-03-16T09:00:00Z</updated></entry>'
            f'<entry><title>AMP copy</title><link href="{base}/amp/rss/1"/></entry></feed>')
    web.routes["/atom.xml"] = static(atom, "application/atom+xml", last_modified="Mon, 16 Mar 2026 09:00:00 GMT")
    web.routes["/robots.txt"] = static(f"User-agent: *\nDisallow: /tajno/\nSitemap: {base}/sitemap_index.xml\n",
                                       "text/plain")
    web.routes["/sitemap_index.xml"] = static(
        f'<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><sitemap><loc>{base}/news.xml</loc>'
        f"</sitemap></sitemapindex>", "application/xml")
    web.routes["/news.xml"] = static(
        f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" '
        f'xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">'
        f"<url><loc>{base}/sm/1</loc><news:news><news:title>Sitemap 1</news:title>"
        f"<news:publication_date>2026-03-16T10:00:00+01:00</news:publication_date></news:news></url>"
        f"<url><loc>{base}/sm/2</loc></url><url><loc>{base}/tajno/3</loc></url></urlset>", "application/xml")
    web.routes["/rubrika/"] = static(
        '<a href="/tekst/1/prvi.html">Prvi</a><a href="/tekst/2/drugi.html">Drugi</a><a href="/o-nama">O nama</a>'
        '<a href="/rubrika/?strana=2" rel="next">Dalje</a>')
    web.routes["/rubrika/?strana=2"] = static('<a href="/tekst/3/treci.html">Treći</a>')
    for path in ("/rss/0", "/rss/2", "/atom/1", "/sm/1", "/sm/2", "/tekst/1/prvi.html", "/tekst/2/drugi.html",
                 "/tekst/3/treci.html"):
        web.routes[path] = static(_page(path))
    # The article declares that its canonical spelling is an entry the frontier already holds.
    web.routes["/rss/1"] = static(_page("rss 1", canonical=f"{base}/sm/2"))
    web.routes["/tajno/3"] = static(_page("secret"))
    return [
        source("rss", feeds=[base + "/rss.xml"]),
        source("atom", feeds=[base + "/atom.xml"]),
        source("sitemap", sitemaps=[base + "/robots.txt"]),
        source("sections", sections=[Section(url=base + "/rubrika/", link_pattern=r"/tekst/\d+/[a-z0-9-]+\.html$")]),
    ]


def _frontier(db) -> dict[str, dict]:
    return {r["canonical_url"]: r for r in db.query("SELECT * FROM frontier ORDER BY id")}


def test_discover_fetch_and_rerun_on_a_small_web(archive, archive_url):
    with LoopbackServer("127.0.0.51") as web:
        sources = _small_web(web)
        base = web.url("")
        settings = crawl_settings(archive_url)
        first = run_crawl("discover", settings, sources)
        frontier = _frontier(archive)
        expected = {f"{base}/rss/{i}" for i in range(3)} | {f"{base}/atom/1", f"{base}/sm/1", f"{base}/sm/2",
                                                            f"{base}/tajno/3"}
        expected |= {f"{base}/tekst/{i}/{n}.html" for i, n in ((1, "prvi"), (2, "drugi"), (3, "treci"))}
        assert set(frontier) == expected  # tracking parameters and the AMP copy collapsed into one spelling each
        new = {s: first.sources[s]["discovered"] for s in first.sources}
        # /rss/1 is linked by both feeds (once as its AMP copy): whichever is stored first owns it.
        assert new["rss"] + new["atom"] == 4 and new["sitemap"] == 3 and new["sections"] == 3
        assert first.sources["atom"]["found"] == 2 and first.sources["rss"]["found"] == 3
        assert all(not t["errors"] for t in first.sources.values())
        hints = json.loads(frontier[f"{base}/sm/1"]["hints"])
        assert hints == {"title": "Sitemap 1", "published": "2026-03-16T09:00:00+00:00"}
        feed_state = {r["feed_url"]: r for r in archive.query("SELECT * FROM feed_state")}
        assert feed_state[base + "/rss.xml"]["etag"] == '"r1"'

        fetched = run_crawl("fetch", settings, sources)
        states = {url: (r["state"], r["last_error"]) for url, r in _frontier(archive).items()}
        assert states[f"{base}/tajno/3"] == ("failed", "robots: disallowed by robots.txt")
        duplicate = archive.one("SELECT id FROM frontier WHERE canonical_url = ?", (f"{base}/sm/2",))["id"]
        assert states[f"{base}/rss/1"][0] == "not_article"
        assert states[f"{base}/rss/1"][1].startswith(f"duplicate of {duplicate}")
        assert Counter(s for s, _ in states.values()) == Counter({"fetched": 8, "failed": 1, "not_article": 1})
        assert archive.scalar("SELECT COUNT(*) FROM raw_pages") == 8
        page = archive.one("SELECT final_url, status, headers FROM raw_pages r JOIN frontier f ON f.id = r.frontier_id"
                           " WHERE f.canonical_url = ?", (f"{base}/atom/1",))
        assert page["final_url"] == f"{base}/atom/1" and page["status"] == 200
        assert "text/html" in json.loads(page["headers"])["Content-Type"]
        assert sum(t["duplicates"] for t in fetched.sources.values()) == 1

        hits_before = len(web.hits)
        again = run_crawl("discover", settings, sources)
        assert sum(t["discovered"] for t in again.sources.values()) == 0
        assert again.sources["rss"]["not_modified"] == 1 and again.sources["atom"]["not_modified"] == 1
        conditional = {h[0]: (h[2].get("If-None-Match"), h[2].get("If-Modified-Since")) for h in web.hits[hits_before:]}
        assert conditional["/rss.xml"] == ('"r1"', None)
        assert conditional["/atom.xml"] == (None, "Mon, 16 Mar 2026 09:00:00 GMT")
        refetch = run_crawl("fetch", settings, sources)
        assert refetch.sources == {}
        assert len(_frontier(archive)) == len(expected)


def test_feed_errors_are_per_source_records_and_the_crawl_goes_on(sqlite_archive, tmp_path):
    url = f"sqlite:///{tmp_path / 'archive.db'}"
    with LoopbackServer("127.0.0.52") as web:
        base = web.url("")
        web.routes["/500.xml"] = static("<h1>Internal Server Error</h1>", status=500)
        web.routes["/html"] = static("<html><body>no feed here</body></html>")
        web.routes["/loop"] = redirect(base + "/loop")
        web.routes["/ok.xml"] = static(f'<rss version="2.0"><channel><item><link>{base}/a</link></item></channel></rss>',
                                       "application/rss+xml")
        sources = [source("broken", feeds=[base + "/500.xml", base + "/html", base + "/loop", base + "/missing.xml"]),
                   source("fine", feeds=[base + "/moved.xml"])]
        web.routes["/moved.xml"] = redirect(base + "/ok.xml", status=301)
        summary = run_crawl("discover", crawl_settings(url, retry_times=1), sources)
    errors = sorted(e.split(": ", 1)[1] for e in summary.sources["broken"]["errors"])
    assert errors == sorted([
        "http 500: server error (after 1 retries)", "empty: no entries (no recognisable feed format)",
        "redirects: max redirections reached (redirect loop or chain too long)", "http 404: not found"])
    assert summary.sources["fine"]["discovered"] == 1 and not summary.sources["fine"]["errors"]
    state = sqlite_archive.one("SELECT last_status, last_success_at FROM feed_state WHERE feed_url = ?",
                               (base + "/500.xml",))
    assert state["last_status"] == 500 and state["last_success_at"] is None
    moved = sqlite_archive.one("SELECT last_status FROM feed_state WHERE feed_url = ?", (base + "/moved.xml",))
    assert moved["last_status"] == 200  # kept under the configured URL, whatever it redirects to


DANGEROUS = re.compile(r"<\s*script|<\s*iframe|javascript\s*:|\bon[a-z]+\s*=", re.IGNORECASE)
_ENTRY_START = re.compile(rb"(<entry[^>]*>|<item[^>]*>)")


def _with_links(body: bytes, base: str, name: str) -> bytes:
    """Give every entry of a sanitizer test feed an article link, so what it carries reaches the frontier."""
    counter = iter(range(10_000))

    def add(match):
        n = next(counter)
        link = f'<link rel="alternate" href="{base}/{name}/{n}"/>' if match.group(1).startswith(b"<entry") else \
            f"<link>{base}/{name}/{n}</link>"
        return match.group(1) + link.encode()

    return _ENTRY_START.sub(add, body)


def test_real_world_feeds_through_the_collector(tmp_path):
    """Every file of ../shared/realfeeds served from loopback through one discovery crawl: entries or a reason."""
    files = sorted(shared_dir("realfeeds").rglob("*.xml"))
    url = f"sqlite:///{tmp_path / 'archive.db'}"
    from archive import open_archive

    db = open_archive(url)
    with LoopbackServer("127.0.0.53") as web:
        sources = []
        for i, path in enumerate(files):
            web.routes[f"/f/{i}.xml"] = static(path.read_bytes(), "application/xml")
            sources.append(source(f"rf-{i:04d}", feeds=[web.url(f"/f/{i}.xml")]))
        summary = run_crawl("discover", crawl_settings(url, concurrency_per_domain=16), sources)
    outcomes = Counter()
    for i, path in enumerate(files):
        tally = summary.sources[f"rf-{i:04d}"]
        assert bool(tally["found"]) != bool(tally["errors"]), (path, tally)
        outcomes["entries" if tally["found"] else tally["errors"][0].split(": ", 1)[1].split(":")[0]] += 1
    assert sum(outcomes.values()) == len(files) >= 1000
    assert outcomes["entries"] >= 40
    # Many test feeds link the same example URLs: the frontier holds each canonical URL once.
    assert db.scalar("SELECT COUNT(*) FROM frontier") == sum(t["discovered"] for t in summary.sources.values()) > 0
    print(f"\nrealfeeds through the collector: {dict(outcomes)} of {len(files)} feeds "
          f"in {summary.stats.get('wall_seconds')}s")


def test_sanitizer_feeds_leave_no_active_content_in_the_archive(archive, archive_url):
    files = sorted(shared_dir("realfeeds", "wellformed", "sanitize").glob("*.xml"))
    entries = 0
    with LoopbackServer("127.0.0.54") as web:
        sources = []
        for i, path in enumerate(files):
            body = _with_links(path.read_bytes(), web.url(""), f"e{i}")
            entries += len(parse_feed(body, web.url(f"/s/{i}.xml"), "x").entries)
            web.routes[f"/s/{i}.xml"] = static(body, "application/xml")
            sources.append(source(f"san-{i:04d}", feeds=[web.url(f"/s/{i}.xml")]))
        run_crawl("discover", crawl_settings(archive_url, concurrency_per_domain=16), sources)
    rows = archive.query("SELECT url, hints FROM frontier")
    # Every entry (Atom 0.3 test feeds carry their payload at feed level, no entries) reached the frontier.
    assert len(rows) == entries >= 500
    carried = 0
    for row in rows:
        hints = json.loads(row["hints"])
        carried += bool(hints)
        for value in (row["url"], *hints.values()):
            assert not DANGEROUS.search(value), (row["url"], value)
    assert carried >= 150  # titles/summaries with text left after sanitising were stored, and stored clean


def test_a_redirect_target_is_adopted_as_the_canonical_spelling(sqlite_archive, tmp_path):
    url = f"sqlite:///{tmp_path / 'archive.db'}"
    with LoopbackServer("127.0.0.55") as web:
        base = web.url("")
        web.routes["/short/1"] = redirect(base + "/vesti/1-pravi-naslov")
        web.routes["/short/2"] = redirect(base + "/vesti/1-pravi-naslov")
        web.routes["/vesti/1-pravi-naslov"] = static(_page("pravi"))
        web.routes["/rss.xml"] = static(f'<rss version="2.0"><channel><item><link>{base}/short/1</link></item>'
                                        f"<item><link>{base}/short/2</link></item></channel></rss>",
                                        "application/rss+xml")
        sources = [source("r", feeds=[base + "/rss.xml"])]
        settings = crawl_settings(url)
        run_crawl("discover", settings, sources)
        run_crawl("fetch", settings, sources)
        rows = sqlite_archive.query("SELECT id, canonical_url, state, last_error FROM frontier ORDER BY id")
        # A later discovery of the real spelling is recognised as known.
        web.routes["/rss.xml"] = static(f'<rss version="2.0"><channel><item><link>{base}/vesti/1-pravi-naslov</link>'
                                        f"</item></channel></rss>", "application/rss+xml")
        again = run_crawl("discover", settings, sources)
    first, second = rows
    assert {first["state"], second["state"]} == {"fetched", "not_article"}
    kept = first if first["state"] == "fetched" else second
    dropped = second if kept is first else first
    assert kept["canonical_url"] == base + "/vesti/1-pravi-naslov"
    assert dropped["last_error"].startswith(f"duplicate of {kept['id']}")
    assert again.sources["r"]["discovered"] == 0

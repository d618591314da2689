"""The sample web over real loopback sockets: every outlet's way in, the chrome, and each broken thing."""

from __future__ import annotations

import gzip
import http.client
import json
import re
import socket
import threading
import xml.etree.ElementTree as ET
from collections import defaultdict
from email.utils import parsedate_to_datetime
from urllib.parse import urljoin, urlsplit
from urllib.robotparser import RobotFileParser

import feedparser
import pytest

from sampleweb import broken
from sampleweb.content import load_outlets
from sampleweb.server import SampleWeb, serve
from schemas.config import load_sources

SM = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
NEWS = "{http://www.google.com/schemas/sitemap-news/0.9}"
TIMEOUT_S = 5.0


@pytest.fixture(scope="module")
def web():
    with serve(port=0) as running:
        yield running


def fetch(url: str, headers: dict | None = None, method: str = "GET", timeout: float = TIMEOUT_S):
    """One request without following redirects: (status, lowercase headers, raw body bytes)."""
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout)
    try:
        target = parts.path + (f"?{parts.query}" if parts.query else "")
        conn.request(method, target or "/", headers=headers or {})
        response = conn.getresponse()
        body = response.read()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, body
    finally:
        conn.close()


def canonical(url: str) -> str:
    """What a crawler should reduce a discovered link to: no query, no fragment, no AMP prefix."""
    parts = urlsplit(url)
    path = parts.path.removeprefix("/amp") if parts.path.startswith("/amp/") else parts.path
    return f"{parts.scheme}://{parts.netloc}{path}"


def sitemap_locs(url: str) -> tuple[str, list[str]]:
    """(root tag, <loc>s) of a sitemap or sitemap index."""
    status, _, body = fetch(url)
    assert status == 200, url
    root = ET.fromstring(body)
    return root.tag, [loc.text for loc in root.iter(f"{SM}loc")]


def discover(web: SampleWeb, source: dict) -> set[str]:
    """Article URLs reachable through what the sources file declares, as a crawler would find them."""
    found: set[str] = set()
    for feed_url in source.get("feeds", []):
        status, _, body = fetch(feed_url)
        if status != 200:
            continue
        parsed = feedparser.parse(body)
        if parsed.bozo:
            continue
        found |= {canonical(e.link) for e in parsed.entries}
    pending = list(source.get("sitemaps", []))
    while pending:
        url = pending.pop()
        if url.endswith("/robots.txt"):
            pending += re.findall(r"^Sitemap: (\S+)$", fetch(url)[2].decode(), re.M)
            continue
        tag, locs = sitemap_locs(url)
        if tag == f"{SM}sitemapindex":
            pending += locs
        else:
            found |= set(locs)
    for section in source.get("sections", []):
        url = section["url"]
        while url:
            status, _, body = fetch(url)
            assert status == 200, url
            html = body.decode("utf-8")
            found |= {urljoin(url, href) for href in re.findall(r'href="([^"]+)"', html)
                      if re.search(section["link_pattern"], urljoin(url, href))}
            nxt = re.search(r'<link rel="next" href="([^"]+)"', html)
            url = urljoin(url, nxt.group(1).replace("&amp;", "&")) if nxt else None
    return found


def test_outlets_listen_on_distinct_loopback_hosts_sharing_one_port(web):
    outlets = load_outlets()
    assert len(outlets) >= 12
    hosts = {urlsplit(web.base_url(o.id)).hostname for o in outlets}
    ports = {urlsplit(web.base_url(o.id)).port for o in outlets}
    assert len(hosts) == len(outlets) and all(h.startswith("127.0.0.") for h in hosts)
    assert ports == {web.port} and web.port > 0
    for outlet in outlets:
        status, headers, body = fetch(web.base_url(outlet.id) + "/")
        assert status == 200, outlet.id
        assert outlet.name.encode(outlet.encoding) in body


def test_sources_file_validates_and_points_at_live_addresses(web, tmp_path):
    path = web.write_sources(tmp_path / "sources.yaml")
    sources = load_sources(path)
    assert [s.id for s in sources] == [o.id for o in load_outlets()]
    for source in sources:
        assert source.hosts == {urlsplit(web.base_url(source.id)).hostname}
    kinds = {s.id: (bool(s.feeds), bool(s.sitemaps), bool(s.sections)) for s in sources}
    assert kinds["novi-pogled"] == (False, True, False)
    assert next(s for s in sources if s.id == "novi-pogled").sitemaps[0].endswith("/robots.txt")
    assert kinds["podgoricki-dnevnik"] == (False, False, True)
    assert kinds["srpske-novine-zagreb"] == (False, False, True)


def test_every_outlets_declared_way_in_finds_all_its_listed_articles(web):
    by_outlet = defaultdict(set)
    for article in web.articles:
        by_outlet[article.outlet_id].add(article.url(web.base_url(article.outlet_id)))
    for source in web.sources()["sources"]:
        expected = by_outlet[source["id"]]
        if not expected:
            continue  # an outlet whose articles are not written yet; counted in test_content
        found = discover(web, source)
        if source["id"] == broken.BROKEN_OUTLET:
            # The working feed also links the broken pages; every real article is among its links.
            assert expected <= found
        else:
            assert found == expected, source["id"]


def test_feeds_are_valid_rss_or_atom_with_dates(web):
    for outlet in load_outlets():
        for path in outlet.feeds:
            if path == broken.FEED_500_PATH or "malformed_feed" in outlet.broken:
                continue
            status, headers, body = fetch(web.base_url(outlet.id) + path)
            assert status == 200
            if headers.get("content-encoding") == "gzip":
                body = gzip.decompress(body)
            parsed = feedparser.parse(body)
            assert not parsed.bozo, (outlet.id, parsed.get("bozo_exception"))
            expected = "atom10" if "atom" in outlet.publishes and "rss" not in outlet.publishes else "rss20"
            assert parsed.version == expected, outlet.id
            assert parsed.entries and all(e.get("published_parsed") for e in parsed.entries)


def test_feeds_answer_304_to_conditional_get(web):
    url = web.base_url("vesti-dana") + "/rss.xml"
    status, headers, _ = fetch(url)
    assert status == 200 and headers["etag"] and headers["last-modified"]
    assert fetch(url, {"If-None-Match": headers["etag"]})[0] == 304
    assert fetch(url, {"If-Modified-Since": headers["last-modified"]})[0] == 304
    assert fetch(url, {"If-None-Match": '"stale"'})[0] == 200
    older = "Mon, 02 Feb 2026 10:00:00 GMT"
    assert parsedate_to_datetime(older) < parsedate_to_datetime(headers["last-modified"])
    assert fetch(url, {"If-Modified-Since": older})[0] == 200


def test_gzip_only_when_accepted_and_only_for_gzip_outlets(web):
    url = web.base_url("bna") + "/rss"
    status, headers, body = fetch(url, {"Accept-Encoding": "gzip"})
    assert status == 200 and headers["content-encoding"] == "gzip"
    assert feedparser.parse(gzip.decompress(body)).entries
    assert "content-encoding" not in fetch(url)[1]
    assert "content-encoding" not in fetch(web.base_url("kosovska-hronika") + "/rss.xml", {"Accept-Encoding": "gzip"})[1]


def test_feed_links_carry_tracking_parameters_and_amp_variants(web):
    _, _, body = fetch(web.base_url("glasnik-cikago") + "/feed.rss")
    links = [e.link for e in feedparser.parse(body).entries]
    assert links and all("utm_source=rss" in link for link in links)
    _, _, body = fetch(web.base_url("balkan-observer") + "/feeds/all.rss")
    links = [e.link for e in feedparser.parse(body).entries]
    amp_links = [link for link in links if urlsplit(link).path.startswith("/amp/")]
    assert amp_links and len(amp_links) < len(links)
    status, _, page = fetch(amp_links[0])
    assert status == 200
    assert f'<link rel="canonical" href="{canonical(amp_links[0])}">'.encode() in page
    assert b"<html amp " in page


def test_news_sitemap_index_is_announced_in_robots_txt(web):
    base = web.base_url("novi-pogled")
    _, _, robots = fetch(base + "/robots.txt")
    announced = re.findall(r"^Sitemap: (\S+)$", robots.decode(), re.M)
    assert base + "/sitemap_index.xml" in announced
    tag, children = sitemap_locs(base + "/sitemap_index.xml")
    assert tag == f"{SM}sitemapindex" and base + "/sitemap-news.xml" in children
    status, _, body = fetch(base + "/sitemap-news.xml")
    assert b'xmlns:news="http://www.google.com/schemas/sitemap-news/0.9"' in body
    root = ET.fromstring(body)
    dates = [d.text for d in root.iter(f"{NEWS}publication_date")]
    assert dates and len(dates) == len(list(root.iter(f"{SM}url")))


def test_section_pages_paginate_with_rel_next(web):
    source = next(s for s in web.sources()["sources"] if s["id"] == "podgoricki-dnevnik")
    pages_with_next = 0
    for section in source["sections"]:
        _, _, body = fetch(section["url"])
        pages_with_next += b'rel="next"' in body
    assert pages_with_next >= 1
    assert fetch(source["sections"][0]["url"] + "?strana=99")[0] == 404


def test_article_pages_carry_canonical_og_and_a_date_in_the_outlets_style(web):
    for outlet in load_outlets():
        article = next((a for a in web.articles if a.outlet_id == outlet.id and not a.serve), None)
        if article is None:
            continue  # articles not written yet; counted in test_content
        status, headers, body = fetch(article.url(web.base_url(outlet.id)))
        assert status == 200, outlet.id
        assert f"charset={outlet.encoding}" in headers["content-type"]
        html = body.decode(outlet.encoding)
        assert f'<link rel="canonical" href="{article.url(web.base_url(outlet.id))}">' in html
        assert '<meta property="og:title"' in html and 'class="comments"' in html and "<nav" in html
        assert article.paragraphs[0].replace('"', "&quot;")[:40] in html
        iso = article.published.isoformat()
        if outlet.dates == "jsonld":
            block = re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S).group(1)
            data = json.loads(block)
            assert data["@type"] == "NewsArticle" and data["datePublished"] == iso
        elif outlet.dates == "time":
            assert f'<time class="published" datetime="{iso}">' in html
        elif outlet.dates == "meta":
            assert f'<meta property="article:published_time" content="{iso}">' in html
        else:
            assert iso not in html and article.published.strftime("%d.%m.%Y.") in html


def test_pages_declare_every_language_and_script(web):
    langs = set()
    for article in web.articles:
        if article.serve:
            continue
        outlet = next(o for o in load_outlets() if o.id == article.outlet_id)
        _, _, body = fetch(article.url(web.base_url(article.outlet_id)))
        langs.add(re.search(r'<html[^>]* lang="([^"]+)"', body.decode(outlet.encoding)).group(1))
    assert {"sr-Cyrl", "sr-Latn", "en", "de", "ru"} <= langs


def test_syndicated_copy_reaches_three_outlets_and_the_other_script(web):
    stories = defaultdict(list)
    for article in web.articles:
        if article.syndicated:
            stories[article.story].append(article)
    wide = {story: copies for story, copies in stories.items() if len({c.outlet_id for c in copies}) >= 3}
    assert wide, "no agency story is carried by three or more outlets"
    assert any(len({c.script for c in copies}) == 2 for copies in wide.values())
    assert any(c.outlet_id == "bna" for copies in wide.values() for c in copies)
    for copies in wide.values():
        for copy in copies:
            assert fetch(copy.url(web.base_url(copy.outlet_id)))[0] == 200


# --- the broken things -----------------------------------------------------------------------------


def test_one_feed_answers_500_while_the_other_works(web):
    base = web.base_url(broken.BROKEN_OUTLET)
    status, _, body = fetch(base + broken.FEED_500_PATH)
    assert status == 500 and b"Internal Server Error" in body
    status, _, body = fetch(base + "/feed/najnovije.xml")
    parsed = feedparser.parse(body)
    assert status == 200 and not parsed.bozo
    links = {e.link for e in parsed.entries}
    for page in broken.BROKEN_PAGES:
        assert base + page.path in links


def test_malformed_feed_is_bozo_but_the_news_sitemap_works(web):
    base = web.base_url("sport-i-vreme")
    status, _, body = fetch(base + "/rss.xml")
    assert status == 200
    parsed = feedparser.parse(body)
    assert parsed.bozo
    with pytest.raises(ET.ParseError):
        ET.fromstring(body)
    _, locs = sitemap_locs(base + "/sitemap-news.xml")
    assert set(locs) == {a.url(base) for a in web.articles if a.outlet_id == "sport-i-vreme"}


def test_redirect_loop_never_lands(web):
    base = web.base_url(broken.BROKEN_OUTLET)
    url, seen = base + broken.LOOP_PATHS[0], []
    for _ in range(5):
        status, headers, _ = fetch(url)
        assert status == 302
        seen.append(urlsplit(url).path)
        url = headers["location"]
    assert set(seen) == set(broken.LOOP_PATHS)


def test_hanging_page_times_out_the_client(web):
    with pytest.raises((socket.timeout, TimeoutError)):
        fetch(web.base_url(broken.BROKEN_OUTLET) + broken.HANG_PATH, timeout=0.5)


def test_hanging_request_does_not_block_shutdown():
    local = serve(port=0)
    url = local.base_url(broken.BROKEN_OUTLET) + broken.HANG_PATH
    outcome = {}

    def client():
        try:
            fetch(url, timeout=30)
            outcome["result"] = "answered"
        except (OSError, http.client.HTTPException) as exc:
            outcome["result"] = type(exc).__name__

    thread = threading.Thread(target=client, daemon=True)
    thread.start()
    thread.join(0.5)
    assert thread.is_alive(), "the hanging page answered"
    stopper = threading.Thread(target=local.stop, daemon=True)
    stopper.start()
    stopper.join(15)
    assert not stopper.is_alive(), "stop() blocked on the hanging request"
    thread.join(15)
    assert outcome.get("result") and outcome["result"] != "answered"


def test_huge_page_streams_20_mib_without_content_length(web):
    url = web.base_url(broken.BROKEN_OUTLET) + broken.HUGE_PATH
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=TIMEOUT_S)
    try:
        conn.request("GET", parts.path)
        response = conn.getresponse()
        assert response.status == 200
        assert response.getheader("Content-Length") is None
        assert response.getheader("Transfer-Encoding") == "chunked"
        total, head = 0, b""
        while chunk := response.read(1 << 20):
            head = head or chunk[:200]
            total += len(chunk)
    finally:
        conn.close()
    assert total == broken.HUGE_PAGE_BYTES
    assert head.startswith(b"<!DOCTYPE html>")


def test_robots_txt_disallows_a_page_the_feed_links(web):
    base = web.base_url(broken.BROKEN_OUTLET)
    _, _, robots = fetch(base + "/robots.txt")
    parser = RobotFileParser()
    parser.parse(robots.decode().splitlines())
    _, _, feed = fetch(base + "/feed/najnovije.xml")
    private = [e.link for e in feedparser.parse(feed).entries if "/privatno/" in e.link]
    assert private
    assert not parser.can_fetch("OdjekBot/1.0", private[0])
    assert parser.can_fetch("OdjekBot/1.0", base + "/vesti/gujon-studenti-iz-dijaspore-beograd.html")
    # The page itself exists: only a crawler that ignores robots.txt would see it.
    assert fetch(private[0])[0] == 200
    truth = web.ground_truth()
    assert truth[private[0]]["outcome"] == "robots_disallowed"


def test_wrong_charset_pages(web):
    base = web.base_url(broken.BROKEN_OUTLET)
    wrong = [a for a in web.articles if a.serve and a.serve.declared_charset]
    assert {(a.serve.encoding, a.serve.declared_charset) for a in wrong} == {("utf-8", "iso-8859-1"), ("windows-1250", "utf-8")}
    for article in wrong:
        status, headers, body = fetch(article.url(base))
        declared = article.serve.declared_charset
        assert status == 200 and headers["content-type"].endswith(f"charset={declared}")
        assert f'<meta charset="{declared}">'.encode() in body
        correct = body.decode(article.serve.encoding)
        assert article.title in correct
        if declared == "utf-8":
            with pytest.raises(UnicodeDecodeError):
                body.decode("utf-8")
        else:
            assert article.title not in body.decode(declared)


def test_non_article_pages_have_no_article_body(web):
    base = web.base_url(broken.BROKEN_OUTLET)
    for page in broken.BROKEN_PAGES:
        if page.kind != "non_article_page":
            continue
        status, _, body = fetch(base + page.path)
        html = body.decode()
        assert status == 200 and "<article" not in html
        main = re.search(r"<main.*?</main>", html, re.S).group(0)
        paragraphs = re.findall(r"<p>([^<]{80,})</p>", main)
        assert not paragraphs, page.path


def test_broken_things_list_names_every_kind_with_live_urls(web):
    things = web.broken_things()
    kinds = {t["kind"] for t in things}
    assert kinds == {"feed_500", "malformed_feed", "redirect_loop", "hanging_page", "huge_page",
                     "robots_disallowed_page", "wrong_charset", "non_article_page"}
    for thing in things:
        assert thing["url"].startswith(web.base_url(thing["outlet"])) and thing["expect"]

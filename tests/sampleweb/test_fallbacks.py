"""The sample web's hard outlets over real sockets: each shape that makes a crawler fall back, and the news search."""

from __future__ import annotations

import datetime as dt
import signal
import subprocess
import sys
import xml.etree.ElementTree as ET
from email.utils import parsedate_to_datetime
from pathlib import Path
from urllib.parse import urlsplit
from urllib.robotparser import RobotFileParser

import feedparser
import pytest

from sampleweb.clock import demo_datetime
from sampleweb.content import load_outlets
from sampleweb.fallbacks import STALE_FEED_DAYS, load_fallbacks, serve_fallbacks
from schemas.config import load_sources
from tests.sampleweb.test_server import fetch

REPO_ROOT = Path(__file__).resolve().parents[2]
NEWS = "{http://www.google.com/schemas/sitemap-news/0.9}"


@pytest.fixture(scope="module")
def web():
    with serve_fallbacks(port=0) as running:
        yield running


def test_hard_outlets_use_their_own_addresses_and_republish_demo_articles():
    data = load_fallbacks()
    demo_addresses = {o.address for o in load_outlets()}
    hard_addresses = {o.address for o in data.outlets}
    assert not demo_addresses & hard_addresses and len(hard_addresses) == len(data.outlets)
    assert {s.shape for s in data.shapes.values()} == {"feed_returns_html", "feed_moved", "robots_feed_slash",
                                                       "news_sitemap_only", "bot_challenge", "stale_feed"}


def test_a_feed_url_that_answers_an_html_page(web):
    status, headers, body = fetch(web.base_url("novine-juga") + "/rss")
    assert status == 200 and headers["content-type"].startswith("text/html")
    assert body.lstrip().lower().startswith(b"<!doctype html") and not feedparser.parse(body).entries
    status, _, body = fetch(web.base_url("novine-juga") + "/sitemaps/xml/news")
    assert status == 200 and len(ET.fromstring(body).findall(f".//{NEWS}news")) == len(web.expected("novine-juga"))


def test_a_moved_feed_answers_301_to_its_new_place(web):
    base = web.base_url("radio-most")
    status, headers, _ = fetch(base + "/feed/")
    assert status == 301 and headers["location"] == base + "/rss/vesti.xml"
    status, _, body = fetch(headers["location"])
    assert status == 200 and len(feedparser.parse(body).entries) == len(web.expected("radio-most"))


def test_robots_disallows_feed_with_a_slash_but_not_without(web):
    base = web.base_url("nedeljnik-ogledalo")
    robots = RobotFileParser()
    robots.parse(fetch(base + "/robots.txt")[2].decode().splitlines())
    assert not robots.can_fetch("OdjekBot/0.1", base + "/feed/")
    assert robots.can_fetch("OdjekBot/0.1", base + "/feed")
    assert fetch(base + "/feed")[0] == 200


def test_a_news_sitemap_is_the_only_way_into_the_agency(web):
    base = web.base_url("agencija-tanr")
    robots = fetch(base + "/robots.txt")[2].decode()
    assert f"Sitemap: {base}/sitemap/news.xml" in robots
    root = ET.fromstring(fetch(base + "/sitemap/news.xml")[2])
    locs = [loc.text for loc in root.iter("{http://www.sitemaps.org/schemas/sitemap/0.9}loc")]
    assert sorted(locs) == sorted(web.expected("agencija-tanr"))
    assert fetch(base + "/rss")[0] == 404


def test_every_page_of_the_challenged_outlet_is_a_403_challenge(web):
    base = web.base_url("zasticeni-portal")
    for path in ("/robots.txt", "/feed/", urlsplit(web.expected("zasticeni-portal")[0]).path):
        status, headers, body = fetch(base + path)
        assert status == 403 and headers["cf-mitigated"] == "challenge" and b"Just a moment..." in body


def test_the_stale_feed_lags_45_days_behind_its_news_sitemap(web):
    base = web.base_url("stari-glas")
    entries = feedparser.parse(fetch(base + "/rss.xml")[2]).entries
    newest_feed = max(parsedate_to_datetime(e.published) for e in entries)
    assert demo_datetime(0, "12:00") - newest_feed > dt.timedelta(days=STALE_FEED_DAYS)
    root = ET.fromstring(fetch(base + "/sitemap-news.xml")[2])
    dates = [dt.datetime.fromisoformat(d.text) for d in root.iter(f"{NEWS}publication_date")]
    assert max(dates) - newest_feed >= dt.timedelta(days=STALE_FEED_DAYS)


def test_the_news_search_stand_in_lists_one_outlet_and_redirects_to_its_articles(web):
    url = web.google_news_url.replace("{domain}", urlsplit(web.base_url("stari-glas")).hostname)
    assert "hl=sr&gl=RS&ceid=RS:sr" in url
    entries = feedparser.parse(fetch(url)[2]).entries
    assert len(entries) == len(web.expected("stari-glas"))
    status, headers, _ = fetch(entries[0].link)
    assert status == 302 and headers["location"] in web.expected("stari-glas")
    robots = RobotFileParser()
    robots.parse(fetch(web.base_url("vesti-pretraga") + "/robots.txt")[2].decode().splitlines())
    assert robots.can_fetch("OdjekBot/0.1", url) and not robots.can_fetch("OdjekBot/0.1", web.base_url("vesti-pretraga") + "/")


def test_serve_fallbacks_command_writes_sources_with_fallbacks_and_names_the_news_search(tmp_path):
    sources_file = tmp_path / "sources.yaml"
    process = subprocess.Popen([sys.executable, "-m", "sampleweb", "serve", "--fallbacks", "--port", "0",
                                "--write-sources", str(sources_file)], cwd=REPO_ROOT, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
    try:
        ready = process.stdout.readline()
        assert ready.startswith("sampleweb ready:") and "ODJEK_GOOGLE_NEWS_URL=http://127.0.0.40:" in ready, ready
        sources = {s.id: s for s in load_sources(sources_file)}
        assert "vesti-pretraga" not in sources
        assert [f.kind for f in sources["novine-juga"].fallbacks] == ["sitemaps", "google_news"]
    finally:
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=20) == 0

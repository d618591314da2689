"""Sitemaps, news sitemaps, indexes, gzip (with a size cap) and robots.txt Sitemap: lines."""

from __future__ import annotations

import gzip

from crawlers.sitemaps import parse_sitemap, robots_sitemaps

NEWS = b"""<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">
<url><loc>http://a.rs/vest/1/naslov</loc><news:news><news:publication><news:name>A</news:name></news:publication>
<news:publication_date>2026-03-16T09:30:00+01:00</news:publication_date><news:title>Naslov &amp; podnaslov</news:title>
</news:news></url>
<url><loc>/vest/2/relativno</loc><lastmod>2026-03-15</lastmod></url>
<url><loc>javascript:alert(1)</loc></url>
</urlset>"""


def test_news_sitemap_entries_with_titles_and_dates():
    result = parse_sitemap(NEWS, "http://a.rs/sitemap-news.xml", "a")
    assert result.kind == "urlset" and result.error is None
    assert [e.url for e in result.entries] == ["http://a.rs/vest/1/naslov", "http://a.rs/vest/2/relativno"]
    first, second = result.entries
    assert first.title == "Naslov & podnaslov" and first.published.isoformat() == "2026-03-16T08:30:00+00:00"
    assert second.title is None and second.published.isoformat() == "2026-03-15T00:00:00+00:00"
    assert (first.via, second.via) == ("news_sitemap", "sitemap")  # only the first has <news:news>


def test_sitemap_index_lists_children_and_gzip_is_inflated():
    index = (b'<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><sitemap><loc>http://a.rs/s1.xml.gz</loc>'
             b"</sitemap><sitemap><loc>http://a.rs/s2.xml</loc></sitemap></sitemapindex>")
    result = parse_sitemap(gzip.compress(index), "http://a.rs/index.xml.gz", "a")
    assert result.kind == "sitemapindex" and result.children == ["http://a.rs/s1.xml.gz", "http://a.rs/s2.xml"]


def test_gzip_bomb_sitemap_stops_at_the_cap():
    bomb = gzip.compress(b"<urlset>" + b" " * 20_000_000 + b"</urlset>")
    result = parse_sitemap(bomb, "http://a.rs/s.xml.gz", "a", max_bytes=1_000_000)
    assert result.entries == [] and result.error.startswith("too large")


def test_unusable_sitemaps_report_why():
    assert parse_sitemap(b"", "u", "a").error.startswith("empty")
    assert parse_sitemap(b"<html><body>x</body></html>", "u", "a").error == "parse error: not a sitemap (root element <html>)"
    assert parse_sitemap(b"\x1f\x8bnot gzip", "u", "a").error.startswith("parse error: bad gzip")
    assert parse_sitemap(b"<urlset></urlset>", "u", "a").error.startswith("empty")


def test_robots_sitemap_lines():
    text = "User-agent: *\nDisallow: /x/\nSitemap: https://a.rs/sitemap_index.xml\nsitemap: /news.xml\nSitemap: ftp://x\n"
    assert robots_sitemaps(text, "https://a.rs/robots.txt") == ["https://a.rs/sitemap_index.xml", "https://a.rs/news.xml"]

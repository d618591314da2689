"""Feed parsing (RSS 0.9x/1.0/2.0, Atom, ill-formed, hostile) and the real-world feed corpus through the collector."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest

from crawlers.feeds import parse_feed, plain_text
from tests.conftest import shared_dir

RSS20 = b"""<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>Vesti</title><link>http://a.rs/</link>
<item><title>Gujon u Be\xc4\x8du</title><link>http://a.rs/vesti/1-gujon?utm_source=rss</link>
<description>&lt;p&gt;Sastanak sa &lt;b&gt;udru\xc5\xbeenjima&lt;/b&gt;&lt;/p&gt;</description>
<pubDate>Mon, 16 Mar 2026 09:30:00 +0100</pubDate></item>
<item><title>Relativni link</title><link>/vesti/2-drugi</link></item>
<item><title>Bez linka</title></item>
</channel></rss>"""

RSS10 = b"""<?xml version="1.0"?>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/"
 xmlns:dc="http://purl.org/dc/elements/1.1/">
<channel rdf:about="http://a.rs/"><title>A</title><link>http://a.rs/</link></channel>
<item rdf:about="http://a.rs/1"><title>Jedan</title><link>http://a.rs/1</link><dc:date>2026-03-16T08:00:00Z</dc:date></item>
</rdf:RDF>"""

RSS091 = b"""<?xml version="1.0"?><rss version="0.91"><channel><title>A</title><link>http://a.rs/</link>
<item><title>Stari format</title><link>http://a.rs/old</link></item></channel></rss>"""

ATOM = """<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>Бечки весник</title><id>urn:x</id><updated>2026-03-16T10:00:00Z</updated>
<entry><title type="html">Дијаспора &lt;em&gt;у Бечу&lt;/em&gt;</title><id>urn:1</id>
<link rel="alternate" href="https://b.at/drustvo/1/dijaspora/"/><updated>2026-03-16T09:00:00Z</updated>
<summary type="html">&lt;img src=x onerror=alert(1)&gt;Сажетак</summary></entry>
</feed>""".encode()


def test_rss20_entries_become_discovered_urls_with_plain_text_hints():
    result = parse_feed(RSS20, "http://a.rs/rss.xml", "a")
    assert result.ok and result.version == "rss20"
    assert [e.url for e in result.entries] == ["http://a.rs/vesti/1-gujon?utm_source=rss", "http://a.rs/vesti/2-drugi"]
    first = result.entries[0]
    assert first.title == "Gujon u Beču" and first.summary == "Sastanak sa udruženjima"
    assert first.published.isoformat() == "2026-03-16T08:30:00+00:00" and first.via == "feed"
    assert result.total_entries == 3 and result.newest == first.published


@pytest.mark.parametrize("body, version, url", [(RSS10, "rss10", "http://a.rs/1"), (RSS091, "rss091u", "http://a.rs/old"),
                                                (ATOM, "atom10", "https://b.at/drustvo/1/dijaspora/")])
def test_other_formats(body, version, url):
    result = parse_feed(body, "http://a.rs/feed", "a")
    assert result.ok and result.version == version
    assert [e.url for e in result.entries] == [url]


def test_atom_html_is_reduced_to_safe_plain_text():
    entry = parse_feed(ATOM, "https://b.at/atom.xml", "b").entries[0]
    assert entry.title == "Дијаспора у Бечу"
    assert entry.summary == "Сажетак"


def test_illformed_but_usable_feed_yields_entries_and_a_warning():
    body = RSS20.replace(b"<title>Vesti</title>", b"<title>Vesti & Dru\xc5\xa1tvo</title>")
    result = parse_feed(body, "http://a.rs/rss.xml", "a")
    assert result.ok and len(result.entries) == 2
    assert result.warnings and "ill-formed" in result.warnings[0]


def test_broken_feed_whose_lenient_parse_loses_entries_is_an_error():
    body = (b'<?xml version="1.0"?><rss version="2.0"><channel><title>A & B</title>'
            b"<item><title>x &nbsp;& y</title><link>http://a.rs/1&ref=rss</link><description>a"
            b"<item><title>z</title><link>http://a.rs/2&ref=rss</link><description>b</item></chan")
    result = parse_feed(body, "http://a.rs/rss.xml", "a")
    assert not result.ok and result.entries == []
    assert result.error.startswith("parse error: malformed XML")


@pytest.mark.parametrize("body, reason", [
    (b"", "empty: the response body is empty"),
    (b'<rss version="2.0"><channel><title>t</title></channel></rss>', "empty: no entries (rss20)"),
    (b"<html><body>Not a feed</body></html>", "empty: no entries"),
    (b'<rss version="2.0"><channel><item><title>t</title><link>javascript:alert(1)</link></item></channel></rss>',
     "empty: 1 entries but none links to an http(s) page"),
])
def test_feeds_without_anything_usable_report_why(body, reason):
    result = parse_feed(body, "http://a.rs/rss.xml", "a")
    assert not result.ok and result.entries == [] and result.error.startswith(reason)


DANGEROUS = re.compile(r"<\s*script|<\s*iframe|javascript\s*:|\bon[a-z]+\s*=", re.IGNORECASE)


@pytest.mark.parametrize("fragment", [
    "<script>alert(1)</script>Tekst", "&lt;script&gt;alert(1)&lt;/script&gt;Tekst",
    "&amp;lt;script&amp;gt;alert(1)&amp;lt;/script&amp;gt;Tekst", '<a href="javascript:alert(1)">Tekst</a>',
    '<img src=x onerror="alert(1)">Tekst', "<iframe src='http://evil'></iframe>Tekst", "Tekst<script",
    "<scr<script>ipt>alert(1)</script>Tekst",
])
def test_plain_text_leaves_no_script_handler_or_javascript_url(fragment):
    text = plain_text(fragment)
    assert "Tekst" in text and not DANGEROUS.search(text), text


def _realfeeds() -> list[Path]:
    return sorted(shared_dir("realfeeds").rglob("*.xml"))


def test_every_real_world_feed_parses_to_entries_or_a_reason():
    files = _realfeeds()
    outcomes = Counter()
    for path in files:
        result = parse_feed(path.read_bytes(), f"http://127.0.0.1/{path.name}", "rf")
        assert result.ok == bool(result.entries)
        assert result.ok or result.error.split(":", 1)[0] in {"empty", "parse error", "refused"}, result.error
        outcomes["entries" if result.ok else result.error.split(":", 1)[0]] += 1
    assert len(files) >= 1000 and sum(outcomes.values()) == len(files)
    print(f"\nrealfeeds parsed directly: {dict(outcomes)} of {len(files)} files")

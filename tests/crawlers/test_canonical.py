"""Canonical URLs: one spelling per article (tracking parameters, AMP, index pages, host case, fragments)."""

from __future__ import annotations

import pytest

from crawlers.canonical import canonical_link, canonicalize_url, is_http_url


@pytest.mark.parametrize("variant", [
    "https://www.vesti.rs/drustvo/123-naslov",
    "HTTPS://WWW.Vesti.RS/drustvo/123-naslov",
    "https://www.vesti.rs:443/drustvo/123-naslov",
    "https://www.vesti.rs/drustvo/123-naslov#komentari",
    "https://www.vesti.rs/drustvo/123-naslov?utm_source=rss&utm_medium=feed&utm_campaign=x",
    "https://www.vesti.rs/drustvo/123-naslov?fbclid=IwAR0abc&gclid=xyz",
    "https://www.vesti.rs/amp/drustvo/123-naslov",
    "https://www.vesti.rs/drustvo/123-naslov/amp",
    "https://www.vesti.rs/drustvo/123-naslov?amp=1",
    "https://www.vesti.rs/drustvo/123-naslov?outputType=amp",
    "https://www.vesti.rs./drustvo/123-naslov",
])
def test_spellings_of_one_article_share_one_canonical_url(variant):
    assert canonicalize_url(variant) == "https://www.vesti.rs/drustvo/123-naslov"


def test_content_parameters_are_kept_and_sorted():
    assert canonicalize_url("http://a.rs/clanak?id=5&utm_source=x&page=2") == "http://a.rs/clanak?id=5&page=2"
    assert canonicalize_url("http://a.rs/clanak?page=2&id=5") == canonicalize_url("http://a.rs/clanak?id=5&page=2")


def test_index_pages_amp_html_and_non_default_ports():
    assert canonicalize_url("http://a.rs/vesti/index.html") == "http://a.rs/vesti/"
    assert canonicalize_url("http://a.rs/vesti/12.amp.html") == "http://a.rs/vesti/12.html"
    assert canonicalize_url("http://127.0.0.11:8700/x") == "http://127.0.0.11:8700/x"
    assert canonicalize_url("http://A.rs") == "http://a.rs/"


def test_non_latin_paths_and_hosts_are_encoded_once():
    once = canonicalize_url("http://пример.срб/вести/дијаспора")
    assert once.startswith("http://xn--")
    assert canonicalize_url(once) == once


def test_other_schemes_are_not_http_urls():
    for url in ("javascript:alert(1)", "data:text/html,x", "mailto:a@b.rs", "ftp://a.rs/x", "/relative", ""):
        assert not is_http_url(url)
    assert canonicalize_url("javascript:alert(1)") == "javascript:alert(1)"


def test_declared_canonical_link_is_resolved_and_canonicalised():
    body = b'<html><head><link rel="canonical" href="/vesti/12-naslov?utm_source=x"></head><body></body></html>'
    assert canonical_link(body, "http://A.rs/amp/vesti/12-naslov") == "http://a.rs/vesti/12-naslov"
    single = b"<head><LINK href='http://b.rs/x/1' rel=canonical></head>"
    assert canonical_link(single, "http://b.rs/y") == "http://b.rs/x/1"


def test_useless_canonical_links_are_ignored():
    assert canonical_link(b"<head><link rel='canonical' href='/'></head>", "http://a.rs/vesti/1") is None
    assert canonical_link(b"<head><link rel='canonical' href='javascript:x'></head>", "http://a.rs/v/1") is None
    assert canonical_link(b"<head><link rel='stylesheet' href='/s.css'></head>", "http://a.rs/v/1") is None

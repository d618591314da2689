"""The go-live probe against the sample web's hard outlets: broken, blocked, stale and moved sources."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from crawlers.probe import probe_sources, table_rows
from odjek.settings import Settings
from schemas.config import SourcesFile


@pytest.fixture(scope="module")
def web():
    from sampleweb.fallbacks import serve_fallbacks

    with serve_fallbacks(port=0) as running:
        yield running


@pytest.fixture(scope="module")
def reports(web):
    settings = Settings.from_mapping({"allow_private_addresses": True, "download_timeout_s": 5,
                                      "download_delay_s": 0, "google_news_url": web.google_news_url})
    sources = SourcesFile.model_validate(web.sources()).sources
    return {r.source_id: r for r in probe_sources(settings, sources, now=web.as_of())}


def paths(report):
    return {p.label: p for p in report.paths}


def test_a_feed_that_returns_html_fails_and_its_news_sitemap_fallback_works(reports):
    novine = paths(reports["novine-juga"])
    primary = novine["primary (feeds)"]
    assert not primary.works and primary.urls[0]["status"] == 200
    assert "not a feed: the URL answers an HTML page" in primary.parse
    sitemap = novine["fallback 1 (sitemaps)"]
    assert sitemap.works and sitemap.items == 4 and sitemap.newest is not None
    assert sitemap.samples and all(s.is_article and s.language == "sr" and s.script == "Cyrl"
                                   for s in sitemap.samples)
    assert reports["novine-juga"].working == ["fallback 1 (sitemaps)", "fallback 2 (Google News)"]


def test_a_moved_feed_works_through_the_redirect_and_says_where_it_moved(reports, web):
    primary = paths(reports["radio-most"])["primary (feeds)"]
    assert primary.works and primary.items == 4
    assert primary.urls[0]["status"] == 200
    assert primary.urls[0]["moved_to"] == web.base_url("radio-most") + "/rss/vesti.xml"
    assert primary.problem.startswith("moved permanently to ") and "update config/sources.yaml" in primary.problem


def test_robots_blocks_feed_with_slash_but_not_without(reports):
    ogledalo = paths(reports["nedeljnik-ogledalo"])
    blocked = ogledalo["primary (feeds)"]
    assert not blocked.works and blocked.urls[0]["robots"] == "disallowed" and blocked.urls[0]["status"] is None
    assert "robots: disallowed by robots.txt" in blocked.parse
    allowed = ogledalo["fallback 1 (feeds)"]
    assert allowed.works and allowed.urls[0]["robots"] == "allowed"
    assert all(s.is_article and s.script == "Latn" for s in allowed.samples)


def test_a_news_sitemap_only_outlet_works_without_any_feed(reports):
    primary = paths(reports["agencija-tanr"])["primary (sitemaps)"]
    assert primary.works and primary.items == 4 and primary.samples[0].is_article


def test_a_bot_challenge_outlet_has_no_working_path_even_through_google_news(reports):
    report = reports["zasticeni-portal"]
    primary, gnews = report.paths
    assert primary.urls[0]["status"] == 403 and primary.parse.endswith("bot challenge")
    assert primary.urls[0]["robots"] == "unreachable (robots.txt answered http 403)"
    # The news search lists the outlet's headlines, but every article behind them is a challenge page.
    assert gnews.items == 4 and not gnews.works
    assert gnews.problem == "sampled items are not articles: bot challenge"
    assert report.working == []


def test_a_stale_feed_is_reported_stale_and_the_sitemap_fallback_is_current(reports):
    stari = paths(reports["stari-glas"])
    feed = stari["primary (feeds)"]
    assert feed.items == 4 and feed.stale and not feed.works and feed.problem.startswith("stale: newest item")
    assert stari["fallback 1 (sitemaps)"].works


def test_the_table_has_a_row_per_source_and_path(reports):
    rows = table_rows(list(reports.values()))
    assert len(rows) == sum(len(r.paths) for r in reports.values())
    row = next(r for r in rows if r[0] == "nedeljnik-ogledalo" and r[1] == "primary (feeds)")
    assert row[3] == "disallowed" and row[8].startswith("fails: ") and "robots: disallowed" in row[8]


def test_probe_command_prints_json_and_exits_6_for_a_source_without_a_working_path(web, tmp_path, monkeypatch):
    from odjek.cli import main

    sources = web.write_sources(tmp_path / "sources.yaml")
    monkeypatch.setenv("ODJEK_ALLOW_PRIVATE_ADDRESSES", "1")
    monkeypatch.setenv("ODJEK_GOOGLE_NEWS_URL", web.google_news_url)
    monkeypatch.setenv("ODJEK_DOWNLOAD_TIMEOUT_S", "5")
    monkeypatch.setenv("ODJEK_DOWNLOAD_DELAY_S", "0")
    as_of = web.as_of().isoformat()
    ok = CliRunner().invoke(main, ["sources", "probe", "--sources", str(sources), "--only", "agencija-tanr",
                                   "--only", "radio-most", "--json", "--as-of", as_of])
    assert ok.exit_code == 0, ok.output
    # stdout only: log lines (stderr) are not part of the JSON stream.
    lines = [json.loads(line) for line in ok.stdout.splitlines()]
    assert "Traceback" not in ok.output
    assert [(d["source_id"], d["ok"]) for d in lines] == [("radio-most", True), ("agencija-tanr", True)]
    dead = CliRunner().invoke(main, ["sources", "probe", "--sources", str(sources), "--only", "zasticeni-portal",
                                     "--as-of", as_of])
    assert dead.exit_code == 6
    assert "no working path for 1 source(s): zasticeni-portal" in dead.output
    assert "zasticeni-portal" in dead.output and "bot challenge" in dead.output
    unknown = CliRunner().invoke(main, ["sources", "probe", "--sources", str(sources), "--only", "nope"])
    assert unknown.exit_code == 2 and "unknown or disabled source id(s): nope" in unknown.output


def test_the_probe_keeps_the_crawlers_address_guard_and_size_cap(web):
    sources = {s.id: s for s in SourcesFile.model_validate(web.sources()).sources}
    guarded = Settings.from_mapping({"allow_private_addresses": False, "google_news_url": web.google_news_url})
    (report,) = probe_sources(guarded, [sources["agencija-tanr"]], now=web.as_of())
    row = report.paths[0].urls[0]
    assert row["status"] is None and row["error"].startswith("refused:") and not report.working
    tiny = Settings.from_mapping({"allow_private_addresses": True, "download_delay_s": 0, "max_page_bytes": 300,
                                  "google_news_url": web.google_news_url})
    (capped,) = probe_sources(tiny, [sources["agencija-tanr"]], now=web.as_of())
    assert capped.paths[0].urls[0]["error"] == "too large: more than 300 bytes"


def test_the_probe_asks_as_odjek_only_and_never_fetches_what_robots_forbids(web):
    # Issue 19: an outlet refusing bots is reported, never reached by disguise; robots.txt is always asked first.
    from crawlers.probe import Prober

    settings = Settings.from_mapping({"allow_private_addresses": True, "download_timeout_s": 5,
                                      "download_delay_s": 0, "google_news_url": web.google_news_url,
                                      "contact": "desk@example.org"})
    sources = {s.id: s for s in SourcesFile.model_validate(web.sources()).sources}
    seen: list[tuple[str, str]] = []
    prober = Prober(settings)
    prober.client.event_hooks["request"].append(lambda r: seen.append((str(r.url), r.headers["User-Agent"])))
    try:
        for source_id in ("zasticeni-portal", "nedeljnik-ogledalo"):
            prober.probe_source(sources[source_id], web.as_of())
    finally:
        prober.close()
    assert seen and {agent for _, agent in seen} == {"OdjekBot/0.1 (+mailto:desk@example.org)"}
    forbidden = sources["nedeljnik-ogledalo"].feeds[0]
    assert forbidden.endswith("/feed/") and forbidden not in {url for url, _ in seen}
    assert any(url.endswith("/robots.txt") for url, _ in seen)

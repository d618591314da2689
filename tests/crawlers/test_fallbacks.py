"""Fallback paths: order from the data, the active path after N failed runs, and the words that say why."""

import datetime as dt

from crawlers.fallbacks import (
    PathState,
    choose_path,
    google_news_url,
    next_state,
    path_outcome,
    source_paths,
)
from schemas.config import Source

TEMPLATE = "http://127.0.0.40:9/rss/search?q=site:{domain}&hl=sr&gl=RS&ceid=RS:sr"
NOW = dt.datetime(2026, 3, 17, 6, 0, tzinfo=dt.UTC)


def outlet(**extra) -> Source:
    data = {"id": "novosti", "name": "Novosti", "country": "RS", "languages": ["sr"], "group": "domestic",
            "homepage": "http://www.127.0.0.31.example/", "feeds": ["http://127.0.0.31/rss"],
            "fallbacks": [{"sitemaps": ["http://127.0.0.31/sitemaps/xml/news"]},
                          {"sections": [{"url": "http://127.0.0.31/vesti", "link_pattern": "/vesti/\\d+"}]},
                          {"google_news": "127.0.0.31"}]}
    data.update(extra)
    return Source.model_validate(data)


def failed(path, runs, error="http 403: forbidden"):
    return PathState(path.key, failing_runs=runs, last_error=error, last_run_at=NOW)


def test_paths_follow_the_configured_order_and_google_news_is_scoped_to_the_outlet():
    paths = source_paths(outlet(), TEMPLATE)
    assert [p.label for p in paths] == ["primary (feeds)", "fallback 1 (sitemaps)", "fallback 2 (section pages)",
                                        "fallback 3 (Google News)"]
    assert paths[3].feeds == ("http://127.0.0.40:9/rss/search?q=site:127.0.0.31&hl=sr&gl=RS&ceid=RS:sr",)
    assert len({p.key for p in paths}) == 4
    reduced = paths[1].as_source(outlet())
    assert reduced.id == "novosti" and reduced.feeds == [] and reduced.sitemaps == paths[1].urls
    assert reduced.fallbacks == []


def test_google_news_default_domain_drops_www_from_the_homepage():
    source = outlet(homepage="https://www.rts.rs/", fallbacks=[{"google_news": True}])
    (_, gnews) = source_paths(source, "https://news.google.com/rss/search?q=site:{domain}&hl=sr&gl=RS&ceid=RS:sr")
    assert gnews.feeds == ("https://news.google.com/rss/search?q=site:rts.rs&hl=sr&gl=RS&ceid=RS:sr",)
    assert google_news_url("x?q=site:{domain}", "a b") == "x?q=site:a%20b"


def test_primary_stays_active_until_it_fails_n_runs_in_a_row():
    paths = source_paths(outlet(), TEMPLATE)
    fresh = choose_path(paths, {}, after_runs=2)
    assert fresh.active is paths[0] and fresh.crawl == [paths[0]] and "not run yet" in fresh.reason
    once = choose_path(paths, {paths[0].key: failed(paths[0], 1)}, after_runs=2)
    assert once.active is paths[0] and "failed 1 of 2 runs" in once.reason


def test_after_n_failures_the_next_fallback_is_active_and_earlier_paths_are_still_retried():
    paths = source_paths(outlet(), TEMPLATE)
    states = {paths[0].key: failed(paths[0], 2, "parse error: not a feed (text/html page)"),
              paths[1].key: failed(paths[1], 3, "robots: disallowed by robots.txt")}
    choice = choose_path(paths, states, after_runs=2)
    assert choice.active is paths[2]
    assert choice.crawl == paths[:3]
    assert choice.reason.startswith("fallback 2 (section pages) in use because primary (feeds) failed 2 runs")
    assert "not a feed" in choice.reason and "disallowed by robots.txt" in choice.reason


def test_an_outlet_whose_every_path_failed_is_unavailable_and_all_paths_are_retried():
    paths = source_paths(outlet(), TEMPLATE)
    states = {p.key: failed(p, 5, "bot challenge: http 403") for p in paths}
    choice = choose_path(paths, states, after_runs=2)
    assert choice.unavailable and choice.active is None and choice.crawl == paths
    assert choice.reason.startswith("no working path: primary (feeds) failed 5 runs in a row")


def test_a_path_works_when_it_listed_entries_or_answered_not_modified():
    assert path_outcome({"found": 3, "errors": ["feed x: http 500"]}) == (True, None)
    assert path_outcome({"found": 0, "not_modified": 1}) == (True, None)
    assert path_outcome({"found": 0, "errors": ["feed x: http 403"]}) == (False, "feed x: http 403")
    assert path_outcome({}) == (False, "empty: no entries found")


def test_a_success_resets_the_streak_and_a_failure_extends_it():
    state = next_state(None, "k", False, "http 404", 0, NOW)
    state = next_state(state, "k", False, "http 404", 0, NOW)
    assert (state.failing_runs, state.last_error, state.last_success_at) == (2, "http 404", None)
    state = next_state(state, "k", True, None, 7, NOW)
    assert (state.failing_runs, state.last_error, state.last_success_at, state.last_found) == (0, None, NOW, 7)


def test_every_reduced_path_of_the_production_file_validates_as_the_crawl_process_reloads_it():
    import json
    from pathlib import Path

    from schemas.config import load_sources

    sources = load_sources(Path(__file__).resolve().parents[2] / "config" / "sources.yaml")
    reduced = [path.as_source(s) for s in sources for path in source_paths(s, TEMPLATE)]
    assert len(reduced) > len(sources)
    for copy in reduced:  # the crawl process reloads its sources file from JSON, validating every entry
        assert Source.model_validate(json.loads(copy.model_dump_json())).id == copy.id

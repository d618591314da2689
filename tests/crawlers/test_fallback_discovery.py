"""Discovery falls back path by path on the sample web's hard outlets, and the health view says why."""

from __future__ import annotations

import json

import pytest

from archive.health import source_health
from odjek.runner import open_context, run_stages
from tests.crawlers.helpers import crawl_settings


@pytest.fixture
def hard_web():
    from sampleweb.fallbacks import serve_fallbacks

    with serve_fallbacks(port=0) as web:
        yield web


def test_discovery_moves_to_the_next_path_after_n_failed_runs_and_health_says_why(hard_web, archive_url, tmp_path,
                                                                                 capsys, monkeypatch):
    sources_file = hard_web.write_sources(tmp_path / "sources.yaml")
    settings = crawl_settings(archive_url, fallback_after_runs=1, google_news_url=hard_web.google_news_url)
    ctx = open_context(settings, sources_file)
    ctx.source_ids = ["novine-juga", "zasticeni-portal", "radio-most"]
    try:
        run_stages(ctx, ["discover"])
        frontier = {r["canonical_url"] for r in ctx.db.query("SELECT canonical_url FROM frontier")}
        # Run 1: only the declared paths. The HTML "feed" and the bot challenge give nothing; the moved feed works.
        assert not frontier & set(hard_web.expected("novine-juga"))
        assert set(hard_web.expected("radio-most")) <= frontier
        health = {h.source_id: h for h in source_health(ctx.db, settings)}
        assert health["novine-juga"].active_path == "fallback 1 (sitemaps)"
        assert health["novine-juga"].active_reason.startswith(
            "fallback 1 (sitemaps) in use because primary (feeds) failed 1 runs in a row")
        assert health["radio-most"].active_path == "primary (feeds)"
        assert health["radio-most"].active_reason == "primary (feeds): working"

        (second,) = run_stages(ctx, ["discover"])
        frontier = {r["canonical_url"]: r for r in ctx.db.query("SELECT canonical_url, via FROM frontier")}
        # Run 2: the news sitemap fallback finds every article; the primary is retried and still failing.
        assert set(hard_web.expected("novine-juga")) <= set(frontier)
        runs = [json.loads(r["errors"]) for r in ctx.db.query(
            "SELECT errors FROM source_runs WHERE source_id = 'novine-juga' AND stage = 'discover' ORDER BY id")]
        assert runs[0] and not any(e.startswith("warning:") for e in runs[0])  # run 1: a real error
        assert runs[1] and all(e.startswith("warning:") for e in runs[1])  # run 2: degraded, covered by a fallback
        assert any("fallback in use" in e for e in runs[1])
        # The bot-challenged outlet is reached only through the news search stand-in (its headlines).
        gnews = [u for u, r in frontier.items() if u.startswith(hard_web.base_url("vesti-pretraga"))]
        assert len(gnews) == len(hard_web.expected("zasticeni-portal"))
        health = {h.source_id: h for h in source_health(ctx.db, settings)}
        assert health["zasticeni-portal"].active_path == "fallback 1 (Google News)"
        assert "http 403" in health["zasticeni-portal"].active_reason
        assert [p["failing_runs"] for p in health["zasticeni-portal"].paths] == [2, 0]
        assert second.per_source["novine-juga"]["discovered"] == len(hard_web.expected("novine-juga"))
        # `odjek status` (its --json is status_report) says the same.
        from archive.health import status_report
        from odjek.commands.status import print_status

        report = status_report(ctx.db, settings)
        row = next(s for s in report["sources"] if s["source_id"] == "zasticeni-portal")
        assert row["active_path"] == "fallback 1 (Google News)" and "http 403" in row["active_reason"]
        monkeypatch.setenv("COLUMNS", "400")  # one table row per line
        print_status(report)
        assert "fallback 1 (Google News)" in capsys.readouterr().out
    finally:
        ctx.db.close()

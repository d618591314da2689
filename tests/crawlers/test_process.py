"""The discover and fetch stages (crawl subprocesses) against the bundled sample web."""

from __future__ import annotations

import json

import pytest

from odjek.runner import open_context, run_stages
from tests.crawlers.helpers import crawl_settings


@pytest.fixture
def sample_web():
    from sampleweb.server import serve

    with serve(port=0) as web:
        yield web


def test_sample_web_is_collected_and_broken_things_are_recorded(sample_web, archive_url, tmp_path):
    sources_file = sample_web.write_sources(tmp_path / "sources.yaml")
    settings = crawl_settings(archive_url, download_timeout_s=3, retry_times=1)
    ctx = open_context(settings, sources_file)
    try:
        discover, fetch = run_stages(ctx, ["discover", "fetch"])
        db = ctx.db
        frontier = {r["canonical_url"]: r for r in db.query("SELECT * FROM frontier")}

        # Every outlet is discovered through what it publishes (feed, sitemap or sections).
        outlets = {s.id for s in ctx.sources}
        assert {sid for sid, c in discover.per_source.items() if c.get("discovered", 0) > 0} == outlets
        # Every article of the sample web reached the frontier under its canonical URL, once.
        truth = sample_web.ground_truth()
        missing = sorted(set(truth) - set(frontier))
        assert not missing, missing[:5]
        assert len({r["canonical_url"] for r in frontier.values()}) == len(frontier)

        broken = {thing["kind"] + " " + thing["url"]: thing for thing in sample_web.broken_things()}
        runs = {r["source_id"]: json.loads(r["errors"]) for r in db.query(
            "SELECT source_id, errors FROM source_runs WHERE stage = 'discover'")}
        for key, thing in broken.items():
            kind, url = thing["kind"], thing["url"]
            if kind == "feed_500":
                assert any(url in e and "http 500" in e for e in runs[thing["outlet"]]), runs[thing["outlet"]]
                continue
            if kind == "malformed_feed":
                assert any(url in e and "malformed XML" in e for e in runs[thing["outlet"]])
                continue
            row = frontier[url]
            expected = {"hanging_page": ("new", "timeout"), "redirect_loop": ("failed", "redirects"),
                        "huge_page": ("failed", "too large"), "robots_disallowed_page": ("failed", "robots"),
                        "non_article_page": ("fetched", None), "wrong_charset": ("fetched", None)}[kind]
            assert (row["state"], row["last_error"] and row["last_error"].split(":")[0]) == expected, (key, row)
        # Every other article was fetched and stored.
        bad = {t["url"] for t in broken.values()}
        unfetched = [u for u, r in frontier.items() if u not in bad and r["state"] != "fetched"]
        assert not unfetched, unfetched
        assert fetch.succeeded == db.scalar("SELECT COUNT(*) FROM raw_pages")

        # A re-run finds nothing new, fetches nothing and doubles nothing.
        pages_before = db.scalar("SELECT COUNT(*) FROM raw_pages")
        again_discover, again_fetch = run_stages(ctx, ["discover", "fetch"])
        assert again_discover.succeeded == 0 and again_discover.details["feeds_not_modified"] >= 10
        assert again_fetch.processed == 0
        assert db.scalar("SELECT COUNT(*) FROM frontier") == len(frontier)
        assert db.scalar("SELECT COUNT(*) FROM raw_pages") == pages_before
    finally:
        ctx.db.close()

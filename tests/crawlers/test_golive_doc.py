"""docs/operations.md's go-live checklist says only what the probe does (issue 19)."""

from __future__ import annotations

import re

from tests.conftest import REPO_ROOT

DOC = REPO_ROOT / "docs" / "operations.md"


def checklist() -> str:
    text = DOC.read_text(encoding="utf-8")
    start = text.index("## Go-live checklist for the outlets")
    return text[start:text.index("\n## ", start + 1)]


def flat(text: str) -> str:
    return " ".join(text.split())


def test_the_checklist_runs_check_then_probe_with_json_and_only():
    steps = checklist()
    assert steps.index("odjek sources check") < steps.index("odjek sources probe\n")
    assert "odjek sources probe --json" in steps and "odjek sources probe --only ID --only ID" in steps
    assert "exits 6 when a source has no working path" in steps
    assert "odjek status" in steps and "the active path and why" in flat(steps)


def test_every_verdict_the_checklist_acts_on_is_one_the_probe_gives():
    steps = checklist()
    acted_on = re.findall(r"^   - `([^`]+)`", steps, re.MULTILINE)
    assert len(acted_on) >= 5
    source = (REPO_ROOT / "crawlers" / "probe.py").read_text(encoding="utf-8")  # where every verdict is worded
    for verdict in acted_on:
        stem = verdict.split("…")[0].strip()
        assert stem in source, f"the checklist acts on {verdict!r}, which the probe never reports"


def test_the_loopback_rehearsal_matches_the_sample_webs_news_search_and_clock():
    from sampleweb.fallbacks import serve_fallbacks

    steps = checklist()
    with serve_fallbacks(port=0) as web:
        template = web.google_news_url.replace(f":{web.port}/", ":8701/")
        assert f"ODJEK_GOOGLE_NEWS_URL='{template}'" in steps
        assert f"--as-of {web.as_of():%Y-%m-%dT%H:%M}" in steps

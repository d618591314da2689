"""The organisation-linking evaluation set and its floors (precision ≥ 0.95, recall ≥ 0.85)."""

from __future__ import annotations

from pathlib import Path

from nlp.orgs_eval import (
    PRECISION_FLOOR,
    RECALL_FLOOR,
    evaluate_orgs,
    load_cases,
    load_registry,
    orgs_section,
)


def test_the_set_is_large_sourced_and_names_only_registry_entries():
    cases = load_cases()
    orgs = {o.id for o in load_registry()}
    assert len(cases) >= 150
    assert len({c.id for c in cases}) == len(cases)
    assert all(c.source.startswith(("http://", "https://", "sampleweb")) for c in cases)
    assert sum(c.source.startswith("http") for c in cases) >= 100  # mostly real text
    assert all(c.expected <= orgs for c in cases), [c.id for c in cases if not c.expected <= orgs]
    assert sum(not c.expected for c in cases) >= 20  # look-alikes and common words must stay unlinked
    assert any(c.heldout for c in cases)


def test_linking_meets_the_floors_overall_and_on_the_held_out_part():
    cases, orgs = load_cases(), load_registry()
    for part in (cases, [c for c in cases if c.heldout]):
        score = evaluate_orgs(part, orgs)
        assert score.precision >= PRECISION_FLOOR, score.errors
        assert score.recall >= RECALL_FLOOR, score.errors


def test_the_report_section_states_the_figures():
    text = orgs_section()
    assert "| all | " in text and "| held-out | " in text and "precision ≥ 0.95" in text


def test_docs_state_the_figures_make_eval_prints():
    rows = [line for line in orgs_section().splitlines()
            if line.startswith(("| development |", "| held-out |", "| all |"))]
    docs = (Path(__file__).resolve().parents[2] / "docs" / "orgs.md").read_text(encoding="utf-8")
    assert len(rows) == 3
    for row in rows:
        assert row in docs, f"docs/orgs.md does not state {row!r} as make eval prints it"

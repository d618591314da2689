"""The evaluation set's shape and the quality floors the issue sets (office, director, topics, regions)."""

from __future__ import annotations

import re

from nlp.evaluate import (
    ALL_LABELS,
    FLAG_LABELS,
    REGION_LABELS,
    TOPIC_LABELS,
    Counts,
    evaluate,
    load_examples,
    load_realtext,
    main,
    micro,
    summary,
)
from nlp.normalize import script_of


def test_evaluation_set_covers_every_label_language_and_script():
    examples = load_examples()
    assert len(examples) >= 200
    for label in ALL_LABELS:
        if label in FLAG_LABELS:
            continue  # `critical` came with the real-text set (test below)
        positives = sum(label in ex.labels for ex in examples)
        assert positives >= 10, label
        assert len(examples) - positives >= 5, label
    assert {ex.language for ex in examples} >= {"sr", "en", "de", "ru"}
    serbian = [ex for ex in examples if ex.language in {"sr", "hr", "bs", "cnr"}]
    assert {script_of(ex.text) for ex in serbian} == {"Latn", "Cyrl"}
    assert any(ex.heldout for ex in examples) and any(not ex.heldout for ex in examples)


def test_realtext_set_has_the_size_languages_decoys_and_critical_cases_the_issue_asks_for():
    examples = load_realtext()
    assert len(examples) >= 300
    assert {ex.language for ex in examples} >= {"sr", "cnr", "hr", "en", "de", "ru"}
    serbian = [ex for ex in examples if ex.language == "sr"]
    assert {script_of(ex.text) for ex in serbian} == {"Latn", "Cyrl"}
    assert all(ex.url and ex.url.startswith("http") for ex in examples)
    assert sum("critical" in ex.labels for ex in examples) >= 40
    decoys = [ex for ex in examples if ex.kind == "decoy"]
    assert len(decoys) >= 60 and not any("office" in ex.labels for ex in decoys if "Uprava za dijasporu" in ex.text)
    heldout = [ex for ex in examples if ex.heldout]
    assert 90 <= len(heldout) <= len(examples) - 200


def test_hard_decoys_are_in_the_set():
    texts = " ".join(ex.text for ex in load_examples() if "office" not in ex.labels)
    for decoy in ("Uprava carina", "Poreska uprava", "Kancelarija za Kosovo i Metohiju",
                  "Kancelarija za ljudska i manjinska prava", "Odbor za dijasporu i Srbe u regionu"):
        assert decoy in texts, decoy


def test_quality_floors():
    figures = summary(evaluate(load_examples()))
    assert figures["office"] >= 0.95
    assert figures["director"] >= 0.95
    assert figures["topics_micro"] >= 0.80
    assert figures["regions_micro"] >= 0.85


def test_counts_and_micro_average():
    counts = {label: Counts() for label in ALL_LABELS}
    counts["voting_abroad"].tp, counts["voting_abroad"].fp = 3, 1
    counts["status_consular"].tp, counts["status_consular"].fn = 1, 1
    total = micro(counts, TOPIC_LABELS)
    assert (total.tp, total.fp, total.fn) == (4, 1, 1)
    assert round(total.precision, 3) == 0.8 and round(total.recall, 3) == 0.8
    assert micro(counts, REGION_LABELS).f1 == 0.0 or micro(counts, REGION_LABELS).tp == 0


def test_main_writes_the_report(tmp_path, capsys):
    output = tmp_path / "eval.md"
    assert main(["--output", str(output), "--no-sampleweb"]) == 0
    report = output.read_text(encoding="utf-8")
    assert "| office |" in report and "held-out" in report
    assert "| round 1, after (scored 2026-12-02) | 101 |" in report
    assert "| round 2, after (scored 2026-12-02) | 132 |" in report and "| round 2, after, now (" in report
    assert "| snowball |" in report and "| fold |" in report
    out = capsys.readouterr().out
    assert "| **topics (micro)** |" in out
    # make eval ends with organisation linking (issue 18): precision and recall per part, also in the report.
    orgs = out[out.index("Organisation linking:"):]
    assert "| part | sentences | links expected | found | correct | precision | recall |" in orgs
    assert re.search(r"\| all \| \d+ \| \d+ \| \d+ \| \d+ \| [01]\.\d{3} \| [01]\.\d{3} \|", orgs)
    assert "## Organisation linking (registry)" in report


def test_realtext_set_is_better_than_the_tagger_before_the_issue_and_no_worse_than_before_round_2():
    from nlp.evaluate import before_predictions, score

    examples = load_realtext()
    before = before_predictions()
    assert before, "tests/data/tagging/realtext/before_predictions.json is missing"
    # The rt-* cases (development part, incl. the folded round-1 held-out) against the tagger of cd3ea04.
    first = [e for e in examples if e.id.startswith("rt-")]
    now, then = summary(evaluate(first)), summary(score(first, before))
    for key in ("office", "director", "topics_micro", "regions_micro", "critical_recall"):
        assert now[key] > then[key], key
    assert now["critical_precision"] >= 0.85
    # The round-2 held-out cases against the tagger before the round-2 tuning: no label group got worse.
    second = [e for e in examples if e.heldout]
    assert second and all(e.id.startswith("rt2-") for e in second)
    now, then = summary(evaluate(second)), summary(score(second, before))
    for key in ("office", "director", "topics_micro", "regions_micro", "critical_precision", "critical_recall"):
        assert now[key] >= then[key], key


def test_round_one_is_recorded_before_it_was_folded_into_development():
    from nlp.evaluate import recorded_rounds

    rounds = recorded_rounds()
    assert [r["round"] for r in rounds] == [1, 2] and rounds[0]["folded"] and not rounds[1]["folded"]
    dev_ids = {e.id for e in load_realtext() if not e.heldout}
    assert len(rounds[0]["ids"]) == rounds[0]["cases"] == 101 and set(rounds[0]["ids"]) <= dev_ids
    assert rounds[0]["figures"]["after"]["office"] == 0.946

"""Evaluation of organisation linking: precision and recall of registry links on ``tests/data/orgs``.

``eval.jsonl`` holds one sentence per line — paraphrases of public press and organisation pages around the
verbatim organisation names (each with its source URL) and sample-web cases — with the outlet's country
when the case depends on it and the registry ids expected. ``registry.csv`` is the evaluation registry:
real organisations' public names plus the sample web's invented ones. A link is counted per sentence and
entry (a name written twice counts once). ``make eval`` prints the section and appends it to its report.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
ORG_EVAL_DIR = REPO_ROOT / "tests" / "data" / "orgs"
PRECISION_FLOOR = 0.95
RECALL_FLOOR = 0.85


@dataclass(frozen=True, slots=True)
class OrgCase:
    id: int
    text: str
    language: str
    country: str | None
    expected: frozenset[str]
    source: str
    heldout: bool = False  # written after the linker was frozen; never tuned on


@dataclass(slots=True)
class OrgScore:
    tp: int = 0
    fp: int = 0
    fn: int = 0
    errors: list[tuple[int, list[str], list[str]]] = field(default_factory=list)  # (case, missed, wrong)
    per_org: Counter = field(default_factory=Counter)  # (org, "tp"/"fp"/"fn") → n

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0


def load_cases(directory: Path = ORG_EVAL_DIR) -> list[OrgCase]:
    cases = []
    for line in (directory / "eval.jsonl").read_text(encoding="utf-8").splitlines():
        if line.strip():
            d = json.loads(line)
            cases.append(OrgCase(int(d["id"]), d["text"], d.get("language") or "sr", d.get("country"),
                                 frozenset(d.get("expected") or []), d["source"], bool(d.get("heldout"))))
    return cases


def load_registry(directory: Path = ORG_EVAL_DIR):
    from archive.orgs import read_rows, validate_rows

    orgs, errors = validate_rows(read_rows(directory / "registry.csv"))
    if errors:
        raise ValueError(f"{directory / 'registry.csv'}: {errors[0]}")
    return orgs


def evaluate_orgs(cases: list[OrgCase], orgs) -> OrgScore:
    from nlp.orgs import registry_linker

    found = registry_linker(orgs)([(c.id, c.text, c.language, c.country) for c in cases])
    score = OrgScore()
    for case in cases:
        got = {m.org_id for m in found.get(case.id, [])}
        for org in got & case.expected:
            score.tp += 1
            score.per_org[(org, "tp")] += 1
        for org in got - case.expected:
            score.fp += 1
            score.per_org[(org, "fp")] += 1
        for org in case.expected - got:
            score.fn += 1
            score.per_org[(org, "fn")] += 1
        if got != case.expected:
            score.errors.append((case.id, sorted(case.expected - got), sorted(got - case.expected)))
    return score


def orgs_section(directory: Path = ORG_EVAL_DIR) -> str:
    """Markdown: set description, precision/recall against the floors, per-entry table, errors."""
    cases = load_cases(directory)
    orgs = load_registry(directory)
    score = evaluate_orgs(cases, orgs)
    real = sum(c.source.startswith("http") for c in cases)
    negatives = sum(not c.expected for c in cases)
    lines = [f"{len(cases)} sentences ({real} paraphrased from public pages with their source URLs, "
             f"{len(cases) - real} sample-web cases), {negatives} of them naming no registered organisation "
             f"(look-alikes, namesakes in another city, common words); {sum(len(c.expected) for c in cases)} "
             f"expected links to {len(orgs)} registry entries (`tests/data/orgs/`).", "",
             "| part | sentences | links expected | found | correct | precision | recall |",
             "|---|---:|---:|---:|---:|---:|---:|"]
    for name, part in (("development", [c for c in cases if not c.heldout]),
                       ("held-out", [c for c in cases if c.heldout]), ("all", cases)):
        s = score if name == "all" else evaluate_orgs(part, orgs)
        lines.append(f"| {name} | {len(part)} | {s.tp + s.fn} | {s.tp + s.fp} | {s.tp} | {s.precision:.3f} | "
                     f"{s.recall:.3f} |")
    lines += ["", "The development part was written while the linker was built; the held-out part afterwards, "
              "scored without changing the linker.", "",
             f"Floors held by `tests/nlp/test_orgs_eval.py`: precision ≥ {PRECISION_FLOOR}, recall ≥ {RECALL_FLOOR}.",
             "", "| entry | correct | wrong | missed |", "|---|---:|---:|---:|"]
    for org in sorted(orgs, key=lambda o: o.id):
        c = [score.per_org[(org.id, k)] for k in ("tp", "fp", "fn")]
        if any(c):
            lines.append(f"| {org.id} | {c[0]} | {c[1]} | {c[2]} |")
    lines += ["", "Errors (sentence id: missed / wrong):", ""]
    lines += [f"- {case}: missed {', '.join(missed) or '—'} / wrong {', '.join(wrong) or '—'}"
              for case, missed, wrong in score.errors] or ["- none"]
    return "\n".join(lines)

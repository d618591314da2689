"""Extraction quality and speed on ``../shared/realweb``: Odjek's extract_article against plain trafilatura.

Quality is counted the way trafilatura's own evaluation (``tests/comparison*.py``, ``evaluate_result``)
counts it: per page, each ``with`` snippet found in the text is a true positive (else a false negative),
each ``without`` snippet found is a false positive (else a true negative); a page with no text counts all
its ``with`` as false negatives and all its ``without`` as true negatives. Then over all pages
precision = tp/(tp+fp), recall = tp/(tp+fn), accuracy = (tp+tn)/all, F1 = 2tp/(2tp+fp+fn).

Speed: both extractors run on the same page bytes in the same process, interleaved page by page (the
order alternating) so that load from other processes hits both alike; imports and model loading are
done before timing. Odjek's figure includes decoding, metadata (htmldate date, title, author, canonical
URL), language and script detection and the not-article classification; plain ``trafilatura.extract``
with default options does text only.
"""

from __future__ import annotations

import json
import logging
import os
import platform
import time
from dataclasses import dataclass, field
from pathlib import Path

REALWEB = Path(__file__).resolve().parent.parent.parent / "shared" / "realweb"
QUICK_PAGES = 60


def score_text(text: str | None, item: dict) -> tuple[int, int, int, int]:
    """(tp, fn, fp, tn) of one page's text against its gold snippets, as trafilatura's evaluation counts."""
    if not text:
        return 0, len(item["with"]), 0, len(item["without"])
    tp = sum(1 for snippet in item["with"] if snippet in text)
    fp = sum(1 for snippet in item["without"] if snippet in text)
    return tp, len(item["with"]) - tp, fp, len(item["without"]) - fp


@dataclass
class Tally:
    """Snippet counts and time for one extractor over the pages."""

    name: str
    tp: int = 0
    fn: int = 0
    fp: int = 0
    tn: int = 0
    seconds: float = 0.0
    pages: int = 0
    extra: dict = field(default_factory=dict)

    def add(self, text: str | None, item: dict, seconds: float) -> None:
        tp, fn, fp, tn = score_text(text, item)
        self.tp, self.fn, self.fp, self.tn = self.tp + tp, self.fn + fn, self.fp + fp, self.tn + tn
        self.seconds += seconds
        self.pages += 1

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0

    @property
    def accuracy(self) -> float:
        total = self.tp + self.fn + self.fp + self.tn
        return (self.tp + self.tn) / total if total else 0.0

    @property
    def f1(self) -> float:
        denominator = 2 * self.tp + self.fp + self.fn
        return 2 * self.tp / denominator if denominator else 0.0

    @property
    def pages_per_s(self) -> float:
        return self.pages / self.seconds if self.seconds else 0.0


def load_gold(quick: bool) -> dict[str, dict]:
    """The gold entries (all 300, or every fifth in file-name order for the quick run)."""
    gold = json.loads((REALWEB / "gold.json").read_text(encoding="utf-8"))
    names = sorted(gold)
    if quick:
        names = names[:: max(1, len(names) // QUICK_PAGES)][:QUICK_PAGES]
    return {name: gold[name] for name in names}


def measure(gold: dict[str, dict]) -> tuple[Tally, Tally]:
    """Run plain trafilatura and Odjek's extract_article over the pages, interleaved; return their tallies."""
    import trafilatura

    from extract.article import extract_article

    pages = {name: (REALWEB / "pages" / name).read_bytes() for name in gold}
    first = next(iter(gold))
    trafilatura.extract(pages[first])  # imports, config
    extract_article(pages[first], gold[first]["url"])  # imports, py3langid model
    plain, odjek = Tally("trafilatura.extract (defaults)"), Tally("odjek extract_article")
    reasons: dict[str, int] = {}
    dated = authored = errors = 0
    languages: dict[str, int] = {}
    for i, (name, item) in enumerate(gold.items()):
        body = pages[name]

        def run_plain(body=body, item=item):
            start = time.perf_counter()
            text = trafilatura.extract(body)
            plain.add(text, item, time.perf_counter() - start)

        def run_odjek(body=body, item=item):
            nonlocal dated, authored, errors
            start = time.perf_counter()
            article = extract_article(body, item["url"])
            odjek.add(article.text, item, time.perf_counter() - start)
            if article.not_article_reason:
                key = article.not_article_reason.split(":")[0]
                reasons[key] = reasons.get(key, 0) + 1
                errors += key == "extraction_error"
            dated += article.published is not None
            authored += article.author is not None
            languages[article.language or "none"] = languages.get(article.language or "none", 0) + 1

        for step in ((run_plain, run_odjek) if i % 2 == 0 else (run_odjek, run_plain)):
            step()
    odjek.extra = {"not_article": reasons, "dated": dated, "authored": authored, "errors": errors,
                   "languages": dict(sorted(languages.items(), key=lambda kv: -kv[1]))}
    return plain, odjek


ABLATIONS = {
    "without lead recovery": {"recover_lead": False},
    "without related-story trimming": {"trim_related": False},
    "without both (trafilatura text, comments off)": {"recover_lead": False, "trim_related": False},
}


def ablations(gold: dict[str, dict]) -> list[Tally]:
    """F1 of extract_article with single rules switched off (quality only; time not compared)."""
    from extract.article import extract_article
    from extract.options import ExtractionOptions

    tallies = []
    for name, changes in ABLATIONS.items():
        options = ExtractionOptions(**changes)
        tally = Tally(f"odjek {name}")
        for page, item in gold.items():
            start = time.perf_counter()
            article = extract_article((REALWEB / "pages" / page).read_bytes(), item["url"], options=options)
            tally.add(article.text, item, time.perf_counter() - start)
        tallies.append(tally)
    return tallies


def listed_not_articles(gold: dict[str, dict]) -> dict[str, int]:
    """Not-article reasons when every page counts as listed by a feed (``listed_as_article``); quality only."""
    from extract.article import extract_article

    reasons: dict[str, int] = {}
    for page, item in gold.items():
        article = extract_article((REALWEB / "pages" / page).read_bytes(), item["url"], listed_as_article=True)
        if article.not_article_reason:
            key = article.not_article_reason.split(":")[0]
            reasons[key] = reasons.get(key, 0) + 1
    return reasons


def _row(tally: Tally) -> str:
    return (f"| {tally.name} | {tally.precision:.3f} | {tally.recall:.3f} | {tally.accuracy:.3f} | "
            f"**{tally.f1:.3f}** | {tally.pages_per_s:.1f} | {tally.tp} / {tally.fn} / {tally.fp} / {tally.tn} |")


def run(quick: bool) -> str:
    """Markdown section: quality and throughput of both extractors on the same pages, same run."""
    if not (REALWEB / "gold.json").is_file():
        return f"## Extraction\n\nSkipped: {REALWEB} is absent.\n"
    import htmldate
    import trafilatura

    logging.disable(logging.CRITICAL)  # real pages make trafilatura log a lot; it is not under test here
    try:
        gold = load_gold(quick)
        plain, odjek = measure(gold)
        variants = [] if quick else ablations(gold)
        listed = listed_not_articles(gold)
    finally:
        logging.disable(logging.NOTSET)
    extra = odjek.extra
    reasons = ", ".join(f"{k} {v}" for k, v in sorted(extra["not_article"].items())) or "none"
    top_languages = ", ".join(f"{k} {v}" for k, v in list(extra["languages"].items())[:6])
    return "\n".join([
        "## Extraction (realweb)",
        "",
        f"{plain.pages} real pages of `../shared/realweb` ({'quick sample' if quick else 'all'}), "
        f"{sum(len(g['with']) + len(g['without']) for g in gold.values())} gold snippets; "
        f"trafilatura {trafilatura.__version__}, htmldate {htmldate.__version__}, Python {platform.python_version()}, "
        f"{os.cpu_count()} cores (shared). Counting as in trafilatura's evaluation.",
        "",
        "| extractor | precision | recall | accuracy | F1 | pages/s | tp / fn / fp / tn |",
        "|---|---|---|---|---|---|---|",
        _row(plain),
        _row(odjek),
        "",
        f"- F1 difference: {odjek.f1 - plain.f1:+.4f}; throughput ratio Odjek / plain: "
        f"{odjek.pages_per_s / plain.pages_per_s:.2f} (Odjek's includes date, metadata, language, script).",
        f"- Extraction errors: {extra['errors']}; date found on {extra['dated']}/{odjek.pages} pages, "
        f"author on {extra['authored']}.",
        f"- Marked not_article (all of these pages have gold text, so each is a false alarm or a judgement call): "
        f"{reasons}; the same pages as if a feed or news sitemap had listed them (`listed_as_article`): "
        f"{', '.join(f'{k} {v}' for k, v in sorted(listed.items())) or 'none'}.",
        f"- Languages: {top_languages}.",
        "",
        *([
            "What each of Odjek's text rules contributes (same pages; these runs are not interleaved, so their "
            "pages/s are only indicative):",
            "",
            "| variant | precision | recall | accuracy | F1 | pages/s | tp / fn / fp / tn |",
            "|---|---|---|---|---|---|---|",
            _row(odjek),
            *(_row(t) for t in variants),
            "",
        ] if variants else []),
    ])


if __name__ == "__main__":  # pragma: no cover
    import sys

    print(run("--quick" in sys.argv))

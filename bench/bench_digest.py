"""Digest rendering benchmark: the daily digest (HTML + PDF) from 5,000 articles that day, the weekly one from 30,000.

A synthetic archive (SQLite, bulk-inserted: outlets in four groups, labels, Directorate mentions, story
clusters) is built once; each digest is rendered in a fresh interpreter so its peak memory (max RSS) is its
own. Baseline measured side by side: the same digest rendered to HTML only (no WeasyPrint) and an empty
period (the fixed cost of imports, charts and templates).
"""

from __future__ import annotations

import datetime as dt
import multiprocessing
import os
import random
import resource
import tempfile
import time
from pathlib import Path

from schemas.taxonomy import load_taxonomy

DAY = dt.date(2026, 3, 16)  # a Monday: the daily digest's day and the first day of the weekly digest's week
TZ = "Europe/Belgrade"
FULL = {"daily_articles": 5_000, "week_articles": 30_000}
QUICK = {"daily_articles": 1_000, "week_articles": 6_000}
GROUPS = ("domestic", "domestic", "regional", "diaspora", "foreign")
TOPICS = load_taxonomy().topics  # schemas/taxonomy.yaml, in its order (the draws stay the same)
REGIONS = load_taxonomy().regions
TITLES = ("Управа за дијаспору најавила нови конкурс за удружења у {c}",
          "Srbi u {c} traže više časova dopunske nastave",
          "Glasanje u inostranstvu: u {c} otvoreno {n} biračkih mesta",
          "Дознаке из {c} веће за {n} одсто", "Povratak mladih stručnjaka iz {c}: {n} prijava",
          "Konzulat u {c} produžio radno vreme", "Новинари из {c} о положају Срба")
CITIES = ("Beču", "Čikagu", "Торонту", "Podgorici", "Бањалуци", "Ljubljani", "Цириху", "Sidneju")
SENTENCE = ("Управа за сарадњу с дијаспором и Србима у региону саопштила је да ће подршка бити настављена "
            "и током {n}. године, рекао је директор Управе.")


def _day_counts(sizes: dict) -> dict[dt.date, int]:
    """Articles per local day: the digest day holds the daily figure, the week holds the weekly figure."""
    rest = sizes["week_articles"] - sizes["daily_articles"]
    counts = {DAY: sizes["daily_articles"]}
    for offset in range(1, 7):
        counts[DAY + dt.timedelta(days=offset)] = rest // 6
    for offset in range(1, 8):  # the previous week, for the change figures
        counts[DAY - dt.timedelta(days=offset)] = sizes["daily_articles"] * 4 // 5
    return counts


def build_archive(path: Path, sizes: dict, seed: int = 7) -> int:
    """Bulk-insert the synthetic archive; returns the number of articles."""
    from zoneinfo import ZoneInfo

    from archive import open_archive
    from archive.db import iso

    rng = random.Random(seed)
    db = open_archive(f"sqlite:///{path}")
    now = iso(dt.datetime(2026, 3, 30, tzinfo=dt.UTC))
    sources = [(f"outlet{i:02d}", f"Outlet {i:02d}", GROUPS[i % len(GROUPS)]) for i in range(40)]
    frontier, articles, labels, mentions = [], [], [], []
    article_id = 0
    for day, count in sorted(_day_counts(sizes).items()):
        midnight = dt.datetime.combine(day, dt.time(0), tzinfo=ZoneInfo(TZ))
        for _ in range(count):
            article_id += 1
            source = sources[rng.randrange(len(sources))]
            published = iso(midnight + dt.timedelta(seconds=rng.randrange(86_400)))
            url = f"https://{source[0]}.example/a/{article_id}"
            title = rng.choice(TITLES).format(c=rng.choice(CITIES), n=rng.randrange(2, 90))
            office = rng.random() < 0.03
            director = office and rng.random() < 0.3
            frontier.append((article_id, url, url, source[0], "import", "tagged", now, now))
            articles.append((article_id, article_id, url, url, source[0], title, published, title + ". " + SENTENCE,
                             "sr", f"h{article_id}", now, int(office), int(director)))
            chosen = dict.fromkeys(rng.sample(TOPICS, rng.choice((0, 0, 1, 1, 2))), "topic")
            chosen.update(dict.fromkeys(rng.sample(REGIONS, rng.choice((0, 1, 1))), "region"))
            if office:
                chosen["office"] = "entity"
                sentence = SENTENCE.format(n=2026)
                mentions.append((article_id, "office", 0, 49, sentence[:49], sentence))
            if director:
                chosen["director"] = "entity"
            labels += [(article_id, label, kind, round(rng.random(), 3)) for label, kind in chosen.items()]
    with db.transaction() as tx:
        tx.executemany("INSERT INTO sources (id, name, country, languages, grp, config, updated_at)"
                       " VALUES (?, ?, 'RS', '[\"sr\"]', ?, '{}', ?)", [(*s, now) for s in sources])
        tx.executemany("INSERT INTO frontier (id, url, canonical_url, source_id, via, state, discovered_at, updated_at)"
                       " VALUES (?, ?, ?, ?, ?, ?, ?, ?)", frontier)
        tx.executemany("INSERT INTO articles (id, frontier_id, url, canonical_url, source_id, title, published, text,"
                       " language, content_hash, extracted_at, office, director) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?,"
                       " ?, ?, ?, ?)", articles)
        tx.executemany("INSERT INTO labels (article_id, label, kind, score) VALUES (?, ?, ?, ?)", labels)
        tx.executemany("INSERT INTO mentions (article_id, label, start_offset, end_offset, text, sentence)"
                       " VALUES (?, ?, ?, ?, ?, ?)", mentions)
        # Story clusters: about a tenth of the articles, 2-8 copies of one story on the same day.
        by_day: dict[str, list[tuple]] = {}
        for row in articles:
            by_day.setdefault(row[6][:10], []).append(row)
        for rows in by_day.values():
            rng.shuffle(rows)
            at = 0
            while at < len(rows) // 10:
                members = rows[at:at + rng.randrange(2, 9)]
                at += len(members)
                cluster_id = tx.insert_id(
                    "INSERT INTO clusters (representative_article_id, first_seen, last_seen, size, outlet_count,"
                    " created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id",
                    (members[0][0], min(m[6] for m in members), max(m[6] for m in members), len(members),
                     len({m[4] for m in members}), now, now))
                tx.executemany("UPDATE articles SET cluster_id = ? WHERE id = ?", [(cluster_id, m[0]) for m in members])
    db.close()
    return len(articles)


def _render_case(db_path: str, data_dir: str, kind: str, day: str, pdf: bool, queue) -> None:
    """Child process: render one digest and report timings and peak RSS."""
    import psutil
    import weasyprint  # noqa: F401 - imported before measuring so the baseline RSS includes every library

    from archive import open_archive
    from odjek.settings import Settings
    from reports import digest as digests
    from reports.charts import make_charts
    from reports.periods import period_for
    from reports.render import render_html

    rss_before = psutil.Process().memory_info().rss
    settings = Settings.from_mapping({"data_dir": data_dir})
    db = open_archive(f"sqlite:///{db_path}")
    started, cpu = time.perf_counter(), time.process_time()
    if pdf:
        digests.render_digest(settings, db, kind, dt.date.fromisoformat(day))
        timings = digests.LAST_TIMINGS
        result = {"assemble": timings.assemble_s, "charts": timings.charts_s, "html": timings.html_s,
                  "pdf": timings.pdf_s, "pdf_cpu": timings.pdf_cpu_s}
    else:
        t0 = time.perf_counter()
        digest = digests.assemble(db, period_for(kind, dt.date.fromisoformat(day), settings.locale.timezone))
        t1 = time.perf_counter()
        charts = make_charts(digest, "cyrl")
        t2 = time.perf_counter()
        render_html(digest, "cyrl", "web", charts)
        result = {"assemble": t1 - t0, "charts": t2 - t1, "html": time.perf_counter() - t2, "pdf": 0.0,
                  "pdf_cpu": 0.0}
    result["total"] = time.perf_counter() - started
    result["cpu"] = time.process_time() - cpu
    result["peak_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    result["base_mib"] = rss_before / 2**20
    queue.put(result)


def measure(db_path: Path, data_dir: Path, kind: str, day: dt.date, pdf: bool = True) -> dict:
    """Run one case in a fresh interpreter (spawn) so peak memory is the case's own."""
    ctx = multiprocessing.get_context("spawn")
    queue = ctx.Queue()
    proc = ctx.Process(target=_render_case, args=(str(db_path), str(data_dir), kind, day.isoformat(), pdf, queue))
    proc.start()
    result = queue.get(timeout=900)
    proc.join()
    return result


def run(quick: bool) -> str:
    sizes = QUICK if quick else FULL
    with tempfile.TemporaryDirectory(prefix="odjek-bench-digest-") as tmp:
        base = Path(tmp)
        db_path = base / "bench.db"
        started = time.perf_counter()
        total = build_archive(db_path, sizes)
        build_s = time.perf_counter() - started
        cases = [("daily", DAY, True, f"daily digest, {sizes['daily_articles']:,} articles that day"),
                 ("daily", DAY, False, "same, HTML only (baseline without WeasyPrint)"),
                 ("weekly", DAY, True, f"weekly digest, {sizes['week_articles']:,} articles that week"),
                 ("weekly", DAY, False, "same, HTML only (baseline without WeasyPrint)"),
                 ("daily", DAY - dt.timedelta(days=400), True, "empty period (fixed cost)")]
        rows = []
        load_before = os.getloadavg()[0]
        for kind, day, pdf, label in cases:
            r = measure(db_path, base, kind, day, pdf)
            share = f"{100 * r['pdf_cpu'] / r['cpu']:.0f} %" if pdf and r["cpu"] else "—"
            rows.append(f"| {label} | {r['total']:.2f} | {r['cpu']:.2f} | {r['assemble']:.2f} | {r['charts']:.2f} |"
                        f" {r['html']:.2f} | {r['pdf']:.2f} | {r['pdf_cpu']:.2f} | {share} | {r['peak_mib']:.0f} |"
                        f" {r['peak_mib'] - r['base_mib']:.0f} |")
        pdfs = sorted((base / "digests").glob("*.pdf"))
        sizes_kib = ", ".join(f"{p.name} {p.stat().st_size / 1024:.0f} KiB" for p in pdfs)
    return "\n".join([
        "## Digest rendering",
        "",
        f"Synthetic archive of {total:,} articles (40 outlets in four groups, about 3 % naming the Directorate, "
        f"a tenth in story clusters) built in {build_s:.1f} s; each case runs in a fresh interpreter. Times in "
        "seconds (wall clock, and CPU time of the rendering process, which a busy shared machine does not inflate; "
        f"load average {load_before:.1f} before the run, {os.getloadavg()[0]:.1f} after); peak is the process's "
        "max RSS, growth is peak minus RSS after imports.",
        "",
        "| case | total s | total CPU s | assemble s (pandas) | charts s | HTML s | PDF s (WeasyPrint) | PDF CPU s |"
        " WeasyPrint share of CPU | peak MiB | growth MiB |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
        *rows,
        "",
        f"Output: {sizes_kib}. Lists are capped per section (reports.assemble.DigestLimits), so the PDF's size and "
        "WeasyPrint's time grow with the caps, not with the archive; assembly grows with the period's articles.",
    ])


if __name__ == "__main__":
    import sys

    print(run("--quick" in sys.argv))

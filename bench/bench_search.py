"""Search benchmark: latency of archive.search on SQLite and PostgreSQL against plain unnormalised full-text search.

The archive: synthetic news articles in Serbian (Latin and Cyrillic) and English (the corpus of
``bench/bench_cluster.py``, three of its articles joined for a realistic length of about 360 words), with
topic labels, a year of publication dates and 24 outlets; 200,000 articles (20,000 in quick mode). The
same rows also get a plain index — FTS5 ``unicode61 remove_diacritics 2`` over the original title and text on
SQLite, ``to_tsvector('simple', title || text)`` with a GIN index on PostgreSQL — and the same query mix runs
against it. The baseline goes through the same steps as ``archive.search.search`` (same query grammar with the
words as typed, same filters, total counted up to COUNT_CAP, the newest RANK_WINDOW matches ranked, the page's
display rows and labels read); only its highlights differ: the store's own highlighter (FTS5 ``highlight()`` of
the title and one 28-token ``snippet()``; ``ts_headline`` of the title and of two 28-word fragments) where
Odjek marks the title and two 28-word passages itself. The baseline does not link scripts or inflections: it
answers fewer articles, which is why Odjek normalises.

``python -m bench.bench_search --size 1000000`` (``make bench-search-1m``) runs the same mix on a kept archive of
a million articles (the 200,000-article year inserted five times, a year apart), built once under var/bench/ and
in a PostgreSQL database, and writes its own section of docs/benchmarks.md with the plans of the slowest queries.
"""

from __future__ import annotations

import datetime as dt
import os
import random
import statistics
import tempfile
import time
from pathlib import Path

from schemas.taxonomy import load_taxonomy

FULL_SIZE = 200_000
QUICK_SIZE = 20_000
ROUNDS = 5
BATCH = 2000
TOPICS = load_taxonomy().topics  # schemas/taxonomy.yaml, in its order (the draws stay the same)

# (query, filters): words, phrases, exclusion, OR, prefix, both scripts, with and without filters.
QUERIES = [
    ("dijaspora", {}),
    ("дијаспора", {"date_from": "2026-03-01", "date_to": "2026-05-31"}),
    ("udžbenika škola", {}),
    ("уџбеници школе", {"topics": ["language_culture_education"]}),
    ('"dopunske nastave"', {}),
    ('"допунска настава"', {"sources": ["outlet03", "outlet07", "outlet11"]}),
    ("glasanje -konzulat", {}),
    ("Beč OR Čikago", {}),
    ("Беч OR Торонто", {"topics": ["voting_abroad"]}),
    ("povrat*", {}),
    ("пензиј*", {"date_from": "2026-06-01"}),
    ("(Minhen OR Cirih) udruženje", {}),
    ("embassy", {"languages": ["en"]}),
    ("Đorđević", {}),
    ("djordjevic", {"topics": ["status_consular"]}),
    ("odliv mozgova", {}),
    ("dinara", {"date_from": "2026-01-01", "date_to": "2026-01-31"}),
    ("Savez srpskih udruženja", {}),
]


def _articles(size: int, seed: int = 11) -> list[dict]:
    """Rows for the archive: three synthetic articles joined, a label or two, a date in the year."""
    from bench.bench_cluster import synthetic_corpus
    from nlp.normalize import normalize_text, script_of

    corpus = synthetic_corpus(size, seed=seed, days=365)
    rng = random.Random(seed)
    by_script: dict[bool, list] = {True: [], False: []}
    for a in corpus:
        by_script[script_of(a.text) == "Cyrl"].append(a)
    rows = []
    for a in corpus:
        same = by_script[script_of(a.text) == "Cyrl"]
        text = "\n\n".join([a.text, rng.choice(same).text, rng.choice(same).text])
        english = a.topic in {"embassy", "business", "culture"} or " the " in a.text
        rows.append({"title": a.title, "text": text, "published": a.published, "source": a.outlet,
                     "language": "en" if english else "sr", "script": script_of(text),
                     "search_title": normalize_text(a.title), "search_body": normalize_text(text),
                     "labels": rng.sample(TOPICS, rng.choice((0, 1, 1, 2)))})
    return rows


def _load(db, rows: list[dict], copies: int = 1) -> float:
    """Bulk-insert sources, frontier entries, articles and labels; returns seconds.

    With ``copies`` > 1 the rows are inserted that many times, each copy a year earlier than the one before
    (the 1M archive: five years of the 200,000-article year)."""
    from archive.db import iso

    started = time.perf_counter()
    now = iso(dt.datetime.now(dt.UTC))
    with db.transaction() as tx:
        tx.executemany("INSERT INTO sources (id, name, country, languages, grp, config, enabled, updated_at)"
                       " VALUES (?, ?, 'RS', '[\"sr\"]', ?, '{}', 1, ?)",
                       [(f"outlet{i:02d}", f"Outlet {i}", ("domestic", "regional", "diaspora", "foreign")[i % 4], now)
                        for i in range(24)])
    for copy in range(copies):
        shift = dt.timedelta(days=365 * copy)
        base = copy * len(rows)
        for start in range(0, len(rows), BATCH):
            chunk = rows[start:start + BATCH]
            first = base + start
            with db.transaction() as tx:
                tx.executemany("INSERT INTO frontier (id, url, canonical_url, source_id, via, state, discovered_at,"
                               " updated_at) VALUES (?, ?, ?, ?, 'import', 'tagged', ?, ?)",
                               [(first + i + 1, f"https://bench.example/{first + i}",
                                 f"https://bench.example/{first + i}", r["source"], now, now)
                                for i, r in enumerate(chunk)])
                tx.executemany("INSERT INTO articles (id, frontier_id, url, canonical_url, source_id, title, published,"
                               " text, language, script, content_hash, search_title, search_body, extracted_at)"
                               " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                               [(first + i + 1, first + i + 1, f"https://bench.example/{first + i}",
                                 f"https://bench.example/{first + i}", r["source"], r["title"],
                                 iso(r["published"] - shift), r["text"], r["language"], r["script"], str(first + i),
                                 r["search_title"], r["search_body"], now) for i, r in enumerate(chunk)])
                tx.executemany("INSERT INTO labels (article_id, label, kind, score) VALUES (?, ?, 'topic', 0.8)",
                               [(first + i + 1, label) for i, r in enumerate(chunk) for label in r["labels"]])
    return time.perf_counter() - started


def _add_plain_index(db) -> float:
    """The baseline: an unnormalised full-text index over the original title and text."""
    started = time.perf_counter()
    with db.transaction() as tx:
        if db.dialect == "sqlite":
            tx.execute("CREATE VIRTUAL TABLE plain_fts USING fts5(title, text, content='articles', content_rowid='id',"
                       " tokenize='unicode61 remove_diacritics 2')")
            tx.execute("INSERT INTO plain_fts (plain_fts) VALUES ('rebuild')")
        else:
            tx.execute("ALTER TABLE articles ADD COLUMN plain_vector tsvector GENERATED ALWAYS AS ("
                       "setweight(to_tsvector('simple', coalesce(title, '')), 'A') ||"
                       " setweight(to_tsvector('simple', text), 'B')) STORED")
            tx.execute("CREATE INDEX articles_plain ON articles USING GIN (plain_vector)")
    if db.dialect == "postgresql":
        db.connection.execute("VACUUM ANALYZE articles")
    return time.perf_counter() - started


def _plain_query(query: str, dialect: str) -> str:
    """The baseline's reading of the same query: its words as typed (lowercased), same operators."""
    from search.query import parse_ast, to_fts5, to_tsquery

    # Odjek's grammar, but the words kept as typed (lowercased), not normalised.
    ast = parse_ast(query, key=str.lower)
    return to_fts5(ast) if dialect == "sqlite" else to_tsquery(ast)


def _plain_plan(db, query: str, filters):
    """The baseline's search plan: Odjek's filters and rules over the plain index, the query's words as typed."""
    from archive.search import SQLITE_FILTER_INDEX, TITLE_WEIGHT, SearchPlan, filter_sql

    conds, params = filter_sql(filters)
    compiled = _plain_query(query, db.dialect)
    if db.dialect == "sqlite":
        return SearchPlan(f"plain_fts JOIN articles a INDEXED BY {SQLITE_FILTER_INDEX} ON a.id = plain_fts.rowid",
                     f"-bm25(plain_fts, {TITLE_WEIGHT}, 1.0)", [], ["plain_fts MATCH ?", *conds],
                     [compiled, *params], fts_table="plain_fts")
    return SearchPlan("articles a", "ts_rank(a.plain_vector, to_tsquery('simple', ?))", [compiled],
                 ["a.plain_vector @@ to_tsquery('simple', ?)", *conds], [compiled, *params])


def _plain_search(db, query: str, filters) -> int:
    """The baseline's page: the same steps as archive.search.search (total counted up to COUNT_CAP, the newest
    RANK_WINDOW matches ranked, the page's display rows and labels read), but highlights come from the store's
    own highlighter (FTS5 highlight() + snippet(), ts_headline) instead of Odjek's; returns the total."""
    from archive.search import COUNT_CAP, hit_rows, make_hits, rank_page
    from search.query import parse_query

    plan = _plain_plan(db, query, filters)
    compiled = plan.where_params[0]
    with db.transaction(write=False) as tx:
        if db.dialect == "postgresql":
            tx.execute("SET LOCAL enable_seqscan = off")  # as archive.search.reading does for Odjek
        total, _, top = rank_page(tx, db, plan, True, "relevance", 20, 0)
        ids = [int(r["id"]) for r in top]
        if ids and db.dialect == "sqlite":
            tx.all("SELECT rowid, highlight(plain_fts, 0, '<mark>', '</mark>') AS title,"
                   " snippet(plain_fts, 1, '<mark>', '</mark>', '…', 28) AS snip FROM plain_fts"
                   f" WHERE plain_fts MATCH ? AND +rowid IN ({', '.join(map(str, ids))})", [compiled])
        elif ids:
            tx.all("SELECT a.id, ts_headline('simple', COALESCE(a.title, ''), q, 'HighlightAll=true') AS title,"
                   " ts_headline('simple', a.text, q, 'MaxFragments=2, MaxWords=28, MinWords=14') AS snip"
                   f" FROM articles a, to_tsquery('simple', ?) q WHERE a.id IN ({', '.join(map(str, ids))})",
                   [compiled])
    rows = hit_rows(db, ids, with_text=False)
    make_hits(db, [rows[i] for i in ids], parse_query(query), highlight=False)
    return min(int(total), COUNT_CAP)


def _exact_plain_total(db, query: str, filters) -> int:
    """The exact number of the baseline's matches (not timed)."""
    plan = _plain_plan(db, query, filters)
    return int(db.scalar(f"SELECT COUNT(*) FROM {plan.from_sql} WHERE {' AND '.join(plan.where)}",
                         plan.where_params) or 0)


def _exact_total(db, query: str, filters) -> int:
    """The exact number of matches (the search itself stops counting at COUNT_CAP)."""
    from archive.search import plan_search
    from search.query import parse_query

    parsed = parse_query(query)
    plan = plan_search(db, parsed, filters)
    return int(db.scalar(f"SELECT COUNT(*) FROM {plan.from_sql} WHERE {' AND '.join(plan.where)}",
                         plan.where_params) or 0)


def _measure(fns: dict, rounds: int = ROUNDS) -> tuple[dict[str, list[float]], dict[str, list[int]]]:
    """Latencies in ms of each fn(query, filters) over the query mix, interleaved query by query so that load
    from elsewhere on the machine hits every contender alike; the first round warms up and counts hits."""
    from archive.search import SearchFilters

    times: dict[str, list[float]] = {name: [] for name in fns}
    totals: dict[str, list[int]] = {name: [] for name in fns}
    for round_no in range(rounds + 1):
        for query, filters in QUERIES:
            for name, fn in fns.items():
                started = time.perf_counter()
                total = fn(query, SearchFilters.from_dict(filters))
                elapsed = (time.perf_counter() - started) * 1000
                if round_no:
                    times[name].append(elapsed)
                else:
                    totals[name].append(total)
    return times, totals


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def _index_sizes(db) -> dict[str, str]:
    """Bytes of the normalised index and of the baseline index (and of the shadow text they are built from)."""
    def mib(n):
        return f"{(n or 0) / 2**20:.1f} MiB"

    if db.dialect == "sqlite":
        norm = db.scalar("SELECT SUM(pgsize) FROM dbstat WHERE name LIKE 'articles_fts%'")
        plain = db.scalar("SELECT SUM(pgsize) FROM dbstat WHERE name LIKE 'plain_fts%'")
    else:
        # The GIN index, the stored tsvectors and the date index the search walks (migration 702).
        norm = db.scalar("SELECT pg_relation_size('articles_search') + COALESCE(pg_relation_size("
                         "to_regclass('articles_published_desc')), 0) + SUM(pg_column_size(search_vector))"
                         " FROM articles")
        plain = db.scalar("SELECT pg_relation_size('articles_plain') + SUM(pg_column_size(plain_vector))"
                          " FROM articles")
    shadow = db.scalar("SELECT SUM(LENGTH(search_title) + LENGTH(search_body)) FROM articles")
    return {"normalised": mib(norm), "plain": mib(plain), "shadow text": mib(shadow)}


def _bench_store(db, rows: list[dict]) -> dict:
    from archive.search import search

    load_s = _load(db, rows)
    if db.dialect == "postgresql":
        db.connection.execute("VACUUM ANALYZE")
    plain_s = _add_plain_index(db)

    def odjek(query, filters):
        return search(db, query, filters, per_page=20, highlight=True).total

    def odjek_facets(query, filters):
        return search(db, query, filters, per_page=20, highlight=True, facets=True).total

    times, totals = _measure({"odjek": odjek, "facets": odjek_facets,
                              "plain": lambda q, f: _plain_search(db, q, f)})
    # Exact match counts for the table (the search itself stops counting at COUNT_CAP); not timed.
    from archive.search import SearchFilters

    totals["odjek"] = [_exact_total(db, q, SearchFilters.from_dict(f)) for q, f in QUERIES]
    totals["plain"] = [_exact_plain_total(db, q, SearchFilters.from_dict(f)) for q, f in QUERIES]
    return {"load_s": load_s, "plain_index_s": plain_s, "times": times["odjek"], "facet_times": times["facets"],
            "plain_times": times["plain"], "totals": totals["odjek"], "plain_totals": totals["plain"],
            "sizes": _index_sizes(db)}


def _postgres_url() -> str | None:
    admin = os.environ.get("ODJEK_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/postgres")
    try:
        import psycopg

        with psycopg.connect(admin, connect_timeout=3):
            pass
    except Exception:  # noqa: BLE001 - unreachable for any reason: reported in the section
        return None
    return admin.rsplit("/", 1)[0] + f"/odjek_bench_search_{os.getpid()}"


def run(quick: bool) -> str:
    """Build the archive on each store, run the query mix against Odjek's search and the plain baseline."""
    import platform

    from archive import open_archive
    from archive.search import COUNT_CAP, RANK_WINDOW

    size = QUICK_SIZE if quick else FULL_SIZE
    started = time.perf_counter()
    rows = _articles(size)
    prepare_s = time.perf_counter() - started
    words = sum(len(r["text"].split()) + len(r["title"].split()) for r in rows) / len(rows)
    results: dict[str, dict] = {}
    with tempfile.TemporaryDirectory() as tmp:
        db = open_archive(f"sqlite:///{Path(tmp) / 'bench.db'}")
        results["SQLite (FTS5)"] = _bench_store(db, rows)
        db.close()
    pg_url = _postgres_url()
    if pg_url:
        db = open_archive(pg_url)
        try:
            results["PostgreSQL (GIN)"] = _bench_store(db, rows)
        finally:
            db.close()
            import psycopg

            with psycopg.connect(pg_url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{pg_url.rsplit("/", 1)[1]}" WITH (FORCE)')

    lines = [
        "## Search (`bench/bench_search.py`)",
        "",
        f"{size:,} synthetic articles (mean {words:.0f} words; Serbian Latin and Cyrillic, some English; 24 outlets,"
        f" a year of dates, topic labels), generated and normalised in {prepare_s:.0f} s. Query mix: {len(QUERIES)}"
        " queries (words, phrases, exclusion, OR, prefix, parentheses, both scripts; half with date, outlet,"
        " topic or language filters), each returning the total and the first 20 hits with highlights;"
        f" {ROUNDS} timed rounds after a warm-up round, contenders interleaved query by query, one connection,"
        f" Python {platform.python_version()}. Relevance ranks the newest {RANK_WINDOW:,} matches of broader"
        f" queries and totals stop at {COUNT_CAP:,} (docs/search.md); the baseline follows the same rules with the"
        " same code over its own index, with the store's highlighter (FTS5 highlight() of the title + one"
        " 28-token snippet(); ts_headline of the title + two 28-word fragments) instead of Odjek's (title + two"
        " 28-word passages). Hits found are exact counts, taken apart from the timing.",
        "",
        "| store | search | p50 ms | p95 ms | max ms | hits found (sum over the mix) |",
        "|---|---|---:|---:|---:|---:|",
    ]
    for store, r in results.items():
        lines.append(f"| {store} | Odjek (normalised, own highlights) | {statistics.median(r['times']):.1f} |"
                     f" {_pct(r['times'], 0.95):.1f} | {max(r['times']):.1f} | {sum(r['totals']):,} |")
        lines.append(f"| {store} | Odjek + facet counts (search page) | {statistics.median(r['facet_times']):.1f} |"
                     f" {_pct(r['facet_times'], 0.95):.1f} | {max(r['facet_times']):.1f} | |")
        lines.append(f"| {store} | baseline: plain index, store's highlighter | {statistics.median(r['plain_times']):.1f} |"
                     f" {_pct(r['plain_times'], 0.95):.1f} | {max(r['plain_times']):.1f} | {sum(r['plain_totals']):,} |")
    lines += ["", "| store | normalised index | per article | plain index | shadow text (normalised columns) | load"
              " (ingest rate) | plain index build |", "|---|---:|---:|---:|---:|---:|---:|"]
    for store, r in results.items():
        s = r["sizes"]
        per_article = float(s["normalised"].split()[0]) * 2**20 / size
        lines.append(f"| {store} | {s['normalised']} | {per_article:,.0f} B | {s['plain']} | {s['shadow text']} |"
                     f" {r['load_s']:.0f} s ({size / max(r['load_s'], 1e-9):,.0f} articles/s) |"
                     f" {r['plain_index_s']:.0f} s |")
    if not pg_url:
        lines += ["", "PostgreSQL was not reachable: its rows are missing from this run."]
    for store, r in results.items():
        ratio = _pct(r["times"], 0.95) / max(_pct(r["plain_times"], 0.95), 1e-9)
        lines.append("")
        lines.append(f"{store}: p95 {_pct(r['times'], 0.95):.1f} ms (goal < 100 ms on SQLite), {ratio:.2f}× the plain"
                     f" baseline's p95 (goal ≤ 2×); Odjek finds {sum(r['totals']):,} hits where the plain index finds"
                     f" {sum(r['plain_totals']):,}.")
    lines += ["", "Per query: hits and median ms (Odjek / plain) — the cost follows the number of matches, and"
              " normalisation multiplies the matches:", ""]
    header = "| query | filters | hits Odjek | hits plain |"
    rule = "|---|---|---:|---:|"
    for store in results:
        header += f" {store.split()[0]} ms Odjek / plain |"
        rule += "---:|"
    lines += [header, rule]
    first = next(iter(results.values()))
    for i, ((query, filters), n, p) in enumerate(zip(QUERIES, first["totals"], first["plain_totals"])):
        shown = ", ".join(f"{k}={v}" for k, v in filters.items()) or "—"
        row = f"| `{query}` | {shown} | {n:,} | {p:,} |"
        for r in results.values():
            mine = statistics.median(r["times"][i::len(QUERIES)])
            theirs = statistics.median(r["plain_times"][i::len(QUERIES)])
            row += f" {mine:.1f} / {theirs:.1f} |"
        lines.append(row)
    if len(results) == 2:
        a, b = results.values()
        lines.append("")
        lines.append("Both stores return the same totals for every query: "
                     + ("yes." if a["totals"] == b["totals"] else f"NO ({a['totals']} vs {b['totals']})."))
    return "\n".join(lines) + "\n"


# The kept archive (1,000,000 articles, `make bench-search-1m`) ------------------------------------------
#
# Building a million rows takes most of an hour on this machine, so the archive is kept between runs
# (SQLite under var/bench/, a PostgreSQL database odjek_bench_search_<size>) and rebuilt only when its size or
# the search key version (nlp.normalize.SEARCH_KEY_VERSION) differs. Schema migrations added since the build
# (new indexes) are applied to it by open_archive, as they would be to a production archive.

SCALED_SIZE = 1_000_000
KEEP_DIR = Path(__file__).resolve().parent.parent / "var" / "bench"


def _meta(db) -> dict[str, str]:
    try:
        return {r["key"]: r["value"] for r in db.query("SELECT key, value FROM bench_meta")}
    except Exception:  # noqa: BLE001 - no table yet: a new or foreign database
        return {}


def _skip_reindex(db) -> None:
    """The kept archive was built with the current search keys: the migration that rebuilds them has nothing
    to do there (it would rewrite a million rows)."""
    from archive.db import iso, utcnow
    from archive.migrations import applied_versions

    if 700 not in applied_versions(db):
        with db.transaction() as tx:
            tx.execute("INSERT INTO schema_migrations (version, name, applied_at) VALUES (700, ?, ?)",
                       ("search: rebuild shadow columns with search keys v2 (kept benchmark archive: built with"
                        " them)", iso(utcnow())))


def _kept_store(url: str, size: int, base_rows, quiet: bool = False) -> tuple[object, dict[str, str]]:
    """The kept archive at ``url``: reused when complete and current, else (re)built; returns (db, meta)."""
    import sys

    from archive import open_archive
    from archive.migrations import migrate
    from nlp.normalize import SEARCH_KEY_VERSION

    want = {"size": str(size), "search_key_version": str(SEARCH_KEY_VERSION), "complete": "1"}
    if not url.startswith("sqlite:///") or Path(url[len("sqlite:///"):]).exists():
        db = open_archive(url, migrate=False)
        meta = _meta(db)
        if all(meta.get(k) == v for k, v in want.items()):
            _skip_reindex(db)
            migrate(db)  # new indexes since the build are added, as on a production archive
            return db, meta
        db.close()
    if url.startswith("sqlite:///"):
        Path(url[len("sqlite:///"):]).unlink(missing_ok=True)
    else:
        import psycopg

        name = url.rsplit("/", 1)[1]
        with psycopg.connect(url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    db = open_archive(url)
    rows = base_rows()
    print(f"building {size:,} articles at {url}", file=sys.stderr, flush=True)
    load_s = _load(db, rows, copies=max(1, size // len(rows)))
    if db.dialect == "postgresql":
        db.connection.execute("VACUUM ANALYZE")
    plain_s = _add_plain_index(db)
    meta = {**want, "load_s": f"{load_s:.1f}", "plain_index_s": f"{plain_s:.1f}",
            "built": dt.datetime.now(dt.UTC).isoformat(timespec="seconds")}
    with db.transaction() as tx:
        tx.execute("CREATE TABLE bench_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
        tx.executemany("INSERT INTO bench_meta (key, value) VALUES (?, ?)", sorted(meta.items()))
    return db, meta


def _kept_urls(size: int, keep_dir: Path) -> dict[str, str | None]:
    keep_dir.mkdir(parents=True, exist_ok=True)
    pg = _postgres_url()
    return {"PostgreSQL (GIN)": pg.rsplit("/", 1)[0] + f"/odjek_bench_search_{size}" if pg else None,
            "SQLite (FTS5)": f"sqlite:///{keep_dir / f'search-{size}.db'}"}


def _slowest_statement(db, query: str, filters) -> tuple[float, str, list]:
    """Run one search (with facets), timing each SQL statement it issues; the slowest (ms, sql, params)."""
    from archive import db as db_module
    from archive.search import SearchFilters, search

    seen: list[tuple[float, str, list]] = []
    original = db_module.Tx.execute

    def timed(self, sql, params=()):
        started = time.perf_counter()
        try:
            return original(self, sql, params)
        finally:
            if not sql.lstrip().upper().startswith("SET "):
                seen.append(((time.perf_counter() - started) * 1000, sql, list(params)))

    db_module.Tx.execute = timed
    try:
        search(db, query, SearchFilters.from_dict(filters), per_page=20, facets=True)
    finally:
        db_module.Tx.execute = original
    return max(seen, key=lambda t: t[0]) if seen else (0.0, "", [])


def _explain(db, sql: str, params: list) -> str:
    """EXPLAIN ANALYZE (PostgreSQL, with the search's session settings) or EXPLAIN QUERY PLAN (SQLite)."""
    from archive.search import PG_WORK_MEM

    with db.transaction(write=False) as tx:
        if db.dialect == "postgresql":
            tx.execute("SET LOCAL enable_seqscan = off")
            tx.execute(f"SET LOCAL work_mem = '{PG_WORK_MEM}'")
            rows = tx.all("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
            return "\n".join(r["QUERY PLAN"] for r in rows)
        rows = tx.all("EXPLAIN QUERY PLAN " + sql, params)
        return "\n".join(str(r["detail"]) for r in rows)


def run_kept(size: int = SCALED_SIZE, keep_dir: Path = KEEP_DIR, stores: tuple[str, ...] | None = None) -> str:
    """The query mix on the kept archives (built on first use), with and without facets, against the plain
    baseline; ingest rate and index sizes per article; plans of the three slowest queries' slowest statements.
    ``stores`` (names as in the table) measures only those; the other store's last figures are kept from
    var/bench/. Writes the section ``search_<size>`` of docs/benchmarks.md and returns it."""
    import json
    import platform

    from archive.search import COUNT_CAP, RANK_WINDOW, search

    cache: list = []

    def base_rows():
        if not cache:
            cache.append(_articles(min(size, FULL_SIZE)))
        return cache[0]

    results: dict[str, dict] = {}
    for store, url in _kept_urls(size, keep_dir).items():
        saved = keep_dir / f"results-{size}-{store.split()[0].lower()}.json"
        if stores is not None and store not in stores:
            if saved.exists():
                results[store] = json.loads(saved.read_text(encoding="utf-8"))
            continue
        if not url:
            continue
        db, meta = _kept_store(url, size, base_rows)
        try:
            def odjek(query, filters, db=db):
                return search(db, query, filters, per_page=20, highlight=True).total

            def odjek_facets(query, filters, db=db):
                return search(db, query, filters, per_page=20, highlight=True, facets=True).total

            times, _ = _measure({"odjek": odjek, "facets": odjek_facets,
                                 "plain": lambda q, f, db=db: _plain_search(db, q, f)})
            medians = [statistics.median(times["facets"][i::len(QUERIES)]) for i in range(len(QUERIES))]
            slowest = sorted(range(len(QUERIES)), key=lambda i: -medians[i])[:3]
            plans = []
            for i in slowest:
                ms, sql, params = _slowest_statement(db, *QUERIES[i])
                plans.append((list(QUERIES[i]), medians[i], ms, sql, _explain(db, sql, params)))
            results[store] = {"times": times["odjek"], "facet_times": times["facets"], "plain_times": times["plain"],
                              "sizes": _index_sizes(db), "meta": meta, "plans": plans,
                              "articles": int(db.scalar("SELECT COUNT(*) FROM articles") or 0),
                              "measured": dt.datetime.now(dt.UTC).isoformat(timespec="minutes")}
            saved.write_text(json.dumps(results[store]), encoding="utf-8")
        finally:
            db.close()
    lines = [f"## Search at {size:,} articles (`make bench-search-1m`)", "",
             f"The 200,000-article year of the search benchmark inserted {max(1, size // FULL_SIZE)} times, each copy a year"
             " earlier (five years of archive), kept between runs under var/bench/ and in the PostgreSQL database"
             f" odjek_bench_search_{size}. Same query mix, rounds and rules as above (relevance ranks the newest"
             f" {RANK_WINDOW:,} matches, totals stop at {COUNT_CAP:,}; facets are exact up to {COUNT_CAP:,} matches"
             f" and counted over the newest {RANK_WINDOW:,} past that), Python {platform.python_version()}.", "",
             "| store | search | p50 ms | p95 ms | max ms |", "|---|---|---:|---:|---:|"]
    for store, r in results.items():
        for label, key in (("Odjek", "times"), ("Odjek + facet counts (search page)", "facet_times"),
                           ("baseline: plain index, store's highlighter", "plain_times")):
            v = r[key]
            lines.append(f"| {store} | {label} | {statistics.median(v):.1f} | {_pct(v, 0.95):.1f} | {max(v):.1f} |")
    lines += ["", "| store | articles | ingest (load incl. indexes) | normalised index | per article | plain index |"
              " shadow text | measured (UTC) |", "|---|---:|---:|---:|---:|---:|---:|---|"]
    for store, r in results.items():
        load_s = float(r["meta"].get("load_s", "0") or 0)
        norm = float(r["sizes"]["normalised"].split()[0])
        lines.append(f"| {store} | {r['articles']:,} | {r['articles'] / max(load_s, 1e-9):,.0f} articles/s"
                     f" ({load_s:.0f} s) | {r['sizes']['normalised']} | {norm * 2**20 / max(r['articles'], 1):,.0f} B |"
                     f" {r['sizes']['plain']} | {r['sizes']['shadow text']} | {r.get('measured', '')} |")
    for store, r in results.items():
        lines += ["", f"Slowest queries on {store} (median ms with facets; the plan of the slowest statement each"
                      " issues):", ""]
        for (query, filters), median, ms, sql, plan in r["plans"]:
            shown = ", ".join(f"{k}={v}" for k, v in filters.items()) or "no filters"
            lines += [f"- `{query}` ({shown}): {median:.0f} ms, slowest statement {ms:.0f} ms", "", "```",
                      sql.strip(), "", plan, "```", ""]
    section = "\n".join(lines) + "\n"
    _write_section(f"search_{size}", section)
    return section


def _write_section(name: str, body: str) -> None:
    """Replace (or add) one benchmark's section of docs/benchmarks.md, as ``python -m bench`` does."""
    from bench.__main__ import DOCS, _sections, machine

    text = DOCS.read_text(encoding="utf-8") if DOCS.exists() else ""
    sections = _sections(text)
    sections[name] = f"_Measured {dt.date.today().isoformat()}._\n\n" + body.strip() + "\n"
    parts = ["# Benchmarks\n", f"Machine: {machine()}.\n",
             "Rerun with `make bench` (all) or `make bench BENCH_ARGS='--only NAME'`. Every figure is measured "
             "side by side with its baseline in the same run.\n"]
    for key in sorted(sections):
        parts.append(f"<!-- bench:{key} -->\n{sections[key]}<!-- /bench:{key} -->\n")
    DOCS.write_text("\n".join(parts), encoding="utf-8")


def build_kept(size: int = SCALED_SIZE, keep_dir: Path = KEEP_DIR) -> None:
    """Build (or check) the kept archives on both stores without measuring."""
    cache: list = []

    def base_rows():
        if not cache:
            cache.append(_articles(min(size, FULL_SIZE)))
        return cache[0]

    for url in _kept_urls(size, keep_dir).values():
        if url:
            db, meta = _kept_store(url, size, base_rows)
            db.close()


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser(prog="python -m bench.bench_search")
    parser.add_argument("--full", action="store_true", help="200,000 articles (default: 20,000)")
    parser.add_argument("--size", type=int, help="a kept archive of this many articles (e.g. 1000000)")
    parser.add_argument("--build-only", action="store_true", help="with --size: build the kept archives, no timing")
    parser.add_argument("--store", action="append", choices=["sqlite", "postgresql"],
                        help="with --size: measure only this store (the other's last figures are kept)")
    args = parser.parse_args()
    names = {"sqlite": "SQLite (FTS5)", "postgresql": "PostgreSQL (GIN)"}
    if args.size and args.build_only:
        build_kept(args.size)
    elif args.size:
        print(run_kept(args.size, stores=tuple(names[s] for s in args.store) if args.store else None))
    else:
        print(run(quick=not args.full))

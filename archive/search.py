"""Full-text search over the archive: the query language's AST (package ``search``) run on both stores.

Documents are indexed through normalised shadow columns (``search_title``/``search_body``, the keys of
:func:`nlp.normalize.normalize_text`), and query words go through the same keys (:mod:`search.query`), so a
match never depends on script, case, diacritics (đ = dj) or case endings. Here: the filters, the search plan
(FTS5 MATCH on SQLite, a tsquery on PostgreSQL; the compiled text is always a bound parameter built from
normalised keys only), counting, ranking, facets, export and reindexing. Highlighting is :mod:`search.highlight`.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import html
import logging
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field

from archive.db import Database, in_list, iso
from schemas.records import Label
from search.highlight import Fragment, highlight_whole, marks_for, snippet
from search.query import ParsedQuery, parse_query, to_fts5, to_tsquery

LOGGER = logging.getLogger(__name__)

DEFAULT_PER_PAGE = 20
MAX_PER_PAGE = 200
EXPORT_CHUNK = 1000
TITLE_WEIGHT = 3.0  # bm25 weight of the title column against the body (1.0); PostgreSQL uses A/B weights
SORTS = ("relevance", "date")
COUNT_CAP = 10_000  # totals above this are reported as "more than"; CSV export still has every match
RANK_WINDOW = 2000  # relevance ranks the newest this many matches of a broader query; sort by date sees all
SQLITE_FILTER_INDEX = "articles_search_filter"  # covering index of the filter columns by id (migration 301)
SQLITE_RECENT_INDEX = "articles_search_recent"  # the same columns by date (migration 310)
PG_WORK_MEM = "64MB"  # per search transaction on PostgreSQL, see reading


# Filters --------------------------------------------------------------------------------------------

DEFAULT_TIMEZONE = "Europe/Belgrade"  # settings.locale.timezone: the day a press officer reads on the page
LIST_FILTERS = ("sources", "groups", "languages", "topics", "regions", "countries", "people", "orgs")


@dataclass
class SearchFilters:
    """Filters of a search; several values of one filter mean any of them, different filters all apply.

    Dates are days in ``timezone`` (the archive's display timezone), so an article shown as 17.03 00:30 in
    Belgrade is found under 17.03 although it was published on 16.03 in UTC.
    """

    date_from: dt.date | None = None
    date_to: dt.date | None = None  # inclusive
    sources: list[str] = field(default_factory=list)
    groups: list[str] = field(default_factory=list)
    languages: list[str] = field(default_factory=list)
    topics: list[str] = field(default_factory=list)
    regions: list[str] = field(default_factory=list)
    countries: list[str] = field(default_factory=list)  # ISO 3166-1 alpha-2 codes (labels of kind "country")
    people: list[str] = field(default_factory=list)  # ids in config/people.yaml (director mentions naming them)
    orgs: list[str] = field(default_factory=list)  # registry ids of diaspora organisations named (archive/orgs.py)
    office: bool = False  # mentions the Directorate
    director: bool = False  # mentions the Directorate's director (current or former)
    critical: bool = False  # critical coverage (the "critical" label)
    cluster_id: int | None = None
    after_article_id: int | None = None  # only articles with a higher id (alerts: archived after saving)
    timezone: str = DEFAULT_TIMEZONE  # not stored: the archive's setting

    def to_dict(self) -> dict:
        """A JSON-friendly form (saved searches store it)."""
        out: dict = {}
        for name in LIST_FILTERS:
            if getattr(self, name):
                out[name] = list(getattr(self, name))
        if self.date_from:
            out["date_from"] = self.date_from.isoformat()
        if self.date_to:
            out["date_to"] = self.date_to.isoformat()
        for flag in ("office", "director", "critical"):
            if getattr(self, flag):
                out[flag] = True
        if self.cluster_id is not None:
            out["cluster_id"] = self.cluster_id
        return out

    @classmethod
    def from_dict(cls, data: dict | None, timezone: str | None = None) -> SearchFilters:
        """The inverse of :meth:`to_dict`; unknown keys and bad values are ignored (stored data is old data)."""
        data = data or {}
        f = cls(timezone=timezone or DEFAULT_TIMEZONE)
        for name in LIST_FILTERS:
            values = data.get(name) or []
            if isinstance(values, str):
                values = [values]
            setattr(f, name, [str(v) for v in values if str(v).strip()])
        f.countries = [c.upper() for c in f.countries]
        f.date_from = _date_or_none(data.get("date_from"))
        f.date_to = _date_or_none(data.get("date_to"))
        for flag in ("office", "director", "critical"):
            setattr(f, flag, bool(data.get(flag)))
        try:
            f.cluster_id = int(data["cluster_id"]) if data.get("cluster_id") not in (None, "") else None
            if f.cluster_id is not None and not 0 <= f.cluster_id < 2**63:
                f.cluster_id = None  # no row has such an id, and neither store can bind it
        except (TypeError, ValueError):
            f.cluster_id = None
        return f


# Date filters outside these years are dropped like any bad value: period arithmetic (a day after, local
# midnight in UTC, chart buckets) overflows at the ends of Python's date range (issue 14, found by fuzzing).
DATE_FILTER_YEARS = (1900, 2999)


def _date_or_none(value) -> dt.date | None:
    if isinstance(value, dt.date):
        day = value
    else:
        try:
            day = dt.date.fromisoformat(str(value)) if value else None
        except ValueError:
            return None
    if day is not None and not DATE_FILTER_YEARS[0] <= day.year <= DATE_FILTER_YEARS[1]:
        return None
    return day


def _in_list(column: str, values: Sequence[str]) -> tuple[str, list]:
    return f"{column} IN ({in_list(values)})", list(values)


def day_start(day: dt.date, timezone: str) -> str:
    """The stored (UTC ISO) timestamp at which ``day`` begins in ``timezone``."""
    from zoneinfo import ZoneInfo

    try:
        zone = ZoneInfo(timezone)
    except (KeyError, ValueError):
        LOGGER.warning("unknown timezone %r: using %s", timezone, DEFAULT_TIMEZONE)
        zone = ZoneInfo(DEFAULT_TIMEZONE)
    return iso(dt.datetime.combine(day, dt.time(), zone))


def filter_sql(filters: SearchFilters) -> tuple[list[str], list]:
    """WHERE conditions (on alias ``a`` = articles) and their parameters."""
    conds, params = ["a.is_article = 1"], []
    if filters.date_from:
        conds.append("a.published >= ?")
        params.append(day_start(filters.date_from, filters.timezone))
    if filters.date_to:
        conds.append("a.published < ?")
        params.append(day_start(filters.date_to + dt.timedelta(days=1), filters.timezone))
    if filters.sources:
        sql, p = _in_list("a.source_id", filters.sources)
        conds.append(sql)
        params += p
    if filters.groups:
        sql, p = _in_list("grp", filters.groups)
        conds.append(f"a.source_id IN (SELECT id FROM sources WHERE {sql})")
        params += p
    if filters.languages:
        sql, p = _in_list("a.language", filters.languages)
        conds.append(sql)
        params += p
    for kind, values in (("topic", filters.topics), ("region", filters.regions), ("country", filters.countries)):
        if values:
            sql, p = _in_list("fl.label", values)
            conds.append(f"EXISTS (SELECT 1 FROM labels fl WHERE fl.article_id = a.id AND fl.kind = ? AND {sql})")
            params += [kind, *p]
    if filters.critical:
        conds.append("EXISTS (SELECT 1 FROM labels fc WHERE fc.article_id = a.id AND fc.label = ?)")
        params.append(CRITICAL_LABEL)
    if filters.orgs:
        sql, p = _in_list("fo.org_id", filters.orgs)
        conds.append(f"EXISTS (SELECT 1 FROM org_mentions fo WHERE fo.article_id = a.id AND {sql})")
        params += p
    if filters.people:
        sql, p = _in_list("fm.person", filters.people)
        conds.append(f"EXISTS (SELECT 1 FROM mentions fm WHERE fm.article_id = a.id AND {sql})")
        params += p
    if filters.office:
        conds.append("a.office = 1")
    if filters.director:
        conds.append("a.director = 1")
    if filters.cluster_id is not None:
        conds.append("a.cluster_id = ?")
        params.append(filters.cluster_id)
    if filters.after_article_id is not None:
        conds.append("a.id > ?")
        params.append(filters.after_article_id)
    return conds, params


CRITICAL_LABEL = "critical"  # the label of critical coverage, whatever kind the tagger gives it


# Building the SQL -------------------------------------------------------------------------------------

@dataclass
class SearchPlan:
    """FROM, WHERE and score parts of one search, with their parameters in textual order."""

    from_sql: str
    score_sql: str
    score_params: list
    where: list[str]
    where_params: list
    fts_table: str = "articles_fts"  # SQLite: the full-text index (the search benchmark's baseline has its own)
    date_from: str | None = None  # stored timestamps bounding the date filter (PostgreSQL: date slices)
    date_to: str | None = None  # exclusive
    newest: list[int] | None = None  # the newest RANK_WINDOW matches, once a search has found them (facets reuse)
    matched: list[int] | None = None  # every match, when a search counted them all (at most COUNT_CAP)


def plan_search(db: Database, parsed: ParsedQuery, filters: SearchFilters) -> SearchPlan:
    if parsed.office and not filters.office:
        filters = dataclasses.replace(filters, office=True)  # the query named the Directorate
    conds, params = filter_sql(filters)
    if parsed.ast is None:
        return SearchPlan("articles a", "0.0", [], conds, params)
    if db.dialect == "sqlite":
        # INDEXED BY: left to itself SQLite joins each match to its article row by rowid, and reading the filter
        # columns of a row whose text spills into overflow pages costs ~1 µs per match (4x the covering index).
        return SearchPlan(f"articles_fts JOIN articles a INDEXED BY {SQLITE_FILTER_INDEX} ON a.id = articles_fts.rowid",
                     f"-bm25(articles_fts, {TITLE_WEIGHT}, 1.0)", [],
                     ["articles_fts MATCH ?", *conds], [to_fts5(parsed.ast), *params])
    tsq = to_tsquery(parsed.ast)
    return SearchPlan("articles a", "ts_rank(a.search_vector, to_tsquery('simple', ?))", [tsq],
                 ["a.search_vector @@ to_tsquery('simple', ?)", *conds], [tsq, *params],
                 date_from=day_start(filters.date_from, filters.timezone) if filters.date_from else None,
                 date_to=(day_start(filters.date_to + dt.timedelta(days=1), filters.timezone)
                          if filters.date_to else None))


# Results --------------------------------------------------------------------------------------------

@dataclass
class SearchHit:
    id: int
    url: str
    title: str
    published: dt.datetime | None
    source_id: str
    source_name: str
    language: str | None
    script: str | None
    score: float
    labels: list[Label] = field(default_factory=list)
    title_fragment: Fragment | None = None
    snippet: list[Fragment] = field(default_factory=list)
    cluster_id: int | None = None
    outlet_count: int = 0  # outlets covering the hit's story (its cluster); 0 when unclustered

    @property
    def snippet_html(self) -> str:
        return " ".join(f.html() for f in self.snippet)

    @property
    def snippet_text(self) -> str:
        return " ".join(f.plain() for f in self.snippet)

    @property
    def title_html(self) -> str:
        return self.title_fragment.html() if self.title_fragment else html.escape(self.title)


@dataclass
class SearchResults:
    query: ParsedQuery
    filters: SearchFilters
    total: int
    hits: list[SearchHit]
    page: int
    per_page: int
    sort: str
    facets: dict[str, list[tuple[str, int]]] = field(default_factory=dict)
    ranked: int | None = None  # matches ranked by relevance, when fewer than all (very broad queries)
    more: bool = False  # the total is COUNT_CAP and there are more matches

    @property
    def pages(self) -> int:
        shown = self.total if self.ranked is None else self.ranked
        return max(1, -(-shown // self.per_page))

    @property
    def windowed(self) -> bool:
        return self.ranked is not None and (self.more or self.ranked < self.total)

    @property
    def message(self) -> str | None:
        return self.query.error or self.query.notice


_HIT_COLUMNS = ("a.id, a.url, a.title, a.published, a.source_id, a.language, a.script, a.cluster_id,"
                " COALESCE(s.name, a.source_id) AS source_name, COALESCE(c.outlet_count, 0) AS outlet_count")


def search(db: Database, query: str | ParsedQuery | None, filters: SearchFilters | None = None, *,
           sort: str = "relevance", page: int = 1, per_page: int = DEFAULT_PER_PAGE, facets: bool = False,
           highlight: bool = True) -> SearchResults:
    """Search the archive: one call for both stores; see the module docstring for the query language."""
    parsed = query if isinstance(query, ParsedQuery) else parse_query(query)
    filters = filters or SearchFilters()
    sort = sort if sort in SORTS else "relevance"
    if parsed.ast is None:
        sort = "date"  # nothing to rank by
    per_page = max(1, min(int(per_page), MAX_PER_PAGE))
    page = max(1, int(page))
    if parsed.error:
        return SearchResults(parsed, filters, 0, [], page, per_page, sort, {})
    plan = plan_search(db, parsed, filters)
    offset = (page - 1) * per_page
    with reading(db, parsed) as tx:
        total, windowed, top = rank_page(tx, db, plan, parsed.ast is not None, sort, per_page, offset)
    rows = hit_rows(db, [int(r["id"]) for r in top], with_text=highlight)
    for r in top:
        rows[int(r["id"])]["score"] = r["score"]
    hits = make_hits(db, [rows[int(r["id"])] for r in top], parsed, highlight)
    facet_counts = (compute_facets(db, parsed, filters, total=total, newest=plan.newest, matched=plan.matched)
                    if facets else Facets())
    return SearchResults(parsed, filters, min(total, COUNT_CAP), hits, page, per_page, sort, facet_counts,
                         ranked=min(total, RANK_WINDOW) if windowed else None, more=total > COUNT_CAP)


def rank_page(tx, db: Database, plan: SearchPlan, text_query: bool, sort: str, per_page: int, offset: int
          ) -> tuple[int, bool, list[dict]]:
    """The total (counting stops past COUNT_CAP), whether ranking was windowed, and the page's ids and scores."""
    if db.dialect == "sqlite" and text_query and sort == "relevance":
        # The same rules as _count_and_rank (count up to COUNT_CAP, rank the newest RANK_WINDOW), fewer passes.
        total, window = _matches_sqlite(tx, plan)
        return total, total > RANK_WINDOW, _rank_sqlite(tx, plan, window)[offset:offset + per_page]
    if db.dialect == "postgresql" and text_query:
        return _page_postgres(tx, plan, sort, per_page, offset)
    return _count_and_rank(tx, db, plan, sort, per_page, offset)


# PostgreSQL: broad queries walk the articles newest first ----------------------------------------------
#
# A GIN index cannot return matches in date order, and a bitmap of a word found in most of a million articles
# costs most of a second to build (and the heap row of every match to sort). For such a query the newest
# matches are found by walking the articles newest first (migration 702's index) and testing each against the
# query: 2,000 matches of a word in 70 % of the articles are ~2,900 rows. The planner chooses the walk or the
# bitmap from its statistics of the words (a narrow query keeps the bitmap). Counting is the same problem: the
# capped count builds the whole bitmap. So when the planner estimates more than BROAD_ESTIMATE matches (ten
# times COUNT_CAP, a margin the lexeme statistics do not miss), the total is reported as "more than 10,000"
# without counting; below that it is counted exactly, as before.

BROAD_ESTIMATE = 10 * COUNT_CAP
WALK_SHARE = 0.3  # estimated share of the articles matching, from which walking newest first beats the bitmap
SLICE_DAYS = 7
SLICE_GROWTH = 4


def _capped_total(tx, plan: SearchPlan, cap: int | None = None) -> int:
    """The number of matches, counting stops past ``cap``; when it did not stop, ``plan.matched`` holds them."""
    cap = COUNT_CAP if cap is None else cap
    ids = [int(r["id"]) for r in tx.all(f"SELECT a.id FROM {plan.from_sql} WHERE {' AND '.join(plan.where)}"
                                        f" LIMIT {cap + 1}", plan.where_params)]
    if len(ids) <= cap:
        plan.matched = ids
    return len(ids)


def _estimate_postgres(tx, plan: SearchPlan, where: list[str] | None = None, params: list | None = None) -> float:
    """The planner's estimate of the number of matches (no execution)."""
    where = plan.where if where is None else where
    params = plan.where_params if params is None else params
    row = tx.one(f"EXPLAIN (FORMAT JSON) SELECT 1 FROM {plan.from_sql} WHERE {' AND '.join(where)}", params)
    if not row:
        return 0.0
    doc = next(iter(row.values()))
    if isinstance(doc, str):
        import json

        doc = json.loads(doc)
    return float(doc[0]["Plan"]["Plan Rows"])


def _total_postgres(tx, plan: SearchPlan) -> int:
    """The capped total; COUNT_CAP + 1 ("more than") without counting when the estimate is far past it."""
    if _estimate_postgres(tx, plan) >= BROAD_ESTIMATE:
        return COUNT_CAP + 1
    return _capped_total(tx, plan)


def _newest_postgres(tx, plan: SearchPlan, n: int, total: int | None = None) -> list[int]:
    """Ids of the newest ``n`` matches (published DESC NULLS LAST, id DESC) of a plan, on PostgreSQL.

    A query matching a large share of the articles (estimated WALK_SHARE or more) walks the articles newest
    first; the others are read by date slices, newest first (a week, then four times longer each step): each
    slice combines the full-text index with a range of the date index, so only the heap rows in the slice are
    read, and the walk stops as soon as it has enough. Both give the order of one ORDER BY over every match.
    """
    where = " AND ".join(plan.where)
    order = "ORDER BY a.published DESC NULLS LAST, a.id DESC"
    if total is not None and total <= COUNT_CAP:  # few matches: one bitmap, one sort
        return [int(r["id"]) for r in tx.all(f"SELECT a.id FROM {plan.from_sql} WHERE {where} {order} LIMIT {int(n)}",
                                             plan.where_params)]
    # The share of the articles in the date range (the rows a walk reads) that match.
    dated, dated_params = ["a.is_article = 1"], []
    for cond, value in (("a.published >= ?", plan.date_from), ("a.published < ?", plan.date_to)):
        if value:
            dated.append(cond)
            dated_params.append(value)
    in_range = _estimate_postgres(tx, plan, dated, dated_params)
    expected = _estimate_postgres(tx, plan)
    if in_range > 0 and expected >= WALK_SHARE * in_range:
        return [int(r["id"]) for r in tx.all(f"SELECT a.id FROM {plan.from_sql} WHERE {where} {order} LIMIT {int(n)}",
                                             plan.where_params)]
    bounds = tx.one("SELECT MIN(published) AS lo, MAX(published) AS hi FROM articles")
    out: list[int] = []
    if bounds and bounds["hi"]:
        # Slices only inside the date filter: a slice outside it costs a GIN bitmap and finds nothing.
        lo = max(bounds["lo"], plan.date_from) if plan.date_from else bounds["lo"]
        hi = min(bounds["hi"], plan.date_to) if plan.date_to else bounds["hi"]
        oldest = dt.datetime.fromisoformat(lo)
        upper = dt.datetime.fromisoformat(hi) + dt.timedelta(seconds=1)
        span = dt.timedelta(days=SLICE_DAYS)
        while len(out) < n:
            lower = upper - span
            rows = tx.all(f"SELECT a.id FROM {plan.from_sql} WHERE {where} AND a.published >= ? AND a.published < ?"
                          f" {order} LIMIT {int(n) - len(out)}", [*plan.where_params, iso(lower), iso(upper)])
            out += [int(r["id"]) for r in rows]
            if lower <= oldest:
                break
            upper, span = lower, span * SLICE_GROWTH
    if len(out) < n:  # undated matches come last, as in the ORDER BY
        rows = tx.all(f"SELECT a.id FROM {plan.from_sql} WHERE {where} AND a.published IS NULL"
                      f" ORDER BY a.id DESC LIMIT {int(n) - len(out)}", plan.where_params)
        out += [int(r["id"]) for r in rows]
    return out


def _scores_postgres(tx, plan: SearchPlan, ids: list[int]) -> dict[int, float]:
    if not ids:
        return {}
    return {int(r["id"]): float(r["score"]) for r in tx.all(
        f"SELECT a.id, {plan.score_sql} AS score FROM articles a WHERE a.id IN ({', '.join(map(str, ids))})",
        plan.score_params)}


def _page_postgres(tx, plan: SearchPlan, sort: str, per_page: int, offset: int) -> tuple[int, bool, list[dict]]:
    """:func:`_count_and_rank`'s rules on PostgreSQL, with the newest matches found newest first."""
    total = _total_postgres(tx, plan)
    if sort == "date":
        newest = _newest_postgres(tx, plan, offset + per_page, total)
        if total > COUNT_CAP and len(newest) < offset + per_page:  # the estimate was far off: all were seen
            total = len(newest)
        ids = newest[offset:]
        scores = _scores_postgres(tx, plan, ids)
        return total, False, [{"id": i, "score": scores.get(i, 0.0)} for i in ids]
    if total <= RANK_WINDOW:
        return total, False, _count_and_rank(tx, None, plan, sort, per_page, offset, total=total)[2]
    window = plan.newest = _newest_postgres(tx, plan, RANK_WINDOW, total)
    if len(window) < RANK_WINDOW:  # the estimate was far off: the walk saw every match
        total = len(window)
    if offset >= RANK_WINDOW:
        return total, total > RANK_WINDOW, []
    scores = _scores_postgres(tx, plan, window)
    ranked = sorted(window, key=lambda i: -scores.get(i, 0.0))  # stable: equal scores stay newest first
    return total, total > RANK_WINDOW, [{"id": i, "score": scores.get(i, 0.0)} for i in ranked[offset:offset + per_page]]


def _count_and_rank(tx, db: Database | None, plan: SearchPlan, sort: str, per_page: int, offset: int,
                    total: int | None = None) -> tuple[int, bool, list[dict]]:
    """:func:`rank_page` for sorting by date on SQLite, for the empty query, and for few matches on PostgreSQL."""
    where = " AND ".join(plan.where)
    order = "score DESC, a.published DESC, a.id DESC" if sort == "relevance" else "a.published DESC, a.id DESC"
    if db is None or db.dialect == "postgresql":
        order = order.replace("a.published DESC", "a.published DESC NULLS LAST")
    # Counting stops past COUNT_CAP: an exact count of a word found in most articles costs a full pass.
    if total is None:
        total = _capped_total(tx, plan)
    windowed = sort == "relevance" and total > RANK_WINDOW
    if windowed and offset >= RANK_WINDOW:
        top = []
    elif windowed:
        # A very broad query is ranked among its newest RANK_WINDOW matches: scoring every match would read
        # every match's index entry (PostgreSQL: detoast its tsvector), for a word found in most articles.
        # The window already holds only matches that pass the filters: rank them by id alone.
        newest = (f"SELECT a.id FROM {plan.from_sql} WHERE {where}"
                  f" ORDER BY a.published DESC NULLS LAST, a.id DESC LIMIT {RANK_WINDOW}")
        top = tx.all(f"SELECT a.id, {plan.score_sql} AS score FROM articles a WHERE a.id IN ({newest})"
                     f" ORDER BY {order} LIMIT ? OFFSET ?",
                     [*plan.score_params, *plan.where_params, per_page, offset])
    else:
        # Rank on the narrow columns first (the covering filter index on SQLite), then read the page's rows.
        top = tx.all(f"SELECT a.id, {plan.score_sql} AS score FROM {plan.from_sql} WHERE {where}"
                     f" ORDER BY {order} LIMIT ? OFFSET ?",
                     [*plan.score_params, *plan.where_params, per_page, offset])
    return total, windowed, top


def _matches_sqlite(tx, plan: SearchPlan) -> tuple[int, list[int]]:
    """The number of matches (counting stops past COUNT_CAP) and the newest RANK_WINDOW of them, on SQLite.

    One pass over the matches (through the covering filter index) gives both. Past COUNT_CAP that pass stopped
    early and holds no particular articles, so the window is then found by walking the date-ordered covering
    index backwards, keeping the articles in the (materialised) set of full-text matches: it stops after
    RANK_WINDOW of them instead of sorting every match of a word found in most articles.
    """
    # Every match (up to COUNT_CAP + 1) comes back, not just the window: the search page's facets then group
    # these articles by id instead of matching the query again (a few ms for a broad query, 150+ ms saved for
    # one with thousands of matches at a million articles).
    rows = tx.all(f"SELECT a.id, a.published FROM {plan.from_sql} WHERE {' AND '.join(plan.where)}"
                  f" LIMIT {COUNT_CAP + 1}", plan.where_params)
    total = len(rows)
    if total <= COUNT_CAP:
        plan.matched = [int(r["id"]) for r in rows]
        rows.sort(key=lambda r: (r["published"] or "", int(r["id"])), reverse=True)
        return total, [int(r["id"]) for r in rows[:RANK_WINDOW]]
    plan.newest = _walk_sqlite(tx, plan, RANK_WINDOW)
    return total, plan.newest


def _walk_sqlite(tx, plan: SearchPlan, n: int) -> list[int]:
    """The newest ``n`` matches, walking the date-ordered covering index backwards (see _matches_sqlite)."""
    filters_where = plan.where[1:]  # plan.where[0] is the MATCH, plan.where_params[0] its text
    fts = plan.fts_table
    conds = " AND ".join([*filters_where, f"a.id IN (SELECT rowid FROM {fts} WHERE {fts} MATCH ?)"])
    window = tx.all(f"SELECT a.id FROM articles a INDEXED BY {SQLITE_RECENT_INDEX} WHERE {conds}"
                    f" ORDER BY a.published DESC, a.id DESC LIMIT {n}",
                    [*plan.where_params[1:], plan.where_params[0]])
    return [int(r["id"]) for r in window]


def _rank_sqlite(tx, plan: SearchPlan, ids: list[int]) -> list[dict]:
    """The given matches (newest first) ranked by bm25, ties staying newest first; scores are read from the
    full-text index alone, for these articles only."""
    if not ids:
        return []
    # The ids are integers read from the database, inlined as a literal list: "+rowid" keeps SQLite from handing
    # the IN list to FTS5, which would re-run the MATCH once per id.
    scores = {int(r["id"]): r["score"] for r in tx.all(
        f"SELECT rowid AS id, {plan.score_sql} AS score FROM {plan.fts_table} WHERE {plan.fts_table} MATCH ?"
        f" AND +rowid IN ({', '.join(str(i) for i in ids)})", [*plan.score_params, plan.where_params[0]])}
    ranked = [{"id": i, "score": scores[i]} for i in ids if i in scores]
    ranked.sort(key=lambda r: -r["score"])  # stable: equal scores stay newest first, as in ORDER BY score, date
    return ranked


@contextmanager
def reading(db: Database, parsed: ParsedQuery):
    """A read transaction; on PostgreSQL full-text matches are answered from the GIN index.

    The planner prefers a sequential scan for a word found in many articles, but evaluating ``@@`` there
    detoasts every article's tsvector, several times slower than the bitmap scan of the index.
    """
    with db.transaction(write=False) as tx:
        if db.dialect == "postgresql" and parsed.ast is not None:
            tx.execute("SET LOCAL enable_seqscan = off")
            # Exact bitmaps: a lossy one (a word in most articles, the default 4 MB) makes PostgreSQL recheck
            # every row of its pages, detoasting each article's tsvector.
            tx.execute(f"SET LOCAL work_mem = '{PG_WORK_MEM}'")
        yield tx


def hit_rows(db: Database, ids: list[int], with_text: bool) -> dict[int, dict]:
    """Display columns of the given articles by id (with text and shadow keys when highlighting)."""
    if not ids:
        return {}
    extra = ", a.text, a.search_body" if with_text else ""
    rows = db.query(f"SELECT {_HIT_COLUMNS}{extra} FROM articles a LEFT JOIN sources s ON s.id = a.source_id"
                    f" LEFT JOIN clusters c ON c.id = a.cluster_id WHERE a.id IN ({in_list(ids)})",
                    ids)
    return {int(r["id"]): r for r in rows}


def make_hits(db: Database, rows: list[dict], parsed: ParsedQuery, highlight: bool) -> list[SearchHit]:
    from archive.articles import labels_for
    from archive.db import parse_iso

    labels = labels_for(db, [int(r["id"]) for r in rows])
    marks = marks_for(parsed)
    hits = []
    for r in rows:
        hit = SearchHit(id=int(r["id"]), url=r["url"], title=r["title"] or "", published=parse_iso(r["published"]),
                        source_id=r["source_id"], source_name=r["source_name"], language=r["language"],
                        script=r["script"], score=round(float(r.get("score") or 0.0), 4),
                        labels=labels.get(int(r["id"]), []), cluster_id=r["cluster_id"],
                        outlet_count=int(r["outlet_count"] or 0))
        if highlight:
            hit.title_fragment = highlight_whole(hit.title, marks)
            hit.snippet = snippet(r["text"] or "", marks, shadow=r.get("search_body"))
        hits.append(hit)
    return hits


def iter_all(db: Database, query: str | ParsedQuery | None, filters: SearchFilters | None = None,
             chunk: int = EXPORT_CHUNK) -> Iterator[SearchHit]:
    """Every hit of a query, newest first, fetched in chunks by keyset (for CSV export: no cap)."""
    parsed = query if isinstance(query, ParsedQuery) else parse_query(query)
    if parsed.error:
        return
    filters = filters or SearchFilters()
    plan = plan_search(db, parsed, filters)
    cursor: tuple[str, int] | None = None
    while True:
        where, params = list(plan.where), list(plan.where_params)
        if cursor is not None:
            where.append("(COALESCE(a.published, '') < ? OR (COALESCE(a.published, '') = ? AND a.id < ?))")
            params += [cursor[0], cursor[0], cursor[1]]
        top = db.query(f"SELECT a.id, COALESCE(a.published, '') AS pub FROM {plan.from_sql}"
                       f" WHERE {' AND '.join(where)} ORDER BY COALESCE(a.published, '') DESC, a.id DESC LIMIT ?",
                       [*params, chunk])
        if not top:
            return
        rows = hit_rows(db, [int(r["id"]) for r in top], with_text=False)
        yield from make_hits(db, [rows[int(r["id"])] for r in top], parsed, highlight=False)
        cursor = (top[-1]["pub"], int(top[-1]["id"]))
        if len(top) < chunk:
            return


FACETS = ("sources", "groups", "languages", "topics", "regions", "countries", "people", "office", "director",
          "critical", "orgs")
_LABEL_FACETS = {"topic": "topics", "region": "regions", "country": "countries"}


class Facets(dict):
    """Facet name → [(value, count)], most frequent first.

    ``sample`` is None when the counts cover every match; for a query with more than COUNT_CAP matches it is the
    number of newest matches they were counted over (RANK_WINDOW: the ones relevance ranks; the page says "among
    the newest 2,000").
    """

    sample: int | None = None


def compute_facets(db: Database, query: str | ParsedQuery | None, filters: SearchFilters | None = None, *,
                   total: int | None = None, newest: list[int] | None = None,
                   matched: list[int] | None = None) -> Facets:
    """Counts of the current result set by outlet, outlet group, language, topic, region, country, watched
    person, registered organisation (archive/orgs.py), and Directorate / director / critical mentions (one
    value each).

    Exact up to COUNT_CAP matches; past it, counted over the newest RANK_WINDOW matches (``Facets.sample``): the
    grouped passes then read two thousand articles instead of every match of a word found in most of a million.
    ``total`` is the search's capped count, ``newest`` its newest RANK_WINDOW matches and ``matched`` all its
    matches (when it counted them all), when the caller has them: the grouped passes then read those articles by
    id instead of matching the query again.
    """
    parsed = query if isinstance(query, ParsedQuery) else parse_query(query)
    filters = filters or SearchFilters()
    if parsed.error:
        return Facets({name: [] for name in FACETS})
    plan = plan_search(db, parsed, filters)
    sample = None
    # Three passes over the matches: the article columns (outlet, language, Directorate, director) in one
    # grouped query, the labels in another, the people named in a third; outlet groups come from the (small)
    # sources table.
    with reading(db, parsed) as tx:
        if total is None:
            total = _total_postgres(tx, plan) if db.dialect == "postgresql" and parsed.ast else _capped_total(tx, plan)
            matched = plan.matched if matched is None else matched
        if total > COUNT_CAP:
            ids = newest if newest is not None else _newest(tx, db, plan, parsed, RANK_WINDOW, total)
            sample = len(ids)
            plan = SearchPlan("articles a", "0.0", [], [f"a.id IN ({', '.join(map(str, ids)) or 'NULL'})"], [])
        elif parsed.ast is not None:
            # One pass over the full-text matches (at most COUNT_CAP), then three grouped passes by id.
            if matched is None:
                matched = [int(r["id"]) for r in tx.all(f"SELECT a.id FROM {plan.from_sql} WHERE"
                                                        f" {' AND '.join(plan.where)} LIMIT {COUNT_CAP + 1}",
                                                        plan.where_params)]
            plan = SearchPlan("articles a", "0.0", [], [f"a.id IN ({', '.join(map(str, matched)) or 'NULL'})"], [])
        where, params = " AND ".join(plan.where), plan.where_params
        rows = tx.all(f"SELECT a.source_id, a.language, SUM(a.office) AS office, SUM(a.director) AS director,"
                      f" COUNT(*) AS n FROM {plan.from_sql} WHERE {where} GROUP BY a.source_id, a.language", params)
        labels = tx.all(f"SELECT l.kind, l.label, COUNT(*) AS n FROM {plan.from_sql} JOIN labels l"
                        f" ON l.article_id = a.id WHERE {where} AND (l.kind IN (?, ?, ?) OR l.label = ?)"
                        f" GROUP BY l.kind, l.label", [*params, *_LABEL_FACETS, CRITICAL_LABEL])
        people = tx.all(f"SELECT m.person, COUNT(DISTINCT a.id) AS n FROM {plan.from_sql} JOIN mentions m"
                         f" ON m.article_id = a.id WHERE {where} AND m.person IS NOT NULL GROUP BY m.person", params)
        # …and the registered organisations in a fourth.
        orgs = tx.all(f"SELECT o.org_id, COUNT(DISTINCT a.id) AS n FROM {plan.from_sql} JOIN org_mentions o"
                      f" ON o.article_id = a.id WHERE {where} GROUP BY o.org_id", params)
    groups_of = {r["id"]: r["grp"] for r in db.query("SELECT id, grp FROM sources")}
    counts: dict[str, dict[str, int]] = {name: {} for name in FACETS}

    def add(facet: str, value, n: int) -> None:
        if value is not None and n > 0:
            counts[facet][str(value)] = counts[facet].get(str(value), 0) + n

    for r in rows:
        n = int(r["n"])
        add("sources", r["source_id"], n)
        add("languages", r["language"], n)
        add("groups", groups_of.get(r["source_id"]), n)
        add("office", "office", int(r["office"] or 0))
        add("director", "director", int(r["director"] or 0))
    for r in labels:
        if r["label"] == CRITICAL_LABEL:
            add("critical", CRITICAL_LABEL, int(r["n"]))
        elif r["kind"] in _LABEL_FACETS:
            add(_LABEL_FACETS[r["kind"]], r["label"], int(r["n"]))
    for r in people:
        add("people", r["person"], int(r["n"]))
    for r in orgs:
        add("orgs", r["org_id"], int(r["n"]))
    out = Facets({name: sorted(values.items(), key=lambda vc: (-vc[1], vc[0])) for name, values in counts.items()})
    out.sample = sample
    return out


def _newest(tx, db: Database, plan: SearchPlan, parsed: ParsedQuery, n: int, total: int) -> list[int]:
    """Ids of the newest ``n`` matches of a plan (published DESC, id DESC), on either store."""
    if db.dialect == "postgresql" and parsed.ast is not None:
        return _newest_postgres(tx, plan, n, total)
    if db.dialect == "sqlite" and parsed.ast is not None:
        return _walk_sqlite(tx, plan, n)
    order = "a.published DESC NULLS LAST, a.id DESC" if db.dialect == "postgresql" else "a.published DESC, a.id DESC"
    return [int(r["id"]) for r in tx.all(f"SELECT a.id FROM {plan.from_sql} WHERE {' AND '.join(plan.where)}"
                                         f" ORDER BY {order} LIMIT {n}", plan.where_params)]


REINDEX_BATCH = 500


def reindex_search(tx, batch: int = REINDEX_BATCH) -> int:
    """Rebuild every article's shadow columns from its title and text (after the search keys changed); the
    full-text indexes follow (a trigger on SQLite, the generated tsvector on PostgreSQL). Returns articles."""
    from nlp.normalize import normalize_text

    done, last = 0, 0
    while True:
        rows = tx.all("SELECT id, title, text FROM articles WHERE id > ? ORDER BY id LIMIT ?", (last, batch))
        if not rows:
            break
        tx.executemany("UPDATE articles SET search_title = ?, search_body = ? WHERE id = ?",
                       [(normalize_text(r["title"] or ""), normalize_text(r["text"] or ""), r["id"]) for r in rows])
        done += len(rows)
        last = int(rows[-1]["id"])
    LOGGER.info("rebuilt the search keys of %s articles", done)
    return done


def batch_key(article_ids: Sequence[int]) -> str:
    """A stable key for a batch of articles (alert mails use it as their once-only period)."""
    digest = hashlib.sha256(",".join(str(i) for i in sorted(article_ids)).encode()).hexdigest()
    return digest[:20]

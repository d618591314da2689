"""Full-text search over the archive: one query language, one function, both stores.

Documents are indexed through normalised shadow columns (``search_title``/``search_body``, the keys of
:func:`nlp.normalize.normalize_text`), and query words go through the same :func:`nlp.normalize.stem`, so a
match never depends on script, case, diacritics (đ = dj) or case endings.

The query language: words (all must match), "exact phrases" (inflection-tolerant word by word), ``-word``
exclusion (also ``NOT``), ``OR`` (also ``|``), ``prefix*`` and parentheses. Queries are parsed into a small
AST here and compiled to FTS5 MATCH syntax (SQLite) or a tsquery (PostgreSQL); the compiled text is always a
bound parameter built from normalised keys only, never the user's text. A malformed query is read as plain
words (with a notice), or answered with a clear message; it never errors and never reaches the database raw.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import html
import itertools
import logging
import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field

from archive.db import Database, in_list, iso
from nlp.normalize import TOKEN_RE, fold, search_key, search_tokens
from schemas.records import Label

LOGGER = logging.getLogger(__name__)

MAX_QUERY_CHARS = 500
MAX_TERMS = 32
MIN_PREFIX_CHARS = 2  # a one-letter prefix would expand to most of the index
DEFAULT_PER_PAGE = 20
MAX_PER_PAGE = 200
EXPORT_CHUNK = 1000
SNIPPET_WORDS = 28
SNIPPET_FRAGMENTS = 2
MAX_WINDOW_HITS = 200  # hits considered when choosing passages (the choice is quadratic)
TITLE_WEIGHT = 3.0  # bm25 weight of the title column against the body (1.0); PostgreSQL uses A/B weights
SORTS = ("relevance", "date")
COUNT_CAP = 10_000  # totals above this are reported as "more than"; CSV export still has every match
RANK_WINDOW = 2000  # relevance ranks the newest this many matches of a broader query; sort by date sees all
SQLITE_FILTER_INDEX = "articles_search_filter"  # covering index of the filter columns by id (migration 301)
SQLITE_RECENT_INDEX = "articles_search_recent"  # the same columns by date (migration 310)
PG_WORK_MEM = "64MB"  # per search transaction on PostgreSQL, see _reading


class QueryError(ValueError):
    """A query that cannot be searched as written; the message is shown to the user."""


# The AST ------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Term:
    key: str
    prefix: bool = False
    exact: bool = False  # quoted: never expanded to other names


@dataclass(frozen=True)
class Phrase:
    keys: tuple[str, ...]


@dataclass(frozen=True)
class Not:
    child: Node


@dataclass(frozen=True)
class And:
    children: tuple[Node, ...]


@dataclass(frozen=True)
class Or:
    children: tuple[Node, ...]


Node = Term | Phrase | Not | And | Or


@dataclass
class ParsedQuery:
    """The AST of a query (None for an empty query) and a notice for the user when it was read leniently."""

    text: str
    ast: Node | None
    notice: str | None = None
    error: str | None = None  # set when nothing can be searched; the message explains why
    expanded: list[str] = field(default_factory=list)  # other names searched too ("also searched: …")
    office: bool = False  # the query names the Directorate: articles tagged as mentioning it, under any name

    @property
    def empty(self) -> bool:
        return self.ast is None


# Lexing -------------------------------------------------------------------------------------------

_LEX_RE = re.compile(r'\s+|[-!]+(?=["(])|"[^"]*"?|\(|\)|\||[^\s"()|]+')
# Serbian operators in capitals, in both scripts: ILI = OR, NE = NOT (lowercase "ili", "ne" stay words).
_OPERATORS = {"OR": "OR", "|": "OR", "ILI": "OR", "ИЛИ": "OR", "AND": "AND", "&&": "AND",
              "NOT": "NOT", "NE": "NOT", "НЕ": "NOT", "(": "(", ")": ")"}
_OPERATOR_WORDS = frozenset(w for w in _OPERATORS if w.isalpha())


class _Malformed(Exception):
    """Internal: the query breaks the grammar; the caller falls back to plain words."""


def _lex(text: str) -> list[tuple[str, object]]:
    """Split the query into (kind, value) tokens: WORD, PHRASE, NEG, OR, AND, '(' and ')'."""
    out: list[tuple[str, object]] = []
    for match in _LEX_RE.finditer(text):
        chunk = match.group()
        if chunk.isspace():
            continue
        if chunk.startswith('"'):
            if len(chunk) == 1 or not chunk.endswith('"'):
                raise _Malformed("an unclosed quotation mark")
            out.append(("PHRASE", chunk[1:-1]))
            continue
        if chunk[0] in "-!" and not chunk.strip("-!"):
            out.append(("NEG", "-"))
            continue
        if chunk in _OPERATORS:
            out.append((_OPERATORS[chunk], chunk))
            continue
        negated = False
        while chunk.startswith(("-", "!")) and len(chunk) > 1:
            negated, chunk = True, chunk[1:]
        if negated:
            out.append(("NEG", "-"))
        out.append(("WORD", chunk))
    return out


def _word_node(chunk: str) -> Node | None:
    """A query word (maybe with a trailing *) as a Term, a Phrase (for hyphenated words) or None (punctuation)."""
    prefix = chunk.endswith("*")
    words = TOKEN_RE.findall(chunk)
    if not words:
        return None
    if len(words) == 1:
        return _term(words[0], prefix)
    keys = tuple(k for k in (search_key(w) for w in words) if k)
    return Phrase(keys) if len(keys) > 1 else (Term(keys[0]) if keys else None)


def _term(word: str, prefix: bool) -> Term | None:
    key = search_key(word)
    if prefix:
        # The stem of a partial word can differ from the stems of the words it begins; the shorter of the
        # folded word and its stem is the prefix that still matches them.
        folded = fold(word)
        if folded.startswith(key) or not key:
            key = key or folded
        elif len(folded) < len(key):
            key = folded
        if len(key) < MIN_PREFIX_CHARS:
            return Term(search_key(word)) if search_key(word) else None
    return Term(key, prefix) if key else None


def _phrase_node(text: str) -> Node | None:
    keys = tuple(k for k in (search_key(w) for w in TOKEN_RE.findall(text)) if k)
    if not keys:
        return None
    return Phrase(keys) if len(keys) > 1 else Term(keys[0], exact=True)


# Parsing ------------------------------------------------------------------------------------------

class _Parser:
    """Recursive descent: or := and (OR and)*; and := unary+; unary := NEG unary | primary."""

    def __init__(self, tokens: list[tuple[str, object]]):
        self.tokens = tokens
        self.pos = 0

    def peek(self) -> str | None:
        return self.tokens[self.pos][0] if self.pos < len(self.tokens) else None

    def take(self) -> tuple[str, object]:
        token = self.tokens[self.pos]
        self.pos += 1
        return token

    def parse(self) -> Node | None:
        node = self.parse_or()
        if self.pos != len(self.tokens):
            raise _Malformed("an unmatched closing parenthesis" if self.peek() == ")" else "a misplaced operator")
        return node

    def parse_or(self) -> Node | None:
        branches = [self.parse_and()]
        while self.peek() == "OR":
            self.take()
            branches.append(self.parse_and())
        if len(branches) > 1 and any(b is None for b in branches):
            raise _Malformed("OR without a word on both sides")
        return branches[0] if len(branches) == 1 else Or(tuple(branches))

    def parse_and(self) -> Node | None:
        children: list[Node] = []
        saw_any = False
        while self.peek() not in (None, "OR", ")"):
            if self.peek() == "AND":
                self.take()
                if self.peek() in (None, "OR", ")", "AND"):
                    raise _Malformed("AND without a word after it")
                continue
            saw_any = True
            node = self.parse_unary()
            if node is not None:
                children.append(node)
        if not saw_any:
            return None
        if not children:
            return None
        return children[0] if len(children) == 1 else And(tuple(children))

    def parse_unary(self) -> Node | None:
        kind, value = self.take()
        if kind in ("NEG", "NOT"):
            if self.peek() in (None, "OR", ")", "AND", "NEG", "NOT"):
                raise _Malformed("an exclusion without a word")
            child = self.parse_unary()
            return Not(child) if child is not None else None
        if kind == "WORD":
            return _word_node(str(value))
        if kind == "PHRASE":
            return _phrase_node(str(value))
        if kind == "(":
            if self.peek() == ")":
                raise _Malformed("empty parentheses")
            node = self.parse_or()
            if self.peek() != ")":
                raise _Malformed("an unclosed parenthesis")
            self.take()
            return node
        raise _Malformed("a misplaced operator")


def _plain_words(text: str) -> Node | None:
    """The fallback reading: every word of the query, all required."""
    words = [w for w in TOKEN_RE.findall(text) if w not in _OPERATOR_WORDS]
    nodes = [t for t in (_term(w, False) for w in words) if t is not None]
    unique = list(dict.fromkeys(nodes))
    if not unique:
        return None
    return unique[0] if len(unique) == 1 else And(tuple(unique))


def _flatten(node: Node | None) -> Node | None:
    """Merge nested And/Or of the same kind and drop duplicates, so compiled queries stay small."""
    if isinstance(node, (And, Or)):
        kind = type(node)
        children: list[Node] = []
        for child in (_flatten(c) for c in node.children):
            if child is None:
                continue
            children.extend(child.children if isinstance(child, kind) else (child,))
        children = list(dict.fromkeys(children))
        if not children:
            return None
        return children[0] if len(children) == 1 else kind(tuple(children))
    if isinstance(node, Not):
        child = _flatten(node.child)
        if isinstance(child, Not):  # --word is word
            return child.child
        return Not(child) if child is not None else None
    return node


def _count_terms(node: Node | None) -> int:
    if node is None:
        return 0
    if isinstance(node, Term):
        return 1
    if isinstance(node, Phrase):
        return len(node.keys)
    if isinstance(node, Not):
        return _count_terms(node.child)
    return sum(_count_terms(c) for c in node.children)


def _positive(node: Node) -> bool:
    """Whether the node can match on its own (FTS5 and a GIN index need something to look up)."""
    if isinstance(node, (Term, Phrase)):
        return True
    if isinstance(node, Not):
        return False
    if isinstance(node, Or):
        return all(_positive(c) for c in node.children)
    return any(_positive(c) for c in node.children)


def parse_query(text: str | None, *, expand: bool = True) -> ParsedQuery:
    """Read a user's query; never raises: malformed input is read as plain words or answered with a message.

    With ``expand`` (the default, also for alerts) a watched person, the Directorate or a core remit term is
    searched under all its names (:mod:`archive.query_expansion`); ``ParsedQuery.expanded`` lists the names added.
    """
    raw = (text or "").replace("\x00", " ")
    notice = None
    if len(raw) > MAX_QUERY_CHARS:
        raw = raw[:MAX_QUERY_CHARS]
        notice = f"The query was shortened to its first {MAX_QUERY_CHARS} characters."
    try:
        ast = _flatten(_Parser(_lex(raw)).parse())
    except _Malformed as exc:
        ast = _flatten(_plain_words(raw))
        notice = f"The query has {exc}; it was read as plain words."
    except (IndexError, RecursionError):
        ast = _flatten(_plain_words(raw))
        notice = "The query could not be read as written; it was read as plain words."
    if ast is not None and _count_terms(ast) > MAX_TERMS:
        return ParsedQuery(raw, None, notice, f"The query has more than {MAX_TERMS} words; please shorten it.")
    if ast is not None and not _positive(ast):
        return ParsedQuery(raw, None, notice, "Exclusions (-word) only narrow a search: add a word to look for"
                                              " in every part of the query.")
    if ast is None and raw.strip() and not notice:
        notice = "The query has no words to look for; showing all articles that match the filters."
    parsed = ParsedQuery(raw, ast, notice)
    if expand and ast is not None:
        _apply_expansion(parsed)
    return parsed


# Expansion ----------------------------------------------------------------------------------------------

OFFICE_NAMES_SHOWN = 6  # "also searched" lists this many of the Directorate's names, then "…"


def _apply_expansion(parsed: ParsedQuery) -> None:
    """Expand names in ``parsed.ast`` (in place); a query part naming the Directorate becomes the office label.

    The Directorate has hundreds of written-out names in the office lexicon; searching them all as phrases would
    be slow, and the tagger has already found them (rejecting other states' look-alike bodies): a top-level
    part of the query that names it is answered by the ``office`` label instead. Inside OR or an exclusion the
    name is searched as typed.
    """
    from archive.query_expansion import default_index

    index = default_index()
    added: dict[str, None] = {}
    ast = parsed.ast
    parts = list(ast.children) if isinstance(ast, And) else [ast]
    office_at = _office_run(parts, index)
    if office_at is not None:
        start, length, entity = office_at
        rest = parts[:start] + parts[start + length:]
        rest_ast = _flatten(And(tuple(rest))) if rest else None
        if rest_ast is None or _positive(rest_ast):
            parsed.office = True
            for text in entity.shown(OFFICE_NAMES_SHOWN):
                added.setdefault(text)
            if len(entity.covering(None)) > OFFICE_NAMES_SHOWN:
                added.setdefault("…")
            ast = rest_ast
    parsed.ast = _flatten(_expand(ast, index, added)) if ast is not None else None
    parsed.expanded = list(added)


def _office_run(parts: list[Node], index) -> tuple[int, int, object] | None:
    """Where a run of plain words among the top-level parts names the Directorate: (start, length, entity)."""
    for i in range(len(parts)):
        run: list[str] = []
        for c in parts[i:]:
            if not _expandable(c):
                break
            run.append(c.key)
        found = index.match(run) if run else None
        if found and found[1].kind == "office":
            return i, found[0], found[1]
    return None


def _expandable(node: Node) -> bool:
    return isinstance(node, Term) and not node.prefix and not node.exact


def _entity_node(entity, matched: tuple[str, ...], added: dict[str, None]) -> Node:
    names = entity.covering()
    for keys, text in names:
        if keys != matched:
            added.setdefault(text)
    nodes = [Term(k[0]) if len(k) == 1 else Phrase(k) for k, _ in names]
    if not any(k == matched or _contains_keys(matched, k) for k, _ in names):
        nodes.append(Term(matched[0]) if len(matched) == 1 else Phrase(matched))
    return nodes[0] if len(nodes) == 1 else Or(tuple(nodes))


def _contains_keys(seq: tuple[str, ...], part: tuple[str, ...]) -> bool:
    return any(seq[i:i + len(part)] == part for i in range(len(seq) - len(part) + 1))


def _expand(node: Node, index, added: dict[str, None]) -> Node:
    """The AST with every unquoted run of words that names a person or a remit term replaced by an OR of its
    names (the Directorate's names stay as typed here: see :func:`_apply_expansion`)."""
    if _expandable(node):
        found = index.match([node.key])
        return _entity_node(found[1], (node.key,), added) if found and found[1].kind != "office" else node
    if isinstance(node, Not):
        return Not(_expand(node.child, index, added))
    if isinstance(node, Or):
        return Or(tuple(_expand(c, index, added) for c in node.children))
    if isinstance(node, And):
        children, out, i = list(node.children), [], 0
        while i < len(children):
            run: list[str] = []
            for c in children[i:]:
                if not _expandable(c):
                    break
                run.append(c.key)
            found = index.match(run) if run else None
            if found and found[1].kind != "office":
                length, entity = found
                out.append(_entity_node(entity, tuple(run[:length]), added))
                i += length
            else:
                out.append(_expand(children[i], index, added))
                i += 1
        return out[0] if len(out) == 1 else And(tuple(out))
    return node


# Compiling ------------------------------------------------------------------------------------------

def _fts_string(key: str) -> str:
    return '"' + key.replace('"', '""') + '"'


def to_fts5(node: Node) -> str:
    """FTS5 MATCH text for an AST whose keys are normalised words (quoted, so no FTS5 syntax can leak in)."""
    if isinstance(node, Term):
        return _fts_string(node.key) + ("*" if node.prefix else "")
    if isinstance(node, Phrase):
        return _fts_string(" ".join(node.keys))
    if isinstance(node, Or):
        return "(" + " OR ".join(to_fts5(c) for c in node.children) + ")"
    if isinstance(node, And):
        positives = [c for c in node.children if not isinstance(c, Not)]
        negatives = [c.child for c in node.children if isinstance(c, Not)]
        text = "(" + " AND ".join(to_fts5(c) for c in positives) + ")"
        for neg in negatives:
            text = f"({text} NOT {to_fts5(neg)})"
        return text
    raise QueryError("an exclusion needs something to exclude from")


def _ts_lexeme(key: str) -> str:
    return "'" + key.replace("'", "''").replace("\\", "\\\\") + "'"


def to_tsquery(node: Node) -> str:
    """PostgreSQL to_tsquery('simple', …) text for an AST (quoted lexemes only)."""
    if isinstance(node, Term):
        return _ts_lexeme(node.key) + (":*" if node.prefix else "")
    if isinstance(node, Phrase):
        return "(" + " <-> ".join(_ts_lexeme(k) for k in node.keys) + ")"
    if isinstance(node, Not):
        return "!" + to_tsquery(node.child)
    joiner = " | " if isinstance(node, Or) else " & "
    return "(" + joiner.join(to_tsquery(c) for c in node.children) + ")"


def query_terms(node: Node | None) -> tuple[frozenset[str], tuple[str, ...]]:
    """The positive keys and prefixes of a query, for highlighting (excluded words are never marked)."""
    keys: set[str] = set()
    prefixes: list[str] = []

    def walk(n: Node) -> None:
        if isinstance(n, Term):
            (prefixes.append(n.key) if n.prefix else keys.add(n.key))
        elif isinstance(n, Phrase):
            keys.update(n.keys)
        elif isinstance(n, (And, Or)):
            for c in n.children:
                walk(c)

    if node is not None:
        walk(node)
    return frozenset(keys), tuple(prefixes)


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
class _Plan:
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


def _plan(db: Database, parsed: ParsedQuery, filters: SearchFilters) -> _Plan:
    if parsed.office and not filters.office:
        filters = dataclasses.replace(filters, office=True)  # the query named the Directorate
    conds, params = filter_sql(filters)
    if parsed.ast is None:
        return _Plan("articles a", "0.0", [], conds, params)
    if db.dialect == "sqlite":
        # INDEXED BY: left to itself SQLite joins each match to its article row by rowid, and reading the filter
        # columns of a row whose text spills into overflow pages costs ~1 µs per match (4x the covering index).
        return _Plan(f"articles_fts JOIN articles a INDEXED BY {SQLITE_FILTER_INDEX} ON a.id = articles_fts.rowid",
                     f"-bm25(articles_fts, {TITLE_WEIGHT}, 1.0)", [],
                     ["articles_fts MATCH ?", *conds], [to_fts5(parsed.ast), *params])
    tsq = to_tsquery(parsed.ast)
    return _Plan("articles a", "ts_rank(a.search_vector, to_tsquery('simple', ?))", [tsq],
                 ["a.search_vector @@ to_tsquery('simple', ?)", *conds], [tsq, *params],
                 date_from=day_start(filters.date_from, filters.timezone) if filters.date_from else None,
                 date_to=(day_start(filters.date_to + dt.timedelta(days=1), filters.timezone)
                          if filters.date_to else None))


# Results --------------------------------------------------------------------------------------------

@dataclass
class Segment:
    """A piece of original text; ``match`` marks a query hit."""

    text: str
    match: bool = False


@dataclass
class Fragment:
    """A passage of the original text, with ellipses where it was cut."""

    segments: list[Segment]
    cut_before: bool = False
    cut_after: bool = False

    def html(self) -> str:
        """The passage HTML-escaped, with hits in <mark>."""
        body = "".join(f"<mark>{html.escape(s.text)}</mark>" if s.match else html.escape(s.text)
                       for s in self.segments)
        return ("… " if self.cut_before else "") + body + (" …" if self.cut_after else "")

    def plain(self, marker: tuple[str, str] = ("[", "]")) -> str:
        body = "".join(f"{marker[0]}{s.text}{marker[1]}" if s.match else s.text for s in self.segments)
        return ("… " if self.cut_before else "") + body + (" …" if self.cut_after else "")


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
    plan = _plan(db, parsed, filters)
    offset = (page - 1) * per_page
    with _reading(db, parsed) as tx:
        total, windowed, top = _page(tx, db, plan, parsed.ast is not None, sort, per_page, offset)
    rows = _rows(db, [int(r["id"]) for r in top], with_text=highlight)
    for r in top:
        rows[int(r["id"])]["score"] = r["score"]
    hits = _hits(db, [rows[int(r["id"])] for r in top], parsed, highlight)
    facet_counts = (compute_facets(db, parsed, filters, total=total, newest=plan.newest, matched=plan.matched)
                    if facets else Facets())
    return SearchResults(parsed, filters, min(total, COUNT_CAP), hits, page, per_page, sort, facet_counts,
                         ranked=min(total, RANK_WINDOW) if windowed else None, more=total > COUNT_CAP)


def _page(tx, db: Database, plan: _Plan, text_query: bool, sort: str, per_page: int, offset: int
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


def _capped_total(tx, plan: _Plan, cap: int | None = None) -> int:
    """The number of matches, counting stops past ``cap``; when it did not stop, ``plan.matched`` holds them."""
    cap = COUNT_CAP if cap is None else cap
    ids = [int(r["id"]) for r in tx.all(f"SELECT a.id FROM {plan.from_sql} WHERE {' AND '.join(plan.where)}"
                                        f" LIMIT {cap + 1}", plan.where_params)]
    if len(ids) <= cap:
        plan.matched = ids
    return len(ids)


def _estimate_postgres(tx, plan: _Plan, where: list[str] | None = None, params: list | None = None) -> float:
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


def _total_postgres(tx, plan: _Plan) -> int:
    """The capped total; COUNT_CAP + 1 ("more than") without counting when the estimate is far past it."""
    if _estimate_postgres(tx, plan) >= BROAD_ESTIMATE:
        return COUNT_CAP + 1
    return _capped_total(tx, plan)


def _newest_postgres(tx, plan: _Plan, n: int, total: int | None = None) -> list[int]:
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


def _scores_postgres(tx, plan: _Plan, ids: list[int]) -> dict[int, float]:
    if not ids:
        return {}
    return {int(r["id"]): float(r["score"]) for r in tx.all(
        f"SELECT a.id, {plan.score_sql} AS score FROM articles a WHERE a.id IN ({', '.join(map(str, ids))})",
        plan.score_params)}


def _page_postgres(tx, plan: _Plan, sort: str, per_page: int, offset: int) -> tuple[int, bool, list[dict]]:
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


def _count_and_rank(tx, db: Database | None, plan: _Plan, sort: str, per_page: int, offset: int,
                    total: int | None = None) -> tuple[int, bool, list[dict]]:
    """:func:`_page` for sorting by date on SQLite, for the empty query, and for few matches on PostgreSQL."""
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


def _matches_sqlite(tx, plan: _Plan) -> tuple[int, list[int]]:
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


def _walk_sqlite(tx, plan: _Plan, n: int) -> list[int]:
    """The newest ``n`` matches, walking the date-ordered covering index backwards (see _matches_sqlite)."""
    filters_where = plan.where[1:]  # plan.where[0] is the MATCH, plan.where_params[0] its text
    fts = plan.fts_table
    conds = " AND ".join([*filters_where, f"a.id IN (SELECT rowid FROM {fts} WHERE {fts} MATCH ?)"])
    window = tx.all(f"SELECT a.id FROM articles a INDEXED BY {SQLITE_RECENT_INDEX} WHERE {conds}"
                    f" ORDER BY a.published DESC, a.id DESC LIMIT {n}",
                    [*plan.where_params[1:], plan.where_params[0]])
    return [int(r["id"]) for r in window]


def _rank_sqlite(tx, plan: _Plan, ids: list[int]) -> list[dict]:
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
def _reading(db: Database, parsed: ParsedQuery):
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


def _rows(db: Database, ids: list[int], with_text: bool) -> dict[int, dict]:
    """Display columns of the given articles by id (with text and shadow keys when highlighting)."""
    if not ids:
        return {}
    extra = ", a.text, a.search_body" if with_text else ""
    rows = db.query(f"SELECT {_HIT_COLUMNS}{extra} FROM articles a LEFT JOIN sources s ON s.id = a.source_id"
                    f" LEFT JOIN clusters c ON c.id = a.cluster_id WHERE a.id IN ({in_list(ids)})",
                    ids)
    return {int(r["id"]): r for r in rows}


def _hits(db: Database, rows: list[dict], parsed: ParsedQuery, highlight: bool) -> list[SearchHit]:
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
    plan = _plan(db, parsed, filters)
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
        rows = _rows(db, [int(r["id"]) for r in top], with_text=False)
        yield from _hits(db, [rows[int(r["id"])] for r in top], parsed, highlight=False)
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
    plan = _plan(db, parsed, filters)
    sample = None
    # Three passes over the matches: the article columns (outlet, language, Directorate, director) in one
    # grouped query, the labels in another, the people named in a third; outlet groups come from the (small)
    # sources table.
    with _reading(db, parsed) as tx:
        if total is None:
            total = _total_postgres(tx, plan) if db.dialect == "postgresql" and parsed.ast else _capped_total(tx, plan)
            matched = plan.matched if matched is None else matched
        if total > COUNT_CAP:
            ids = newest if newest is not None else _newest(tx, db, plan, parsed, RANK_WINDOW, total)
            sample = len(ids)
            plan = _Plan("articles a", "0.0", [], [f"a.id IN ({', '.join(map(str, ids)) or 'NULL'})"], [])
        elif parsed.ast is not None:
            # One pass over the full-text matches (at most COUNT_CAP), then three grouped passes by id.
            if matched is None:
                matched = [int(r["id"]) for r in tx.all(f"SELECT a.id FROM {plan.from_sql} WHERE"
                                                        f" {' AND '.join(plan.where)} LIMIT {COUNT_CAP + 1}",
                                                        plan.where_params)]
            plan = _Plan("articles a", "0.0", [], [f"a.id IN ({', '.join(map(str, matched)) or 'NULL'})"], [])
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


def _newest(tx, db: Database, plan: _Plan, parsed: ParsedQuery, n: int, total: int) -> list[int]:
    """Ids of the newest ``n`` matches of a plan (published DESC, id DESC), on either store."""
    if db.dialect == "postgresql" and parsed.ast is not None:
        return _newest_postgres(tx, plan, n, total)
    if db.dialect == "sqlite" and parsed.ast is not None:
        return _walk_sqlite(tx, plan, n)
    order = "a.published DESC NULLS LAST, a.id DESC" if db.dialect == "postgresql" else "a.published DESC, a.id DESC"
    return [int(r["id"]) for r in tx.all(f"SELECT a.id FROM {plan.from_sql} WHERE {' AND '.join(plan.where)}"
                                         f" ORDER BY {order} LIMIT {n}", plan.where_params)]


# Highlighting -------------------------------------------------------------------------------------------
#
# A word of the query is marked wherever its key occurs; a phrase only where all its words occur in order (so
# '"uprava za saradnju"' never marks every "za"). Consecutive marked words on one line become one mark, so marks
# never overlap or abut.

@dataclass(frozen=True)
class Marks:
    """What to mark in a text: single keys, prefixes and phrases (tuples of keys)."""

    keys: frozenset[str] = frozenset()
    prefixes: tuple[str, ...] = ()
    phrases: tuple[tuple[str, ...], ...] = ()

    def __bool__(self) -> bool:
        return bool(self.keys or self.prefixes or self.phrases)

    def hit_indices(self, token_keys: Sequence[str]) -> list[int]:
        """Indices of the tokens (given by their keys, in order) to mark."""
        hits: set[int] = set()
        prefixes = self.prefixes
        starts = self._phrase_starts()
        for i, k in enumerate(token_keys):
            if not k:
                continue
            if k in self.keys or (prefixes and k.startswith(prefixes)):
                hits.add(i)
            for phrase in starts.get(k, ()):
                if tuple(token_keys[i:i + len(phrase)]) == phrase:
                    hits.update(range(i, i + len(phrase)))
        return sorted(hits)

    def _phrase_starts(self) -> dict[str, list[tuple[str, ...]]]:
        starts: dict[str, list[tuple[str, ...]]] = {}
        for phrase in self.phrases:
            starts.setdefault(phrase[0], []).append(phrase)
        return starts


def query_marks(node: Node | None) -> Marks:
    """The marks of a query's positive parts (excluded words are never marked)."""
    keys: set[str] = set()
    prefixes: list[str] = []
    phrases: list[tuple[str, ...]] = []

    def walk(n: Node) -> None:
        if isinstance(n, Term):
            (prefixes.append(n.key) if n.prefix else keys.add(n.key))
        elif isinstance(n, Phrase):
            phrases.append(n.keys)
        elif isinstance(n, (And, Or)):
            for c in n.children:
                walk(c)

    if node is not None:
        walk(node)
    return Marks(frozenset(keys), tuple(dict.fromkeys(prefixes)), tuple(dict.fromkeys(phrases)))


def marks_for(parsed: ParsedQuery) -> Marks:
    """The marks of a parsed query, with the Directorate's names when the query named it."""
    marks = query_marks(parsed.ast)
    if parsed.office:
        from archive.query_expansion import default_index

        office = [keys for e in default_index().entities if e.kind == "office" for keys, _ in e.covering(None)]
        marks = Marks(marks.keys, marks.prefixes, tuple(dict.fromkeys([*marks.phrases, *office])))
    return marks


def _as_marks(keys, prefixes: tuple[str, ...] = ()) -> Marks:
    return keys if isinstance(keys, Marks) else Marks(frozenset(keys), tuple(prefixes))


def _runs(text: str, spans: Sequence) -> list[_Span]:
    """Marked token spans merged where only spaces or punctuation on the same line lie between them."""
    out: list[_Span] = []
    for sp in spans:
        if out and "\n" not in text[out[-1].end:sp.start] and not any(
                ch.isalnum() for ch in text[out[-1].end:sp.start]):
            out[-1] = _Span(out[-1].start, sp.end)
        else:
            out.append(_Span(sp.start, sp.end))
    return out


def highlight_whole(text: str, keys, prefixes: tuple[str, ...] = ()) -> Fragment:
    """All of ``text`` with the query's hits marked (titles); ``keys`` is a :class:`Marks` or a set of keys."""
    marks = _as_marks(keys, prefixes)
    if not marks:
        return Fragment(_segments(text, 0, len(text), []))
    tokens = search_tokens(text)
    hit = marks.hit_indices([t.key for t in tokens])
    return Fragment(_segments(text, 0, len(text), _runs(text, [tokens[i] for i in hit])))


def _segments(text: str, start: int, end: int, marked) -> list[Segment]:
    """Cut text[start:end] into plain and marked segments on the original characters."""
    out, pos = [], start
    for tok in marked:
        if tok.start < start or tok.end > end or tok.start < pos:
            continue
        if tok.start > pos:
            out.append(Segment(text[pos:tok.start]))
        out.append(Segment(text[tok.start:tok.end], True))
        pos = tok.end
    if pos < end:
        out.append(Segment(text[pos:end]))
    return out


def _windows(hit_idx: list[int], n_tokens: int, words: int, fragments: int) -> list[tuple[int, int]]:
    """Token ranges (inclusive) of up to ``fragments`` passages covering the most hits; the start when none."""
    if not hit_idx:
        return [(0, min(words, n_tokens) - 1)]
    lead = words // 4
    remaining = hit_idx[:MAX_WINDOW_HITS]
    windows: list[tuple[int, int]] = []
    while remaining and len(windows) < fragments:
        # Pick the window (starting a little before a hit) that covers the most hits not yet shown.
        best = max(remaining, key=lambda i: sum(1 for j in remaining if i - lead <= j <= i - lead + words - 1))
        lo = max(0, best - lead)
        hi = min(n_tokens - 1, lo + words - 1)
        windows.append((lo, hi))
        remaining = [j for j in remaining if not any(a <= j <= b for a, b in windows)]
    return sorted(windows)


def snippet(text: str, keys, prefixes: tuple[str, ...] = (), *, shadow: str | None = None,
            words: int = SNIPPET_WORDS, fragments: int = SNIPPET_FRAGMENTS) -> list[Fragment]:
    """Up to ``fragments`` passages of the original text around the densest query hits, hits marked.

    ``keys`` is a :class:`Marks` (or a set of single keys). With ``shadow`` (the stored normalised text: the keys
    of the text's tokens, in order, joined by single spaces) the hits are found on the keys and only the chosen
    passages are re-tokenised; the marked tokens are checked against their keys, and any disagreement falls back
    to tokenising the whole text.
    """
    marks = _as_marks(keys, prefixes)
    if shadow is not None:
        fast = _snippet_from_shadow(text, shadow, marks, words, fragments)
        if fast is not None:
            return fast
    tokens = search_tokens(text)
    if not tokens:
        return []
    hit_idx = marks.hit_indices([t.key for t in tokens]) if marks else []
    marked = _runs(text, [tokens[i] for i in hit_idx])
    return [Fragment(_segments(text, tokens[lo].start, tokens[hi].end, marked), cut_before=lo > 0,
                     cut_after=hi < len(tokens) - 1)
            for lo, hi in _windows(hit_idx, len(tokens), words, fragments)]


def _snippet_from_shadow(text: str, shadow: str, marks: Marks, words: int, fragments: int) -> list[Fragment] | None:
    """The snippet located via the shadow keys; None when shadow and text disagree (then tokenise instead)."""
    parts = shadow.split(" ") if shadow else []
    if not parts:
        return None
    hit_idx = marks.hit_indices(parts) if marks else []
    out = []
    hits = set(hit_idx)
    for lo, hi in _windows(hit_idx, len(parts), words, fragments):
        found = list(itertools.islice(TOKEN_RE.finditer(text), lo, hi + 1))
        if len(found) != hi - lo + 1:
            return None
        marked = []
        for offset, m in enumerate(found):
            if search_key(m.group()) != parts[lo + offset]:
                return None  # the stored keys are stale or misaligned
            if lo + offset in hits:
                marked.append(_Span(m.start(), m.end()))
        out.append(Fragment(_segments(text, found[0].start(), found[-1].end(), _runs(text, marked)),
                            cut_before=lo > 0, cut_after=hi < len(parts) - 1))
    return out


@dataclass(frozen=True, slots=True)
class _Span:
    start: int
    end: int


def mark_spans(text: str, spans: Sequence[tuple[int, int, str]]) -> list[tuple[str, str | None]]:
    """Cut text into (piece, class) by non-overlapping spans (start, end, class); overlaps keep the first."""
    out: list[tuple[str, str | None]] = []
    pos = 0
    for start, end, cls in sorted(spans):
        start, end = max(start, pos), min(end, len(text))
        if start >= end:
            continue
        if start > pos:
            out.append((text[pos:start], None))
        out.append((text[start:end], cls))
        pos = end
    if pos < len(text):
        out.append((text[pos:], None))
    return out


def query_spans(text: str, parsed: ParsedQuery) -> list[tuple[int, int, str]]:
    """Offsets of the query's hits in ``text`` (for the article page): non-overlapping, a phrase as one span."""
    marks = marks_for(parsed)
    if not marks:
        return []
    tokens = search_tokens(text)
    runs = _runs(text, [tokens[i] for i in marks.hit_indices([t.key for t in tokens])])
    return [(r.start, r.end, "hit") for r in runs]


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

"""The query language: lexer, parser, AST, name expansion and compilation to FTS5 MATCH text or a tsquery.

Pure: no database. Words go through :func:`nlp.normalize.search_key` (the same keys the archive's shadow columns
hold), so a match never depends on script, case, diacritics (đ = dj) or case endings. The grammar: words (all
must match), "exact phrases" (inflection-tolerant word by word), ``-word`` exclusion (also ``NOT``), ``OR``
(also ``|``), ``prefix*`` and parentheses. The compiled text is built from normalised keys only, never the
user's text. A malformed query is read as plain words (with a notice), or answered with a clear message; it
never raises. archive.search runs the compiled query on either store.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from nlp.normalize import TOKEN_RE, fold, search_key

MAX_QUERY_CHARS = 500
MAX_TERMS = 32
MIN_PREFIX_CHARS = 2  # a one-letter prefix would expand to most of the index


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

    def __init__(self, tokens: list[tuple[str, object]], word_node: Callable[[str], Node | None] = None,
                 phrase_node: Callable[[str], Node | None] = None):
        self.tokens = tokens
        self.pos = 0
        self.word_node = word_node or _word_node
        self.phrase_node = phrase_node or _phrase_node

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
            return self.word_node(str(value))
        if kind == "PHRASE":
            return self.phrase_node(str(value))
        if kind == "(":
            if self.peek() == ")":
                raise _Malformed("empty parentheses")
            node = self.parse_or()
            if self.peek() != ")":
                raise _Malformed("an unclosed parenthesis")
            self.take()
            return node
        raise _Malformed("a misplaced operator")


def parse_ast(text: str, *, key: Callable[[str], str]) -> Node | None:
    """The query's AST by the grammar alone, each word keyed by ``key`` instead of the search key (no expansion,
    no limits); the benchmark's baseline reads queries this way with ``str.lower``. Raises QueryError when the
    query breaks the grammar."""

    def word(chunk: str) -> Node | None:
        keys = tuple(k for k in (key(w) for w in TOKEN_RE.findall(chunk)) if k)
        if len(keys) > 1:
            return Phrase(keys)
        return Term(keys[0], chunk.endswith("*")) if keys else None

    def phrase(chunk: str) -> Node | None:
        keys = tuple(k for k in (key(w) for w in TOKEN_RE.findall(chunk)) if k)
        return Phrase(keys) if len(keys) > 1 else (Term(keys[0], exact=True) if keys else None)

    try:
        return _flatten(_Parser(_lex(text), word, phrase).parse())
    except _Malformed as exc:
        raise QueryError(f"The query has {exc}.") from None


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
    searched under all its names (:mod:`search.expansion`); ``ParsedQuery.expanded`` lists the names added.
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
    from search.expansion import default_index

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

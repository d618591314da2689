"""Validated shapes of the configuration files (``config/sources.yaml``, ``config/people.yaml``).

Config files are untrusted input: they are parsed with line numbers kept, validated with pydantic,
and every problem is reported as ``file:line: field: message``.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from schemas.records import SourceGroup

LANGUAGE_CODES = {"sr", "hr", "bs", "cnr", "mk", "sl", "en", "de", "ru", "fr", "it", "hu", "ro", "sq"}


class ConfigError(ValueError):
    """A configuration file is unreadable or invalid; ``problems`` lists ``file:line: message``."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("\n".join(problems))


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Section(Strict):
    """A section (index) page and the pattern its article links follow."""

    url: str
    link_pattern: str

    @field_validator("link_pattern")
    @classmethod
    def _compiles(cls, value: str) -> str:
        try:
            re.compile(value)
        except re.error as exc:
            raise ValueError(f"not a valid regular expression: {exc}") from None
        return value


class Evidence(Strict):
    """A public reference showing that one configured URL exists and works, and when it was seen.

    ``ref`` is the address of a stored copy of the page or feed, or ``github:owner/repo[@commit]:path``
    for another project's feed list, probe log or scraper fixture; ``seen`` is the date the reference
    shows (the scan date, the newest item in a stored feed, the commit date).
    """

    url: str
    ref: str = Field(min_length=8)
    seen: dt.date
    note: str | None = None


class PathSpec(Strict):
    """One fallback way in: feeds, a (news) sitemap, section pages, or a Google News query for the outlet.

    ``google_news`` is ``true`` for ``site:<homepage domain>`` or names the domain to scope the query to.
    """

    feeds: list[str] = []
    sitemaps: list[str] = []
    sections: list[Section] = []
    google_news: bool | str = False

    @field_validator("feeds", "sitemaps")
    @classmethod
    def _http_urls(cls, value: list[str]) -> list[str]:
        return _check_http_urls(value)

    @model_validator(mode="after")
    def _one_kind(self) -> PathSpec:
        kinds = [k for k in ("feeds", "sitemaps", "sections", "google_news") if getattr(self, k)]
        if len(kinds) != 1:
            raise ValueError("a fallback names exactly one of feeds, sitemaps, sections or google_news")
        return self

    @property
    def kind(self) -> str:
        return next(k for k in ("feeds", "sitemaps", "sections", "google_news") if getattr(self, k))

    @property
    def urls(self) -> list[str]:
        return [*self.feeds, *self.sitemaps, *(s.url for s in self.sections)]


def _check_http_urls(value: list[str]) -> list[str]:
    for url in value:
        if not re.match(r"^https?://[^/\s]+", url):
            raise ValueError(f"not an http(s) URL: {url!r}")
    return value


class CrawlSettings(Strict):
    """Per-outlet overrides of the polite-crawling defaults."""

    download_delay_s: float | None = Field(default=None, ge=0)
    concurrency: int | None = Field(default=None, ge=1, le=16)
    max_pages: int | None = Field(default=None, ge=1)
    follow_sitemap_index: bool = True


class ExtractOverride(Strict):
    """Named selectors for an outlet where generic extraction measurably fails."""

    body: str | None = None
    title: str | None = None
    date: str | None = None
    reason: str


class Source(Strict):
    """One outlet: how to discover its articles and what to assume about its language."""

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]*$")
    name: str
    country: str = Field(min_length=2, max_length=2)
    languages: list[str] = Field(min_length=1)
    group: SourceGroup
    homepage: str | None = None
    feeds: list[str] = []
    sitemaps: list[str] = []
    sections: list[Section] = []
    crawl: CrawlSettings = CrawlSettings()
    extract: ExtractOverride | None = None
    enabled: bool = True
    # Where the configured URLs come from (issue 19): evidence per URL, the date the entry was last
    # checked, and the URLs kept without evidence (true: every URL that has none).
    evidence: list[Evidence] = []
    checked: dt.date | None = None
    unverified: bool | list[str] = False
    access: str | None = None  # known access limits (403 to bots, bot challenge, paywall) for operators
    fallbacks: list[PathSpec] = []

    @field_validator("languages")
    @classmethod
    def _known_languages(cls, value: list[str]) -> list[str]:
        unknown = [code for code in value if code not in LANGUAGE_CODES]
        if unknown:
            raise ValueError(f"unknown language code(s) {unknown}; known: {sorted(LANGUAGE_CODES)}")
        return value

    @field_validator("feeds", "sitemaps")
    @classmethod
    def _http_urls(cls, value: list[str]) -> list[str]:
        return _check_http_urls(value)

    @model_validator(mode="after")
    def _has_a_way_in(self) -> Source:
        if self.enabled and not (self.feeds or self.sitemaps or self.sections or self.fallbacks):
            raise ValueError("an enabled source needs at least one of feeds, sitemaps, sections or fallbacks")
        return self

    @model_validator(mode="after")
    def _evidence_names_configured_urls(self) -> Source:
        known = set(self.crawl_urls) | ({self.homepage} if self.homepage else set())
        stray = [e.url for e in self.evidence if e.url not in known]
        if stray:
            raise ValueError(f"evidence for URL(s) this source does not configure: {stray}")
        if isinstance(self.unverified, list):
            stray = [u for u in self.unverified if u not in known]
            if stray:
                raise ValueError(f"unverified URL(s) this source does not configure: {stray}")
        return self

    @property
    def primary_urls(self) -> list[str]:
        """The URLs of the declared ways in (feeds, sitemaps, sections), before any fallback."""
        return [*self.feeds, *self.sitemaps, *(s.url for s in self.sections)]

    @property
    def crawl_urls(self) -> list[str]:
        """Every URL this source may request for discovery: declared ways in, then fallbacks."""
        return list(dict.fromkeys([*self.primary_urls, *(u for f in self.fallbacks for u in f.urls)]))

    def evidenced_urls(self) -> set[str]:
        return {e.url for e in self.evidence}

    def unverified_urls(self) -> list[str]:
        """URLs kept without evidence and marked so (``unverified: true`` marks every URL lacking evidence)."""
        lacking = [u for u in self.crawl_urls if u not in self.evidenced_urls()]
        if self.unverified is True:
            return lacking
        return [u for u in lacking if u in (self.unverified or [])]

    def evidence_gaps(self) -> list[str]:
        """URLs with neither evidence nor an ``unverified`` mark: guessed silently."""
        marked = set(self.unverified_urls())
        return [u for u in self.crawl_urls if u not in self.evidenced_urls() and u not in marked]

    @property
    def hosts(self) -> set[str]:
        from urllib.parse import urlsplit

        urls = list(self.crawl_urls)
        if self.homepage:
            urls.append(self.homepage)
        return {urlsplit(u).hostname or "" for u in urls}


class SourcesFile(Strict):
    sources: list[Source]

    @model_validator(mode="after")
    def _unique_ids(self) -> SourcesFile:
        seen: set[str] = set()
        for source in self.sources:
            if source.id in seen:
                raise ValueError(f"duplicate source id {source.id!r}")
            seen.add(source.id)
        return self


class Term(Strict):
    """One term of office: from ``start`` to ``end`` inclusive (open when ``end`` is missing)."""

    start: dt.date
    end: dt.date | None = None
    end_verified: bool = True
    title: str = "director"
    source: str | None = None

    @model_validator(mode="after")
    def _ordered(self) -> Term:
        if self.end is not None and self.end < self.start:
            raise ValueError(f"term ends ({self.end}) before it starts ({self.start})")
        return self

    def covers(self, day: dt.date) -> bool:
        return self.start <= day and (self.end is None or day <= self.end)


class Person(Strict):
    """A watched person: the label they raise, their names and aliases in every script, their terms."""

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    label: Literal["director"] = "director"
    name: str
    role: str
    note: str | None = None
    aliases: list[str] = []
    role_patterns: list[str] = []
    terms: list[Term] = Field(default=[], min_length=0)
    # Old files had only a flag; a person without terms is current when this is true.
    current_flag: bool | None = Field(default=None, alias="current")

    @property
    def current(self) -> bool:
        """Holds the office now: an open term (or, without terms, the old ``current`` flag)."""
        if self.terms:
            return any(term.end is None for term in self.terms)
        return bool(self.current_flag if self.current_flag is not None else True)

    @property
    def names(self) -> list[str]:
        """The name and every alias, in file order, without repeats."""
        return list(dict.fromkeys([self.name, *self.aliases]))

    def term_on(self, day: dt.date) -> Term | None:
        return next((term for term in self.terms if term.covers(day)), None)


class PeopleFile(Strict):
    confirmed: dt.date | None = None  # when the open term was last checked against public sources
    role_patterns: list[str] = []
    not_roles: list[str] = []
    former_markers: list[str] = []
    people: list[Person]

    @model_validator(mode="after")
    def _consistent(self) -> PeopleFile:
        ids = [p.id for p in self.people]
        if len(ids) != len(set(ids)):
            raise ValueError(f"duplicate person id in {ids}")
        terms = sorted(((t.start, t.end, p.id) for p in self.people for t in p.terms), key=lambda t: t[0])
        for (_, end, first), (start, _, second) in zip(terms, terms[1:]):
            if end is None or end >= start:
                raise ValueError(f"terms of {first} and {second} overlap (one office, one director at a time)")
        return self


# --- loading with line numbers -------------------------------------------------------------


def _to_python(node: yaml.Node, path: tuple, lines: dict[tuple, int]) -> Any:
    lines[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        result = {}
        for key_node, value_node in node.value:
            key = key_node.value
            result[key] = _to_python(value_node, (*path, key), lines)
        return result
    if isinstance(node, yaml.SequenceNode):
        return [_to_python(item, (*path, i), lines) for i, item in enumerate(node.value)]
    return _scalar(node)


def _scalar(node: yaml.ScalarNode) -> Any:
    loader = yaml.SafeLoader("")
    try:
        return loader.construct_object(node, deep=True)
    finally:
        loader.dispose()


def load_yaml_with_lines(path: Path) -> tuple[Any, dict[tuple, int]]:
    """Parse a YAML file safely, returning the data and a map from key path to line number."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError([f"{path}: cannot read: {exc}"]) from None
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{path}:{mark.line + 1}" if mark else str(path)
        problem = getattr(exc, "problem", None) or str(exc)
        raise ConfigError([f"{where}: invalid YAML: {problem}"]) from None
    lines: dict[tuple, int] = {}
    if node is None:
        return None, lines
    return _to_python(node, (), lines), lines


def _line_for(loc: tuple, lines: dict[tuple, int]) -> int | None:
    loc = tuple(loc)
    while loc:
        if loc in lines:
            return lines[loc]
        loc = loc[:-1]
    return lines.get(())


def validate_file(path: Path, model: type[BaseModel]) -> BaseModel:
    """Load ``path`` and validate it as ``model``, raising ConfigError with file:line per problem."""
    data, lines = load_yaml_with_lines(path)
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            loc = tuple(err["loc"])
            line = _line_for(loc, lines)
            field = ".".join(str(part) for part in loc) or "(top level)"
            where = f"{path}:{line}" if line else str(path)
            problems.append(f"{where}: {field}: {err['msg']}")
        raise ConfigError(problems) from None


def load_sources(path: Path) -> list[Source]:
    """Read and validate a sources file."""
    return list(validate_file(Path(path), SourcesFile).sources)


def evidence_problems(path: Path, sources: list[Source]) -> list[str]:
    """``file:line: sources.N: URL: …`` for every crawled URL with neither evidence nor an ``unverified`` mark."""
    data, lines = load_yaml_with_lines(Path(path))
    problems = []
    for index, source in enumerate(sources):
        raw = (data or {}).get("sources", [])[index] if isinstance(data, dict) else {}
        for url in source.evidence_gaps():
            line = _url_line(raw, url, (index,), lines)
            where = f"{path}:{line}" if line else str(path)
            problems.append(f"{where}: sources.{index} ({source.id}): {url}: no evidence and not marked unverified")
    return problems


def _url_line(node: Any, url: str, loc: tuple, lines: dict[tuple, int]) -> int | None:
    """The line where ``url`` appears inside one source's raw YAML (first occurrence)."""
    if node == url:
        return lines.get(("sources", *loc))
    items = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else ()
    for key, child in items:
        found = _url_line(child, url, (*loc, key), lines)
        if found:
            return found
    return None


def load_people(path: Path) -> list[Person]:
    """Read and validate a people file."""
    return list(load_people_file(path).people)


def load_people_file(path: Path) -> PeopleFile:
    """Read and validate a people file, with its shared role words and confirmation date."""
    return validate_file(Path(path), PeopleFile)

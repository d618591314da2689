"""Validated shapes of the configuration files (``config/sources.yaml``, ``config/people.yaml``).

Config files are untrusted input: they are parsed with line numbers kept, validated with pydantic,
and every problem is reported as ``file:line: field: message``.
"""

from __future__ import annotations

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
        for url in value:
            if not re.match(r"^https?://[^/\s]+", url):
                raise ValueError(f"not an http(s) URL: {url!r}")
        return value

    @model_validator(mode="after")
    def _has_a_way_in(self) -> "Source":
        if self.enabled and not (self.feeds or self.sitemaps or self.sections):
            raise ValueError("an enabled source needs at least one of feeds, sitemaps or sections")
        return self

    @property
    def hosts(self) -> set[str]:
        from urllib.parse import urlsplit

        urls = [*self.feeds, *self.sitemaps, *(s.url for s in self.sections)]
        if self.homepage:
            urls.append(self.homepage)
        return {urlsplit(u).hostname or "" for u in urls}


class SourcesFile(Strict):
    sources: list[Source]

    @model_validator(mode="after")
    def _unique_ids(self) -> "SourcesFile":
        seen: set[str] = set()
        for source in self.sources:
            if source.id in seen:
                raise ValueError(f"duplicate source id {source.id!r}")
            seen.add(source.id)
        return self


class Person(Strict):
    """A watched person: the label they raise, their names and aliases in every script."""

    id: str
    label: Literal["director"] = "director"
    name: str
    role: str
    current: bool = True
    aliases: list[str] = []
    role_patterns: list[str] = []


class PeopleFile(Strict):
    people: list[Person]


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


def load_people(path: Path) -> list[Person]:
    """Read and validate a people file."""
    return list(validate_file(Path(path), PeopleFile).people)

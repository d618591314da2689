"""Which way into an outlet to use: the declared path first, then its fallbacks in order (issue 19).

A source's paths are its declared feeds/sitemaps/sections (path 0) followed by ``fallbacks`` from
``config/sources.yaml`` — typically feeds → news sitemap → section pages → a Google News query scoped
to the outlet. The *active* path is the first one that has not failed ``after_runs`` discovery runs in a
row. Every run crawls the paths up to and including the active one, so a recovered primary path is
noticed (and used again) as soon as it works. Pure functions: the archive keeps the per-path streaks.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from urllib.parse import quote, urlsplit

from schemas.config import PathSpec, Section, Source

GOOGLE_NEWS = "google_news"
KIND_NAMES = {"feeds": "feeds", "sitemaps": "sitemaps", "sections": "section pages", GOOGLE_NEWS: "Google News"}


@dataclass(frozen=True)
class CrawlPath:
    """One way into one outlet: the URLs it requests and a stable key for its failure streak."""

    index: int
    kind: str  # "feeds" | "sitemaps" | "sections" | "google_news" | "feeds+sitemaps" …
    feeds: tuple[str, ...] = ()
    sitemaps: tuple[str, ...] = ()
    sections: tuple[Section, ...] = ()

    @property
    def label(self) -> str:
        names = "+".join(KIND_NAMES.get(k, k) for k in self.kind.split("+"))
        return f"primary ({names})" if self.index == 0 else f"fallback {self.index} ({names})"

    @property
    def key(self) -> str:
        """Changes when the path's URLs change, so an edited path starts with a clean streak."""
        data = json.dumps([self.kind, self.feeds, self.sitemaps, [s.model_dump() for s in self.sections]])
        return hashlib.sha1(data.encode("utf-8")).hexdigest()[:12]

    @property
    def urls(self) -> list[str]:
        return [*self.feeds, *self.sitemaps, *(s.url for s in self.sections)]

    def as_source(self, source: Source) -> Source:
        """The outlet reduced to this path (same id, so URLs found land under the outlet)."""
        # Evidence and unverified marks describe the whole entry; the reduced copy must still validate when the
        # crawl process reloads it, so they are left out (they play no part in crawling).
        return source.model_copy(update={"feeds": list(self.feeds), "sitemaps": list(self.sitemaps),
                                          "sections": list(self.sections), "fallbacks": [], "evidence": [],
                                          "unverified": False})


def outlet_domain(source: Source, spec: PathSpec | None = None) -> str:
    """The domain a Google News query is scoped to: the one named, else the homepage's without ``www.``."""
    if spec is not None and isinstance(spec.google_news, str):
        return spec.google_news
    url = source.homepage or (source.primary_urls or [""])[0]
    host = urlsplit(url).hostname or ""
    return host.removeprefix("www.")


def google_news_url(template: str, domain: str) -> str:
    """The Google News RSS search URL for ``site:domain`` (``{domain}`` in the template)."""
    return template.replace("{domain}", quote(domain, safe=".-"))


def source_paths(source: Source, google_news_template: str) -> list[CrawlPath]:
    """Path 0 (the declared ways in, when any) followed by the fallbacks in their configured order."""
    paths: list[CrawlPath] = []
    declared = [k for k in ("feeds", "sitemaps", "sections") if getattr(source, k)]
    if declared:
        paths.append(CrawlPath(0, "+".join(declared), tuple(source.feeds), tuple(source.sitemaps),
                               tuple(source.sections)))
    for spec in source.fallbacks:
        index = len(paths)
        if spec.kind == GOOGLE_NEWS:
            url = google_news_url(google_news_template, outlet_domain(source, spec))
            paths.append(CrawlPath(index, GOOGLE_NEWS, feeds=(url,)))
        else:
            paths.append(CrawlPath(index, spec.kind, tuple(spec.feeds), tuple(spec.sitemaps), tuple(spec.sections)))
    return paths


@dataclass
class PathState:
    """What the archive remembers of one path: its failing streak and last outcome."""

    key: str
    failing_runs: int = 0
    last_error: str | None = None
    last_run_at: dt.datetime | None = None
    last_success_at: dt.datetime | None = None
    last_found: int = 0


@dataclass
class Choice:
    """The active path of a source, why, and which paths this run crawls."""

    active: CrawlPath | None
    reason: str
    crawl: list[CrawlPath] = field(default_factory=list)

    @property
    def unavailable(self) -> bool:
        return self.active is None


def _streak_text(path: CrawlPath, state: PathState) -> str:
    error = f": {state.last_error}" if state.last_error else ""
    return f"{path.label} failed {state.failing_runs} runs in a row{error}"


def choose_path(paths: Sequence[CrawlPath], states: Mapping[str, PathState], after_runs: int) -> Choice:
    """The first path whose failing streak is below ``after_runs``; none when every path is past it."""
    limit = max(int(after_runs), 1)
    skipped: list[str] = []
    for path in paths:
        state = states.get(path.key)
        if state is None or state.failing_runs < limit:
            return Choice(path, _reason(path, state, skipped, limit), list(paths[: path.index + 1]))
        skipped.append(_streak_text(path, state))
    reason = "no working path: " + "; ".join(skipped) if skipped else "no path configured"
    return Choice(None, reason, list(paths))


def _reason(path: CrawlPath, state: PathState | None, skipped: list[str], limit: int) -> str:
    if skipped:
        return f"{path.label} in use because " + "; ".join(skipped)
    if state is None or state.last_run_at is None:
        return f"{path.label}: not run yet"
    if state.failing_runs:
        return (f"{path.label}: failed {state.failing_runs} of {limit} runs before its fallback is used"
                f" ({state.last_error})")
    return f"{path.label}: working"


def path_outcome(tally: Mapping) -> tuple[bool, str | None]:
    """Did a path work in this run? It works when it listed entries or a feed answered 304 Not Modified."""
    found, not_modified = int(tally.get("found", 0) or 0), int(tally.get("not_modified", 0) or 0)
    errors = [str(e) for e in tally.get("errors", []) or []]
    if found or not_modified:
        return True, None
    if errors:
        return False, "; ".join(errors)[:500]
    return False, "empty: no entries found"


def next_state(previous: PathState | None, key: str, ok: bool, error: str | None, found: int,
               now: dt.datetime) -> PathState:
    """The path's state after one run: a success resets the streak, a failure extends it."""
    state = PathState(key) if previous is None else PathState(**previous.__dict__)
    state.last_run_at = now
    state.last_found = found
    if ok:
        state.failing_runs, state.last_error, state.last_success_at = 0, None, now
    else:
        state.failing_runs += 1
        state.last_error = error
    return state

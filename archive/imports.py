"""Importing articles from JSON lines: good lines land and go through the later stages, bad ones are reported."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field

from pydantic import ValidationError

from archive.articles import upsert_article
from archive.db import Database, iso, utcnow
from archive.frontier import set_state
from nlp.normalize import script_of
from schemas.imports import ImportLine
from schemas.records import Article, FrontierState

LOGGER = logging.getLogger(__name__)


@dataclass
class ImportReport:
    imported: int = 0
    unchanged: int = 0
    rejected: list[tuple[int, str]] = field(default_factory=list)  # (line number, reason)
    article_ids: list[int] = field(default_factory=list)


def _has_nul(value) -> bool:
    """True when a NUL character occurs in any string of a parsed JSON value (keys included)."""
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_nul(v) for v in value)
    return False


def parse_line(number: int, raw: str) -> ImportLine:
    """Validate one JSON line; raises ValueError with a readable reason."""
    try:
        data = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise ValueError(f"not valid JSON ({exc.msg} at column {exc.colno})") from None
    if not isinstance(data, dict):
        raise ValueError("expected a JSON object")
    if _has_nul(data):
        # PostgreSQL text cannot hold NUL; refusing the line (rather than altering its text) keeps the import
        # the same on both stores (issue 14: found by the CLI fuzz).
        raise ValueError("contains a NUL character (\\u0000), which the archive cannot store")
    try:
        return ImportLine.model_validate(data)
    except ValidationError as exc:
        reasons = "; ".join(f"{'.'.join(map(str, e['loc'])) or 'line'}: {e['msg']}" for e in exc.errors())
        raise ValueError(reasons) from None


def _ensure_source(tx, line: ImportLine) -> None:
    if tx.one("SELECT id FROM sources WHERE id = ?", (line.source,)):
        return
    config = {"id": line.source, "name": line.source, "country": "ZZ", "languages": [line.language or "sr"],
              "group": (line.group.value if line.group else "domestic"), "enabled": False}
    tx.execute("INSERT INTO sources (id, name, country, languages, grp, config, enabled, updated_at)"
               " VALUES (?, ?, ?, ?, ?, ?, 0, ?) ON CONFLICT (id) DO NOTHING",
               (line.source, line.source, "ZZ", json.dumps(config["languages"]), config["group"], json.dumps(config),
                iso(utcnow())))


def import_lines(db: Database, lines: Iterable[str], canonicalize=None) -> ImportReport:
    """Import JSON lines as extracted articles (state ``extracted``); blank lines are skipped."""
    report = ImportReport()
    for number, raw in enumerate(lines, start=1):
        if not raw.strip():
            continue
        try:
            line = parse_line(number, raw)
        except ValueError as exc:
            report.rejected.append((number, str(exc)))
            continue
        canonical = canonicalize(line.url) if canonicalize else line.url
        article = Article(url=line.url, canonical_url=canonical, source_id=line.source, title=line.title,
                          text=line.text, published=line.published, language=line.language or "sr",
                          script=script_of(f"{line.title} {line.text}"))
        with db.transaction() as tx:
            _ensure_source(tx, line)
            now = iso(utcnow())
            existing = tx.one("SELECT id, state FROM frontier WHERE canonical_url = ?", (canonical,))
            if existing:
                frontier_id = int(existing["id"])
                previous = tx.one("SELECT title, text, published FROM articles WHERE frontier_id = ?", (frontier_id,))
                if previous and (previous["title"], previous["text"], previous["published"]) == (
                        article.title, article.text, iso(article.published)):
                    report.unchanged += 1
                    continue
            else:
                frontier_id = tx.insert_id(
                    "INSERT INTO frontier (url, canonical_url, source_id, via, state, discovered_at, updated_at)"
                    " VALUES (?, ?, ?, 'import', ?, ?, ?) RETURNING id",
                    (line.url, canonical, line.source, FrontierState.EXTRACTED.value, now, now))
            report.article_ids.append(upsert_article(tx, frontier_id, article))
            set_state(tx, frontier_id, FrontierState.EXTRACTED, None)
        report.imported += 1
    return report

"""The diaspora organisations registry in the archive: entries, import/export, links to articles, relinking.

Tables (migration 760): ``orgs`` (the registry), ``org_mentions`` (a registered organisation named in an
article, with character offsets and the sentence, like ``mentions``) and ``org_link_state`` (what each entry
looked like when articles were last linked against it: ``odjek orgs relink`` relinks only the articles that
could match entries changed since).
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from pydantic import ValidationError

from archive.db import Database, Tx, in_list, iso, parse_iso, utcnow
from archive.sources import source_countries
from schemas.orgs import (
    COLUMNS,
    REQUIRED_COLUMNS,
    Org,
    OrgImportReport,
    OrgMention,
    OrgRow,
)

LOGGER = logging.getLogger(__name__)

MAX_FILE_ROWS = 20_000
RELINK_BATCH = 200


class RegistryFileError(ValueError):
    """A registry file that cannot be read at all (format, header); one line for the user."""


# Entries ---------------------------------------------------------------------------------------------------

def _org(row: dict) -> Org:
    return Org(id=row["id"], name=row["name"], country=row["country"], city=row["city"], type=row["type"],
               names=tuple(json.loads(row["names"])), short_names=tuple(json.loads(row["short_names"])),
               city_names=tuple(json.loads(row["city_names"])), website=row["website"],
               registry_number=row["registry_number"])


def list_orgs(db: Database | Tx) -> list[Org]:
    rows = db.query("SELECT * FROM orgs ORDER BY name, id") if isinstance(db, Database) else \
        db.all("SELECT * FROM orgs ORDER BY name, id")
    return [_org(r) for r in rows]


def get_org(db: Database, org_id: str) -> Org | None:
    row = db.one("SELECT * FROM orgs WHERE id = ?", (org_id,))
    return _org(row) if row else None


def org_names(db: Database) -> dict[str, str]:
    """Entry id → display name (facets and chips show names, not ids)."""
    return {r["id"]: r["name"] for r in db.query("SELECT id, name FROM orgs")}


def _values(org: Org) -> tuple:
    return (org.name, json.dumps(list(org.names), ensure_ascii=False),
            json.dumps(list(org.short_names), ensure_ascii=False), org.country, org.city,
            json.dumps(list(org.city_names), ensure_ascii=False), org.type, org.website, org.registry_number)


def upsert_org(tx: Tx, org: Org) -> str:
    """Insert or update one entry; returns 'added', 'changed' or 'unchanged'."""
    old = tx.one("SELECT * FROM orgs WHERE id = ?", (org.id,))
    if old is not None and _org(old) == org:
        return "unchanged"
    now = iso(utcnow())
    if old is None:
        tx.execute("INSERT INTO orgs (id, name, names, short_names, country, city, city_names, type, website,"
                   " registry_number, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                   (org.id, *_values(org), now))
        return "added"
    tx.execute("UPDATE orgs SET name = ?, names = ?, short_names = ?, country = ?, city = ?, city_names = ?,"
               " type = ?, website = ?, registry_number = ?, updated_at = ? WHERE id = ?",
               (*_values(org), now, org.id))
    return "changed"


def save_org(db: Database, row: OrgRow) -> str:
    """Store one validated entry (the edit page)."""
    with db.transaction() as tx:
        return upsert_org(tx, Org.from_row(row))


def delete_org(db: Database, org_id: str) -> bool:
    """Remove an entry; its article links go at the next relink (the state still names it)."""
    with db.transaction() as tx:
        return tx.execute("DELETE FROM orgs WHERE id = ?", (org_id,)).rowcount > 0


# Registry files ---------------------------------------------------------------------------------------------

def read_rows(path: Path) -> list[tuple[int, dict[str, str]]]:
    """(line number, column → text) of every non-empty data row of a CSV (UTF-8) or XLSX file."""
    suffix = path.suffix.lower()
    if suffix == ".csv":
        try:
            text = path.read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as exc:
            raise RegistryFileError(f"cannot read {path}: {exc}") from None
        return _csv_rows(text)
    if suffix == ".xlsx":
        return _xlsx_rows(path)
    raise RegistryFileError(f"{path}: a registry file must be .csv or .xlsx")


def _check_header(header: list[str]) -> list[str]:
    names = [h.strip().lower() for h in header]
    unknown = [h for h in names if h and h not in COLUMNS]
    missing = [c for c in REQUIRED_COLUMNS if c not in names]
    if unknown or missing:
        parts = ([f"unknown column(s) {', '.join(unknown)}"] if unknown else []) + (
            [f"missing column(s) {', '.join(missing)}"] if missing else [])
        raise RegistryFileError(f"line 1: {'; '.join(parts)} (columns: {', '.join(COLUMNS)})")
    if len(set(names) - {""}) != len([n for n in names if n]):
        raise RegistryFileError("line 1: a column is named twice")
    return names


def _csv_rows(text: str) -> list[tuple[int, dict[str, str]]]:
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
    except StopIteration:
        raise RegistryFileError("the file is empty") from None
    names = _check_header(header)
    out = []
    for cells in reader:
        if reader.line_num - 1 > MAX_FILE_ROWS:
            raise RegistryFileError(f"more than {MAX_FILE_ROWS} rows")
        if not any(c.strip() for c in cells):
            continue
        out.append((reader.line_num, _row(names, cells)))
    return out


def _xlsx_rows(path: Path) -> list[tuple[int, dict[str, str]]]:
    import openpyxl

    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # noqa: BLE001 - openpyxl raises many kinds for a broken file: "not readable"
        raise RegistryFileError(f"cannot read {path} as XLSX: {type(exc).__name__}: {exc}") from None
    try:
        rows = book.worksheets[0].iter_rows(values_only=True)
        header = next(rows, None)
        if header is None:
            raise RegistryFileError("the file is empty")
        names = _check_header([str(h or "") for h in header])
        out = []
        for number, cells in enumerate(rows, start=2):
            if number > MAX_FILE_ROWS + 1:
                raise RegistryFileError(f"more than {MAX_FILE_ROWS} rows")
            texts = ["" if c is None else str(int(c) if isinstance(c, float) and c.is_integer() else c)
                     for c in cells]
            if any(t.strip() for t in texts):
                out.append((number, _row(names, texts)))
        return out
    finally:
        book.close()


def _row(names: list[str], cells: Sequence[str]) -> dict[str, str]:
    row = {name: (cells[i] if i < len(cells) else "") for i, name in enumerate(names) if name}
    if len(cells) > len(names) and any(str(c).strip() for c in cells[len(names):]):
        row["__extra__"] = "cells beyond the last column"
    return row


def validate_rows(rows: Iterable[tuple[int, dict[str, str]]]) -> tuple[list[Org], list[tuple[int, str]]]:
    """Validated entries, and (line, reason) for every bad row (also an id given twice)."""
    orgs, errors, seen = [], [], {}
    for number, row in rows:
        if "__extra__" in row:
            errors.append((number, row["__extra__"]))
            continue
        data = {k: v for k, v in row.items() if v is not None}
        for optional in ("names", "short_names", "city_names", "website", "registry_number"):
            if not str(data.get(optional) or "").strip():
                data.pop(optional, None)
        try:
            parsed = OrgRow.model_validate(data)
        except ValidationError as exc:
            errors.append((number, "; ".join(_reason(e) for e in exc.errors())))
            continue
        if parsed.id in seen:
            errors.append((number, f"id {parsed.id!r} is already on line {seen[parsed.id]}"))
            continue
        seen[parsed.id] = number
        orgs.append(Org.from_row(parsed))
    return orgs, errors


def _reason(error: dict) -> str:
    where = ".".join(str(p) for p in error.get("loc", ()) if not isinstance(p, int)) or "row"
    return f"{where}: {error.get('msg', 'invalid')}"


def import_orgs(db: Database, rows: Iterable[tuple[int, dict[str, str]]], *, replace: bool = False
                ) -> OrgImportReport:
    """Validate every row, then write all of them in one transaction, or nothing when any row is bad.

    ``replace`` also removes entries the file does not list (the file is the whole registry).
    """
    orgs, errors = validate_rows(rows)
    report = OrgImportReport(errors=errors)
    if errors:
        return report
    with db.transaction() as tx:
        for org in orgs:
            outcome = upsert_org(tx, org)
            if outcome == "added":
                report.added.append(org.id)
            elif outcome == "changed":
                report.changed.append(org.id)
            else:
                report.unchanged += 1
        if replace:
            listed = {o.id for o in orgs}
            for row in tx.all("SELECT id FROM orgs"):
                if row["id"] not in listed:
                    tx.execute("DELETE FROM orgs WHERE id = ?", (row["id"],))
                    report.removed.append(row["id"])
    return report


def export_csv(orgs: Sequence[Org]) -> str:
    """The registry as CSV text (the import format)."""
    out = io.StringIO(newline="")
    writer = csv.DictWriter(out, fieldnames=list(COLUMNS), lineterminator="\n")
    writer.writeheader()
    for org in orgs:
        writer.writerow({k: _safe_cell(v) for k, v in org.to_row().items()})
    return out.getvalue()


def export_xlsx(orgs: Sequence[Org], path: Path) -> None:
    """The registry as an XLSX file (the import format)."""
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "orgs"
    sheet.append(list(COLUMNS))
    for org in orgs:
        row = org.to_row()
        sheet.append([_safe_cell(row[c]) for c in COLUMNS])
    book.save(path)


def _safe_cell(value: str) -> str:
    """A cell a spreadsheet would run as a formula gets a leading apostrophe (names never start so)."""
    return "'" + value if value[:1] in ("=", "+", "-", "@") else value


# Links -----------------------------------------------------------------------------------------------------

def write_org_mentions(tx: Tx, article_id: int, mentions: Sequence[OrgMention]) -> None:
    """Replace one article's organisation links."""
    tx.execute("DELETE FROM org_mentions WHERE article_id = ?", (article_id,))
    tx.executemany("INSERT INTO org_mentions (article_id, org_id, start_offset, end_offset, text, sentence)"
                   " VALUES (?, ?, ?, ?, ?, ?)",
                   [(article_id, m.org_id, m.start, m.end, m.text, m.sentence) for m in mentions])


def org_mentions_for(db: Database, article_ids: Sequence[int]) -> dict[int, list[OrgMention]]:
    if not article_ids:
        return {}
    marks = in_list(article_ids)
    rows = db.query(f"SELECT article_id, org_id, start_offset, end_offset, text, sentence FROM org_mentions"
                    f" WHERE article_id IN ({marks}) ORDER BY article_id, start_offset", list(article_ids))
    out: dict[int, list[OrgMention]] = {}
    for r in rows:
        out.setdefault(int(r["article_id"]), []).append(
            OrgMention(r["org_id"], int(r["start_offset"]), int(r["end_offset"]), r["text"], r["sentence"]))
    return out


Linker = Callable[[Sequence[tuple[int, str, str | None, str | None]]], dict[int, list[OrgMention]]]


def link_and_store(db: Database, items: Sequence[tuple[int, str, str | None, str | None]],
                   linker: Linker | None = None) -> int:
    """Link (article id, text, language, outlet country) items against the current registry and store the
    links (replacing the articles' old ones) in one transaction; returns the number of links."""
    if not items:
        return 0
    if linker is None:
        from nlp.orgs import registry_linker  # lazily: spaCy loads only where linking happens

        linker = registry_linker(list_orgs(db))
    found = linker(items)
    with db.transaction() as tx:
        for article_id, *_ in items:
            write_org_mentions(tx, article_id, found.get(article_id, []))
    return sum(len(v) for v in found.values())


# Relinking ---------------------------------------------------------------------------------------------------

def fingerprint(org: Org) -> str:
    """What linking depends on: names, short forms, country and cities."""
    data = [sorted(org.full_names), sorted(org.short_names), org.country, sorted(org.cities)]
    return hashlib.sha256(json.dumps(data, ensure_ascii=False).encode()).hexdigest()[:32]


@dataclass(frozen=True, slots=True)
class RegistryChange:
    """Entries whose linking inputs changed since the last relink, with the names they had and have."""

    changed: tuple[str, ...]
    names: tuple[str, ...]  # old and new names and short forms of the changed entries

    def __bool__(self) -> bool:
        return bool(self.changed)


def registry_changes(db: Database) -> RegistryChange:
    """Added, changed and removed entries since the link state was recorded."""
    current = {o.id: o for o in list_orgs(db)}
    state = {r["org_id"]: r for r in db.query("SELECT org_id, fingerprint, names FROM org_link_state")}
    changed, names = [], []
    for org_id in sorted(set(current) | set(state)):
        org, old = current.get(org_id), state.get(org_id)
        if org is not None and old is not None and old["fingerprint"] == fingerprint(org):
            continue
        changed.append(org_id)
        if org is not None:
            names += [*org.full_names, *org.short_names]
        if old is not None:
            names += json.loads(old["names"])
    return RegistryChange(tuple(changed), tuple(dict.fromkeys(names)))


def record_link_state(tx: Tx, orgs: Sequence[Org]) -> None:
    """The registry as linked: the next relink compares against it."""
    tx.execute("DELETE FROM org_link_state")
    tx.executemany("INSERT INTO org_link_state (org_id, fingerprint, names, linked_at) VALUES (?, ?, ?, ?)",
                   [(o.id, fingerprint(o), json.dumps([*o.full_names, *o.short_names], ensure_ascii=False),
                     iso(utcnow())) for o in orgs])


def candidate_articles(db: Database, change: RegistryChange) -> list[int]:
    """Articles that could match a changed entry: those linked to it now, and those whose text has every
    word of one of its old or new names (found through the search index, so script- and case-blind)."""
    from archive.search import SearchFilters, plan_search
    from search.query import parse_query

    ids: set[int] = set()
    if not change:
        return []
    if change.changed:
        ids.update(int(r["article_id"]) for r in db.query(
            f"SELECT DISTINCT article_id FROM org_mentions WHERE org_id IN ({in_list(change.changed)})",
            list(change.changed)))
    for name in change.names:
        words = _query_words(name)
        if not words:
            continue
        parsed = parse_query(" ".join(words), expand=False)
        if parsed.error or parsed.ast is None:
            continue
        plan = plan_search(db, parsed, SearchFilters())
        rows = db.query(f"SELECT a.id FROM {plan.from_sql} WHERE {' AND '.join(plan.where)}", plan.where_params)
        ids.update(int(r["id"]) for r in rows)
    return sorted(ids)


def _query_words(name: str) -> list[str]:
    """A name's words as plain query words (quotes, operators and punctuation dropped)."""
    import re

    words = re.findall(r"\w+", name)
    return [w for w in words if w.upper() not in ("OR", "AND", "NOT", "NE", "ILI", "НЕ", "ИЛИ")][:12]


def relink(db: Database, *, full: bool = False, batch: int = RELINK_BATCH,
           progress: Callable[[int, int], None] | None = None) -> dict:
    """Relink the articles that could match entries changed since the last relink (all with ``full``)."""
    from nlp.orgs import registry_linker

    orgs = list_orgs(db)
    change = registry_changes(db)
    if full:
        ids = [int(r["id"]) for r in db.query("SELECT id FROM articles WHERE is_article = 1 ORDER BY id")]
    else:
        ids = candidate_articles(db, change)
    linker = registry_linker(orgs)
    countries = source_countries(db)
    links = 0
    for start in range(0, len(ids), batch):
        chunk = ids[start:start + batch]
        marks = in_list(chunk)
        rows = db.query(f"SELECT id, title, text, language, source_id FROM articles WHERE id IN ({marks})", chunk)
        items = [(int(r["id"]), article_document(r["title"], r["text"]), r["language"], countries.get(r["source_id"]))
                 for r in rows]
        links += link_and_store(db, items, linker)
        if progress:
            progress(min(start + batch, len(ids)), len(ids))
    with db.transaction() as tx:
        record_link_state(tx, orgs)
    LOGGER.info("relinked %d article(s) for %d changed entr(ies): %d link(s)", len(ids), len(change.changed), links)
    return {"changed": list(change.changed), "articles": len(ids), "links": links, "full": full}


def article_document(title: str | None, text: str | None) -> str:
    """The tagged text of an article (title, blank line, body): mention offsets point into it."""
    from schemas.records import document_text

    return document_text(title, text)


# Reading for the organisation page, the search UI and digests ------------------------------------------------

def coverage(db: Database, org_id: str, since: dt.datetime, timezone: str) -> list[tuple[dt.date, int]]:
    """Articles naming the entry per local day since ``since`` (days without articles are left out)."""
    from zoneinfo import ZoneInfo

    zone = ZoneInfo(timezone)
    rows = db.query("SELECT DISTINCT a.id, a.published FROM org_mentions m JOIN articles a ON a.id = m.article_id"
                    " WHERE m.org_id = ? AND a.is_article = 1 AND a.published >= ?", (org_id, iso(since)))
    days: dict[dt.date, int] = {}
    for r in rows:
        published = parse_iso(r["published"])
        if published is not None:
            day = published.astimezone(zone).date()
            days[day] = days.get(day, 0) + 1
    return sorted(days.items())


def latest_articles(db: Database, org_id: str, limit: int = 20) -> list[dict]:
    """The newest articles naming the entry: id, title, url, outlet, published, and the sentences."""
    rows = db.query("SELECT a.id, a.title, a.url, a.source_id, a.published FROM articles a"
                    " WHERE a.is_article = 1 AND a.id IN (SELECT article_id FROM org_mentions WHERE org_id = ?)"
                    " ORDER BY a.published DESC, a.id DESC LIMIT ?", (org_id, limit))
    ids = [int(r["id"]) for r in rows]
    mentions = org_mentions_for(db, ids)
    out = []
    for r in rows:
        sentences = list(dict.fromkeys(m.sentence for m in mentions.get(int(r["id"]), []) if m.org_id == org_id))
        out.append({"id": int(r["id"]), "title": r["title"], "url": r["url"], "source_id": r["source_id"],
                    "published": parse_iso(r["published"]), "sentences": sentences})
    return out


def outlets_of(db: Database, org_id: str) -> list[tuple[str, int]]:
    """Outlets that named the entry, with article counts, most first."""
    rows = db.query("SELECT a.source_id, COUNT(DISTINCT a.id) AS n FROM org_mentions m JOIN articles a"
                    " ON a.id = m.article_id WHERE m.org_id = ? AND a.is_article = 1 GROUP BY a.source_id", (org_id,))
    return sorted(((r["source_id"], int(r["n"])) for r in rows), key=lambda sn: (-sn[1], sn[0]))


def article_counts(db: Database) -> dict[str, int]:
    """Entry id → articles naming it (the registry list)."""
    return {r["org_id"]: int(r["n"]) for r in db.query(
        "SELECT org_id, COUNT(DISTINCT article_id) AS n FROM org_mentions GROUP BY org_id")}


def orgs_in_articles(db: Database, article_ids: Sequence[int]) -> dict[int, list[str]]:
    """Article id → registered organisations it names (first mention first)."""
    if not article_ids:
        return {}
    out: dict[int, list[str]] = {}
    for start in range(0, len(article_ids), 500):
        chunk = list(article_ids[start:start + 500])
        marks = in_list(chunk)
        for r in db.query(f"SELECT article_id, org_id FROM org_mentions WHERE article_id IN ({marks})"
                          f" ORDER BY article_id, start_offset", chunk):
            ids = out.setdefault(int(r["article_id"]), [])
            if r["org_id"] not in ids:
                ids.append(r["org_id"])
    return out

"""Raw pages, articles, labels and mentions: how stage results are written and read back."""

from __future__ import annotations

import gzip
import hashlib
import json
import logging
from collections.abc import Sequence

from archive.db import Database, Tx, in_list, iso, parse_iso, utcnow
from archive.frontier import set_state
from nlp.normalize import normalize_text
from schemas.records import Article, FrontierEntry, FrontierState, Label, Mention, RawPage, TagResult

LOGGER = logging.getLogger(__name__)


def content_hash(data: bytes | str) -> str:
    """SHA-256 of the body (raw bytes) or of whitespace-normalised text, to spot identical copies."""
    if isinstance(data, str):
        data = " ".join(data.split()).encode("utf-8")
    return hashlib.sha256(data).hexdigest()


# Raw pages ------------------------------------------------------------------------------------

def record_fetched(db: Database, entry: FrontierEntry, page: RawPage, owner: str | None) -> bool:
    """Store a fetched page (gzip-compressed) and move its entry to ``fetched``, in one transaction."""
    digest = page.content_hash or content_hash(page.body)
    with db.transaction() as tx:
        tx.execute(
            "INSERT INTO raw_pages (frontier_id, final_url, status, headers, body, body_bytes, fetched_at, content_hash)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (frontier_id) DO UPDATE SET final_url = excluded.final_url,"
            " status = excluded.status, headers = excluded.headers, body = excluded.body,"
            " body_bytes = excluded.body_bytes, fetched_at = excluded.fetched_at, content_hash = excluded.content_hash",
            (entry.id, page.final_url, page.status, json.dumps(page.headers, ensure_ascii=False),
             gzip.compress(page.body, compresslevel=6), len(page.body), iso(page.fetched_at), digest))
        return set_state(tx, entry.id, FrontierState.FETCHED, owner, content_hash=digest)


def get_raw_page(db: Database, frontier_id: int) -> RawPage | None:
    row = db.one("SELECT * FROM raw_pages WHERE frontier_id = ?", (frontier_id,))
    if row is None or row["body"] is None:
        return None
    return RawPage(frontier_id=frontier_id, final_url=row["final_url"], status=row["status"],
                   headers=json.loads(row["headers"]), body=gzip.decompress(bytes(row["body"])),
                   fetched_at=parse_iso(row["fetched_at"]), content_hash=row["content_hash"])


# Articles -------------------------------------------------------------------------------------

def _search_fields(article: Article) -> tuple[str, str]:
    return normalize_text(article.title or ""), normalize_text(article.text or "")


def upsert_article(tx: Tx, frontier_id: int, article: Article) -> int:
    """Insert or replace the article of a frontier entry (re-extraction replaces, never duplicates)."""
    search_title, search_body = _search_fields(article)
    digest = article.content_hash or content_hash(article.text or "")
    row = tx.one(
        "INSERT INTO articles (frontier_id, url, canonical_url, source_id, title, author, published, description,"
        " site_name, text, language, script, is_article, not_article_reason, content_hash, search_title, search_body,"
        " extracted_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
        " ON CONFLICT (frontier_id) DO UPDATE SET url = excluded.url, canonical_url = excluded.canonical_url,"
        " source_id = excluded.source_id, title = excluded.title, author = excluded.author,"
        " published = excluded.published, description = excluded.description, site_name = excluded.site_name,"
        " text = excluded.text, language = excluded.language, script = excluded.script,"
        " is_article = excluded.is_article, not_article_reason = excluded.not_article_reason,"
        " content_hash = excluded.content_hash, search_title = excluded.search_title,"
        " search_body = excluded.search_body, extracted_at = excluded.extracted_at RETURNING id",
        (frontier_id, article.url, article.canonical_url or article.url, article.source_id, article.title,
         article.author, iso(article.published), article.description, article.site_name, article.text or "",
         article.language, article.script, int(article.is_article), article.not_article_reason, digest,
         search_title, search_body, iso(utcnow())))
    return int(row["id"])


def record_extracted(db: Database, entry: FrontierEntry, article: Article, owner: str | None) -> int | None:
    """Store an extraction result and move the entry to ``extracted`` (or ``not_article``) atomically."""
    with db.transaction() as tx:
        article_id = upsert_article(tx, entry.id, article)
        state = FrontierState.EXTRACTED if article.is_article else FrontierState.NOT_ARTICLE
        if not set_state(tx, entry.id, state, owner, error=article.not_article_reason):
            raise LeaseLost(entry.id)
    return article_id


class LeaseLost(RuntimeError):
    """Another worker took over this entry; the transaction was rolled back."""


def record_tags(db: Database, items: Sequence[tuple[int, int, TagResult]], owner: str | None) -> None:
    """Replace labels and mentions of articles and mark their entries ``tagged``, in one transaction.

    ``items`` are (frontier_id, article_id, result). Re-tagging after a lexicon change replaces, never adds.
    """
    now = iso(utcnow())
    with db.transaction() as tx:
        for frontier_id, article_id, result in items:
            write_tags(tx, article_id, result, now)
            set_state(tx, frontier_id, FrontierState.TAGGED, owner)


def write_tags(tx: Tx, article_id: int, result: TagResult, now: str | None = None) -> None:
    """Replace one article's labels and mentions."""
    tx.execute("DELETE FROM labels WHERE article_id = ?", (article_id,))
    tx.execute("DELETE FROM mentions WHERE article_id = ?", (article_id,))
    tx.executemany("INSERT INTO labels (article_id, label, kind, score) VALUES (?, ?, ?, ?)",
                   [(article_id, lab.label, lab.kind, float(lab.score)) for lab in result.labels])
    tx.executemany(
        "INSERT INTO mentions (article_id, label, start_offset, end_offset, text, sentence, person, former)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        [(article_id, m.label, m.start, m.end, m.text, m.sentence, m.person, int(m.former))
         for m in result.mentions])
    ids = result.label_ids
    tx.execute("UPDATE articles SET tagged_at = ?, office = ?, director = ? WHERE id = ?",
               (now or iso(utcnow()), int("office" in ids), int("director" in ids), article_id))


def _article(row: dict) -> Article:
    return Article(
        id=int(row["id"]), frontier_id=int(row["frontier_id"]), url=row["url"], canonical_url=row["canonical_url"],
        source_id=row["source_id"], title=row["title"], author=row["author"], published=parse_iso(row["published"]),
        description=row["description"], site_name=row["site_name"], text=row["text"], language=row["language"],
        script=row["script"], is_article=bool(row["is_article"]), not_article_reason=row["not_article_reason"],
        content_hash=row["content_hash"], cluster_id=row["cluster_id"],
    )


ARTICLE_COLUMNS = ("id, frontier_id, url, canonical_url, source_id, title, author, published, description, site_name,"
                   " text, language, script, is_article, not_article_reason, content_hash, cluster_id")


def get_article(db: Database, article_id: int) -> Article | None:
    row = db.one(f"SELECT {ARTICLE_COLUMNS} FROM articles WHERE id = ?", (article_id,))
    return _article(row) if row else None


def get_articles(db: Database, ids: Sequence[int]) -> list[Article]:
    if not ids:
        return []
    marks = in_list(ids)
    rows = db.query(f"SELECT {ARTICLE_COLUMNS} FROM articles WHERE id IN ({marks}) ORDER BY id", list(ids))
    return [_article(r) for r in rows]


def articles_for_entries(db: Database, frontier_ids: Sequence[int]) -> dict[int, Article]:
    if not frontier_ids:
        return {}
    marks = in_list(frontier_ids)
    rows = db.query(f"SELECT {ARTICLE_COLUMNS} FROM articles WHERE frontier_id IN ({marks})", list(frontier_ids))
    return {int(r["frontier_id"]): _article(r) for r in rows}


def labels_for(db: Database, article_ids: Sequence[int]) -> dict[int, list[Label]]:
    if not article_ids:
        return {}
    marks = in_list(article_ids)
    rows = db.query(f"SELECT article_id, label, kind, score FROM labels WHERE article_id IN ({marks})"
                    " ORDER BY article_id, score DESC, label", list(article_ids))
    out: dict[int, list[Label]] = {}
    for r in rows:
        out.setdefault(int(r["article_id"]), []).append(Label(r["label"], r["kind"], float(r["score"])))
    return out


def mentions_for(db: Database, article_ids: Sequence[int]) -> dict[int, list[Mention]]:
    if not article_ids:
        return {}
    marks = in_list(article_ids)
    rows = db.query(f"SELECT article_id, label, start_offset, end_offset, text, sentence, person, former"
                    f" FROM mentions WHERE article_id IN ({marks}) ORDER BY article_id, start_offset", list(article_ids))
    out: dict[int, list[Mention]] = {}
    for r in rows:
        out.setdefault(int(r["article_id"]), []).append(
            Mention(r["label"], r["start_offset"], r["end_offset"], r["text"], r["sentence"],
                    person=r["person"], former=bool(r["former"])))
    return out


def office_flags(db: Database) -> list[dict]:
    """Every article's url, script and whether it mentions the Directorate (``office``), for the demo's check."""
    return db.query("SELECT url, script, office FROM articles WHERE is_article = 1")


def duplicate_of(db: Database, digest: str, frontier_id: int) -> int | None:
    """Another entry whose body has this hash (identical copy under another URL), if any."""
    row = db.one("SELECT id FROM frontier WHERE content_hash = ? AND id <> ? ORDER BY id LIMIT 1", (digest, frontier_id))
    return int(row["id"]) if row else None

"""``odjek extract``: run the extraction stage on saved pages and print what it finds, one JSON object per file."""

from __future__ import annotations

import json
from pathlib import Path

import click


def article_summary(file: Path, article) -> dict:
    """The fields a person checks on an extracted page, JSON-ready."""
    return {
        "file": str(file),
        "url": article.url or None,
        "title": article.title,
        "author": article.author,
        "published": article.published.isoformat() if article.published else None,
        "language": article.language,
        "script": article.script,
        "text": article.text,
        "not_article": None if article.is_article else article.not_article_reason,
    }


def _source(source_id: str | None):
    """The configured outlet with that id (its languages, country and override apply), or None."""
    if not source_id:
        return None
    from odjek.context import settings_from_env
    from odjek.errors import InputError
    from schemas.config import ConfigError, load_sources

    settings = settings_from_env()
    path = Path(settings.crawl.sources_file)
    if not path.is_absolute():
        from odjek.settings import PROJECT_ROOT

        path = PROJECT_ROOT / path
    try:
        sources = {s.id: s for s in load_sources(path)}
    except ConfigError as exc:
        raise InputError(f"cannot load sources: {exc.problems[0] if exc.problems else exc}") from None
    if source_id not in sources:
        raise InputError(f"unknown source {source_id!r} in {path}")
    return sources[source_id]


@click.command("extract")
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--url", default="", help="URL the page(s) came from (for dates in URLs, canonical links, index rules).")
@click.option("--source", "source_id", default=None,
              help="Outlet id from the sources file: its languages, country and selector override apply.")
@click.option("--jsonl", is_flag=True, help="One compact JSON line per file instead of pretty JSON.")
def command(files: tuple[Path, ...], url: str, source_id: str | None, jsonl: bool) -> None:
    """Extract saved HTML pages (FILE.html …) and print title, author, date, language, script, text.

    The bytes are read as stored, so the encoding is guessed the way the pipeline guesses it.
    """
    from extract.article import extract_article
    from odjek.errors import InputError

    missing = [str(f) for f in files if not f.is_file()]
    if missing:
        raise InputError(f"no such file: {', '.join(missing)}")
    source = _source(source_id)
    for file in files:
        try:
            body = file.read_bytes()
        except OSError as exc:
            raise InputError(f"cannot read {file}: {exc}") from None
        summary = article_summary(file, extract_article(body, url, source=source))
        if jsonl:
            click.echo(json.dumps(summary, ensure_ascii=False, separators=(",", ":")))
        else:
            click.echo(json.dumps(summary, ensure_ascii=False, indent=2))

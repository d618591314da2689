"""The archive: one data-access layer (SQLite or PostgreSQL) for the frontier, pages, articles and the rest."""

from __future__ import annotations

from archive.db import Database


def open_archive(url: str, *, migrate: bool = True) -> Database:
    """Open the store at ``url`` (creating a PostgreSQL database if missing) and bring its schema up to date."""
    from archive import migrations

    if url.startswith(("postgresql:", "postgres:")):
        from archive.db import ensure_postgres_database

        ensure_postgres_database(url)
    db = Database(url)
    if migrate:
        migrations.migrate(db)
    return db


__all__ = ["Database", "open_archive"]

"""The archive: one data-access layer (SQLite or PostgreSQL) for the frontier, pages, articles and the rest."""

from __future__ import annotations

from archive.db import ArchiveUnavailable, BadDatabaseUrl, Database


def open_archive(url: str, *, migrate: bool = True, create: bool = True, pool_size: int | None = None) -> Database:
    """Open the store at ``url`` and bring its schema up to date.

    ``create`` makes a missing store (a PostgreSQL database, a SQLite file); without it a missing store is
    an :class:`ArchiveUnavailable` error, so a mistyped name is reported rather than created empty.
    ``pool_size`` lends connections from a bounded pool (the web UI) instead of one per thread.
    """
    from archive import migrations

    db = Database(url, create=create, pool_size=pool_size)
    if create and db.dialect == "postgresql":
        from archive.db import ensure_postgres_database

        ensure_postgres_database(url)
    if migrate:
        migrations.migrate(db)
    return db


__all__ = ["ArchiveUnavailable", "BadDatabaseUrl", "Database", "open_archive"]

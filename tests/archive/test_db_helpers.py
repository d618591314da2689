"""The one IN-list helper: placeholders only, values travel as parameters, on both stores."""

import pytest

from archive.db import in_list


def test_in_list_gives_one_placeholder_per_value():
    assert in_list([7]) == "?"
    assert in_list(["a", "b", "c"]) == "?, ?, ?"


def test_in_list_refuses_an_empty_list_that_would_be_a_syntax_error():
    with pytest.raises(ValueError, match="at least one value"):
        in_list([])


def test_in_list_selects_the_given_rows_with_quotes_in_values(archive):
    with archive.transaction() as tx:
        for source_id in ("a", "b'; DROP TABLE sources; --", "c"):
            tx.execute("INSERT INTO sources (id, name, country, languages, grp, config, updated_at)"
                       " VALUES (?, ?, ?, ?, ?, ?, ?)", (source_id, source_id, "RS", "sr", "national", "{}", "2026"))
    wanted = ["b'; DROP TABLE sources; --", "c"]
    rows = archive.query(f"SELECT id FROM sources WHERE id IN ({in_list(wanted)}) ORDER BY id", wanted)
    assert [r["id"] for r in rows] == wanted
    assert archive.scalar("SELECT COUNT(*) FROM sources") == 3


def test_a_postgres_database_is_dropped_with_open_sessions_and_odd_names_are_refused(postgres_admin_url):
    import psycopg

    from archive.db import BadDatabaseUrl, Database, drop_postgres_database, ensure_postgres_database

    url = postgres_admin_url.rsplit("/", 1)[0] + "/odjek_test_drop_me"
    ensure_postgres_database(url)
    held = Database(url)
    held.query("SELECT 1")  # an open session: the demo drops its store while a server may still hold one
    try:
        drop_postgres_database(url)
    finally:
        held.close()
    with psycopg.connect(postgres_admin_url) as conn:
        assert conn.execute("SELECT 1 FROM pg_database WHERE datname = 'odjek_test_drop_me'").fetchone() is None
    drop_postgres_database(url)  # dropping what is not there is not an error
    with pytest.raises(BadDatabaseUrl, match="letters, digits and underscores"):
        drop_postgres_database(postgres_admin_url.rsplit("/", 1)[0] + '/x"; DROP DATABASE postgres; --')

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

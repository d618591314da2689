"""The frontier on both stores: unique canonical URLs, leases, atomic completion, retries."""

import datetime as dt

from archive import frontier
from archive.articles import get_raw_page, record_extracted, record_fetched
from schemas.records import Article, DiscoveredUrl, FrontierState, RawPage


def _urls(n, source="s"):
    return [DiscoveredUrl(f"http://127.0.0.1/a/{i}", source, "feed", title=f"T{i}") for i in range(n)]


def test_adding_the_same_url_twice_keeps_one_entry(archive):
    assert frontier.add_urls(archive, _urls(5)) == 5
    assert frontier.add_urls(archive, _urls(7)) == 2
    assert frontier.counts_by_state(archive) == {"new": 7}


def test_canonicalisation_merges_spellings(archive):
    def canon(url):
        return url.split("?")[0]

    items = [DiscoveredUrl("http://127.0.0.1/x?utm_source=rss", "s", "feed"),
             DiscoveredUrl("http://127.0.0.1/x", "s", "sitemap")]
    assert frontier.add_urls(archive, items, canonicalize=canon) == 1


def test_a_claimed_entry_is_not_claimed_again_until_released(archive):
    frontier.add_urls(archive, _urls(10))
    first = frontier.claim(archive, FrontierState.NEW, 6, "w1")
    second = frontier.claim(archive, FrontierState.NEW, 6, "w2")
    assert len(first) == 6 and len(second) == 4
    assert not {e.id for e in first} & {e.id for e in second}
    assert frontier.claim(archive, FrontierState.NEW, 6, "w3") == []


def test_fetch_then_extract_moves_states_and_keeps_the_raw_page(archive):
    frontier.add_urls(archive, _urls(1))
    (entry,) = frontier.claim(archive, FrontierState.NEW, 1, "w")
    body = "<html><body><p>Управа за сарадњу с дијаспором</p></body></html>".encode()
    page = RawPage(entry.id, entry.url, 200, {"content-type": "text/html"}, body, dt.datetime.now(dt.UTC))
    assert record_fetched(archive, entry, page, "w")
    assert get_raw_page(archive, entry.id).body == body
    (entry,) = frontier.claim(archive, FrontierState.FETCHED, 1, "w")
    article = Article(url=entry.url, source_id="s", title="Управа", text="Управа за сарадњу с дијаспором")
    article_id = record_extracted(archive, entry, article, "w")
    assert frontier.counts_by_state(archive) == {"extracted": 1}
    # Re-extraction replaces the article instead of adding one.
    frontier.reset_to(archive, [entry.id], FrontierState.FETCHED)
    (entry,) = frontier.claim(archive, FrontierState.FETCHED, 1, "w")
    assert record_extracted(archive, entry, article, "w") == article_id
    assert archive.scalar("SELECT COUNT(*) FROM articles") == 1


def test_retryable_failures_back_off_then_fail_for_good(archive):
    frontier.add_urls(archive, _urls(1))
    (entry,) = frontier.claim(archive, FrontierState.NEW, 1, "w")
    assert frontier.record_failure(archive, entry, "HTTP 503", "w", retryable=True, max_attempts=2) == FrontierState.NEW
    # Backed off: not due yet.
    assert frontier.claim(archive, FrontierState.NEW, 1, "w") == []
    entry = frontier.get_entry(archive, entry.id)
    assert entry.attempts == 1 and entry.last_error == "HTTP 503"
    assert frontier.record_failure(archive, entry, "HTTP 503", "w", retryable=True, max_attempts=2) == FrontierState.FAILED
    entry = frontier.get_entry(archive, entry.id)
    assert entry.state == FrontierState.FAILED and entry.attempts == 2


def test_claims_of_dead_local_workers_are_released(archive):
    frontier.add_urls(archive, _urls(3))
    import socket

    dead_owner = f"{socket.gethostname()}:999999999"
    assert len(frontier.claim(archive, FrontierState.NEW, 3, dead_owner)) == 3
    assert frontier.claim(archive, FrontierState.NEW, 3, "alive") == []
    assert frontier.release_stale_claims(archive) == 3
    assert len(frontier.claim(archive, FrontierState.NEW, 3, "alive")) == 3


def test_migrations_are_idempotent(archive_url):
    from archive import open_archive
    from archive.migrations import MIGRATIONS, migrate, schema_version

    db = open_archive(archive_url)
    assert migrate(db) == []
    assert schema_version(db) == max(m.version for m in MIGRATIONS)
    db.close()


def test_migrations_apply_from_scratch_on_a_new_postgresql_database(fresh_postgres_url):
    from archive import open_archive
    from archive.migrations import MIGRATIONS, schema_version

    db = open_archive(fresh_postgres_url)  # creates the database, then applies every migration
    assert schema_version(db) == max(m.version for m in MIGRATIONS)
    assert db.scalar("SELECT COUNT(*) FROM articles") == 0
    db.close()


def test_overlong_urls_are_recorded_failed_instead_of_queued(archive):
    long_url = "http://127.0.0.1/" + "a" * 2100
    assert frontier.add_urls(archive, [DiscoveredUrl(long_url, "s", "sitemap")]) == 1
    assert frontier.claim(archive, FrontierState.NEW, 10, "w") == []
    row = archive.one("SELECT state, last_error FROM frontier")
    assert row["state"] == "failed" and row["last_error"].startswith("url too long")


def test_a_declared_canonical_url_rekeys_or_marks_a_duplicate(archive):
    frontier.add_urls(archive, _urls(2))
    first, second = frontier.claim(archive, FrontierState.NEW, 2, "w")
    assert frontier.adopt_canonical(archive, first, "http://127.0.0.1/canonical", "w") is None
    assert frontier.find_by_canonical(archive, "http://127.0.0.1/canonical").id == first.id
    assert frontier.adopt_canonical(archive, second, "http://127.0.0.1/canonical", "w") == first.id
    second = frontier.get_entry(archive, second.id)
    assert second.state == FrontierState.NOT_ARTICLE and second.last_error.startswith(f"duplicate of {first.id}")


def test_due_work_is_one_definition_for_counting_and_claiming(archive):
    others = [DiscoveredUrl(f"http://127.0.0.1/b/{i}", "b", "feed") for i in range(2)]
    frontier.add_urls(archive, _urls(3, "a") + others)
    assert frontier.due_counts(archive, FrontierState.NEW) == {"a": 3, "b": 2}
    assert frontier.due_counts(archive, FrontierState.NEW, ["b"]) == {"b": 2}
    (held,) = frontier.claim(archive, FrontierState.NEW, 1, "w", source_ids=["a"])
    (waiting,) = frontier.claim(archive, FrontierState.NEW, 1, "w", source_ids=["b"])
    frontier.record_failure(archive, waiting, "HTTP 503", "w", retryable=True, max_attempts=3)
    # Leased and backed-off entries are not due, for the count as for the claim.
    assert frontier.due_counts(archive, FrontierState.NEW) == {"a": 2, "b": 1}
    assert len(frontier.claim(archive, FrontierState.NEW, 10, "w2")) == 3
    assert frontier.due_counts(archive, FrontierState.NEW) == {}
    assert held.source_id == "a"


def test_releasing_an_owners_claims_names_each_freed_entry(archive):
    frontier.add_urls(archive, _urls(4))
    mine = frontier.claim(archive, FrontierState.NEW, 3, "me")
    frontier.claim(archive, FrontierState.NEW, 1, "other")
    freed = frontier.release_owner_claims(archive, "me", FrontierState.NEW)
    assert sorted(freed) == sorted((e.id, "s") for e in mine)
    assert frontier.due_counts(archive, FrontierState.NEW) == {"s": 3}
    assert frontier.release_owner_claims(archive, "me", FrontierState.NEW) == []


def test_entries_with_a_raw_page_are_selected_and_their_backoff_cleared(archive):
    frontier.add_urls(archive, _urls(3) + [DiscoveredUrl("http://127.0.0.1/o/1", "o", "feed")])
    entries = frontier.claim(archive, FrontierState.NEW, 4, "w")
    fetched = dt.datetime(2026, 3, 16, 8, 30, tzinfo=dt.UTC)
    for entry in entries[:2] + entries[3:]:
        record_fetched(archive, entry, RawPage(entry.id, entry.url, 200, {}, b"<html></html>", fetched), "w")
    frontier.record_failure(archive, entries[2], "HTTP 503", "w", retryable=True, max_attempts=3)
    states = ("fetched", "failed")
    assert frontier.with_raw_page(archive, states) == [entries[0].id, entries[1].id, entries[3].id]
    assert frontier.with_raw_page(archive, states, source_id="o") == [entries[3].id]
    assert frontier.with_raw_page(archive, states, fetched_since=fetched + dt.timedelta(days=1)) == []
    frontier.clear_backoff(archive, [entries[2].id])
    row = archive.one("SELECT attempts, next_attempt_at FROM frontier WHERE id = ?", (entries[2].id,))
    assert row == {"attempts": 0, "next_attempt_at": None}

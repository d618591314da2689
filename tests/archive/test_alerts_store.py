"""Alert hits in the archive: a match is recorded once, stays unsent until marked, and is never unsent again."""

import datetime as dt

from archive import alerts, frontier, users
from archive.articles import record_extracted
from schemas.records import Article, DiscoveredUrl, FrontierState


def _articles(db, n):
    frontier.add_urls(db, [DiscoveredUrl(f"http://127.0.0.1/a/{i}", "s", "feed") for i in range(n)])
    ids = []
    for entry in frontier.claim(db, FrontierState.NEW, n, "w"):
        article = Article(url=entry.url, source_id="s", title=f"Dijaspora {entry.id}", text="Dijaspora glasa.")
        ids.append(record_extracted(db, entry, article, "w"))
    return ids


def test_hits_are_recorded_once_and_leave_the_unsent_list_when_marked(archive):
    ana = users.add_user(archive, "ana", "dugacka-lozinka", "press_officer")
    saved = users.save_search(archive, ana, "", "dijaspora", {}, "daily")
    first, second, third = _articles(archive, 3)
    found = dt.datetime(2026, 3, 16, 8, 0, tzinfo=dt.UTC)
    alerts.record_hits(archive, saved.id, [second, first], found)
    alerts.record_hits(archive, saved.id, [first, third], found + dt.timedelta(hours=1))  # first: already known
    assert alerts.unsent_hits(archive, saved.id) == [first, second, third]
    row = archive.one("SELECT found_at FROM alert_hits WHERE article_id = ?", (first,))
    assert row["found_at"] == "2026-03-16T08:00:00+00:00"
    alerts.mark_hits_sent(archive, saved.id, [first, third])
    alerts.mark_hits_sent(archive, saved.id, [])  # nothing to mark is not an error (no "IN ()")
    assert alerts.unsent_hits(archive, saved.id) == [second]
    alerts.record_hits(archive, saved.id, [first], found + dt.timedelta(days=1))
    assert alerts.unsent_hits(archive, saved.id) == [second]  # a mailed match found again is not mailed again

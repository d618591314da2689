"""Assembly from the archive on SQLite and PostgreSQL: every figure is checked against the fixture data."""

import datetime as dt
from collections import Counter

from reports.assemble import assemble, sentence_key
from reports.i18n import TOPICS
from reports.model import Review
from reports.periods import daily_period, weekly_period
from reports.relevance import is_relevant
from tests.reports.fixture_archive import (
    ARTICLES,
    DAY,
    OFFICE_SENTENCE,
    SOURCES,
    TZ,
    build_archive,
    in_days,
    local,
    relevant,
)


def _expected_label_counts(fixtures):
    return Counter(label for f in fixtures if relevant(f) for label in f.labels)


def test_relevance_is_the_taxonomy_rule():
    assert is_relevant(["office"]) and is_relevant(["director"]) and is_relevant(["region", "voting_abroad"])
    assert not is_relevant(["europe_russia"]) and not is_relevant(["region", "country:AT"]) and not is_relevant([])
    assert not is_relevant(["critical"])  # criticism of whom? only with the Directorate named (office) it counts
    for f in ARTICLES:
        assert is_relevant(f.labels) == relevant(f), f.key


def test_daily_digest_matches_the_archive(archive):
    ids = build_archive(archive)
    digest = assemble(archive, daily_period(DAY, TZ))
    today = in_days(DAY, DAY)
    yesterday = in_days(DAY - dt.timedelta(days=1), DAY - dt.timedelta(days=1))
    assert digest.collected == len(today)
    assert digest.total == len([f for f in today if relevant(f)]) < len(today)
    shown = {i.article_id for i in digest.items()}
    assert ids["posle-ponoci"] not in shown  # 00:10 local on the 17th
    assert ids["fudbal-bec"] not in shown and ids["vreme-rts"] not in shown  # region alone / no label
    assert digest.numbers.total.previous == len([f for f in yesterday if relevant(f)])
    # Summary: Directorate and director today against yesterday.
    office_today = [f for f in today if "office" in f.labels]
    assert (digest.summary.office.current, digest.summary.office.previous) == (
        len(office_today), len([f for f in yesterday if "office" in f.labels]))
    assert digest.summary.director.current == len([f for f in today if "director" in f.labels])
    assert digest.summary.collected.current == len(today)
    assert [e.headline.article_id for e in digest.summary.critical] == [ids["kritika"]]
    # The Directorate section: one entry per story, the program story with its three outlets.
    office_keys = {f.key for f in today if {"office", "director"} & set(f.labels)}
    listed = [i for e in digest.directorate for i in e.article_ids]
    assert sorted(listed) == sorted({ids[k] for k in office_keys} | {ids["program-vijesti"]})
    program = next(e for e in digest.directorate if ids["program-rts"] in e.article_ids)
    members = [f for f in today if f.cluster == "program"]
    assert program.outlet_count == len({f.source for f in members}) == 3
    assert [i.outlet for i in program.items] == [SOURCES[f.source][0] for f in sorted(members, key=local)]
    assert program.first.published.strftime("%H:%M") == "08:15"
    assert [m.label for m in program.quotes] == ["office", "director"]
    assert program.quotes[1].parts()[1] == "Арно Гујон"
    # Critical first; the headline is never quoted; the agency sentence is quoted once in the whole digest.
    assert digest.directorate[0].headline.article_id == ids["kritika"]
    assert all(sentence_key(q.sentence) != sentence_key(e.headline.title) for e in digest.directorate for q in e.quotes)
    quoted = [sentence_key(q.sentence) for e in digest.directorate for q in e.quotes]
    assert len(quoted) == len(set(quoted)) and quoted.count(sentence_key(OFFICE_SENTENCE)) == 1
    copy = next(e for e in digest.directorate if ids["kopija"] in e.article_ids)
    assert copy.quotes == []
    # Topic sections: the stories not naming the Directorate, each under one topic only.
    in_topics = [i for g in digest.topics for e in g.entries for i in e.article_ids]
    assert sorted(in_topics) == sorted(ids[f.key] for f in today if relevant(f) and f.key not in office_keys
                                       and f.cluster != "program")
    assert len(in_topics) == len(set(in_topics))
    expected = _expected_label_counts(today)
    assert {r.key: (r.current, r.previous) for r in digest.numbers.per_topic} == {
        k: (expected[k], _expected_label_counts(yesterday)[k]) for k in TOPICS}
    groups = Counter(SOURCES[f.source][1] for f in today if relevant(f))
    assert {r.key: r.current for r in digest.numbers.per_group if r.current} == dict(groups)
    # Foreign and regional press: relevant stories with a regional or foreign outlet.
    foreign_ids = {i for e in digest.foreign for i in e.article_ids}
    assert foreign_ids >= {ids[f.key] for f in today if relevant(f) and SOURCES[f.source][1] in ("regional", "foreign")}
    assert dict(digest.numbers.per_day) == {DAY: len([f for f in today if relevant(f)])}
    assert sum(digest.numbers.per_hour) == digest.total


def test_weekly_digest_counts_per_day_and_against_the_previous_week(archive):
    build_archive(archive)
    period = weekly_period(DAY, TZ)
    digest = assemble(archive, period)
    week = [f for f in in_days(period.start, period.end) if relevant(f)]
    previous = [f for f in in_days(period.start - dt.timedelta(days=7), period.start - dt.timedelta(days=1))
                if relevant(f)]
    assert digest.total == len(week)
    assert digest.numbers.total.previous == len(previous)
    per_day = Counter(local(f).date() for f in week)
    assert digest.numbers.per_day == [(d, per_day.get(d, 0)) for d in period.days]
    office_days = Counter(local(f).date() for f in week if {"office", "director"} & set(f.labels))
    assert digest.numbers.office_per_day == [(d, office_days.get(d, 0)) for d in period.days]
    assert sum(n for _, n in digest.numbers.previous_per_day) == len(previous)
    assert [e.headline.title for e in digest.critical] == ["Udruženja kritikuju Upravu za dijasporu"]
    assert digest.stories and digest.stories[0].outlet_count == 3
    assert digest.outlets[0].relevant == max(Counter(SOURCES[f.source][0] for f in week).values())


def test_review_excludes_and_pins(archive):
    ids = build_archive(archive)
    review = Review(excluded=[ids["program-politika"], ids["program-rts"]], pinned=[ids["glasanje-dw"]], note="Важно")
    digest = assemble(archive, daily_period(DAY, TZ), review)
    shown = {i.article_id for i in digest.items() if i.article_id not in {p.article_id for p in digest.pinned}}
    assert ids["program-politika"] not in shown and ids["program-rts"] not in shown
    assert [p.article_id for p in digest.pinned] == [ids["glasanje-dw"]]
    assert digest.note == "Важно"
    assert {i.article_id for i in digest.excluded} == set(review.excluded)
    # The numbers describe the archive, not the selection.
    assert digest.collected == len(in_days(DAY, DAY))


def test_empty_period(archive):
    build_archive(archive)
    digest = assemble(archive, daily_period(dt.date(2025, 1, 1), TZ))
    assert digest.empty and digest.directorate == [] and digest.summary.top == []
    assert digest.numbers.total.current == 0


def test_fixture_covers_every_section():
    # Guards the fixture itself: each section has something to show on DAY.
    today = in_days(DAY, DAY)
    assert any(f.mentions for f in today) and any(f.cluster for f in today)
    assert {SOURCES[f.source][1] for f in today} >= {"regional", "foreign"}
    assert any(not relevant(f) and f.labels for f in today)  # a region-only article
    assert len(ARTICLES) > len(today)


def test_story_continuing_from_the_day_before_is_one_entry_with_the_days_outlets(archive):
    ids = build_archive(archive)
    now = "2026-03-16T12:00:00+00:00"
    with archive.transaction() as tx:
        cluster_id = tx.insert_id(
            "INSERT INTO clusters (representative_article_id, first_seen, last_seen, size, outlet_count, created_at,"
            " updated_at) VALUES (?, ?, ?, 2, 2, ?, ?) RETURNING id",
            (ids["dan-ranije-2"], "2026-03-15T17:00:00+00:00", "2026-03-16T13:00:00+00:00", now, now))
        for key in ("dan-ranije-2", "glasanje-dw", "skole-nezavisne"):
            tx.execute("UPDATE articles SET cluster_id = ? WHERE id = ?", (cluster_id, ids[key]))
    digest = assemble(archive, daily_period(DAY, TZ))
    entry = next(e for g in digest.topics for e in g.entries if e.cluster_id == cluster_id)
    assert sorted(entry.article_ids) == sorted([ids["glasanje-dw"], ids["skole-nezavisne"]])
    assert [i.outlet for i in entry.items] == [SOURCES["dw"][0], SOURCES["nezavisne"][0]]


def test_a_former_directors_mention_is_marked_as_such(sqlite_archive):
    ids = build_archive(sqlite_archive)
    with sqlite_archive.transaction() as tx:  # as tagging records a director named outside his term
        tx.execute("UPDATE mentions SET former = 1 WHERE label = 'director' AND article_id = ?", (ids["program-rts"],))
    digest = assemble(sqlite_archive, daily_period(DAY, TZ))
    program = next(e for e in digest.directorate if ids["program-rts"] in e.article_ids)
    assert [q.label_key for q in program.quotes] == ["office", "former_director"]


def _stories_of_day(day):
    """Relevant fixtures of a local day grouped as the digest groups them: by cluster, else one story each."""
    stories: dict[str, list] = {}
    for f in in_days(day, day):
        if relevant(f):
            stories.setdefault(f.cluster or f.key, []).append(f)
    return stories


def test_summary_has_the_most_covered_stories_and_foreign_press_about_the_directorate(archive):
    ids = build_archive(archive)
    digest = assemble(archive, daily_period(DAY, TZ))
    stories = _stories_of_day(DAY)
    outlets = {key: len({f.source for f in members}) for key, members in stories.items()}
    top = digest.summary.top
    assert 3 <= len(top) <= 5
    counts = [e.outlet_count for e in top]
    assert counts == sorted(counts, reverse=True) and counts[0] == max(outlets.values()) == 3
    assert ids["program-rts"] in top[0].article_ids
    # Critical coverage is listed above the most covered stories, never again among them.
    assert ids["kritika"] not in {i for e in top for i in e.article_ids}
    # Regional and foreign press about the Directorate: every such story, and only those.
    expected = {key for key, members in stories.items()
                if any({"office", "director"} & set(f.labels) for f in members)
                and any(SOURCES[f.source][1] in ("regional", "foreign") for f in members)}
    assert expected  # the fixture has such stories
    foreign_keys = {frozenset(e.article_ids) for e in digest.summary.foreign}
    assert foreign_keys == {frozenset(ids[f.key] for f in stories[key]) for key in expected}
    assert all(e.office and e.foreign_items for e in digest.summary.foreign)


def test_directorate_stories_are_ordered_by_importance_not_time(archive):
    ids = build_archive(archive)
    digest = assemble(archive, daily_period(DAY, TZ))
    order = [e.headline.article_id for e in digest.directorate]
    # Critical first, then the three-outlet program story, though the Diaspora paper's call (00:30) came first.
    assert order[0] == ids["kritika"] and order[1] == ids["program-rts"]
    assert order.index(ids["konkurs"]) > order.index(ids["program-rts"])
    assert [e.importance() for e in digest.directorate] == sorted(e.importance() for e in digest.directorate)
    published = [e.first.published for e in digest.directorate]
    assert published != sorted(published)  # not in order of time
    weekly = assemble(archive, weekly_period(DAY, TZ))
    groups = digest.topics + weekly.topics
    for group in groups:  # topic sections are ordered the same way
        assert [e.importance() for e in group.entries] == sorted(e.importance() for e in group.entries)
    assert any(len(group.entries) > 1 for group in groups)

"""Assembly from the archive on SQLite and PostgreSQL: every figure is checked against the fixture data."""

import datetime as dt
from collections import Counter

from reports.assemble import assemble
from reports.i18n import TOPICS
from reports.model import Review
from reports.periods import daily_period, weekly_period
from tests.reports.fixture_archive import ARTICLES, DAY, SOURCES, TZ, build_archive, in_days, local


def _expected_label_counts(fixtures):
    return Counter(label for f in fixtures for label in f.labels)


def test_daily_digest_matches_the_archive(archive):
    ids = build_archive(archive)
    digest = assemble(archive, daily_period(DAY, TZ))
    today = in_days(DAY, DAY)
    yesterday = in_days(DAY - dt.timedelta(days=1), DAY - dt.timedelta(days=1))
    assert digest.total == len(today)
    assert ids["posle-ponoci"] not in {i.article_id for i in digest.items()}  # 00:10 local on the 17th
    assert digest.numbers.total.previous == len(yesterday)
    # Directorate mentions: every article of the day with an office/director mention, oldest first.
    with_mentions = sorted((f for f in today if f.mentions), key=local)
    assert [g.item.article_id for g in digest.mentions] == [ids[f.key] for f in with_mentions]
    rts = next(g for g in digest.mentions if g.item.article_id == ids["program-rts"])
    assert [m.label for m in rts.mentions] == ["office", "director"]
    assert rts.mentions[1].parts()[1] == "Арно Гујон"
    assert rts.item.outlet == SOURCES["rts"][0]
    assert rts.item.published.strftime("%H:%M") == "08:15"
    # The cluster: three articles from three outlets.
    (story,) = digest.stories
    members = [f for f in today if f.cluster == "program"]
    assert story.outlet_count == len({f.source for f in members}) == 3
    assert sorted(story.outlets) == sorted(SOURCES[f.source][0] for f in members)
    assert story.item.article_id == ids["program-rts"]
    # Topics and regions: counts equal the labels of the day's articles.
    expected = _expected_label_counts(today)
    assert {g.key: g.count for g in digest.topics} == {k: expected[k] for k in TOPICS if expected[k]}
    assert {r.key: (r.current, r.previous) for r in digest.numbers.per_topic} == {
        k: (expected[k], _expected_label_counts(yesterday)[k]) for k in TOPICS}
    groups = Counter(SOURCES[f.source][1] for f in today)
    assert {r.key: r.current for r in digest.numbers.per_group if r.current} == dict(groups)
    # Foreign and regional press lists only labelled articles from those groups.
    foreign = {g.key: [i.article_id for i in g.items] for g in digest.foreign}
    assert foreign["regional"] == [ids[f.key] for f in sorted(today, key=local)
                                   if SOURCES[f.source][1] == "regional" and f.labels]
    assert dict(digest.numbers.per_day) == {DAY: len(today)}
    assert sum(digest.numbers.per_hour) == len(today)


def test_weekly_digest_counts_per_day_and_against_the_previous_week(archive):
    build_archive(archive)
    period = weekly_period(DAY, TZ)
    digest = assemble(archive, period)
    week = in_days(period.start, period.end)
    previous = in_days(period.start - dt.timedelta(days=7), period.start - dt.timedelta(days=1))
    assert digest.total == len(week)
    assert digest.numbers.total.previous == len(previous)
    per_day = Counter(local(f).date() for f in week)
    assert digest.numbers.per_day == [(d, per_day.get(d, 0)) for d in period.days]
    assert sum(n for _, n in digest.numbers.previous_per_day) == len(previous)
    assert len(digest.mentions) == len([f for f in week if f.mentions])


def test_review_excludes_and_pins(archive):
    ids = build_archive(archive)
    review = Review(excluded=[ids["program-politika"], ids["program-rts"]], pinned=[ids["glasanje-dw"]], note="Важно")
    digest = assemble(archive, daily_period(DAY, TZ), review)
    shown = {i.article_id for i in digest.items() if i.article_id not in {p.article_id for p in digest.pinned}}
    assert ids["program-politika"] not in shown and ids["program-rts"] not in shown
    assert digest.stories == []  # its representative was excluded
    assert [p.article_id for p in digest.pinned] == [ids["glasanje-dw"]]
    assert digest.note == "Важно"
    assert {i.article_id for i in digest.excluded} == set(review.excluded)
    # The numbers describe the archive, not the selection.
    assert digest.total == len(in_days(DAY, DAY))


def test_empty_period(archive):
    build_archive(archive)
    digest = assemble(archive, daily_period(dt.date(2025, 1, 1), TZ))
    assert digest.empty and digest.mentions == [] and digest.stories == []
    assert digest.numbers.total.current == 0


def test_fixture_covers_every_section():
    # Guards the fixture itself: each section has something to show on DAY.
    today = in_days(DAY, DAY)
    assert any(f.mentions for f in today) and any(f.cluster for f in today)
    assert {SOURCES[f.source][1] for f in today} >= {"regional", "foreign"}
    assert len(ARTICLES) > len(today)


def test_story_continuing_from_the_day_before_keeps_its_representative(archive):
    ids = build_archive(archive)
    now = "2026-03-16T12:00:00+00:00"
    with archive.transaction() as tx:
        # first_seen/last_seen as the cluster stage keeps them: the span of its articles' times.
        cluster_id = tx.insert_id(
            "INSERT INTO clusters (representative_article_id, first_seen, last_seen, size, outlet_count, created_at,"
            " updated_at) VALUES (?, ?, ?, 2, 2, ?, ?) RETURNING id",
            (ids["dan-ranije-2"], "2026-03-15T17:00:00+00:00", "2026-03-16T13:00:00+00:00", now, now))
        for key in ("dan-ranije-2", "vreme-rts"):
            tx.execute("UPDATE articles SET cluster_id = ? WHERE id = ?", (cluster_id, ids[key]))
    digest = assemble(archive, daily_period(DAY, TZ))
    story = next(s for s in digest.stories if s.cluster_id == cluster_id)
    assert story.item.article_id == ids["dan-ranije-2"] and story.item.published.date() < DAY
    assert story.outlets == sorted([SOURCES["dw"][0], SOURCES["rts"][0]])
    assert digest.stories[0].outlet_count == 3  # most outlets first

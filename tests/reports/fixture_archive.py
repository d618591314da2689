"""A small fixed archive for digest tests: articles in both scripts around 2026-03-16, tags, one cluster.

Expected figures in tests are computed from ``ARTICLES`` below with plain Python, never typed in by hand.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from archive.articles import write_tags
from archive.db import Database, iso, utcnow
from archive.imports import import_lines
from schemas.records import Label, Mention, TagResult, document_text

TZ = "Europe/Belgrade"
DAY = dt.date(2026, 3, 16)  # a Monday: the daily digest's day and the first day of week 2026-W12

SOURCES = {  # id: (display name, group)
    "rts": ("РТС", "domestic"),
    "politika": ("Politika", "domestic"),
    "vijesti": ("Vijesti (Podgorica)", "regional"),
    "nezavisne": ("Независне новине", "regional"),
    "dw": ("Deutsche Welle", "foreign"),
    "vesti": ("Vesti (Frankfurt)", "diaspora"),
}


@dataclass
class Fixture:
    key: str
    source: str
    published: str  # local ISO with offset
    title: str
    text: str
    labels: dict[str, str] = field(default_factory=dict)  # label -> kind
    mentions: list[tuple[str, str, str]] = field(default_factory=list)  # (label, matched text, sentence)
    cluster: str | None = None


OFFICE_SENTENCE = ("Управа за сарадњу с дијаспором и Србима у региону представила је нови програм подршке "
                   "допунској настави.")
DIRECTOR_SENTENCE = "Директор Управе Арно Гујон рекао је да ће програм обухватити школе у 20 земаља."
CRITICAL_SENTENCE = "Savez srpskih udruženja tvrdi da Uprava za dijasporu mjesecima ne odgovara na njihove dopise."
LATIN_SENTENCE = "Uprava za saradnju sa dijasporom i Srbima u regionu objavila je konkurs za udruženja."

ARTICLES: list[Fixture] = [
    Fixture("program-rts", "rts", "2026-03-16T08:15:00+01:00", "Управа представила програм за допунску наставу",
            f"{OFFICE_SENTENCE} {DIRECTOR_SENTENCE} Настава почиње у септембру.",
            {"office": "entity", "director": "entity", "language_culture_education": "topic",
             "europe_russia": "region"},
            [("office", "Управа за сарадњу с дијаспором и Србима у региону", OFFICE_SENTENCE),
             ("director", "Арно Гујон", DIRECTOR_SENTENCE)], cluster="program"),
    Fixture("program-politika", "politika", "2026-03-16T09:30:00+01:00", "Uprava predstavila program dopunske nastave",
            "Uprava za saradnju sa dijasporom i Srbima u regionu predstavila je novi program podrške dopunskoj nastavi.",
            {"office": "entity", "language_culture_education": "topic", "europe_russia": "region"},
            [("office", "Uprava za saradnju sa dijasporom i Srbima u regionu",
              "Uprava za saradnju sa dijasporom i Srbima u regionu predstavila je novi program podrške dopunskoj "
              "nastavi.")], cluster="program"),
    Fixture("program-vijesti", "vijesti", "2026-03-16T10:05:00+01:00", "Srbija pokreće program dopunske nastave",
            "Beograd je predstavio program dopunske nastave za djecu u dijaspori.",
            {"language_culture_education": "topic", "region": "region"}, cluster="program"),
    Fixture("konkurs", "vesti", "2026-03-16T00:30:00+01:00", "Konkurs za udruženja u dijaspori",
            f"{LATIN_SENTENCE} Rok je 30 dana.",
            {"office": "entity", "diaspora_organizations": "topic", "europe_russia": "region"},
            [("office", "Uprava za saradnju sa dijasporom i Srbima u regionu", LATIN_SENTENCE)]),
    Fixture("glasanje-dw", "dw", "2026-03-16T11:00:00+01:00", "Serbian diaspora and voting abroad",
            "Serbian citizens abroad ask for postal voting ahead of the elections.",
            {"voting_abroad": "topic", "europe_russia": "region"}),
    Fixture("skole-nezavisne", "nezavisne", "2026-03-16T23:30:00+01:00", "Српски језик у школама Републике Српске",
            "Настава српског језика у школама у Федерацији БиХ поново је на дневном реду.",
            {"serbs_in_region": "topic", "language_culture_education": "topic", "region": "region"}),
    Fixture("vreme-rts", "rts", "2026-03-16T14:00:00+01:00", "Временска прогноза за уторак",
            "Сутра сунчано и топло, до 18 степени."),
    # Off-topic: a place name alone (a region label) never makes an article relevant.
    Fixture("fudbal-bec", "vesti", "2026-03-16T21:00:00+01:00", "Rapid slavio u bečkom derbiju",
            "Fudbaleri Rapida pobedili su Austriju u Beču rezultatom 2:1.", {"europe_russia": "region"}),
    # Critical coverage in the regional press; its first "mention" is the headline itself.
    Fixture("kritika", "vijesti", "2026-03-16T12:30:00+01:00", "Udruženja kritikuju Upravu za dijasporu",
            f"{CRITICAL_SENTENCE} Udruženja traže sastanak.",
            {"office": "entity", "critical": "article", "diaspora_organizations": "topic", "region": "region"},
            [("office", "Upravu za dijasporu", "Udruženja kritikuju Upravu za dijasporu"),
             ("office", "Uprava za dijasporu", CRITICAL_SENTENCE)]),
    # Another outlet repeats the agency's sentence word for word (not clustered): it is never quoted twice.
    Fixture("kopija", "nezavisne", "2026-03-16T13:00:00+01:00", "Нови програм за допунску наставу у дијаспори",
            f"{OFFICE_SENTENCE} Пријаве трају до маја.",
            {"office": "entity", "language_culture_education": "topic"},
            [("office", "Управа за сарадњу с дијаспором и Србима у региону", OFFICE_SENTENCE)]),
    # Just outside the day in local time (but still 16 March in UTC): must not be in the daily digest.
    Fixture("posle-ponoci", "politika", "2026-03-17T00:10:00+01:00", "Penzije za građane u inostranstvu",
            "Fond objašnjava kako se ostvaruje pravo na penziju iz inostranstva.",
            {"status_consular": "topic", "overseas_far_east": "region"}),
    # The previous day, for the change figures.
    Fixture("dan-ranije-1", "rts", "2026-03-15T12:00:00+01:00", "Скупштина дијаспоре заседа у мају",
            "Скупштина дијаспоре и Срба у региону заседаће у мају.", {"diaspora_bodies": "topic"}),
    Fixture("dan-ranije-2", "dw", "2026-03-15T18:00:00+01:00", "Remittances from Germany grow",
            "Remittances from the Serbian diaspora in Germany grew by a tenth.",
            {"economy_remittances": "topic", "europe_russia": "region"}),
    # Later in week 2026-W12.
    Fixture("sreda", "vijesti", "2026-03-18T09:00:00+01:00", "Srbi u Crnoj Gori traže službenu upotrebu jezika",
            "Srpski savjet traži službenu upotrebu srpskog jezika.", {"serbs_in_region": "topic", "region": "region"}),
    Fixture("nedelja", "rts", "2026-03-22T20:00:00+01:00", "Управа за дијаспору у Бечу",
            "Управа за дијаспору отворила је нове просторије у Бечу.", {"office": "entity", "europe_russia": "region"},
            [("office", "Управа за дијаспору", "Управа за дијаспору отворила је нове просторије у Бечу.")]),
    # Week 2026-W11 (the previous week of the weekly digest) besides the 15th above.
    Fixture("prosla-nedelja", "politika", "2026-03-10T10:00:00+01:00", "Povratak mladih iz inostranstva",
            "Program za povratak mladih stručnjaka.", {"return_migration": "topic"}),
]


def local(fixture: Fixture) -> dt.datetime:
    return dt.datetime.fromisoformat(fixture.published).astimezone(ZoneInfo(TZ))


def in_days(first: dt.date, last: dt.date) -> list[Fixture]:
    """Fixtures whose local publication date is within [first, last] (the independent expectation)."""
    return [f for f in ARTICLES if first <= local(f).date() <= last]


def language(fixture: Fixture) -> str:
    return "en" if fixture.source == "dw" else "sr"


RELEVANT = {"office", "director", "voting_abroad", "return_migration", "serbs_in_region", "diaspora_bodies",
            "diaspora_organizations", "language_culture_education", "economy_remittances", "status_consular",
            "information_media"}


def relevant(fixture: Fixture) -> bool:
    """The taxonomy's rule, written out independently of reports.relevance."""
    return bool(RELEVANT & set(fixture.labels))


def url(fixture: Fixture) -> str:
    return f"https://{fixture.source}.example/vesti/{fixture.key}"


def build_archive(db: Database, fixtures: list[Fixture] | None = None) -> dict[str, int]:
    """Import the fixtures, tag them, cluster the 'program' story; returns key -> article id."""
    fixtures = ARTICLES if fixtures is None else fixtures
    lines = [json.dumps({"url": url(f), "title": f.title, "text": f.text, "published": f.published,
                         "source": f.source, "language": language(f),
                         "group": SOURCES.get(f.source, (f.source, "domestic"))[1]}, ensure_ascii=False)
             for f in fixtures]
    report = import_lines(db, lines)
    assert not report.rejected, report.rejected
    ids = dict(zip((f.key for f in fixtures), report.article_ids))
    now = iso(utcnow())
    with db.transaction() as tx:
        for source, (name, _group) in SOURCES.items():
            tx.execute("UPDATE sources SET name = ? WHERE id = ?", (name, source))
        for f in fixtures:
            doc = document_text(f.title, f.text)
            mentions = []
            for label, match, sentence in f.mentions:
                start = doc.find(match)
                mentions.append(Mention(label, max(start, 0), max(start, 0) + len(match), match, sentence))
            write_tags(tx, ids[f.key], TagResult("sr", None, [Label(k, kind, 0.9) for k, kind in f.labels.items()],
                                                 mentions), now)
        for name in sorted({f.cluster for f in fixtures if f.cluster}):
            members = [f for f in fixtures if f.cluster == name]
            cluster_id = tx.insert_id(
                "INSERT INTO clusters (representative_article_id, first_seen, last_seen, size, outlet_count,"
                " created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id",
                (ids[members[0].key], iso(dt.datetime.fromisoformat(members[0].published)),
                 iso(dt.datetime.fromisoformat(members[-1].published)), len(members),
                 len({m.source for m in members}), now, now))
            for m in members:
                tx.execute("UPDATE articles SET cluster_id = ? WHERE id = ?", (cluster_id, ids[m.key]))
    return ids

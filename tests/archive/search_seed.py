"""A small archive in both scripts for search tests (archive and web): imported as JSON lines, then labelled."""

from __future__ import annotations

import json

from archive.articles import write_tags
from archive.imports import import_lines
from schemas.records import Label, Mention, TagResult

# (key, source, group, language, published, title, text, labels)
ARTICLES = [
    ("uprava_cyr", "vesti-dana", "domestic", "sr", "2026-03-10T09:00:00+01:00",
     "Управа за сарадњу с дијаспором и Србима у региону",
     "Управа за сарадњу с дијаспором и Србима у региону организовала је сусрет са представницима удружења из Беча.",
     [("office", "entity"), ("diaspora_organizations", "topic"), ("europe_russia", "region")]),
    ("glasanje_lat", "beogradski-glasnik", "domestic", "sr", "2026-03-11T10:00:00+01:00",
     "Srbi u dijaspori glasali u Beču",
     "Građani Srbije u dijaspori glasali su na biračkim mestima u Beču i Čikagu. Izlaznost dijaspore je rasla.",
     [("voting_abroad", "topic"), ("europe_russia", "region"), ("overseas_far_east", "region")]),
    ("djaci_lat", "novi-pogled", "diaspora", "sr", "2026-03-12T08:00:00+01:00",
     "Đaci dopunske škole u Čikagu",
     "Đaci dopunske škole srpskog jezika u Čikagu dobili su nove udžbenike na ćirilici.",
     [("language_culture_education", "topic"), ("overseas_far_east", "region")]),
    ("cerka_cyr", "vesti-dana", "domestic", "sr", "2026-03-13T12:00:00+01:00",
     "Ћерка повратника отворила фирму",
     "Ћерка породице која се вратила из Немачке отворила је фирму у Крагујевцу. Повратак из иностранства расте.",
     [("return_migration", "topic"), ("europe_russia", "region")]),
    ("poreska_lat", "beogradski-glasnik", "domestic", "sr", "2026-03-14T07:00:00+01:00",
     "Poreska uprava produžila rok",
     "Poreska uprava produžila je rok za podnošenje prijava. Uprava navodi da je odziv dobar.",
     []),
    ("hrvatska_lat", "regionalni-portal", "regional", "sr", "2026-03-15T16:00:00+01:00",
     "Srpska zajednica u Hrvatskoj traži škole",
     "Predstavnici Srba u Hrvatskoj zatražili su otvaranje škola na srpskom jeziku. Srbima u regionu je potrebna podrška.",
     [("serbs_in_region", "topic"), ("region", "region")]),
    ("assembly_en", "world-news", "foreign", "en", "2026-03-16T11:00:00+00:00",
     "Diaspora assembly meets in Belgrade",
     "The Diaspora and Serbs in the Region Assembly met in Belgrade to discuss voting abroad.",
     [("diaspora_bodies", "topic")]),
    ("kancelarija_lat", "novi-pogled", "diaspora", "sr", "2026-02-01T09:00:00+01:00",
     "Kancelarija za dijasporu dodelila grantove",
     "Kancelarija za saradnju s dijasporom i Srbima u regionu dodelila je grantove udruženjima u Švajcarskoj.",
     [("office", "entity"), ("diaspora_organizations", "topic"), ("europe_russia", "region")]),
    ("markup_lat", "novi-pogled", "diaspora", "sr", "2026-03-17T09:00:00+01:00",
     "Dijaspora <b>i</b> & znakovi",
     "Tekst o dijaspori sa znakovima <script>alert(1)</script> & \"navodnicima\" koji se moraju izbeći.",
     []),
]


def seed(db) -> dict[str, int]:
    """Import the articles and write their labels; returns key → article id."""
    lines = [json.dumps({"url": f"https://example.org/{key}", "title": title, "text": text, "published": published,
                         "source": source, "language": language, "group": group})
             for key, source, group, language, published, title, text, _ in ARTICLES]
    report = import_lines(db, lines)
    assert report.imported == len(ARTICLES), report.rejected
    ids = dict(zip([a[0] for a in ARTICLES], report.article_ids))
    with db.transaction() as tx:
        for key, *_, title, text, labels in ARTICLES:
            mentions = []
            if ("office", "entity") in labels:
                document = f"{title}\n\n{text}"
                first = document.split(" за ")[0] if " за " in document else document.split(" za ")[0]
                mentions.append(Mention("office", 0, len(first), first, title))
            write_tags(tx, ids[key], TagResult("sr", None, [Label(name, kind, 0.9) for name, kind in labels], mentions))
    return ids

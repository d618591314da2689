"""The digest's "organisations in the news" block: registered diaspora organisations named in the relevant
coverage of the period, each with the stories that name it (links to the articles)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from archive.db import Database
from nlp.normalize import script_of, to_latin
from reports.i18n import data_in_script
from reports.model import Entry, Item

MAX_ORGS = 10
STORIES_PER_ORG = 3


@dataclass(slots=True)
class OrgLine:
    """One organisation of the block: its names for both scripts, seat, and the stories naming it."""

    org_id: str
    name_cyrl: str
    name_latn: str
    city: str
    country: str
    articles: int  # relevant articles of the period naming it
    stories: list[Item] = field(default_factory=list)  # one headline item per story, most covered first
    story_count: int = 0

    def name(self, script: str) -> str:
        return self.name_latn if script == "latn" else self.name_cyrl

    def seat(self, script: str) -> str:
        """The city (Serbian, so it follows the output script) and the country code."""
        return f"{data_in_script(self.city, 'sr', script)}, {self.country}"


def _names(full_names: Sequence[str]) -> tuple[str, str]:
    """(name for a Cyrillic digest, name for a Latin one): the registry's own spelling in that script when it
    has one (a Latin-only name is never transliterated into Cyrillic: foreign names stay as written)."""
    display = full_names[0]
    cyrillic = next((n for n in full_names if script_of(n) == "Cyrl"), None)
    latin = next((n for n in full_names if script_of(n) == "Latn"), None)
    return cyrillic or display, latin or to_latin(display)


def org_lines(db: Database, entries: Sequence[Entry], limit: int = MAX_ORGS) -> list[OrgLine]:
    """Registered organisations named in the articles of ``entries`` (the digest's relevant stories), most
    articles first, each with up to STORIES_PER_ORG of its stories."""
    from archive.orgs import list_orgs, orgs_in_articles

    story_of = {article_id: entry for entry in entries for article_id in entry.article_ids}
    named = orgs_in_articles(db, list(story_of))
    if not named:
        return []
    orgs = {o.id: o for o in list_orgs(db)}
    articles: dict[str, int] = {}
    stories: dict[str, dict[str, Entry]] = {}
    for article_id, org_ids in named.items():
        for org_id in org_ids:
            if org_id not in orgs:
                continue  # removed from the registry since linking; the next relink drops the link
            articles[org_id] = articles.get(org_id, 0) + 1
            entry = story_of[article_id]
            stories.setdefault(org_id, {})[entry.key] = entry
    lines = []
    for org_id in sorted(articles, key=lambda o: (-articles[o], orgs[o].name)):
        org = orgs[org_id]
        cyrl, latn = _names(org.full_names)
        ranked = sorted(stories[org_id].values(), key=lambda e: (-e.outlet_count, e.key))
        lines.append(OrgLine(org_id, cyrl, latn, org.city, org.country, articles[org_id],
                             [e.headline for e in ranked[:STORIES_PER_ORG]], len(ranked)))
    return lines[:limit]

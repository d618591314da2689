"""How filter values are shown: outlet, organisation and person names, translated topics, the story's title."""

from __future__ import annotations

import functools
import logging

from archive.db import Database
from web.filters import BOOLEAN_FILTERS
from web.i18n import country_name, translate

LOGGER = logging.getLogger(__name__)


@functools.lru_cache(maxsize=4)
def _people_names(path: str, mtime_ns: int) -> dict[str, str]:
    """Names by id from the people file, read again when the file changes (``mtime_ns`` is the cache key)."""
    from nlp.people import load_people

    return {p.id: p.name for p in load_people(path)}


def people_names(settings) -> dict[str, str]:
    """Watched people's display names by id (the person filter shows names, not ids)."""
    try:
        return _people_names(str(settings.people_path), settings.people_path.stat().st_mtime_ns)
    except (OSError, ValueError) as exc:  # a broken people file must not take the search page down
        LOGGER.warning("people file %s unreadable: %s", settings.people_path, exc)
        return {}


def labeller(db: Database, lang: str, sources: dict[str, str], people: dict[str, str]):
    """label_of(facet, value): the text a filter value is shown as, in ``lang``."""
    from archive.orgs import org_names

    orgs = org_names(db)

    def label_of(facet: str, value: str) -> str:
        if facet == "sources":
            return sources.get(value) or value
        if facet == "orgs":
            return orgs.get(value) or value
        if facet == "people":
            return people.get(value) or value
        if facet in BOOLEAN_FILTERS:
            return translate("facet_" + facet, lang)
        if facet == "countries":
            return country_name(value, lang)
        if facet == "languages":
            return value
        return translate(value, lang)
    return label_of


def story_title(db: Database, cluster_id: int | None) -> str | None:
    """The title of a story's representative article (the story filter's chip)."""
    from archive.articles import get_article
    from archive.clusters import get_cluster

    cluster = get_cluster(db, cluster_id) if cluster_id is not None else None
    article = get_article(db, cluster.representative_article_id) if cluster else None
    return article.title if article else None

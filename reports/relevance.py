"""Relevance: the one decision of whether an article concerns the Directorate (../shared/taxonomy.md).

An article is relevant when it carries ``office`` or ``director`` or at least one topic of the remit. A region or
country label alone never makes it relevant: a football match in Vienna is not diaspora coverage. Digests take
their sections, counts and charts from relevant articles only; everything collected stays searchable.
"""

from __future__ import annotations

from collections.abc import Iterable

from schemas.taxonomy import load_taxonomy

ENTITY_LABELS = load_taxonomy().entities
TOPIC_LABELS = load_taxonomy().topics
RELEVANT_LABELS = frozenset((*ENTITY_LABELS, *TOPIC_LABELS))
# Article label from the tagging work: coverage critical of the Directorate or its director.
CRITICAL_LABEL = "critical"


def is_relevant(labels: Iterable[str]) -> bool:
    """True when the labels hold the Directorate, its director or a remit topic (regions never count)."""
    return any(label in RELEVANT_LABELS for label in labels)


def relevant_article_ids(pairs: Iterable[tuple[int, str]]) -> set[int]:
    """Ids of relevant articles from (article_id, label) pairs, e.g. the rows of the labels table."""
    return {int(article_id) for article_id, label in pairs if label in RELEVANT_LABELS}

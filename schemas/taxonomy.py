"""The taxonomy's ids and display names, from the one data file ``schemas/taxonomy.yaml``.

nlp (evaluation), reports (digest names, relevance) and web (UI names) read them here, so a topic is
named and listed the same way everywhere; ``../shared/taxonomy.md`` is the contract the ids follow.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml

TAXONOMY_FILE = Path(__file__).resolve().with_name("taxonomy.yaml")
GROUPS = ("entities", "flags", "topics", "regions", "groups", "other")
NAME_LANGUAGES = ("sr", "en")  # Serbian in Cyrillic (Latin derived), English


@dataclass(frozen=True, slots=True)
class Taxonomy:
    """Ids per group in the file's order, and each id's names by language."""

    entities: tuple[str, ...]
    flags: tuple[str, ...]
    topics: tuple[str, ...]
    regions: tuple[str, ...]
    groups: tuple[str, ...]
    other: tuple[str, ...]
    names: dict[str, dict[str, str]]

    def name(self, label: str, language: str = "sr") -> str:
        """The display name of ``label`` in ``language`` ('sr' Cyrillic or 'en')."""
        return self.names[label][language]


def parse_taxonomy(data: object) -> Taxonomy:
    """A Taxonomy from the file's parsed YAML; a clear ValueError on a missing group, id or name."""
    if not isinstance(data, dict) or set(data) != set(GROUPS):
        raise ValueError(f"taxonomy: expected exactly the groups {list(GROUPS)}")
    names: dict[str, dict[str, str]] = {}
    ids: dict[str, tuple[str, ...]] = {}
    for group in GROUPS:
        entries = data[group]
        if not isinstance(entries, dict) or not entries:
            raise ValueError(f"taxonomy: group {group!r} must map ids to names")
        for label, label_names in entries.items():
            if label in names:
                raise ValueError(f"taxonomy: id {label!r} appears twice")
            if not isinstance(label_names, dict) or any(not label_names.get(lang) for lang in NAME_LANGUAGES):
                raise ValueError(f"taxonomy: id {label!r} needs names in {list(NAME_LANGUAGES)}")
            names[label] = {lang: str(label_names[lang]) for lang in NAME_LANGUAGES}
        ids[group] = tuple(entries)
    return Taxonomy(**ids, names=names)


@cache
def load_taxonomy(path: Path = TAXONOMY_FILE) -> Taxonomy:
    """The taxonomy of ``path`` (the project's file by default), read once."""
    return parse_taxonomy(yaml.safe_load(path.read_text(encoding="utf-8")))

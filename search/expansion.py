"""Entity-aware queries: a watched person, the Directorate or a core remit term found under every name.

A query word (or run of unquoted words) that matches a name of a watched person (``config/people.yaml``: name and
aliases in every script and language), a name of the Directorate (the office lexicon's strong and weak names,
alternatives written out) or an entry of the curated cross-language table (``nlp/lexicon/search_terms.yaml``) is
replaced by an OR of all the names of that entity. Matching is on search keys, so "Gujon", "Гујона" and "gujonom"
all trigger it, and the expansion adds "Gouillon" (English, German copy). A quoted term, a prefix (``Guj*``) or
``expand=False`` keeps the word as typed. The added names are reported, so the page can say what was searched.

The data is read once per process and again whenever one of the files changes.
"""

from __future__ import annotations

import dataclasses
import itertools
import logging
import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from nlp.normalize import search_keys

LOGGER = logging.getLogger(__name__)

REPO_ROOT = Path(__file__).resolve().parent.parent
PEOPLE_FILE = REPO_ROOT / "config" / "people.yaml"
LEXICON_DIR = REPO_ROOT / "nlp" / "lexicon"
OFFICE_LEXICON = LEXICON_DIR / "office.yaml"
TERMS_LEXICON = LEXICON_DIR / "search_terms.yaml"
MAX_VARIANTS_PER_PHRASE = 64  # writing out "a|b c|d …" alternatives
MAX_VARIANTS = 24  # names of one entity kept in a query (after dropping the ones another name already covers)


@dataclass(frozen=True)
class Entity:
    """One thing with many names: ``names`` are (search keys, written form), in file order."""

    id: str
    kind: str  # "person" | "office" | "term"
    names: tuple[tuple[tuple[str, ...], str], ...]
    display: tuple[str, ...] = ()  # names to show first (the office: one per lexicon line)

    def covering(self, limit: int | None = MAX_VARIANTS) -> list[tuple[tuple[str, ...], str]]:
        """The names a query must search, shortest first: one per key sequence, without names that contain
        another name (a document matching "Arnaud Gouillon" already matches "Gouillon")."""
        kept = _covering(self)
        return list(kept[:limit] if limit is not None else kept)

    def shown(self, limit: int) -> list[str]:
        """Up to ``limit`` written names in file order (one per key sequence), for "also searched"."""
        if self.display:
            return list(dict.fromkeys(self.display))[:limit]
        unique: dict[tuple[str, ...], str] = {}
        for keys, text in self.names:
            unique.setdefault(keys, text)
        return list(unique.values())[:limit]


@lru_cache(maxsize=256)
def _covering(entity: Entity) -> tuple[tuple[tuple[str, ...], str], ...]:
    unique: dict[tuple[str, ...], str] = {}
    for keys, text in entity.names:
        unique.setdefault(keys, text)
    kept = [(k, t) for k, t in unique.items() if not any(o != k and _contains(k, o) for o in unique)]
    kept.sort(key=lambda kt: len(kt[0]))  # stable: shortest names first, then file order
    return tuple(kept)


def _contains(seq: tuple[str, ...], part: tuple[str, ...]) -> bool:
    n = len(part)
    return any(seq[i:i + n] == part for i in range(len(seq) - n + 1))


def _written_out(phrase: str) -> list[str]:
    """The lexicon's phrase syntax written out: ``a|b`` alternatives, ``word?`` optional, ``...`` gaps dropped."""
    choices = []
    for chunk in phrase.split():
        if chunk == "...":
            continue
        optional = chunk.endswith("?") and len(chunk) > 1
        words = [w for w in chunk.rstrip("?").rstrip("~").split("|") if w]
        choices.append(words + [""] if optional else words)
    return [" ".join(w for w in combo if w)
            for combo in itertools.islice(itertools.product(*choices), MAX_VARIANTS_PER_PHRASE)]


def _entity(entity_id: str, kind: str, texts: list[str]) -> Entity | None:
    names = tuple((keys, text) for text in texts if (keys := tuple(k for k in search_keys(text) if k)))
    return Entity(entity_id, kind, names) if len(names) > 0 else None


def _read_yaml(path: Path):
    import yaml

    with open(path, encoding="utf-8") as fh:
        return yaml.safe_load(fh) or {}


def _people(path: Path) -> list[Entity]:
    from schemas.config import load_people

    return [e for p in load_people(path) if (e := _entity(p.id, "person", list(p.names)))]


def _office(path: Path) -> list[Entity]:
    data = _read_yaml(path)
    phrases = [_written_out(str(phrase)) for phrase in [*(data.get("strong") or []), *(data.get("weak") or [])]]
    entity = _entity("office", "office", [v for variants in phrases for v in variants])
    if entity is None:
        return []
    return [dataclasses.replace(entity, display=tuple(variants[0] for variants in phrases if variants))]


def _terms(path: Path) -> list[Entity]:
    data = _read_yaml(path)
    return [e for gid, entries in (data.get("groups") or {}).items()
            if (e := _entity(str(gid), "term", [str(x) for x in entries or []]))]


def _stamp(path: Path) -> float | None:
    try:
        return os.stat(path).st_mtime
    except OSError:
        return None


@lru_cache(maxsize=8)
def _load(people: Path, office: Path, terms: Path, stamps: tuple) -> tuple[Entity, ...]:
    out: list[Entity] = []
    for reader, path in ((_people, people), (_office, office), (_terms, terms)):
        if not path.exists():
            continue
        try:
            out += reader(path)
        except Exception as exc:  # noqa: BLE001 - a broken data file must not break search: searched as typed
            LOGGER.warning("search expansion: cannot read %s (%s); its names are searched as typed", path, exc)
    return tuple(out)


def entities(people: Path | None = None, office: Path | None = None, terms: Path | None = None
             ) -> tuple[Entity, ...]:
    """Every entity with its names (cached until a file changes)."""
    paths = (people or PEOPLE_FILE, office or OFFICE_LEXICON, terms or TERMS_LEXICON)
    return _load(*paths, tuple(_stamp(p) for p in paths))


@dataclass(frozen=True)
class Index:
    """Entity names by their first key, longest first, for matching runs of query words."""

    by_first: dict[str, list[tuple[tuple[str, ...], Entity]]]
    entities: tuple[Entity, ...] = ()

    @classmethod
    def build(cls, found: tuple[Entity, ...]) -> Index:
        by_first: dict[str, list[tuple[tuple[str, ...], Entity]]] = {}
        for entity in found:
            for keys, _ in entity.names:
                by_first.setdefault(keys[0], []).append((keys, entity))
        for names in by_first.values():
            names.sort(key=lambda ke: -len(ke[0]))
        return cls(by_first, found)

    def match(self, keys: list[str]) -> tuple[int, Entity] | None:
        """The longest entity name that ``keys`` starts with: (its length, the entity)."""
        for name, entity in self.by_first.get(keys[0], ()) if keys else ():
            if tuple(keys[:len(name)]) == name:
                return len(name), entity
        return None


@lru_cache(maxsize=8)
def _index(found: tuple[Entity, ...]) -> Index:
    return Index.build(found)


def default_index() -> Index:
    return _index(entities())

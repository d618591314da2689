"""The diaspora organisations registry: one validated row per organisation (``odjek orgs import``).

A registry file (CSV or XLSX) has one header row and these columns (order free, names fixed):

``id, name, names, short_names, country, city, city_names, type, website, registry_number``

``names``, ``short_names`` and ``city_names`` hold several values separated by ``|``: the name in the
other script, in the country's language, in English; acronyms and short forms; the city in other
languages (``Wien|Vienna``). Cyrillic and Latin spellings of one name match each other anyway, so the
second script is optional.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, field_validator

COLUMNS = ("id", "name", "names", "short_names", "country", "city", "city_names", "type", "website",
           "registry_number")
REQUIRED_COLUMNS = ("id", "name", "country", "city", "type")
LIST_SEPARATOR = "|"
MAX_NAME_CHARS = 300
MAX_VALUES = 20


class OrgType(StrEnum):
    """Kinds of organisation the registry keeps."""

    ASSOCIATION = "association"
    CLUB = "club"
    CHURCH_SCHOOL_COMMUNITY = "church_school_community"
    UNION = "union"
    FEDERATION = "federation"
    MEDIA = "media"
    COUNCIL = "council"
    OTHER = "other"


def split_values(value: object) -> list[str]:
    """``a | b|c`` → [a, b, c]; empty parts dropped, order kept, duplicates removed."""
    if value is None:
        return []
    if isinstance(value, (list, tuple)):
        parts = [str(v) for v in value]
    else:
        parts = str(value).split(LIST_SEPARATOR)
    return list(dict.fromkeys(p.strip() for p in parts if p and p.strip()))


class OrgRow(BaseModel):
    """One registry row as read from a file or the edit form."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{1,63}$")
    name: str = Field(min_length=2, max_length=MAX_NAME_CHARS)
    names: list[str] = []
    short_names: list[str] = []
    country: str = Field(pattern=r"^[A-Z]{2}$")
    city: str = Field(min_length=1, max_length=100)
    city_names: list[str] = []
    type: OrgType
    website: str | None = Field(default=None, pattern=r"^https?://[^\s/$.?#][^\s]*$", max_length=500)
    registry_number: str | None = Field(default=None, max_length=50)

    @field_validator("names", "short_names", "city_names", mode="before")
    @classmethod
    def _split(cls, value: object) -> list[str]:
        values = split_values(value)
        if len(values) > MAX_VALUES:
            raise ValueError(f"at most {MAX_VALUES} values")
        if any(len(v) > MAX_NAME_CHARS for v in values):
            raise ValueError(f"a value is longer than {MAX_NAME_CHARS} characters")
        return values

    @field_validator("country", mode="before")
    @classmethod
    def _upper(cls, value: object) -> object:
        return value.strip().upper() if isinstance(value, str) else value

    @field_validator("website", "registry_number", mode="before")
    @classmethod
    def _blank_is_none(cls, value: object) -> object:
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        return str(value).strip() if isinstance(value, (int, float)) else value

    @field_validator("short_names")
    @classmethod
    def _short_enough(cls, value: list[str]) -> list[str]:
        for short in value:
            if len(short) < 2:
                raise ValueError(f"short name {short!r} is shorter than two characters")
        return value


@dataclass(frozen=True, slots=True)
class Org:
    """A registry entry as stored in the archive."""

    id: str
    name: str
    country: str
    city: str
    type: str
    names: tuple[str, ...] = ()
    short_names: tuple[str, ...] = ()
    city_names: tuple[str, ...] = ()
    website: str | None = None
    registry_number: str | None = None

    @property
    def full_names(self) -> tuple[str, ...]:
        """The display name and every other full name."""
        return tuple(dict.fromkeys((self.name, *self.names)))

    @property
    def cities(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys((self.city, *self.city_names)))

    @classmethod
    def from_row(cls, row: OrgRow) -> Org:
        return cls(id=row.id, name=row.name, country=row.country, city=row.city, type=row.type.value,
                   names=tuple(row.names), short_names=tuple(row.short_names), city_names=tuple(row.city_names),
                   website=row.website, registry_number=row.registry_number)

    def to_row(self) -> dict[str, str]:
        """Flat strings for a CSV/XLSX row (``|`` between values)."""
        return {"id": self.id, "name": self.name, "names": LIST_SEPARATOR.join(self.names),
                "short_names": LIST_SEPARATOR.join(self.short_names), "country": self.country, "city": self.city,
                "city_names": LIST_SEPARATOR.join(self.city_names), "type": self.type,
                "website": self.website or "", "registry_number": self.registry_number or ""}


@dataclass(frozen=True, slots=True)
class OrgMention:
    """A registered organisation named in an article: character offsets into the article text."""

    org_id: str
    start: int
    end: int
    text: str
    sentence: str = ""


@dataclass(slots=True)
class OrgImportReport:
    """What an import did: entries added, changed, unchanged, removed; or the bad rows (nothing written)."""

    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    unchanged: int = 0
    removed: list[str] = field(default_factory=list)
    errors: list[tuple[int, str]] = field(default_factory=list)

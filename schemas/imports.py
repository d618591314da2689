"""The JSON-lines import format (``odjek import``): one article per line, validated line by line."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict, Field, field_validator

from schemas.config import LANGUAGE_CODES
from schemas.records import SourceGroup


class ImportLine(BaseModel):
    """``{url, title, text, published, source, language?}``; extra keys are ignored."""

    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)

    url: str = Field(pattern=r"^https?://\S+$", max_length=4000)
    title: str = Field(min_length=1, max_length=2000)
    text: str = Field(min_length=1)
    published: dt.datetime
    source: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]*$")
    language: str | None = None
    group: SourceGroup | None = None

    @field_validator("published")
    @classmethod
    def _aware(cls, value: dt.datetime) -> dt.datetime:
        if value.tzinfo is None:
            raise ValueError("published needs a timezone (e.g. 2026-03-16T09:30:00+01:00)")
        return value

    @field_validator("language")
    @classmethod
    def _known(cls, value: str | None) -> str | None:
        if value is not None and value not in LANGUAGE_CODES:
            raise ValueError(f"unknown language {value!r}")
        return value

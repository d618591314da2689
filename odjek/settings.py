"""Load Odjek's settings: ``ODJEK_*`` environment variables ← optional YAML file (``ODJEK_SETTINGS_FILE``) ← defaults.

The models, their defaults and help texts are in :mod:`schemas.settings` (floor 1); this module only reads the
environment (with pydantic-settings' environment source, over any mapping) and the flat YAML file, and hands back
a frozen ``Settings``.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml
from pydantic_settings import EnvSettingsSource

from schemas.settings import CONCERNS, ENV_PREFIX, OWNER, Concern, Settings, settings_table_markdown

PROJECT_ROOT = Path(__file__).resolve().parent.parent

__all__ = ["PROJECT_ROOT", "Settings", "load_settings", "settings_table_markdown"]


class _MappingEnvSource(EnvSettingsSource):
    """pydantic-settings' environment source over a given mapping (tests, child processes) instead of os.environ."""

    def __init__(self, settings_cls: type[Concern], env: Mapping[str, str]) -> None:
        self._env = env
        super().__init__(settings_cls, case_sensitive=False, env_prefix=ENV_PREFIX)

    def _load_env_vars(self) -> Mapping[str, str | None]:
        # case-insensitive like the source itself: it looks names up lower-cased
        return {key.lower(): value for key, value in self._env.items()}


def _file_values(path: str) -> dict[str, Any]:
    """The settings file's flat mapping; OSError and yaml.YAMLError pass through for the CLI to word."""
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    if not isinstance(data, dict):
        raise ValueError(f"{path}: expected a mapping of settings")
    unknown = sorted(set(data) - set(OWNER))
    if unknown:
        raise ValueError(f"{path}: unknown setting {unknown[0]!r}")
    return data


def load_settings(env: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
    """Defaults ← settings file (``ODJEK_SETTINGS_FILE``, YAML) ← ``ODJEK_*`` variables ← overrides."""
    env = dict(os.environ if env is None else env)
    merged: dict[str, Any] = {}
    settings_file = env.get("ODJEK_SETTINGS_FILE")
    if settings_file:
        merged.update(_file_values(settings_file))
    for concern in CONCERNS:
        merged.update(_MappingEnvSource(concern, env)())
    merged.update({k: v for k, v in overrides.items() if v is not None})
    return Settings.from_mapping(merged, root=PROJECT_ROOT)

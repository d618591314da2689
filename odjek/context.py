"""Helpers shared by commands: settings and archive from the environment, JSON output."""

from __future__ import annotations

import json
from typing import Any

import click

from odjek.settings import Settings, load_settings


def settings_from_env(**overrides: Any) -> Settings:
    import yaml

    from odjek.errors import InputError

    try:
        return load_settings(**overrides)
    except ValueError as exc:
        raise InputError(str(exc)) from None
    except OSError as exc:  # the settings file named by ODJEK_SETTINGS_FILE cannot be read
        raise InputError(f"settings file: {exc.strerror or exc}: {exc.filename or ''}".rstrip(": ")) from None
    except yaml.YAMLError as exc:
        raise InputError(f"settings file is not valid YAML: {' '.join(str(exc).split())}") from None


def echo_json(obj: Any) -> None:
    """One JSON object per line, UTF-8, dates as ISO strings."""
    click.echo(json.dumps(obj, ensure_ascii=False, default=_default))


def _default(obj: Any) -> Any:
    if hasattr(obj, "isoformat"):
        return obj.isoformat()
    if isinstance(obj, (set, frozenset)):
        return sorted(obj)
    raise TypeError(f"not JSON serialisable: {type(obj).__name__}")



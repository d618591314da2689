"""Container entrypoint: refuse to start with missing or placeholder secrets, then run the given command.

Every Odjek container (Airflow components and the web UI) starts through this script. A secret that is
empty, too short or still a placeholder from .env.example (``change-me…``, ``example``) stops the
container with one line per problem, instead of running an Airflow or a web UI anyone could sign into.
Usage: ``check_env.py COMMAND [ARG…]`` (``--check`` only checks and exits 0 or 2).
"""

from __future__ import annotations

import base64
import binascii
import os
import sys
from collections.abc import Mapping
from urllib.parse import urlsplit

PLACEHOLDER_MARKS = ("change-me", "changeme", "example", "placeholder", "secret-here")
MIN_SECRET_CHARS = 32
MIN_PASSWORD_CHARS = 12

# Needed by every Odjek container.
COMMON_SECRETS = ("ODJEK_SECRET_KEY",)
# Needed by an Airflow component (any container with AIRFLOW__CORE__EXECUTOR set).
AIRFLOW_SECRETS = ("AIRFLOW__API__SECRET_KEY", "AIRFLOW__API_AUTH__JWT_SECRET")
PASSWORDS = ("_AIRFLOW_ADMIN_PASSWORD",)
DATABASE_URLS = ("ODJEK_DATABASE_URL", "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN")
PUBLIC_URLS = ("ODJEK_BASE_URL", "AIRFLOW__API__BASE_URL")


def _placeholder(value: str) -> bool:
    lowered = value.lower()
    return any(mark in lowered for mark in PLACEHOLDER_MARKS)


def _fernet_problem(value: str) -> str | None:
    try:
        raw = base64.urlsafe_b64decode(value.encode("ascii"))
    except (binascii.Error, ValueError, UnicodeEncodeError):
        return "is not a Fernet key (url-safe base64)"
    if len(raw) != 32:
        return "is not a Fernet key (must decode to 32 bytes)"
    return None


def problems(env: Mapping[str, str]) -> list[str]:
    """What is wrong with the secrets and public URLs in ``env`` (empty when the container may start)."""
    found: list[str] = []
    airflow = bool(env.get("AIRFLOW__CORE__EXECUTOR"))
    for name in COMMON_SECRETS + (AIRFLOW_SECRETS if airflow else ()):
        value = env.get(name, "")
        if not value:
            found.append(f"{name} is not set")
        elif _placeholder(value):
            found.append(f"{name} is still the placeholder from .env.example")
        elif len(value) < MIN_SECRET_CHARS:
            found.append(f"{name} is shorter than {MIN_SECRET_CHARS} characters")
    if airflow:
        fernet = env.get("AIRFLOW__CORE__FERNET_KEY", "")
        problem = "is not set" if not fernet else _fernet_problem(fernet)
        if problem:
            found.append(f"AIRFLOW__CORE__FERNET_KEY {problem}")
    for name in PASSWORDS:
        value = env.get(name)
        if value is None:
            continue
        if _placeholder(value) or len(value) < MIN_PASSWORD_CHARS:
            found.append(f"{name} is a placeholder or shorter than {MIN_PASSWORD_CHARS} characters")
    for name in DATABASE_URLS:
        value = env.get(name)
        if value and _placeholder(urlsplit(value).password or ""):
            found.append(f"{name} still carries the placeholder database password")
    for name in PUBLIC_URLS:
        if name == "AIRFLOW__API__BASE_URL" and not airflow:
            continue
        value = env.get(name, "")
        parts = urlsplit(value)
        if not value:
            found.append(f"{name} is not set (links in alerts and digests use it)")
        elif parts.scheme != "https" or not parts.hostname:
            found.append(f"{name} must be an https:// URL (the TLS proxy serves it), not {value!r}")
        elif _placeholder(parts.hostname) or parts.hostname in {"localhost", "127.0.0.1"}:
            found.append(f"{name} names a placeholder or local host ({parts.hostname})")
    return found


def main(argv: list[str]) -> int:
    found = problems(os.environ)
    for problem in found:
        print(f"odjek: refusing to start: {problem}", file=sys.stderr)
    if found:
        return 2
    if not argv or argv == ["--check"]:
        return 0
    os.execvp(argv[0], argv)
    return 0  # not reached


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))

"""One settings object for Odjek, read from ``ODJEK_*`` environment variables and an optional file.

Every setting, its default and its help text live in ``SETTINGS`` below and nowhere else; the README's
configuration table is generated from it and a test checks they agree. Secrets are never printed.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

import yaml

PROJECT_ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True, slots=True)
class Setting:
    name: str
    default: Any
    help: str
    secret: bool = False


def _bool(value: str | bool) -> bool:
    if isinstance(value, bool):
        return value
    lowered = str(value).strip().lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off", ""}:
        return False
    raise ValueError(f"not a boolean: {value!r}")


def _list(value: str | list) -> list[str]:
    if isinstance(value, list):
        return [str(v) for v in value]
    return [part.strip() for part in str(value).split(",") if part.strip()]


SETTINGS: list[Setting] = [
    Setting("data_dir", "var", "Folder for the archive, raw pages, digests and the outbox (relative to the project)."),
    Setting("database_url", "", "Archive store: empty for SQLite at DATA_DIR/odjek.db, `sqlite:///path.db` or `postgresql://…`.", secret=True),
    Setting("sources_file", "config/sources.yaml", "The outlets to monitor."),
    Setting("people_file", "config/people.yaml", "The watched people (the director)."),
    Setting("people_max_age_days", 180, "`odjek sources check` warns when the people file's current term was confirmed longer ago."),
    Setting("allow_private_addresses", False, "Allow fetching loopback/private addresses (only the demo and tests need it)."),
    Setting("user_agent", "OdjekBot/0.1 (+mailto:{contact})", "User agent for all requests; `{contact}` is replaced by CONTACT."),
    Setting("contact", "press@dijaspora.gov.rs", "Contact address announced in the user agent."),
    Setting("download_timeout_s", 20.0, "Per-request timeout in seconds."),
    Setting("max_page_bytes", 5_000_000, "Largest page accepted, decompressed size included."),
    Setting("concurrency_per_domain", 2, "Parallel requests per host."),
    Setting("download_delay_s", 1.0, "Minimum delay between requests to one host (AutoThrottle starts here)."),
    Setting("max_redirects", 5, "Redirects followed before a page is recorded as failed."),
    Setting("max_attempts", 3, "Attempts per URL before it stays failed."),
    Setting("batch_size", 200, "URLs a stage claims per transaction."),
    Setting("claim_lease_s", 900, "Seconds after which a claim by a vanished worker may be taken over."),
    Setting("cluster_window_days", 7, "New articles join clusters whose last article is at most this old."),
    Setting("raw_retention_days", 90, "Raw HTML older than this is deleted by maintenance; articles are kept."),
    Setting("silent_source_runs", 3, "Failed or empty runs in a row after which a source is flagged."),
    Setting("timezone", "Europe/Belgrade", "Timezone for digest periods and display."),
    Setting("output_script", "cyrl", "Script of digests and the web UI: `cyrl` or `latn`."),
    Setting("ui_language", "sr", "Web UI language: `sr` or `en`."),
    Setting("smtp_host", "", "SMTP server; empty writes mail to the outbox folder as .eml."),
    Setting("smtp_port", 587, "SMTP port."),
    Setting("smtp_user", "", "SMTP login."),
    Setting("smtp_password", "", "SMTP password.", secret=True),
    Setting("smtp_starttls", True, "Use STARTTLS."),
    Setting("smtp_timeout_s", 20, "Seconds the SMTP relay may take to answer each step before the attempt fails."),
    Setting("smtp_ca_file", "", "CA certificate file to verify the SMTP relay with (empty: the system's roots)."),
    Setting("mail_from", "odjek@dijaspora.gov.rs", "Sender of digests and alerts."),
    Setting("daily_recipients", [], "Comma-separated recipients of the daily digest."),
    Setting("weekly_recipients", [], "Comma-separated recipients of the weekly digest."),
    Setting("ops_recipients", [], "Comma-separated recipients of operator alerts."),
    Setting("review_digests", False, "Hold digests for review in the web UI before sending."),
    Setting("secret_key", "", "Key for signing web sessions and CSRF tokens (set in production).", secret=True),
    Setting("web_host", "127.0.0.1", "Address the web UI listens on."),
    Setting("web_port", 8000, "Port the web UI listens on."),
    Setting("web_db_pool_size", 8, "Most archive connections the web UI holds at once (requests wait for a free one)."),
    Setting("base_url", "http://127.0.0.1:8000", "Public URL of the web UI (links in mail)."),
    Setting("secure_cookies", False, "Mark session cookies Secure (on behind HTTPS)."),
    Setting("concurrent_requests", 32, "Parallel requests of one crawl over all hosts (per host: CONCURRENCY_PER_DOMAIN)."),
    Setting("retry_times", 2, "In-run retries of a 5xx/429 response, with backoff, before the URL is recorded as failed."),
    Setting("retry_backoff_s", 2.0, "First in-run retry delay after a 5xx without Retry-After; doubles per retry."),
    Setting("retry_after_max_s", 300, "Longest Retry-After honoured within a run by pausing the host; longer ones end the attempt."),
    Setting("section_max_pages", 5, "Pages of one section (pagination) read per discovery run."),
    Setting("max_urls_per_source", 1000, "New URLs taken from one source per discovery run (bounds a first sitemap crawl), and URLs fetched per source per fetch run."),
    Setting("crawl_timeout_s", 3600, "Longest a crawl subprocess may run: it stops itself shortly before (unstarted URLs wait for the next run) and is killed at the limit."),
    Setting("sitemap_max_children", 50, "Child sitemaps of sitemap indexes followed per source and discovery run (newest first)."),
    Setting("fallback_after_runs", 2, "Discovery runs in a row a source's active path must fail before its next fallback path is used."),
    Setting("google_news_url", "https://news.google.com/rss/search?q=site:{domain}&hl=sr&gl=RS&ceid=RS:sr", "Google News RSS query of the last fallback path; `{domain}` is the outlet's domain (tests point it at loopback)."),
    Setting("stale_after_hours", 72, "A feed or sitemap whose newest item is older than this is reported stale by the probe."),
    Setting("probe_sample_items", 2, "Items per path the probe fetches and extracts to check they are articles."),
    Setting("source_max_timeouts", 10, "Timeouts or broken connections in a row after which a source's other URLs wait for the next fetch run."),
]

_BY_NAME = {s.name: s for s in SETTINGS}


@dataclass(frozen=True, slots=True)
class Settings:
    """Resolved settings; build with :func:`load_settings` (or ``Settings.from_mapping`` in tests)."""

    values: dict[str, Any] = field(default_factory=dict)

    def __getattr__(self, name: str) -> Any:
        try:
            return object.__getattribute__(self, "values")[name]
        except KeyError:
            raise AttributeError(name) from None

    @classmethod
    def from_mapping(cls, overrides: dict[str, Any] | None = None) -> "Settings":
        values = {s.name: s.default for s in SETTINGS}
        for key, raw in (overrides or {}).items():
            if key not in _BY_NAME:
                raise ValueError(f"unknown setting {key!r}")
            values[key] = _coerce(_BY_NAME[key], raw)
        return cls(values)

    def replace(self, **changes: Any) -> "Settings":
        merged = dict(self.values)
        for key, raw in changes.items():
            merged[key] = _coerce(_BY_NAME[key], raw)
        return Settings(merged)

    # Derived paths -------------------------------------------------------------------------
    def path(self, value: str | Path) -> Path:
        p = Path(value)
        return p if p.is_absolute() else PROJECT_ROOT / p

    @property
    def data_path(self) -> Path:
        return self.path(self.values["data_dir"])

    @property
    def digests_path(self) -> Path:
        return self.data_path / "digests"

    @property
    def outbox_path(self) -> Path:
        return self.data_path / "outbox"

    @property
    def sources_path(self) -> Path:
        return self.path(self.values["sources_file"])

    @property
    def people_path(self) -> Path:
        return self.path(self.values["people_file"])

    @property
    def resolved_database_url(self) -> str:
        url = self.values["database_url"]
        return url or f"sqlite:///{self.data_path / 'odjek.db'}"

    @property
    def resolved_user_agent(self) -> str:
        return self.values["user_agent"].replace("{contact}", self.values["contact"])

    def redacted(self) -> dict[str, Any]:
        """All settings with secrets masked, for `odjek status` and logs."""
        out = {}
        for s in SETTINGS:
            value = self.values[s.name]
            if s.secret and value:
                value = _redact_url(value) if s.name == "database_url" else "********"
            out[s.name] = value
        return out


def _redact_url(url: str) -> str:
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(url)
    if parts.password:
        netloc = parts.netloc.replace(f":{parts.password}@", ":********@")
        return urlunsplit(parts._replace(netloc=netloc))
    return url


def _coerce(setting: Setting, raw: Any) -> Any:
    default = setting.default
    try:
        if isinstance(default, bool):
            return _bool(raw)
        if isinstance(default, int):
            return int(raw)
        if isinstance(default, float):
            return float(raw)
        if isinstance(default, list):
            return _list(raw)
        return str(raw)
    except ValueError as exc:
        raise ValueError(f"setting {setting.name}: {exc}") from None


def load_settings(env: dict[str, str] | None = None, **overrides: Any) -> Settings:
    """Defaults ← settings file (``ODJEK_SETTINGS_FILE``, YAML) ← ``ODJEK_*`` variables ← overrides."""
    env = dict(os.environ if env is None else env)
    merged: dict[str, Any] = {}
    settings_file = env.get("ODJEK_SETTINGS_FILE")
    if settings_file:
        data = yaml.safe_load(Path(settings_file).read_text(encoding="utf-8")) or {}
        if not isinstance(data, dict):
            raise ValueError(f"{settings_file}: expected a mapping of settings")
        merged.update(data)
    for s in SETTINGS:
        key = f"ODJEK_{s.name.upper()}"
        if key in env:
            merged[s.name] = env[key]
    merged.update({k: v for k, v in overrides.items() if v is not None})
    return Settings.from_mapping(merged)


def settings_table_markdown() -> str:
    """The README's configuration table, generated from SETTINGS."""
    rows = ["| variable | default | meaning |", "|---|---|---|"]
    for s in SETTINGS:
        default = ", ".join(s.default) if isinstance(s.default, list) else s.default
        rows.append(f"| `ODJEK_{s.name.upper()}` | `{json.dumps(default) if default == '' else default}` | {s.help} |")
    return "\n".join(rows)


def field_names() -> list[str]:
    return [f.name for f in fields(Settings)]

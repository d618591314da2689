"""Odjek's settings as typed models, one per concern (archive, crawl, tag, locale, mail, digest, web).

Every setting, its default and its help text live in the fields below and nowhere else: ``odjek.settings``
loads them (``ODJEK_<NAME>`` variables ← optional YAML file ← these defaults), the README's configuration
table is generated from them, and every package below ``odjek/`` receives them as arguments. Setting names
are unique across concerns so a setting keeps one flat name (its variable, its YAML key). Secrets are
``SecretStr`` and show masked. Defining the models does no I/O.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any, ClassVar
from urllib.parse import urlsplit, urlunsplit

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, SecretStr, ValidationError
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

ENV_PREFIX = "ODJEK_"
MASK = "********"


def _flag(value: Any) -> Any:
    """Booleans as the table has always read them: 1/true/yes/on, 0/false/no/off, and empty for false."""
    if isinstance(value, str):
        lowered = value.strip().lower()
        if lowered in {"1", "true", "yes", "on"}:
            return True
        if lowered in {"0", "false", "no", "off", ""}:
            return False
        raise ValueError(f"not a boolean: {value!r}")
    return value


def _comma_list(value: Any) -> Any:
    """Recipient lists: a YAML list, or one comma-separated string (the only way an environment variable can say it)."""
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    if isinstance(value, (list, tuple)):
        return [str(v) for v in value]
    return value


Flag = Annotated[bool, BeforeValidator(_flag)]
# NoDecode: the environment source must not try JSON on "a@x, b@y"; _comma_list splits it instead.
Addresses = Annotated[list[str], NoDecode, BeforeValidator(_comma_list)]


class Concern(BaseSettings):
    """One concern's settings: frozen, unknown keys refused, read from ``ODJEK_<NAME>``."""

    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, frozen=True, extra="forbid", validate_default=True)
    CONCERN: ClassVar[str] = ""


class ArchiveSettings(Concern):
    CONCERN: ClassVar[str] = "archive"

    data_dir: str = Field("var", description="Folder for the archive, raw pages, digests and the outbox (relative to the project).")
    database_url: SecretStr = Field(SecretStr(""), description="Archive store: empty for SQLite at DATA_DIR/odjek.db, `sqlite:///path.db` or `postgresql://…`.")
    batch_size: int = Field(200, description="URLs a stage claims per transaction.")
    claim_lease_s: int = Field(900, description="Seconds after which a claim by a vanished worker may be taken over.")
    max_attempts: int = Field(3, description="Attempts per URL before it stays failed.")
    raw_retention_days: int = Field(90, description="Raw HTML older than this is deleted by maintenance; articles are kept.")
    silent_source_runs: int = Field(3, description="Failed or empty runs in a row after which a source is flagged.")


class CrawlSettings(Concern):
    CONCERN: ClassVar[str] = "crawl"

    sources_file: str = Field("config/sources.yaml", description="The outlets to monitor.")
    allow_private_addresses: Flag = Field(False, description="Allow fetching loopback/private addresses (only the demo and tests need it).")
    user_agent: str = Field("OdjekBot/0.1 (+mailto:{contact})", description="User agent for all requests; `{contact}` is replaced by CONTACT.")
    contact: str = Field("press@dijaspora.gov.rs", description="Contact address announced in the user agent.")
    download_timeout_s: float = Field(20.0, description="Per-request timeout in seconds.")
    max_page_bytes: int = Field(5_000_000, description="Largest page accepted, decompressed size included.")
    concurrency_per_domain: int = Field(2, description="Parallel requests per host.")
    download_delay_s: float = Field(1.0, description="Minimum delay between requests to one host (AutoThrottle starts here).")
    max_redirects: int = Field(5, description="Redirects followed before a page is recorded as failed.")
    concurrent_requests: int = Field(32, description="Parallel requests of one crawl over all hosts (per host: CONCURRENCY_PER_DOMAIN).")
    retry_times: int = Field(2, description="In-run retries of a 5xx/429 response, with backoff, before the URL is recorded as failed.")
    retry_backoff_s: float = Field(2.0, description="First in-run retry delay after a 5xx without Retry-After; doubles per retry.")
    retry_after_max_s: int = Field(300, description="Longest Retry-After honoured within a run by pausing the host; longer ones end the attempt.")
    section_max_pages: int = Field(5, description="Pages of one section (pagination) read per discovery run.")
    max_urls_per_source: int = Field(1000, description="New URLs taken from one source per discovery run (bounds a first sitemap crawl), and URLs fetched per source per fetch run.")
    crawl_timeout_s: int = Field(3600, description="Longest a crawl subprocess may run: it stops itself shortly before (unstarted URLs wait for the next run) and is killed at the limit.")
    sitemap_max_children: int = Field(50, description="Child sitemaps of sitemap indexes followed per source and discovery run (newest first).")
    fallback_after_runs: int = Field(2, description="Discovery runs in a row a source's active path must fail before its next fallback path is used.")
    google_news_url: str = Field("https://news.google.com/rss/search?q=site:{domain}&hl=sr&gl=RS&ceid=RS:sr", description="Google News RSS query of the last fallback path; `{domain}` is the outlet's domain (tests point it at loopback).")
    stale_after_hours: int = Field(72, description="A feed or sitemap whose newest item is older than this is reported stale by the probe.")
    probe_sample_items: int = Field(2, description="Items per path the probe fetches and extracts to check they are articles.")
    source_max_timeouts: int = Field(10, description="Timeouts or broken connections in a row after which a source's other URLs wait for the next fetch run.")

    @property
    def resolved_user_agent(self) -> str:
        return self.user_agent.replace("{contact}", self.contact)


class TagSettings(Concern):
    CONCERN: ClassVar[str] = "tag"

    people_file: str = Field("config/people.yaml", description="The watched people (the director).")
    people_max_age_days: int = Field(180, description="`odjek sources check` warns when the people file's current term was confirmed longer ago.")
    cluster_window_days: int = Field(7, description="New articles join clusters whose last article is at most this old.")


class LocaleSettings(Concern):
    CONCERN: ClassVar[str] = "locale"

    timezone: str = Field("Europe/Belgrade", description="Timezone for digest periods and display.")
    output_script: str = Field("cyrl", description="Script of digests and the web UI: `cyrl` or `latn`.")
    ui_language: str = Field("sr", description="Web UI language: `sr` or `en`.")


class MailSettings(Concern):
    CONCERN: ClassVar[str] = "mail"

    smtp_host: str = Field("", description="SMTP server; empty writes mail to the outbox folder as .eml.")
    smtp_port: int = Field(587, description="SMTP port.")
    smtp_user: str = Field("", description="SMTP login.")
    smtp_password: SecretStr = Field(SecretStr(""), description="SMTP password.")
    smtp_starttls: Flag = Field(True, description="Use STARTTLS.")
    smtp_timeout_s: int = Field(20, description="Seconds the SMTP relay may take to answer each step before the attempt fails.")
    smtp_ca_file: str = Field("", description="CA certificate file to verify the SMTP relay with (empty: the system's roots).")
    mail_from: str = Field("odjek@dijaspora.gov.rs", description="Sender of digests and alerts.")


class DigestSettings(Concern):
    CONCERN: ClassVar[str] = "digest"

    daily_recipients: Addresses = Field([], description="Comma-separated recipients of the daily digest.")
    weekly_recipients: Addresses = Field([], description="Comma-separated recipients of the weekly digest.")
    ops_recipients: Addresses = Field([], description="Comma-separated recipients of operator alerts.")
    review_digests: Flag = Field(False, description="Hold digests for review in the web UI before sending.")


class WebSettings(Concern):
    CONCERN: ClassVar[str] = "web"

    secret_key: SecretStr = Field(SecretStr(""), description="Key for signing web sessions and CSRF tokens (set in production).")
    web_host: str = Field("127.0.0.1", description="Address the web UI listens on.")
    web_port: int = Field(8000, description="Port the web UI listens on.")
    web_db_pool_size: int = Field(8, description="Most archive connections the web UI holds at once (requests wait for a free one).")
    base_url: str = Field("http://127.0.0.1:8000", description="Public URL of the web UI (links in mail).")
    secure_cookies: Flag = Field(False, description="Mark session cookies Secure (on behind HTTPS).")


CONCERNS: tuple[type[Concern], ...] = (ArchiveSettings, CrawlSettings, TagSettings, LocaleSettings, MailSettings,
                                       DigestSettings, WebSettings)
# Which concern owns each flat setting name; a name in two concerns would make the environment ambiguous.
OWNER: dict[str, type[Concern]] = {name: cls for cls in CONCERNS for name in cls.model_fields}
assert len(OWNER) == sum(len(cls.model_fields) for cls in CONCERNS), "a setting name appears in two concerns"


def concern_values(flat: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Split flat ``name: value`` pairs by concern; an unknown name is an error that names it."""
    grouped: dict[str, dict[str, Any]] = {cls.CONCERN: {} for cls in CONCERNS}
    for name, value in flat.items():
        if name not in OWNER:
            raise ValueError(f"unknown setting {name!r}")
        grouped[OWNER[name].CONCERN][name] = value
    return grouped


class Settings(BaseModel):
    """All concerns together, plus the folder relative paths are read against (the project)."""

    model_config = ConfigDict(frozen=True)

    root: Path
    archive: ArchiveSettings
    crawl: CrawlSettings
    tag: TagSettings
    locale: LocaleSettings
    mail: MailSettings
    digest: DigestSettings
    web: WebSettings

    @classmethod
    def from_mapping(cls, values: dict[str, Any] | None = None, *, root: Path | None = None) -> Settings:
        """Defaults with flat overrides (``{"batch_size": 7}``), no environment read; tests and the loader use it."""
        grouped = concern_values(dict(values or {}))
        try:
            parts = {c.CONCERN: c.model_validate(grouped[c.CONCERN]) for c in CONCERNS}
        except ValidationError as exc:  # one line naming each bad setting, for the CLI's exit-2 message
            raise ValueError("; ".join(f"setting {'.'.join(map(str, e['loc']))}: {e['msg']} (got {e['input']!r})"
                                       for e in exc.errors())) from None
        return cls(root=root or Path(__file__).resolve().parent.parent, **parts)

    @classmethod
    def from_variables(cls, variables: Mapping[str, str]) -> Settings:
        """Settings from ``ODJEK_<NAME>`` pairs already in hand (a crawl child's environment), defaults for the rest."""
        return cls.from_mapping({name: variables[f"{ENV_PREFIX}{name.upper()}"] for name in OWNER
                                 if f"{ENV_PREFIX}{name.upper()}" in variables})

    def flat(self, *, reveal: bool = False) -> dict[str, Any]:
        """Every setting by its flat name; secrets masked unless ``reveal`` (for a child process's environment)."""
        out: dict[str, Any] = {}
        for cls in CONCERNS:
            part = getattr(self, cls.CONCERN)
            for name in cls.model_fields:
                value = getattr(part, name)
                if isinstance(value, SecretStr):
                    value = value.get_secret_value() if reveal else _mask(name, value.get_secret_value())
                out[name] = value
        return out

    def replace(self, **changes: Any) -> Settings:
        """A copy with some flat settings changed (validated as on load)."""
        merged = self.flat(reveal=True)
        merged.update(changes)
        return Settings.from_mapping(merged, root=self.root)

    def redacted(self) -> dict[str, Any]:
        """All settings with secrets masked, for `odjek status` and logs."""
        return self.flat(reveal=False)

    # Derived paths -------------------------------------------------------------------------
    def path(self, value: str | Path) -> Path:
        p = Path(value)
        return p if p.is_absolute() else self.root / p

    @property
    def data_path(self) -> Path:
        return self.path(self.archive.data_dir)

    @property
    def digests_path(self) -> Path:
        return self.data_path / "digests"

    @property
    def outbox_path(self) -> Path:
        return self.data_path / "outbox"

    @property
    def sources_path(self) -> Path:
        return self.path(self.crawl.sources_file)

    @property
    def people_path(self) -> Path:
        return self.path(self.tag.people_file)

    @property
    def resolved_database_url(self) -> str:
        url = self.archive.database_url.get_secret_value()
        return url or f"sqlite:///{self.data_path / 'odjek.db'}"

    @property
    def resolved_user_agent(self) -> str:
        return self.crawl.resolved_user_agent


def _mask(name: str, value: str) -> str:
    if not value:
        return value
    if name == "database_url":
        parts = urlsplit(value)
        if parts.password:
            return urlunsplit(parts._replace(netloc=parts.netloc.replace(f":{parts.password}@", f":{MASK}@")))
        return value
    return MASK


def settings_table_markdown() -> str:
    """The README's configuration table: one row per setting, grouped by concern."""
    rows = ["| variable | concern | default | meaning |", "|---|---|---|---|"]
    for cls in CONCERNS:
        for name, info in cls.model_fields.items():
            default = info.default
            if isinstance(default, SecretStr):
                default = default.get_secret_value()
            if isinstance(default, list):
                default = ", ".join(default)
            shown = '""' if default == "" else default
            rows.append(f"| `{ENV_PREFIX}{name.upper()}` | {cls.CONCERN} | `{shown}` | {info.description} |")
    return "\n".join(rows)

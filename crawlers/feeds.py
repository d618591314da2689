"""RSS 0.9x/1.0/2.0 and Atom feeds → discovered article URLs, from bytes already fetched.

:func:`parse_feed` never raises on bad input and never does I/O: the Scrapy collector calls it on the
response body, tests call it on files. A feed that yields nothing usable comes back with ``error`` set
(HTTP status is the caller's business; here: refused XML, parse error, empty); an ill-formed feed that
still parses soundly comes back with its entries and a warning.
"""

from __future__ import annotations

import calendar
import datetime as dt
import html
import io
import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import urljoin

from crawlers.canonical import is_http_url
from crawlers.safety import xml_problem
from schemas.records import DiscoveredUrl

LOGGER = logging.getLogger(__name__)

MAX_TITLE_CHARS = 500
MAX_SUMMARY_CHARS = 2000
# Bozo exceptions that say only "the charset/content type was odd"; the document itself parsed fine.
BENIGN_BOZO = {"CharacterEncodingOverride", "NonXMLContentType"}
_ITEM_TAG = re.compile(rb"<(?:[a-z0-9_]+:)?(?:item|entry)[\s>/]", re.IGNORECASE)


@dataclass(slots=True)
class FeedResult:
    """What one feed document gave: usable entries, or an error; warnings for ill-formed but usable feeds."""

    url: str
    entries: list[DiscoveredUrl] = field(default_factory=list)
    error: str | None = None
    warnings: list[str] = field(default_factory=list)
    total_entries: int = 0
    version: str = ""
    newest: dt.datetime | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


# Plain text ---------------------------------------------------------------------------------------

_BLOCKS = re.compile(r"<(script|style|iframe|object|embed|noscript|template)\b.*?(</\1\s*>|$)", re.IGNORECASE | re.DOTALL)
_TAG = re.compile(r"<[^<>]*>")
_TAG_START = re.compile(r"<(?=[A-Za-z/!?])")
_SCRIPT_SCHEME = re.compile(r"(?:java|vb|live)\s*script\s*:|data\s*:\s*text/html", re.IGNORECASE)
_EVENT_HANDLER = re.compile(r"\bon[a-z]{3,}\s*=", re.IGNORECASE)
_SPACE = re.compile(r"\s+")


def plain_text(fragment: str | None, max_chars: int = MAX_SUMMARY_CHARS) -> str | None:
    """HTML fragment → one line of plain text with no markup, script URL or event handler left, or None."""
    if not fragment:
        return None
    text = fragment
    for _ in range(4):  # escaped markup (&lt;script&gt;) becomes markup after unescaping: strip again
        stripped = html.unescape(_TAG.sub(" ", _BLOCKS.sub(" ", text)))
        if stripped == text:
            break
        text = stripped
    text = _TAG_START.sub("", text)
    text = _EVENT_HANDLER.sub("", _SCRIPT_SCHEME.sub("", text))
    text = _SPACE.sub(" ", text).strip()
    if len(text) > max_chars:
        text = text[: max_chars - 1].rstrip() + "…"
    return text or None


# Entries ------------------------------------------------------------------------------------------

def _entry_time(entry: Mapping) -> dt.datetime | None:
    """Publication (else update) time of a feed entry, in UTC."""
    for key in ("published_parsed", "updated_parsed", "created_parsed"):
        parsed = entry.get(key)
        if parsed:
            try:
                return dt.datetime.fromtimestamp(calendar.timegm(parsed), dt.UTC)
            except (OverflowError, ValueError, TypeError):
                continue
    return None


def _entry_link(entry: Mapping, base: str) -> str | None:
    """The article URL of an entry: FeedBurner's original link, the link, an alternate link, or a permalink id."""
    candidates = [entry.get("feedburner_origlink"), entry.get("link")]
    candidates += [link.get("href") for link in entry.get("links", []) or []
                   if isinstance(link, Mapping) and link.get("rel", "alternate") == "alternate"]
    if entry.get("guidislink") or str(entry.get("id", "")).startswith(("http://", "https://")):
        candidates.append(entry.get("id"))
    for candidate in candidates:
        if not candidate or not isinstance(candidate, str):
            continue
        url = urljoin(base, candidate.strip())
        if is_http_url(url):
            return url
    return None


def _bozo_name(result: Mapping) -> str:
    exc = result.get("bozo_exception")
    return type(exc).__name__ if exc is not None else ""


def _bozo_text(result: Mapping) -> str:
    exc = result.get("bozo_exception")
    message = str(exc).strip() or type(exc).__name__
    line = getattr(exc, "getLineNumber", None)
    if callable(line) and not str(exc).strip():
        try:
            message += f" (line {line()})"
        except Exception:  # noqa: BLE001 - the line number is a nicety only
            pass
    return message[:300]


def parse_feed(body: bytes, url: str, source_id: str, headers: Mapping[str, str] | None = None) -> FeedResult:
    """Parse feed bytes into discovered URLs (title/summary as sanitised plain text); never raises."""
    result = FeedResult(url=url)
    if not body or not body.strip():
        result.error = "empty: the response body is empty"
        return result
    problem = xml_problem(body)
    if problem:
        result.error = problem
        return result
    try:
        parsed = _feedparser_parse(body, url, headers)
    except Exception as exc:  # noqa: BLE001 - feedparser on hostile bytes; one feed must not stop the run
        LOGGER.warning("feed %s: parser crashed: %r", url, exc)
        result.error = f"parse error: parser crashed ({type(exc).__name__}: {exc})"[:300]
        return result
    result.version = parsed.get("version") or ""
    entries = parsed.get("entries") or []
    result.total_entries = len(entries)
    if parsed.get("bozo") and _bozo_name(parsed) not in BENIGN_BOZO:
        declared_items = len(_ITEM_TAG.findall(body))
        if not entries or (declared_items and len(entries) < declared_items):
            # The lenient parser lost entries: what it did recover cannot be trusted either.
            result.error = (f"parse error: malformed XML ({_bozo_text(parsed)}); the lenient parse recovered "
                            f"{len(entries)} of {declared_items} entries")
            return result
        result.warnings.append(f"ill-formed feed ({_bozo_text(parsed)}); {len(entries)} entries used")
    if not entries:
        kind = result.version or "no recognisable feed format"
        result.error = f"empty: no entries ({kind})"
        return result
    seen: set[str] = set()
    for entry in entries:
        link = _entry_link(entry, url)
        if not link or link in seen:
            continue
        seen.add(link)
        published = _entry_time(entry)
        result.entries.append(DiscoveredUrl(
            url=link, source_id=source_id, via="feed",
            title=plain_text(entry.get("title"), MAX_TITLE_CHARS),
            summary=plain_text(entry.get("summary") or entry.get("description"), MAX_SUMMARY_CHARS),
            published=published))
        if published and (result.newest is None or published > result.newest):
            result.newest = published
    if not result.entries:
        result.error = f"empty: {len(entries)} entries but none links to an http(s) page"
    return result


def _feedparser_parse(body: bytes, url: str, headers: Mapping[str, str] | None):
    """feedparser on a byte stream (a stream, so feedparser never treats the data as a URL or a path)."""
    import feedparser

    response_headers = {"content-location": url}
    for name, value in (headers or {}).items():
        if name.lower() in ("content-type", "content-language"):
            response_headers[name.lower()] = value
    return feedparser.parse(io.BytesIO(body), response_headers=response_headers, sanitize_html=True,
                            resolve_relative_uris=True)

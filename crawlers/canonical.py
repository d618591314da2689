"""Canonical URLs: one spelling per article, so the frontier never holds the same page twice.

Built on w3lib's ``canonicalize_url`` (percent-encoding, IDNA hosts, sorted query, no fragment) plus the
rules news sites need: tracking parameters, AMP variants, ``index.html`` and default ports go away.
The page's own ``<link rel="canonical">`` is honoured after fetch (see :func:`canonical_link`).
"""

from __future__ import annotations

import logging
import re
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

from w3lib.url import canonicalize_url as w3lib_canonicalize

LOGGER = logging.getLogger(__name__)

# Analytics and ad-click parameters that never select content (utm_* is matched as a prefix).
TRACKING_PARAMS = frozenset({
    "fbclid", "gclid", "gclsrc", "dclid", "msclkid", "yclid", "twclid", "ttclid", "igshid", "mc_cid", "mc_eid",
    "_ga", "_gl", "_hsenc", "_hsmi", "mkt_tok", "oly_anon_id", "oly_enc_id", "vero_id", "wickedid", "rb_clickid",
    "s_cid", "ocid", "cmpid", "ito", "xtor", "at_medium", "at_campaign", "ns_mchannel", "ns_campaign", "ns_source",
    "ns_linkname", "ns_fee", "ref_src", "ref_url", "spm", "share", "fb_action_ids", "fb_action_types", "fb_ref",
    "fb_source", "__twitter_impression", "amp", "outputtype", "output", "usqp",
})
TRACKING_PREFIXES = ("utm_", "pk_", "mtm_", "hmb_")
# Parameter values that mark an AMP rendering (e.g. ?outputType=amp, ?output=amp, ?amp=1).
AMP_VALUED = {"outputtype": {"amp"}, "output": {"amp"}, "amp": {"", "1", "true", "yes"}, "usqp": None}
DEFAULT_PORTS = {"http": 80, "https": 443}
INDEX_PAGES = re.compile(r"/(?:index|default)\.(?:html?|php|aspx?)$", re.IGNORECASE)
AMP_SUFFIX = re.compile(r"(?:\.amp(?=\.html?$)|/amp/?$|\.amp$)", re.IGNORECASE)


def _is_tracking(name: str, value: str) -> bool:
    """True for a query parameter that only tracks the click (or asks for the AMP rendering)."""
    lowered = name.lower()
    if lowered.startswith(TRACKING_PREFIXES):
        return True
    if lowered in AMP_VALUED:
        allowed = AMP_VALUED[lowered]
        return allowed is None or value.lower() in allowed
    return lowered in TRACKING_PARAMS


def _clean_path(path: str) -> str:
    """Drop AMP path variants and index pages: /a/amp → /a, /a.amp.html → /a.html, /amp/a → /a, /index.html → /."""
    if path.lower().startswith("/amp/"):
        path = path[4:]
    path = AMP_SUFFIX.sub("", path) or "/"
    path = INDEX_PAGES.sub("/", path)
    return path or "/"


def _clean_host(scheme: str, netloc: str) -> str:
    """Lowercase host without a trailing dot, default port, or AMP cache prefix ``amp.``."""
    userinfo, _, hostport = netloc.rpartition("@")
    host, port = hostport, ""
    if hostport.startswith("["):  # IPv6 literal
        end = hostport.find("]")
        host, port = hostport[: end + 1], hostport[end + 2:]
    elif ":" in hostport:
        host, port = hostport.rsplit(":", 1)
    host = host.lower().rstrip(".")
    if host.startswith("amp.") and host.count(".") >= 2:
        host = host[4:]
    if port and port.isdigit() and int(port) == DEFAULT_PORTS.get(scheme):
        port = ""
    netloc = f"{host}:{port}" if port else host
    return f"{userinfo}@{netloc}" if userinfo else netloc


def canonicalize_url(url: str) -> str:
    """The one spelling of ``url`` used as the frontier key (http(s) URLs; others are returned stripped)."""
    url = (url or "").strip()
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS or not parts.netloc:
        return url
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not _is_tracking(k, v)]
    rebuilt = urlunsplit((scheme, _clean_host(scheme, parts.netloc), _clean_path(parts.path or "/"),
                          urlencode(query, doseq=True), ""))
    return w3lib_canonicalize(rebuilt, keep_blank_values=True, keep_fragments=False)


def is_http_url(url: str | None) -> bool:
    """True for an absolute http(s) URL with a host (never javascript:, data:, mailto: …)."""
    if not url:
        return False
    parts = urlsplit(url.strip())
    return parts.scheme.lower() in DEFAULT_PORTS and bool(parts.hostname)


_CANONICAL_LINK = re.compile(rb"<link\b[^>]*>", re.IGNORECASE)
_REL_CANONICAL = re.compile(rb"""\brel\s*=\s*["']?\s*canonical\b""", re.IGNORECASE)
_HREF = re.compile(rb"""\bhref\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))""", re.IGNORECASE)
# <link rel=canonical> belongs in <head>; scanning a bounded prefix keeps huge pages cheap.
CANONICAL_SCAN_BYTES = 262_144


def canonical_link(body: bytes, page_url: str) -> str | None:
    """The page's declared ``<link rel="canonical">`` as a canonical URL, or None (absent, foreign scheme, site root)."""
    from html import unescape

    for tag in _CANONICAL_LINK.findall(body[:CANONICAL_SCAN_BYTES]):
        if not _REL_CANONICAL.search(tag):
            continue
        match = _HREF.search(tag)
        if not match:
            continue
        raw = next(g for g in match.groups() if g is not None).decode("utf-8", "replace")
        target = urljoin(page_url, unescape(raw).strip())
        if not is_http_url(target):
            return None
        # A canonical pointing at the site root is a CMS template bug, not a statement about this article.
        if urlsplit(target).path in ("", "/"):
            return None
        return canonicalize_url(target)
    return None

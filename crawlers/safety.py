"""Safety checks on everything the crawler is about to touch: addresses (SSRF) and XML (entity attacks).

Outside tests and the demo the crawler must never reach loopback, private, link-local (cloud metadata
at 169.254.169.254) or otherwise non-global addresses, also not after a redirect or a DNS answer that
points inside. Hosts are resolved and checked *before* connecting (:func:`address_problem`); the
Scrapy resolver re-checks the answer it actually connects to (``crawlers.middlewares.GuardedResolver``).

XML from the web is pre-screened before any parser sees it: a DOCTYPE that declares external or
nested entities ("billion laughs") is refused outright, so no parser gets the chance to expand it.
"""

from __future__ import annotations

import ipaddress
import logging
import re
import socket
from collections.abc import Callable, Iterable
from urllib.parse import urlsplit

LOGGER = logging.getLogger(__name__)

Resolver = Callable[[str], list[str]]

# Well-known cloud metadata endpoints, named in refusals so operators recognise the attempt.
METADATA_ADDRESSES = {"169.254.169.254", "fd00:ec2::254", "100.100.100.200", "169.254.170.2"}


class RefusedAddress(Exception):
    """A request was refused because its host is (or resolves to) a forbidden address."""


def classify_address(address: str) -> str | None:
    """Why an IP address may not be fetched ("loopback", "private" …), or None for a global address."""
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return "unparseable address"
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if str(ip) in METADATA_ADDRESSES:
        return "cloud metadata"
    for kind in ("loopback", "link_local", "unspecified", "multicast", "private", "reserved"):
        if getattr(ip, f"is_{kind}"):
            return kind.replace("_", "-")
    if not ip.is_global:  # e.g. 100.64.0.0/10 shared address space, documentation ranges
        return "non-global"
    return None


def system_resolve(host: str) -> list[str]:
    """All addresses ``host`` resolves to (blocking getaddrinfo)."""
    infos = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
    return sorted({info[4][0] for info in infos})


def _is_ip_literal(host: str) -> bool:
    try:
        ipaddress.ip_address(host.strip("[]").split("%", 1)[0])
    except ValueError:
        return False
    return True


def host_problem(host: str, *, allow_private: bool, trusted: Iterable[str] = (),
                 resolve: Resolver = system_resolve) -> str | None:
    """Why ``host`` may not be fetched, or None; names are resolved and every answer is checked."""
    host = (host or "").strip().lower().rstrip(".")
    if not host:
        return "refused: URL has no host"
    if allow_private:
        return None
    trusted = set(trusted)
    if host in trusted:
        return None
    if host == "localhost" or host.endswith(".localhost"):
        return f"refused: {host} is a loopback name"
    if _is_ip_literal(host):
        addresses = [host.strip("[]")]
    else:
        try:
            addresses = resolve(host)
        except (OSError, UnicodeError) as exc:
            return f"dns: cannot resolve {host}: {exc}"
        if not addresses:
            return f"dns: {host} has no addresses"
    for address in addresses:
        if address in trusted:
            continue
        kind = classify_address(address)
        if kind:
            shown = host if address == host.strip("[]") else f"{host} ({address})"
            return f"refused: {shown} is a {kind} address"
    return None


def url_problem(url: str, *, allow_private: bool, trusted: Iterable[str] = (),
                resolve: Resolver = system_resolve) -> str | None:
    """Why ``url`` may not be fetched (scheme or address), or None."""
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https"):
        return f"refused: scheme {parts.scheme or '(none)'!r} is not http(s)"
    return host_problem(parts.hostname or "", allow_private=allow_private, trusted=trusted, resolve=resolve)


# XML pre-screen ------------------------------------------------------------------------------------

# The prolog (declaration, comments, DOCTYPE) precedes the root element; entity declarations live there.
XML_PROLOG_SCAN_BYTES = 65_536
MAX_ENTITY_DECLARATIONS = 64
MAX_ENTITY_VALUE_CHARS = 1024
_ENTITY_DECL = re.compile(r"<!ENTITY\s+(%\s+)?([^\s>]+)\s+(.*?)>", re.IGNORECASE | re.DOTALL)
_EXTERNAL = re.compile(r"^\s*(SYSTEM|PUBLIC)\b", re.IGNORECASE)


def _prolog_text(body: bytes) -> str:
    """The start of the document as text (UTF-16 with a BOM decoded), enough to see the DOCTYPE."""
    head = body[:XML_PROLOG_SCAN_BYTES]
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return head.decode("utf-16", "replace")
    if len(head) > 1 and head[0] == 0 and head[1] == ord("<"):
        return head.decode("utf-16-be", "replace")
    if len(head) > 1 and head[0] == ord("<") and head[1] == 0:
        return head.decode("utf-16-le", "replace")
    return head.decode("latin-1")


def xml_problem(body: bytes) -> str | None:
    """Why an XML document is refused unparsed (external/parameter/nested entities), or None."""
    text = _prolog_text(body)
    if "<!entity" not in text.lower():
        return None
    declarations = _ENTITY_DECL.findall(text)
    if not declarations:
        return "refused: XML entity declaration that cannot be checked"
    if len(declarations) > MAX_ENTITY_DECLARATIONS:
        return f"refused: XML declares {len(declarations)} entities (entity expansion attack?)"
    for parameter, name, definition in declarations:
        if parameter:
            return f"refused: XML parameter entity %{name} (external or expanding entities are not allowed)"
        if _EXTERNAL.match(definition):
            return f"refused: XML external entity {name!r} (XXE)"
        if "&" in definition or "%" in definition:
            return f"refused: XML entity {name!r} refers to other entities (entity expansion, 'billion laughs')"
        if len(definition) > MAX_ENTITY_VALUE_CHARS:
            return f"refused: XML entity {name!r} is {len(definition)} characters long"
    return None

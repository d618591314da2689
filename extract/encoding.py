"""Turning stored page bytes into text: byte-order mark, UTF-8 validity, declared charsets, then detection.

Pages lie about their charset (a CMS template says ``windows-1251`` or ``iso-8859-1`` while the
editor saved UTF-8), so a declaration is only trusted when the bytes are not valid UTF-8: a
non-ASCII byte sequence that decodes as strict UTF-8 is practically never legacy-encoded text.
"""

from __future__ import annotations

import codecs
import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass

LOGGER = logging.getLogger(__name__)

# Where a <meta charset> may appear; HTML requires it within the first 1024 bytes, real pages are sloppier.
META_SCAN_BYTES = 8192
# Detection on a prefix keeps it fast on large pages; legacy encodings are decided within a few KB.
# UTF-16 shows in the first few KB of markup (every ASCII character carries a zero byte).
UTF16_SNIFF_BYTES = 4096
DETECT_SCAN_BYTES = 65536

_BOMS = ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))
_HEADER_CHARSET_RE = re.compile(r"charset\s*=\s*[\"']?\s*([\w.:-]+)", re.IGNORECASE)
_META_CHARSET_RE = re.compile(
    rb"<meta[^>]+?charset\s*=\s*[\"']?\s*([\w.:-]+)", re.IGNORECASE)
_XML_DECL_RE = re.compile(rb"^\s*<\?xml[^>]+encoding\s*=\s*[\"']([\w.:-]+)", re.IGNORECASE)

# Browsers (WHATWG Encoding standard) read these labels as windows-1252; so do we.
_WHATWG_ALIASES = {"latin1": "cp1252", "iso8859_1": "cp1252", "ascii": "cp1252", "iso8859_9": "cp1254",
                   "iso8859_11": "cp874", "tis_620": "cp874"}


@dataclass(frozen=True, slots=True)
class DecodedPage:
    """Page text and how its encoding was chosen (``how``: bom, ascii, utf-8, declared, detected, fallback)."""

    text: str
    encoding: str
    how: str
    declared: str | None = None


def normalise_charset(label: str | None) -> str | None:
    """Python codec name for a charset label, with WHATWG's windows-1252 aliases; None if unknown."""
    if not label:
        return None
    try:
        name = codecs.lookup(label.strip().strip("\"'").lower()).name
    except LookupError:
        return None
    return _WHATWG_ALIASES.get(name.replace("-", "_"), name)


def header_charset(headers: Mapping[str, str] | None) -> str | None:
    """Charset label of the Content-Type header (header names compared case-insensitively)."""
    if not headers:
        return None
    for name, value in headers.items():
        if str(name).lower() == "content-type" and value:
            match = _HEADER_CHARSET_RE.search(str(value))
            return match.group(1) if match else None
    return None


def meta_charset(body: bytes) -> str | None:
    """Charset label declared in the page itself (<meta charset>, http-equiv, or an XML declaration)."""
    head = body[:META_SCAN_BYTES]
    match = _META_CHARSET_RE.search(head) or _XML_DECL_RE.search(head)
    return match.group(1).decode("ascii", "ignore") if match else None


def _strict(body: bytes, encoding: str) -> str | None:
    """The body decoded strictly, or None when the bytes are not valid in that encoding."""
    try:
        return body.decode(encoding)
    except (UnicodeDecodeError, LookupError):
        return None


def _mostly_utf8(body: bytes) -> bool:
    """True when valid multibyte UTF-8 sequences far outnumber invalid bytes (a UTF-8 page with stray bytes)."""
    text = body.decode("utf-8", "replace")
    invalid = text.count("\ufffd")
    multibyte = sum(1 for ch in text if ord(ch) > 0x7F) - invalid
    # Legacy 8-bit text almost never forms valid multibyte sequences by chance, so even a few
    # valid ones per invalid byte mean UTF-8 with damage (truncated strings, pasted bytes).
    return multibyte >= 4 * invalid and multibyte >= 8


def _detect(body: bytes) -> str | None:
    """Best guess of charset_normalizer on a prefix of the body, or None."""
    from charset_normalizer import from_bytes

    best = from_bytes(body[:DETECT_SCAN_BYTES]).best()
    return normalise_charset(best.encoding) if best is not None else None


def utf16_without_bom(body: bytes) -> str | None:
    """The codec ("utf-16-le" or "utf-16-be") when the bytes are UTF-16 text without a BOM, else None.

    Markup is mostly ASCII, which UTF-16 stores as the character byte and a zero byte; real 8-bit or
    UTF-8 HTML has no zero bytes at all. So many zeros, nearly all at odd (LE) or even (BE) offsets,
    mean UTF-16 whatever the label says (a page labelled UTF-8 was stored as mojibake, issue 14).
    """
    sample = body[:UTF16_SNIFF_BYTES]
    if len(sample) < 16 or b"\x00" not in sample:
        return None
    even, odd = sample[0::2].count(0), sample[1::2].count(0)
    pairs = len(sample) // 2
    if odd >= 0.3 * pairs and even <= 0.02 * pairs:
        candidate = "utf-16-le"
    elif even >= 0.3 * pairs and odd <= 0.02 * pairs:
        candidate = "utf-16-be"
    else:
        return None
    return candidate if _strict(body[: len(body) - len(body) % 2], candidate) is not None else None


def decode_html(body: bytes, headers: Mapping[str, str] | None = None) -> DecodedPage:
    """Decode page bytes: BOM, UTF-16 by its zero bytes, valid UTF-8, the declared charsets, detection, cp1252."""
    for bom, encoding in _BOMS:
        if body.startswith(bom):
            return DecodedPage(body.decode(encoding, "replace"), encoding, "bom")
    declared = [c for c in (normalise_charset(header_charset(headers)), normalise_charset(meta_charset(body)))
                if c]
    first_declared = declared[0] if declared else None
    wide = utf16_without_bom(body)
    if wide:
        if first_declared and not first_declared.startswith(("utf_16", "utf-16")):
            LOGGER.info("charset declared %s but the bytes are %s", first_declared, wide)
        return DecodedPage(body[: len(body) - len(body) % 2].decode(wide), wide, "utf-16-sniffed", first_declared)
    if body.isascii():
        return DecodedPage(body.decode("ascii"), "ascii", "ascii", first_declared)
    text = _strict(body, "utf-8")
    if text is not None:
        if first_declared and first_declared not in ("utf-8", "utf_8"):
            LOGGER.debug("charset declared %s but the bytes are valid UTF-8", first_declared)
        return DecodedPage(text, "utf-8", "utf-8", first_declared)
    if _mostly_utf8(body):
        return DecodedPage(body.decode("utf-8", "replace"), "utf-8", "utf-8-repaired", first_declared)
    for encoding in declared:
        # UTF-16/32 without a BOM is a wrong declaration on an ASCII-compatible HTML page.
        if encoding in ("utf-8", "utf_8") or encoding.startswith(("utf_16", "utf_32", "utf-16", "utf-32")):
            continue
        text = _strict(body, encoding)
        if text is not None:
            return DecodedPage(text, encoding, "declared", first_declared)
    detected = _detect(body)
    if detected:
        text = _strict(body, detected)
        if text is not None:
            return DecodedPage(text, detected, "detected", first_declared)
        return DecodedPage(body.decode(detected, "replace"), detected, "detected", first_declared)
    return DecodedPage(body.decode("cp1252", "replace"), "cp1252", "fallback", first_declared)

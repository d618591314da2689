"""Search results as spreadsheets: XLSX (openpyxl) and CSV for Excel in Serbian or English regional settings.

Both carry the same columns, with translated headers and labels and times in the configured timezone. Text that a
spreadsheet could run as a formula never reaches it as one: XLSX text cells are written as strings (never as
formulas), and CSV cells that start with ``= + - @``, tab or CR get a leading apostrophe, also after a ``;`` or
``,`` inside a field, because Excel in the other regional setting splits the line there and would start a new
cell with the rest. Fields containing either separator are quoted.
"""

from __future__ import annotations

import datetime as dt
import io
import itertools
import logging
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from zoneinfo import ZoneInfo

LOGGER = logging.getLogger(__name__)

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
SEPARATORS = {"semicolon": ";", "comma": ","}
XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
XLSX_MAX_ROWS = 1_048_575  # Excel's sheet limit, less the header row
XLSX_MAX_CELL_CHARS = 32_767
DATE_FORMAT = "DD.MM.YYYY HH:MM"
CSV_TIME_FORMAT = "%Y-%m-%d %H:%M"
CSV_CHUNK_CHARS = 64_000
# Characters XML 1.0 cannot carry; openpyxl refuses them (extraction can leave them in titles).
_ILLEGAL_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
# A separator followed (after any spaces) by a formula character or by a tab/CR: the apostrophe goes right
# after the separator, so the cell a spreadsheet would start there starts with it.
_AFTER_SEPARATOR = re.compile(r"([;,])(?=[ \t\r]*[=+\-@]|[\t\r])")

COLUMNS = ("published", "outlet", "group", "title", "language", "topics", "regions", "other_labels",
           "outlet_count", "url", "odjek_link")


@dataclass(frozen=True)
class ExportRow:
    """One article as exported: display values, already translated; ``published`` in local time, naive."""

    published: dt.datetime | None
    outlet: str
    group: str
    title: str
    language: str
    topics: str
    regions: str
    other_labels: str
    outlet_count: int | None
    url: str
    odjek_link: str


def export_rows(hits: Iterable, *, zone: ZoneInfo, translate: Callable[[str], str], groups: dict[str, str],
                base_url: str, country: Callable[[str], str] = str) -> Iterator[ExportRow]:
    """ExportRows from search hits: local times, outlet names and groups, translated label names (``country``
    names an ISO code)."""
    base = base_url.rstrip("/")
    for hit in hits:
        labels = list(hit.labels)
        published = hit.published.astimezone(zone).replace(tzinfo=None) if hit.published else None
        group = groups.get(hit.source_id)
        yield ExportRow(
            published=published, outlet=hit.source_name or hit.source_id, group=translate(group) if group else "",
            title=hit.title or "", language=hit.language or "",
            topics=", ".join(translate(lab.label) for lab in labels if lab.kind == "topic"),
            regions=", ".join(translate(lab.label) for lab in labels if lab.kind == "region"),
            other_labels=", ".join(country(lab.label) if lab.kind == "country" else translate(lab.label)
                                   for lab in labels if lab.kind not in ("topic", "region")),
            outlet_count=hit.outlet_count or None, url=hit.url or "", odjek_link=f"{base}/article/{hit.id}")


def headers(translate: Callable[[str], str], timezone: str) -> list[str]:
    """The header row in the UI language; the time column names its timezone."""
    names = [translate("export_" + c) for c in COLUMNS]
    names[0] = f"{names[0]} ({timezone})"
    return names


# CSV ------------------------------------------------------------------------------------------------------

def csv_cell(value) -> str:
    """One CSV field: neutralised against formulas and quoted when it holds a separator, quote or line break."""
    text = "" if value is None else str(value)
    if text.startswith(FORMULA_START):
        text = "'" + text
    text = _AFTER_SEPARATOR.sub(r"\1'", text)
    if any(ch in text for ch in (";", ",", '"', "\n", "\r")) or text != text.strip(" "):
        return '"' + text.replace('"', '""') + '"'
    return text


def csv_line(values: Iterable, delimiter: str) -> str:
    return delimiter.join(csv_cell(v) for v in values) + "\r\n"


def _csv_values(row: ExportRow) -> list:
    return [row.published.strftime(CSV_TIME_FORMAT) if row.published else "", row.outlet, row.group, row.title,
            row.language, row.topics, row.regions, row.other_labels,
            "" if row.outlet_count is None else row.outlet_count, row.url, row.odjek_link]


def csv_chunks(rows: Iterable[ExportRow], header: list[str], delimiter: str) -> Iterator[str]:
    """The CSV text in chunks (UTF-8 BOM first, so Excel reads it as UTF-8)."""
    buffer = ["\ufeff", csv_line(header, delimiter)]
    size = 0
    for row in rows:
        line = csv_line(_csv_values(row), delimiter)
        buffer.append(line)
        size += len(line)
        if size > CSV_CHUNK_CHARS:
            yield "".join(buffer)
            buffer, size = [], 0
    yield "".join(buffer)


# XLSX -----------------------------------------------------------------------------------------------------

def _text(value: str) -> str:
    return _ILLEGAL_XML.sub("", value)[:XLSX_MAX_CELL_CHARS]


def xlsx_bytes(rows: Iterable[ExportRow], header: list[str], sheet_title: str) -> tuple[bytes, int]:
    """An XLSX workbook (streamed row by row, write-only) and the number of data rows written.

    Dates are real date cells in local time, text is stored as strings (a title "=1+1" stays text), the header
    row is frozen and bold, an autofilter covers the table, and the outlet URL and the Odjek page are links.
    """
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.filters import AutoFilter

    rows = iter(rows)
    first = next(rows, None)  # a failing archive fails here, before the streaming writer holds open elements
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_text(sheet_title)[:31] or "Odjek")
    sheet.freeze_panes = "A2"
    widths = {"published": 17, "outlet": 22, "group": 16, "title": 60, "language": 8, "topics": 30,
              "regions": 22, "other_labels": 18, "outlet_count": 10, "url": 40, "odjek_link": 30}
    for index, column in enumerate(COLUMNS, 1):
        sheet.column_dimensions[get_column_letter(index)].width = widths[column]
    bold, link_font = Font(bold=True), Font(color="0B4F8A", underline="single")

    def text_cell(value: str, link: str | None = None) -> WriteOnlyCell:
        cell = WriteOnlyCell(sheet, _text(value))
        cell.data_type = "s"  # never a formula, whatever the text starts with
        if link and link.lower().startswith(("http://", "https://")):
            cell.hyperlink = link
            cell.font = link_font
        return cell

    head = []
    for name in header:
        cell = text_cell(name)
        cell.font = bold
        head.append(cell)
    sheet.append(head)
    count = 0
    for row in itertools.chain([first] if first is not None else [], rows):
        if count >= XLSX_MAX_ROWS:
            LOGGER.warning("XLSX export stopped at Excel's limit of %d rows", XLSX_MAX_ROWS)
            break
        when = WriteOnlyCell(sheet, row.published)
        when.number_format = DATE_FORMAT
        sheet.append([when, text_cell(row.outlet), text_cell(row.group), text_cell(row.title, row.url),
                      text_cell(row.language), text_cell(row.topics), text_cell(row.regions),
                      text_cell(row.other_labels), row.outlet_count, text_cell(row.url, row.url),
                      text_cell(row.odjek_link, row.odjek_link)])
        count += 1
    sheet.auto_filter = AutoFilter(ref=f"A1:{get_column_letter(len(COLUMNS))}{count + 1}")
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue(), count

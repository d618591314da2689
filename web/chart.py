"""The attention chart of a search as SVG, drawn on the server: no script, readable by screen readers.

Bars are stacked by outlet group; every bar segment carries a <title> (tooltip and accessible name) and the
whole chart a <title> and <desc>. The page also shows the same numbers as a table, and the SVG and a CSV of
the series are downloads. Colours come from presentation attributes (the CSP forbids inline styles).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from html import escape

from archive.attention import Attention

GROUP_COLOURS = {"domestic": "#0b4f8a", "regional": "#2a9d8f", "diaspora": "#d08a1e", "foreign": "#8e5ea2",
                 "unknown": "#8a8f98"}
WIDTH, HEIGHT = 600, 230
LEFT, RIGHT, TOP, BOTTOM = 40, 8, 12, 46
LEGEND_H = 22
BAR_GAP = 0.18  # of a bucket's width


def bucket_label(day: dt.date, unit: str) -> str:
    if unit == "month":
        return f"{day.month:02d}.{day.year}."
    return f"{day.day:02d}.{day.month:02d}."


def _nice_max(peak: int) -> int:
    """A round axis maximum at or above the peak (1, 2, 5 × 10^k)."""
    if peak <= 5:
        return max(peak, 1)
    step = 1
    while True:
        for m in (1, 2, 5):
            if m * step >= peak:
                return m * step
        step *= 10


def attention_svg(data: Attention, t: Callable[..., str], *, standalone: bool = False,
                  link: Callable[[dt.date], str] | None = None) -> str:
    """Stacked bars of matches per bucket by outlet group, with axis, legend and per-segment titles.

    ``link(bucket)`` gives a URL that narrows the search to the bucket (bars become links); ``standalone``
    adds the XML namespace and declaration for the downloadable file.
    """
    title = t("chart_title_" + data.unit)
    desc = t("chart_desc", n=data.total, buckets=len(data.buckets))
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM - LEGEND_H
    top = _nice_max(data.peak)
    slot = plot_w / max(1, len(data.buckets))
    bar_w = max(1.0, slot * (1 - BAR_GAP))
    out = []
    if standalone:
        out.append('<?xml version="1.0" encoding="UTF-8"?>\n')
    ns = ' xmlns="http://www.w3.org/2000/svg"' if standalone else ""
    out.append(f'<svg{ns} class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" width="{WIDTH}" height="{HEIGHT}"'
               f' role="img" aria-labelledby="chart-title chart-desc" font-family="DejaVu Sans, sans-serif"'
               f' font-size="12">')
    out.append(f'<title id="chart-title">{escape(title)}</title><desc id="chart-desc">{escape(desc)}</desc>')
    if standalone:
        out.append(f'<rect width="{WIDTH}" height="{HEIGHT}" fill="#ffffff"/>')
    base_y = TOP + plot_h
    # Axis with three gridlines.
    ticks = [0, top // 2, top] if top >= 2 and top % 2 == 0 else [0, top]
    for value in ticks:
        y = base_y - plot_h * value / top
        out.append(f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" y2="{y:.1f}" stroke="#d9dde5"/>')
        out.append(f'<text x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end" fill="#5b6475">{value}</text>')
    every = max(1, -(-len(data.buckets) // 10))  # at most about 10 date labels
    for index, bucket in enumerate(data.buckets):
        x = LEFT + index * slot + (slot - bar_w) / 2
        y = base_y
        segments = []
        for group in data.groups:
            n = data.counts.get((bucket, group), 0)
            if not n:
                continue
            h = plot_h * n / top
            y -= h
            label = f"{bucket_label(bucket, data.unit)} · {t(group)}: {n}"
            segments.append(f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar_w:.1f}" height="{h:.1f}"'
                            f' fill="{GROUP_COLOURS.get(group, "#8a8f98")}"><title>{escape(label)}</title></rect>')
        if segments:
            group_svg = "".join(segments)
            if link is not None:
                total = data.bucket_total(bucket)
                aria = escape(f"{bucket_label(bucket, data.unit)}: {total}")
                group_svg = f'<a href="{escape(link(bucket))}" aria-label="{aria}">{group_svg}</a>'
            out.append(f'<g class="bar" data-bucket="{bucket.isoformat()}">{group_svg}</g>')
        if index % every == 0:
            out.append(f'<text x="{x + bar_w / 2:.1f}" y="{base_y + 14}" text-anchor="middle" fill="#5b6475">'
                       f'{escape(bucket_label(bucket, data.unit))}</text>')
    # Legend.
    lx, ly = LEFT, HEIGHT - LEGEND_H + 4
    for group in data.groups:
        name = t(group)
        out.append(f'<rect x="{lx}" y="{ly}" width="12" height="12" fill="{GROUP_COLOURS.get(group, "#8a8f98")}"/>')
        out.append(f'<text x="{lx + 16}" y="{ly + 10}" fill="#1d2330">{escape(name)}</text>')
        lx += 24 + 7 * len(name)
    out.append("</svg>")
    return "".join(out)


def series_rows(data: Attention, t: Callable[..., str]) -> tuple[list[str], list[list]]:
    """The chart's numbers as a table: header (bucket, each group, total) and one row per bucket."""
    header = [t("chart_bucket_" + data.unit)] + [t(g) for g in data.groups] + [t("total")]
    rows = [[bucket.isoformat()] + [data.counts.get((bucket, g), 0) for g in data.groups]
            + [data.bucket_total(bucket)] for bucket in data.buckets]
    return header, rows


def top_outlets_svg(data: Attention, t: Callable[..., str], link: Callable[[str], str] | None = None) -> str:
    """Horizontal bars of the outlets with most matches; each bar links to the search narrowed to the outlet."""
    rows = data.top_outlets
    row_h, label_w, width = 22, 150, 330
    height = row_h * max(1, len(rows)) + 8
    peak = max((n for _, _, n in rows), default=1)
    out = [(f'<svg class="chart outlets" viewBox="0 0 {width} {height}" width="{width}" height="{height}"'
            f' role="img" aria-labelledby="outlets-title" font-family="DejaVu Sans, sans-serif" font-size="12">'),
           f'<title id="outlets-title">{escape(t("top_outlets"))}</title>']
    for index, (source_id, name, n) in enumerate(rows):
        y = 4 + index * row_h
        bar = (width - label_w - 40) * n / peak
        shown = name if len(name) <= 22 else name[:21] + "…"
        item = (f'<text x="{label_w - 6}" y="{y + 14}" text-anchor="end" fill="#1d2330">{escape(shown)}</text>'
                f'<rect x="{label_w}" y="{y + 3}" width="{max(bar, 1):.1f}" height="{row_h - 8}" fill="#0b4f8a">'
                f'<title>{escape(name)}: {n}</title></rect>'
                f'<text x="{label_w + bar + 4:.1f}" y="{y + 14}" fill="#5b6475">{n}</text>')
        if link is not None:
            item = f'<a href="{escape(link(source_id))}" aria-label="{escape(name)}: {n}">{item}</a>'
        out.append(f'<g class="outlet" data-source="{escape(source_id)}">{item}</g>')
    out.append("</svg>")
    return "".join(out)

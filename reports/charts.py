"""Digest charts with matplotlib (Agg): SVG for the PDF and web page, PNG for email (mail clients drop SVG).

Text is drawn as glyph outlines (svg.fonttype "path"), so an SVG never depends on fonts of the viewer,
and DejaVu Sans covers Cyrillic and Latin diacritics.
"""

from __future__ import annotations

import io
import logging
from dataclasses import dataclass

import matplotlib

matplotlib.use("Agg")  # before pyplot: no display on servers and workers

import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.ticker import MaxNLocator  # noqa: E402

from reports.i18n import format_short_date, t  # noqa: E402
from reports.model import CountRow, Digest  # noqa: E402

LOGGER = logging.getLogger(__name__)

# 6 in at 100 dpi: the email PNGs are exactly as wide as the 600 px email column.
PNG_DPI = 100
CHART_WIDTH_IN = 6.0
CURRENT_COLOR = "#1f4e79"
PREVIOUS_COLOR = "#a9c1d9"
RC = {"font.family": "DejaVu Sans", "font.size": 9, "svg.fonttype": "path", "svg.hashsalt": "odjek",
      "axes.spines.top": False, "axes.spines.right": False}


@dataclass(frozen=True, slots=True)
class Chart:
    name: str  # file-name-safe id, also the cid stem in email
    title: str
    svg: bytes
    png: bytes


def _render(fig: Figure) -> tuple[bytes, bytes]:
    svg, png = io.BytesIO(), io.BytesIO()
    # metadata Date None keeps the SVG byte-identical across runs (reproducible digests).
    fig.savefig(svg, format="svg", metadata={"Date": None})
    fig.savefig(png, format="png", dpi=PNG_DPI)
    plt.close(fig)
    return svg.getvalue(), png.getvalue()


def _per_day_bars(ax, current, previous, script: str) -> None:
    labels = [format_short_date(d, script) for d, _ in current]
    xs = range(len(labels))
    ax.bar([x - 0.2 for x in xs], [n for _, n in previous], width=0.4, color=PREVIOUS_COLOR,
           label=t("previous", script))
    ax.bar([x + 0.2 for x in xs], [n for _, n in current], width=0.4, color=CURRENT_COLOR, label=t("current", script))
    ax.set_xticks(list(xs), labels)
    ax.legend(frameon=False)


def mentions_chart(digest: Digest, script: str) -> Chart:
    """Articles naming the Directorate or its director per day, against the previous week (weekly digest)."""
    title = t("mentions_per_day", script)
    with plt.rc_context(RC):
        fig, ax = plt.subplots(figsize=(CHART_WIDTH_IN, 2.2), layout="constrained")
        _per_day_bars(ax, digest.numbers.office_per_day, digest.numbers.previous_office_per_day, script)
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_title(title, loc="left")
        svg, png = _render(fig)
    return Chart("mentions", title, svg, png)


def volume_chart(digest: Digest, script: str) -> Chart:
    """Relevant articles per hour (daily) or per day against the previous week (weekly)."""
    with plt.rc_context(RC):
        fig, ax = plt.subplots(figsize=(CHART_WIDTH_IN, 2.4), layout="constrained")
        if digest.kind == "daily":
            ax.bar(range(24), digest.numbers.per_hour, color=CURRENT_COLOR)
            ax.set_xticks(range(0, 24, 2), [f"{h:02d}" for h in range(0, 24, 2)])
            title = t("relevant_per_hour", script)
        else:
            _per_day_bars(ax, digest.numbers.per_day, digest.numbers.previous_per_day, script)
            title = t("relevant_per_day", script)
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_ylabel(t("chart_volume", script))
        ax.set_title(title, loc="left")
        svg, png = _render(fig)
    return Chart("volume", title, svg, png)


def comparison_chart(name: str, title_key: str, rows: list[CountRow], script: str) -> Chart:
    """Horizontal bars: this period against the previous one, one row per label."""
    title = t(title_key, script)
    with plt.rc_context(RC):
        fig, ax = plt.subplots(figsize=(CHART_WIDTH_IN, 0.3 * len(rows) + 0.8), layout="constrained")
        ys = range(len(rows))
        ax.barh([y + 0.2 for y in ys], [r.previous for r in rows], height=0.4, color=PREVIOUS_COLOR,
                label=t("previous", script))
        ax.barh([y - 0.2 for y in ys], [r.current for r in rows], height=0.4, color=CURRENT_COLOR,
                label=t("current", script))
        ax.set_yticks(list(ys), [t(r.key, script) for r in rows])
        ax.invert_yaxis()
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.legend(frameon=False, loc="lower right")
        ax.set_title(title, loc="left")
        svg, png = _render(fig)
    return Chart(name, title, svg, png)


def make_charts(digest: Digest, script: str) -> list[Chart]:
    """The charts of the numbers section, in display order (none for an empty period)."""
    if digest.empty:
        return []
    weekly = [mentions_chart(digest, script)] if digest.kind == "weekly" else []
    return [*weekly, volume_chart(digest, script),
            comparison_chart("topics", "per_topic", digest.numbers.per_topic, script),
            comparison_chart("groups", "per_group", digest.numbers.per_group, script)]

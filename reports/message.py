"""The digest email, built with the standard library's email package.

Structure: multipart/mixed [ multipart/alternative [ text/plain, multipart/related [ text/html, image/png… ] ],
application/pdf ]. Charts are PNGs referenced from the HTML by ``cid:`` because mail clients drop SVG.
"""

from __future__ import annotations

from email.message import EmailMessage
from email.utils import formatdate

from reports.charts import Chart
from reports.i18n import format_period, t
from reports.model import Digest

CID_DOMAIN = "odjek.digest"


def chart_cids(charts: list[Chart], period_key: str) -> dict[str, str]:
    """Content-IDs (without angle brackets) of the chart images, stable for one period."""
    return {c.name: f"chart-{c.name}-{period_key}@{CID_DOMAIN}" for c in charts}


def subject(digest: Digest, script: str) -> str:
    period = format_period(digest.kind, digest.period.start, digest.period.end, script)
    return t(f"subject_{digest.kind}", script, period=period)


def pdf_filename(digest: Digest, script: str) -> str:
    return f"odjek-{digest.kind}-{digest.period.key}-{script}.pdf"


def build_message(digest: Digest, script: str, *, text: str, html: str, charts: list[Chart], cids: dict[str, str],
                  pdf: bytes, sender: str) -> EmailMessage:
    """The digest as one message (recipients are added per delivery by reports.mailer)."""
    msg = EmailMessage()
    msg["Subject"] = subject(digest, script)
    msg["From"] = sender
    msg["Date"] = formatdate(localtime=False)
    msg.set_content(text, subtype="plain", charset="utf-8")
    msg.add_alternative(html, subtype="html", charset="utf-8")
    html_part = msg.get_payload()[1]
    for chart in charts:
        html_part.add_related(chart.png, maintype="image", subtype="png", cid=f"<{cids[chart.name]}>",
                              filename=f"{chart.name}.png", disposition="inline")
    msg.add_attachment(pdf, maintype="application", subtype="pdf", filename=pdf_filename(digest, script))
    return msg

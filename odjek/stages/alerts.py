"""Alerts stage: after each collection run, mail new matches of saved searches, and tell operators of silent sources.

New matches are recorded in ``alert_hits`` before anything is sent, and each batch goes out through the one
mail path (:func:`reports.mailer.deliver`) with a period key derived from the batch's article ids, so a
retried or crashed run re-sends the same batch at most once and never mails an article twice.
"""

from __future__ import annotations

import datetime as dt
import html
import logging
from email import policy as email_policy
from email.message import EmailMessage
from email.utils import formatdate
from zoneinfo import ZoneInfo

from archive.alerts import mark_hits_sent, record_hits, unsent_hits
from archive.db import Database, utcnow
from archive.search import SearchFilters, batch_key, iter_all
from archive.users import (
    SavedSearch,
    due_saved_searches,
    get_user_by_id,
    language_of,
    mark_checked,
)
from odjek.runner import StageContext, StageReport
from odjek.settings import Settings
from reports.mailer import deliver
from reports.periods import data_date
from search.query import parse_query

NAME = "alerts"
ORDER = 60
LOGGER = logging.getLogger(__name__)

MAX_LISTED_HITS = 50  # per mail; the rest are counted and linked
SNIPPET_WORDS = 30


def run(ctx: StageContext) -> StageReport:
    """Check every due saved search, then the silent-source alert for operators."""
    report = StageReport(NAME)
    now = utcnow()
    for saved in due_saved_searches(ctx.db, now):
        report.processed += 1
        try:
            sent = check_saved_search(ctx.settings, ctx.db, saved, now)
        except Exception:  # one broken saved search must not stop the others; the error is logged with its id
            LOGGER.exception("alert for saved search %s failed", saved.id)
            report.failed += 1
            continue
        report.succeeded += 1
        report.details.setdefault("alert_mails", 0)
        report.details["alert_mails"] += sent
    report.details["silent_sources"] = silent_source_alert(ctx.settings, ctx.db, now)
    return report


def new_matches(db: Database, saved: SavedSearch, now: dt.datetime, timezone: str | None = None) -> list[int]:
    """Record matches archived since the search was saved in alert_hits; return the ids not yet mailed.

    Date filters of the saved search are days in ``timezone`` (the archive's display timezone), as in the UI."""
    parsed = parse_query(saved.query, expand=not saved.filters.get("exact"))  # as the search was saved
    if parsed.error:
        LOGGER.warning("saved search %s cannot be searched: %s", saved.id, parsed.error)
        return []
    filters = SearchFilters.from_dict(saved.filters, timezone)
    filters.after_article_id = saved.baseline_article_id
    ids = [hit.id for hit in iter_all(db, parsed, filters)]
    record_hits(db, saved.id, ids, now)
    return unsent_hits(db, saved.id)


def check_saved_search(settings: Settings, db: Database, saved: SavedSearch, now: dt.datetime) -> int:
    """Mail one saved search's unsent matches to its owner; returns the number of mails handed over."""
    user = get_user_by_id(db, saved.user_id)
    pending = new_matches(db, saved, now, settings.locale.timezone)
    mails = 0
    if pending and user is not None and user.email:
        message = alert_message(settings, db, saved, pending, language_of(db, user.id))
        results = deliver(settings, db, message, kind=f"alert:{saved.id}", period=batch_key(pending),
                          recipients=[user.email])
        if all(r.state in {"sent", "written", "skipped"} for r in results):
            mark_hits_sent(db, saved.id, pending)
            mails = sum(1 for r in results if r.state in {"sent", "written"})
        else:
            LOGGER.warning("alert mail for saved search %s not delivered; will retry next run", saved.id)
    elif pending:
        LOGGER.warning("saved search %s has %d new match(es) but its user has no email address", saved.id,
                       len(pending))
    mark_checked(db, saved.id, now)
    return mails


def alert_message(settings: Settings, db: Database, saved: SavedSearch, article_ids: list[int],
                  language: str | None = None) -> EmailMessage:
    """A plain-text and HTML mail of the new matches in the user's UI language: title, outlet name, local time,
    a snippet with the query's words marked, links to Odjek and the original, and a link to the search."""
    from archive.articles import get_articles
    from archive.sources import source_names
    from search.highlight import marks_for, snippet
    from web.i18n import LANGUAGES, default_language, translate

    lang = language if language in LANGUAGES else default_language(settings.locale.ui_language, settings.locale.output_script)

    def t(key: str, **values) -> str:
        return translate(key, lang, **values)

    zone = ZoneInfo(settings.locale.timezone)
    articles = get_articles(db, article_ids[:MAX_LISTED_HITS])
    outlets = source_names(db)
    marks = marks_for(parse_query(saved.query, expand=not saved.filters.get("exact")))
    base = settings.web.base_url.rstrip("/")
    search_link = f"{base}/saved"
    # Unfolded headers: Python 3.11 drops the space at a fold between two encoded words ("за„Dijaspora").
    msg = EmailMessage(policy=email_policy.default.clone(max_line_length=998))
    msg["Subject"] = t("alert_subject", name=saved.name, n=len(article_ids))
    lines = [t("alert_intro", name=saved.name) + (f" ({saved.query})" if saved.query else "") + ":", ""]
    items = []
    for a in articles:
        when = a.published.astimezone(zone).strftime("%d.%m.%Y. %H:%M") if a.published else ""
        outlet = outlets.get(a.source_id) or a.source_id
        passages = snippet(a.text or "", marks, words=SNIPPET_WORDS, fragments=1)
        text_snippet = " ".join(p.plain(("»", "«")) for p in passages)
        html_snippet = " ".join(p.html() for p in passages)
        original = a.url if (a.url or "").lower().startswith(("http://", "https://")) else ""
        lines.append(f"• {a.title}\n  {outlet} · {when}\n  {text_snippet}\n  {base}/article/{a.id}"
                     + (f"\n  {t('original')}: {original}" if original else "") + "\n")
        items.append(f'<li><p><a href="{html.escape(f"{base}/article/{a.id}")}"><strong>{html.escape(a.title or "")}'
                     f"</strong></a><br>{html.escape(outlet)} · {html.escape(when)}"
                     + (f' · <a href="{html.escape(original)}">{html.escape(t("original"))}</a>' if original else "")
                     + f"</p><p>{html_snippet}</p></li>")
    more = len(article_ids) - len(articles)
    if more > 0:
        lines.append(t("alert_more", n=more) + f" {search_link}")
    lines += ["", f"{t('alert_open_search')}: {search_link}", "", t("alert_footer")]
    msg.set_content("\n".join(lines))
    more_html = (f'<p>{html.escape(t("alert_more", n=more))} <a href="{html.escape(search_link)}">'
                 f"{html.escape(search_link)}</a></p>") if more > 0 else ""
    msg.add_alternative(
        f'<html lang="{"en" if lang == "en" else "sr"}"><body>'
        f"<p>{html.escape(t('alert_intro', name=saved.name))}:</p><ul>{''.join(items)}</ul>{more_html}"
        f'<p><a href="{html.escape(search_link)}">{html.escape(t("alert_open_search"))}</a></p>'
        f"<p><small>{html.escape(t('alert_footer'))}</small></p></body></html>", subtype="html")
    return msg


def silent_source_alert(settings: Settings, db: Database, now: dt.datetime) -> str:
    """Mail operators the enabled sources that archive.health flags as silent; returns what happened."""
    from archive.health import source_health

    silent = [h for h in source_health(db, settings, now) if h.enabled and h.flagged]
    if not silent:
        return "none silent"
    if not settings.digest.ops_recipients:
        LOGGER.warning("%d silent source(s) but no ops_recipients configured", len(silent))
        return f"{len(silent)} silent, no recipients"
    lines = [f"- {h.source_id} ({h.name}): {h.flag_reason or 'silent'}; last error: {h.last_error or '—'}"
             for h in sorted(silent, key=lambda h: h.source_id)]
    msg = EmailMessage()
    msg["Subject"] = f"Odjek: {len(silent)} source(s) silent"
    msg.set_content("These sources have stopped delivering:\n\n" + "\n".join(lines)
                    + f"\n\nSource health: {settings.web.base_url.rstrip('/')}/sources\n")
    msg["Date"] = formatdate(localtime=False, usegmt=True)
    # Once per local data date for the same set of silent sources, whoever evaluates it (each collect run, the
    # daily maintenance run): a source that stays silent is not re-announced every run or twice a day.
    period = f"{data_date(now, settings.locale.timezone).isoformat()}:{batch_key_names(sorted(h.source_id for h in silent))}"
    deliver(settings, db, msg, kind="ops:silent-sources", period=period, recipients=settings.digest.ops_recipients)
    return f"{len(silent)} silent: {', '.join(sorted(h.source_id for h in silent))}"


def batch_key_names(names: list[str]) -> str:
    """A short stable key for a set of names."""
    import hashlib

    return hashlib.sha256(",".join(names).encode()).hexdigest()[:12]

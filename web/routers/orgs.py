"""The organisations pages of the web UI: the registry, one page per organisation, and the operators' editor.

Every page needs a login; editing needs the operator role (or admin), and every form post carries the
session's CSRF token, as in the rest of the UI. The coverage chart is SVG drawn here, on the server.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from html import escape
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from markupsafe import Markup
from pydantic import ValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException

from archive import orgs as registry
from archive.db import Database, utcnow
from archive.sources import source_names
from archive.users import audit
from schemas.orgs import COLUMNS, OrgRow, OrgType
from web.deps import (
    Context,
    CsrfChecked,
    Operator,
    Session,
    address_of,
    check_csrf,
    language_of,
    render,
)
from web.i18n import translate

LOGGER = logging.getLogger(__name__)

COVERAGE_WEEKS = 26
CHART_W, CHART_H = 600, 180
CHART_LEFT, CHART_BOTTOM, CHART_TOP = 34, 28, 10
BAR_COLOUR = "#0b4f8a"
EDIT_FIELDS = tuple(c for c in COLUMNS if c != "id")


def week_start(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def weekly(days: list[tuple[dt.date, int]], today: dt.date, weeks: int = COVERAGE_WEEKS) -> list[tuple[dt.date, int]]:
    """Articles per week (Monday first) for the last ``weeks`` weeks, empty weeks included."""
    first = week_start(today) - dt.timedelta(weeks=weeks - 1)
    counts = {first + dt.timedelta(weeks=i): 0 for i in range(weeks)}
    for day, n in days:
        start = week_start(day)
        if start in counts:
            counts[start] += n
    return sorted(counts.items())


def coverage_svg(series: list[tuple[dt.date, int]], title: str, label: Callable[[dt.date, int], str]) -> str:
    """A bar per week with a <title> per bar (tooltip, accessible name); no script, no inline style."""
    peak = max((n for _, n in series), default=0) or 1
    inner_w = CHART_W - CHART_LEFT - 6
    inner_h = CHART_H - CHART_TOP - CHART_BOTTOM
    step = inner_w / max(len(series), 1)
    parts = [(f'<svg xmlns="http://www.w3.org/2000/svg" class="orgchart" viewBox="0 0 {CHART_W} {CHART_H}"'
             f' role="img" aria-labelledby="orgchart-title"><title id="orgchart-title">{escape(title)}</title>'),
             (f'<line x1="{CHART_LEFT}" y1="{CHART_TOP + inner_h}" x2="{CHART_W - 6}" y2="{CHART_TOP + inner_h}"'
             f' stroke="#8a8f98"/>'),
             f'<text x="{CHART_LEFT - 4}" y="{CHART_TOP + 8}" text-anchor="end" font-size="11">{peak}</text>',
             f'<text x="{CHART_LEFT - 4}" y="{CHART_TOP + inner_h}" text-anchor="end" font-size="11">0</text>']
    for i, (week, n) in enumerate(series):
        height = inner_h * n / peak
        x = CHART_LEFT + i * step + step * 0.15
        y = CHART_TOP + inner_h - height
        parts.append(f'<rect class="bar" data-week="{week.isoformat()}" data-count="{n}" x="{x:.1f}" y="{y:.1f}"'
                     f' width="{step * 0.7:.1f}" height="{height:.1f}" fill="{BAR_COLOUR}">'
                     f'<title>{escape(label(week, n))}</title></rect>')
        if i % 4 == 0:
            parts.append(f'<text x="{x:.1f}" y="{CHART_H - 10}" font-size="10">{week.day:02d}.{week.month:02d}.</text>')
    parts.append("</svg>")
    return "".join(parts)


def article_orgs(db: Database, article_id: int) -> list[dict]:
    """The registered organisations an article names, first mention first, each with the words as written."""
    names = registry.org_names(db)
    found: dict[str, dict] = {}
    for mention in registry.org_mentions_for(db, [article_id]).get(article_id, []):
        entry = found.setdefault(mention.org_id, {"id": mention.org_id, "name": names.get(mention.org_id, mention.org_id),
                                                  "written": []})
        if mention.text not in entry["written"]:
            entry["written"].append(mention.text)
    return list(found.values())


def form_row(form: dict[str, str], org_id: str) -> OrgRow:
    """The edit form as a registry row (same validation as imports)."""
    data = {name: form.get(name, "") for name in EDIT_FIELDS}
    data = {k: v for k, v in data.items() if str(v).strip() or k not in ("names", "short_names", "city_names",
                                                                          "website", "registry_number")}
    return OrgRow.model_validate({"id": org_id, **data})


router = APIRouter()


@router.get("/orgs")
def orgs_page(request: Request, ctx: Context, session: Session):
    counts = registry.article_counts(ctx.db)
    return render(request, "orgs.html", session=session, orgs=registry.list_orgs(ctx.db), counts=counts,
                  saved=request.query_params.get("saved"), deleted=request.query_params.get("deleted") == "1")


@router.get("/orgs/new")
def org_new(request: Request, session: Operator):
    return render(request, "org_edit.html", session=session, org_id="", values={}, errors=[], types=list(OrgType),
                  new=True)


@router.post("/orgs/new")
async def org_create(request: Request, ctx: Context, session: Operator):
    form = {k: str(v) for k, v in (await request.form()).items()}
    check_csrf(session, form.get("csrf", ""))
    org_id = form.get("id", "").strip()
    if registry.get_org(ctx.db, org_id) is not None:
        return render(request, "org_edit.html", 400, session=session, org_id=org_id, values=form,
                      errors=[("id", translate("org_id_taken", language_of(request)))], types=list(OrgType), new=True)
    return _save(request, ctx.db, session, org_id, form, new=True)


@router.get("/orgs/{org_id}")
def org_page(request: Request, ctx: Context, session: Session, org_id: str):
    db = ctx.db
    org = registry.get_org(db, org_id)
    if org is None:
        raise StarletteHTTPException(404)
    lang = language_of(request)
    today = utcnow().astimezone(ctx.zone).date()
    since = dt.datetime.combine(week_start(today) - dt.timedelta(weeks=COVERAGE_WEEKS - 1), dt.time(), ctx.zone)
    series = weekly(registry.coverage(db, org_id, since, ctx.settings.locale.timezone), today)
    chart = coverage_svg(series, translate("org_coverage_title", lang, name=org.name),
                         lambda week, n: translate("org_week_bar", lang, day=f"{week.day:02d}.{week.month:02d}.",
                                                   n=n))
    permalink = urlencode([("org", org.id), ("sort", "date")])
    return render(request, "org.html", session=session, org=org, chart=Markup(chart), series=series,
                  articles=registry.latest_articles(db, org_id), outlets=registry.outlets_of(db, org_id),
                  sources=source_names(db), search_link="/?" + permalink, permalink=permalink,
                  total=sum(n for _, n in registry.outlets_of(db, org_id)))


@router.get("/orgs/{org_id}/edit")
def org_edit(request: Request, ctx: Context, session: Operator, org_id: str):
    org = registry.get_org(ctx.db, org_id)
    if org is None:
        raise StarletteHTTPException(404)
    return render(request, "org_edit.html", session=session, org_id=org_id, values=org.to_row(), errors=[],
                  types=list(OrgType), new=False)


@router.post("/orgs/{org_id}/edit")
async def org_update(request: Request, ctx: Context, session: Operator, org_id: str):
    form = {k: str(v) for k, v in (await request.form()).items()}
    check_csrf(session, form.get("csrf", ""))
    if registry.get_org(ctx.db, org_id) is None:
        raise StarletteHTTPException(404)
    return _save(request, ctx.db, session, org_id, form, new=False)


@router.post("/orgs/{org_id}/delete")
def org_delete(request: Request, ctx: Context, session: Operator, _: CsrfChecked, org_id: str):
    if registry.delete_org(ctx.db, org_id):
        registry.relink(ctx.db)
        audit(ctx.db, "org_delete", username=session.user.username, address=address_of(request), detail=org_id)
    return RedirectResponse("/orgs?deleted=1", status_code=303)


def _save(request: Request, db: Database, session, org_id: str, form: dict[str, str], new: bool) -> Response:
    try:
        row = form_row(form, org_id)
    except ValidationError as exc:
        errors = [(".".join(str(p) for p in e["loc"]), e["msg"]) for e in exc.errors()]
        return render(request, "org_edit.html", 400, session=session, org_id=org_id, values=form, errors=errors,
                      types=list(OrgType), new=new)
    outcome = registry.save_org(db, row)
    if outcome != "unchanged":
        registry.relink(db)  # only articles that could match the changed entry
    audit(db, "org_create" if new else "org_update", username=session.user.username,
          address=address_of(request), detail=f"{org_id}: {outcome}")
    return RedirectResponse(f"/orgs/{org_id}?saved=1", status_code=303)

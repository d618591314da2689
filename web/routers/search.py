"""The search page (results, facets, attention chart), its exports (CSV, XLSX) and the chart downloads."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import Response, StreamingResponse
from markupsafe import Markup
from starlette.exceptions import HTTPException as StarletteHTTPException

from archive.attention import attention, next_bucket
from archive.search import SORTS, SearchFilters, iter_all, search
from archive.sources import source_groups, source_names
from archive.users import ALERTS, audit
from search.query import ParsedQuery, parse_query
from web.chart import attention_svg, series_rows, top_outlets_svg
from web.deps import Context, Session, address_of, language_of, render, web_context
from web.export import (
    SEPARATORS,
    XLSX_MEDIA_TYPE,
    csv_chunks,
    csv_line,
    export_rows,
    headers,
    xlsx_bytes,
)
from web.filters import (
    BOOLEAN_FILTERS,
    active_filters,
    chart_filters,
    filters_from_params,
    params_for,
    toggled,
    without,
)
from web.i18n import country_name, notice_key, translate
from web.labels import labeller, people_names, story_title

PAGE_SIZES = ("20", "50", "100")

router = APIRouter()


def parse(q: str, expand: bool) -> ParsedQuery:
    """The query as searched: with name and term variants (search.expansion) unless ``expand`` is off."""
    return parse_query(q, expand=expand)


def expanded_terms(results) -> list[str]:
    """The names the engine added to the query, shown as "also searched"."""
    return list(results.query.expanded or [])


def search_request(request: Request) -> tuple[str, SearchFilters, str, bool]:
    """Query, filters, sort and whether name/term expansion is on, from the GET parameters."""
    params = request.query_params
    q = (params.get("q") or "")[:1000]
    sort = params.get("sort") if params.get("sort") in SORTS else "relevance"
    timezone = web_context(request).settings.locale.timezone
    return q, filters_from_params(params, timezone), sort, params.get("exact") != "1"


@router.get("/")
def search_page(request: Request, ctx: Context, session: Session):
    db, zone = ctx.db, ctx.zone
    params = request.query_params
    q, filters, sort, expand = search_request(request)
    try:
        page = max(1, min(int(params.get("page") or 1), 10_000))
    except ValueError:
        page = 1
    per = params.get("per") if params.get("per") in PAGE_SIZES else None
    results = search(db, parse(q, expand), filters, sort=sort, page=page, per_page=int(per or PAGE_SIZES[0]),
                     facets=True)
    lang = language_of(request)
    notice = notice_key(results.message, lang)
    message = translate(notice[0], lang, **notice[1]) if notice else results.message
    exact = None if expand else "1"

    def link(**extra) -> str:
        return "/?" + urlencode(params_for(q, filters, sort, per=per, exact=exact, **extra))

    def facet_link(facet: str, value: str) -> str:
        return "/?" + urlencode(params_for(q, toggled(filters, facet, value), sort, exact=exact))

    def remove_link(name: str, value: str) -> str:
        return "/?" + urlencode(params_for(q, without(filters, name, value), sort, exact=exact))

    def is_active(facet: str, value: str) -> bool:
        if facet in BOOLEAN_FILTERS:
            return bool(getattr(filters, facet))
        return value in getattr(filters, facet)

    def story_link(cluster_id: int) -> str:
        return "/?" + urlencode([("cluster", str(cluster_id)), ("sort", "date")])

    def bucket_link(bucket) -> str:
        data = filters.to_dict()
        data["date_from"] = bucket.isoformat()
        data["date_to"] = (next_bucket(bucket, attention_data.unit) - dt.timedelta(days=1)).isoformat()
        return "/?" + urlencode(params_for(q, SearchFilters.from_dict(data, filters.timezone), sort, exact=exact))

    sources = source_names(db)
    people = people_names(ctx.settings)
    label_of = labeller(db, lang, sources, people)
    chips = active_filters(filters, label_of, story_title(db, filters.cluster_id))
    charted, chart_days = chart_filters(filters, results.more, dt.datetime.now(zone).date())
    attention_data = attention(db, results.query, charted, zone) if not results.query.error else None

    def t(key: str, **values) -> str:
        return translate(key, lang, **values)

    chart_svg = top_svg = None
    if attention_data is not None and attention_data.buckets:
        chart_svg = Markup(attention_svg(attention_data, t, link=bucket_link))
    if attention_data is not None and attention_data.top_outlets:
        top_svg = Markup(top_outlets_svg(attention_data, t, link=lambda sid: facet_link("sources", sid)))
    query_string = urlencode(params_for(q, filters, sort, exact=exact))
    return render(request, "search.html", session=session, q=q, sort=sort, filters=filters, results=results,
                  message=message, link=link, facet_link=facet_link, is_active=is_active, sources=sources,
                  label_of=label_of, chips=chips, remove_link=remove_link, story_link=story_link,
                  permalink=query_string, alerts=ALERTS, Markup=Markup, expand=expand,
                  expanded_terms=expanded_terms(results), toggle_expansion_link="/?" + urlencode(
                      params_for(q, filters, sort, exact=None if not expand else "1")),
                  chart_svg=chart_svg, top_svg=top_svg, attention=attention_data,
                  series=series_rows(attention_data, t) if attention_data is not None else None,
                  query_string=query_string, has_filters=bool(chips), filter_count=len(chips),
                  chart_days=chart_days, facet_sample=getattr(results.facets, "sample", None),
                  boolean_facets=BOOLEAN_FILTERS)


def export_request(request: Request, ctx, session, kind: str):
    """Query, filters and the audit line of an export; a query that cannot be searched is a 400 page."""
    q, filters, _, expand = search_request(request)
    parsed = parse(q, expand)
    if parsed.error:
        raise StarletteHTTPException(400)
    audit(ctx.db, "export", username=session.user.username, address=address_of(request),
          detail=f"{kind}: " + urlencode(params_for(q, filters)))
    return parsed, filters


def export_rows_for(request: Request, ctx, parsed, filters):
    lang = language_of(request)
    return export_rows(iter_all(ctx.db, parsed, filters), zone=ctx.zone,
                       translate=lambda key: translate(key, lang), groups=source_groups(ctx.db),
                       base_url=ctx.settings.web.base_url, country=lambda code: country_name(code, lang))


@router.get("/export.csv")
def export_csv(request: Request, ctx: Context, session: Session):
    parsed, filters = export_request(request, ctx, session, "csv")
    lang = language_of(request)
    sep = request.query_params.get("sep")
    if sep not in SEPARATORS:
        sep = "comma" if lang == "en" else "semicolon"
    chunks = csv_chunks(export_rows_for(request, ctx, parsed, filters),
                        headers(lambda key: translate(key, lang), ctx.settings.locale.timezone), SEPARATORS[sep])
    # The first chunk (header and first rows) is made before answering: a failing query is an error page,
    # never a 200 with an empty body.
    first = next(chunks)

    def body() -> Iterator[bytes]:
        yield first.encode("utf-8")
        for chunk in chunks:
            yield chunk.encode("utf-8")

    return StreamingResponse(body(), media_type="text/csv; charset=utf-8",
                             headers={"Content-Disposition": 'attachment; filename="odjek-search.csv"'})


@router.get("/export.xlsx")
def export_xlsx(request: Request, ctx: Context, session: Session):
    parsed, filters = export_request(request, ctx, session, "xlsx")
    lang = language_of(request)
    data, _ = xlsx_bytes(export_rows_for(request, ctx, parsed, filters),
                         headers(lambda key: translate(key, lang), ctx.settings.locale.timezone),
                         translate("app", lang))
    return Response(data, media_type=XLSX_MEDIA_TYPE,
                    headers={"Content-Disposition": 'attachment; filename="odjek-search.xlsx"'})


def chart_request(request: Request, ctx):
    q, filters, _, expand = search_request(request)
    parsed = parse(q, expand)
    if parsed.error:
        raise StarletteHTTPException(400)
    lang = language_of(request)
    broad = search(ctx.db, parsed, filters, per_page=1, highlight=False).more
    charted, _ = chart_filters(filters, broad, dt.datetime.now(ctx.zone).date())
    data = attention(ctx.db, parsed, charted, ctx.zone)
    return data, (lambda key, **values: translate(key, lang, **values))


@router.get("/chart.svg")
def chart_svg_file(request: Request, ctx: Context, session: Session):
    data, t = chart_request(request, ctx)
    return Response(attention_svg(data, t, standalone=True), media_type="image/svg+xml",
                    headers={"Content-Disposition": 'attachment; filename="odjek-chart.svg"',
                             "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'"})


@router.get("/chart.csv")
def chart_csv_file(request: Request, ctx: Context, session: Session):
    data, t = chart_request(request, ctx)
    header, rows = series_rows(data, t)
    sep = request.query_params.get("sep")
    sep = sep if sep in SEPARATORS else ("comma" if language_of(request) == "en" else "semicolon")
    text = "\ufeff" + csv_line(header, SEPARATORS[sep]) + "".join(csv_line(r, SEPARATORS[sep]) for r in rows)
    return Response(text.encode("utf-8"), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": 'attachment; filename="odjek-chart.csv"'})

"""The press officers' web UI: search, articles, sources, digests, saved searches; server-rendered, logged in.

Security, in one place: every page but /login needs a server-side session (cookie HttpOnly, SameSite=Lax,
Secure when ``secure_cookies``; a new id at each login, deleted at logout); every form post carries a CSRF
token; failed logins are rate-limited; responses carry a CSP without inline script, nosniff and
frame-ancestors 'none'; templates are autoescaped and highlights are built from escaped original text;
CSV cells that a spreadsheet would run as formulas are neutralised. Logins, exports and admin actions are audited.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
import math
import re
import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from fastapi import FastAPI, Form, Request
from fastapi.responses import (
    FileResponse,
    HTMLResponse,
    RedirectResponse,
    Response,
    StreamingResponse,
)
from fastapi.staticfiles import StaticFiles
from itsdangerous import BadSignature, URLSafeTimedSerializer
from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup
from starlette.exceptions import HTTPException as StarletteHTTPException

from archive import open_archive
from archive.attention import attention, next_bucket
from archive.db import Database
from archive.digest_files import load_digest_file
from archive.search import (
    SORTS,
    ParsedQuery,
    SearchFilters,
    iter_all,
    mark_spans,
    parse_query,
    query_spans,
    search,
)
from archive.sources import source_groups, source_names
from archive.users import (
    ALERTS,
    WebSession,
    audit,
    audit_entries,
    authenticate,
    create_session,
    delete_saved_search,
    end_session,
    get_session,
    list_users,
    login_delay,
    record_login_attempt,
    save_search,
    saved_searches_of,
    set_email,
    set_language,
)
from odjek.settings import Settings
from web.chart import attention_svg, series_rows, top_outlets_svg
from web.export import (
    SEPARATORS,
    XLSX_MEDIA_TYPE,
    csv_chunks,
    csv_line,
    export_rows,
    headers,
    xlsx_bytes,
)
from web.guard import InputGuard
from web.i18n import (
    LANGUAGE_NAMES,
    LANGUAGES,
    country_name,
    default_language,
    notice_key,
    translate,
)

LOGGER = logging.getLogger(__name__)

HERE = Path(__file__).resolve().parent
SESSION_COOKIE = "odjek_session"
LOGIN_COOKIE = "odjek_login"
LANG_COOKIE = "odjek_lang"
LOGIN_FORM_MAX_AGE_S = 3600
EMAIL_RE = re.compile(r"^[^@\s<>\"',;]+@[^@\s<>\"',;]+\.[^@\s<>\"',;]+$")
MAX_EMAIL_CHARS = 254
PAGE_SIZES = ("20", "50", "100")

CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; object-src 'none';"
       " base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
# Digests are our own rendered HTML with inline styles; they get no script at all.
DIGEST_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data: cid:; frame-ancestors 'none'"


class LoginRequired(Exception):
    """No valid session: GET pages redirect to the login page, anything else is refused."""


class Forbidden(Exception):
    """Logged in, but the role does not allow this."""


class CsrfFailed(Exception):
    """A form post without the right token."""


def safe_next(target: str | None) -> str:
    """Only local paths are followed after login (no open redirect)."""
    if target and target.startswith("/") and not target.startswith(("//", "/\\")):
        return target
    return "/"


def http_url(url: str | None) -> str | None:
    """A link target only for http(s) URLs; feed data can hold javascript: URLs."""
    if url and url.lower().startswith(("http://", "https://")):
        return url
    return None


# Filters in the URL ------------------------------------------------------------------------------------

FILTER_PARAMS = {"source": "sources", "group": "groups", "language": "languages", "topic": "topics",
                 "region": "regions", "country": "countries", "person": "people", "org": "orgs"}
BOOLEAN_FILTERS = ("office", "director", "critical")  # GET parameter = SearchFilters field, value "1"


def filters_from_params(params, timezone: str | None = None) -> SearchFilters:
    """SearchFilters from GET parameters (bad values are dropped, never an error); dates are days in ``timezone``."""
    data: dict = {field: [v[:100] for v in params.getlist(name) if v][:50] for name, field in FILTER_PARAMS.items()}
    data["date_from"] = params.get("from") or None
    data["date_to"] = params.get("to") or None
    for name in BOOLEAN_FILTERS:
        data[name] = params.get(name) == "1"
    data["cluster_id"] = params.get("cluster") or None
    return SearchFilters.from_dict(data, timezone)


def params_for(q: str, filters: SearchFilters, sort: str = "relevance", **extra) -> list[tuple[str, str]]:
    """GET parameters of a search (the permalink)."""
    out: list[tuple[str, str]] = []
    if q:
        out.append(("q", q))
    for name, field in FILTER_PARAMS.items():
        out += [(name, v) for v in getattr(filters, field)]
    if filters.date_from:
        out.append(("from", filters.date_from.isoformat()))
    if filters.date_to:
        out.append(("to", filters.date_to.isoformat()))
    out += [(name, "1") for name in BOOLEAN_FILTERS if getattr(filters, name)]
    if filters.cluster_id is not None:
        out.append(("cluster", str(filters.cluster_id)))
    if sort != "relevance":
        out.append(("sort", sort))
    out += [(k, str(v)) for k, v in extra.items() if v is not None]
    return out


def toggled(filters: SearchFilters, facet: str, value: str) -> SearchFilters:
    """The filters with one facet value switched on or off."""
    data = filters.to_dict()
    if facet in BOOLEAN_FILTERS:
        data[facet] = not getattr(filters, facet)
    else:
        values = list(getattr(filters, facet))
        values = [v for v in values if v != value] if value in values else values + [value]
        data[facet] = values
    return SearchFilters.from_dict(data, filters.timezone)


def without(filters: SearchFilters, name: str, value: str | None = None) -> SearchFilters:
    """The filters with one value (or a whole filter: dates, story, a switch) removed."""
    if name in ("date_from", "date_to", "cluster_id"):
        data = filters.to_dict()
        data.pop(name, None)
        return SearchFilters.from_dict(data, filters.timezone)
    return toggled(filters, name, value or "")


def active_filters(filters: SearchFilters, label_of, story_title: str | None) -> list[tuple[str, str, str]]:
    """(filter, value, shown text) of every active filter, in the order the facets are listed."""
    out: list[tuple[str, str, str]] = []
    if filters.cluster_id is not None:
        out.append(("cluster_id", str(filters.cluster_id), story_title or ""))
    if filters.date_from:
        out.append(("date_from", filters.date_from.isoformat(), ""))
    if filters.date_to:
        out.append(("date_to", filters.date_to.isoformat(), ""))
    out += [(name, "1", label_of(name, "1")) for name in BOOLEAN_FILTERS if getattr(filters, name)]
    for field in FILTER_PARAMS.values():
        out += [(field, v, label_of(field, v)) for v in getattr(filters, field)]
    return out


BROAD_CHART_DAYS = 31  # the chart of a query with more than COUNT_CAP matches and no start date covers this many


def chart_filters(filters: SearchFilters, broad: bool, today: dt.date) -> tuple[SearchFilters, int | None]:
    """The filters the attention chart counts under, and the days it was limited to (None: not limited).

    A query with more matches than the search counts (a word found in most of the archive) is charted over its
    last BROAD_CHART_DAYS days unless a start date is chosen: one grouped pass over every match of such a word
    would cost seconds at a million articles; the page says so and the date filter widens it.
    """
    if not broad or filters.date_from is not None:
        return filters, None
    data = filters.to_dict()
    end = filters.date_to or today
    data["date_from"] = (end - dt.timedelta(days=BROAD_CHART_DAYS - 1)).isoformat()
    data["date_to"] = end.isoformat()
    return SearchFilters.from_dict(data, filters.timezone), BROAD_CHART_DAYS


@functools.lru_cache(maxsize=4)
def _people_names(path: str, mtime_ns: int) -> dict[str, str]:
    """Names by id from the people file, read again when the file changes (``mtime_ns`` is the cache key)."""
    from nlp.people import load_people

    return {p.id: p.name for p in load_people(path)}


def parse(q: str, expand: bool) -> ParsedQuery:
    """The query as searched: with name and term variants (archive.query_expansion) unless ``expand`` is off."""
    return parse_query(q, expand=expand)


def expanded_terms(results) -> list[str]:
    """The names the engine added to the query, shown as "also searched"."""
    return list(results.query.expanded or [])


# The app ------------------------------------------------------------------------------------------------

def create_app(settings: Settings, db: Database | None = None) -> FastAPI:
    """The web UI over the archive named in settings (or an already open ``db``)."""
    # A bounded pool: the server runs requests on many threads, and per-thread connections would stay open.
    db = db or open_archive(settings.resolved_database_url, pool_size=int(settings.web_db_pool_size))
    secret = settings.secret_key
    if not secret:
        LOGGER.warning("secret_key is not set: login forms are signed with a random key valid until restart")
        secret = secrets.token_urlsafe(32)
    signer = URLSafeTimedSerializer(secret, salt="odjek-login-form")
    env = Environment(loader=FileSystemLoader(HERE / "templates"), autoescape=select_autoescape(["html"]),
                      trim_blocks=True, lstrip_blocks=True)
    zone = ZoneInfo(settings.timezone)
    # Times are stored in UTC and shown in the Directorate's timezone.
    env.filters["local"] = lambda value: value.astimezone(zone).strftime("%d.%m.%Y. %H:%M") if value else ""
    app = FastAPI(title="Odjek", docs_url=None, redoc_url=None, openapi_url=None)
    app.add_middleware(InputGuard)  # NUL and >64-bit numbers never reach a route (web/guard.py)
    app.state.settings, app.state.db = settings, db
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")

    # Helpers bound to this app ------------------------------------------------------------------------
    def language_of(request: Request) -> str:
        chosen = request.cookies.get(LANG_COOKIE)
        return chosen if chosen in LANGUAGES else default_language(settings.ui_language, settings.output_script)

    def address_of(request: Request) -> str:
        return request.client.host if request.client else "unknown"

    def session_of(request: Request) -> WebSession:
        session = get_session(db, request.cookies.get(SESSION_COOKIE))
        if session is None:
            raise LoginRequired()
        return session

    def check_csrf(session: WebSession, token: str) -> None:
        if not token or not secrets.compare_digest(token, session.csrf_token):
            raise CsrfFailed()

    def render(request: Request, template: str, status_code: int = 200, session: WebSession | None = None,
               **context) -> HTMLResponse:
        lang = language_of(request)

        def t(key: str, **values) -> str:
            return translate(key, lang, **values)

        html = env.get_template(template).render(
            t=t, lang=lang, languages=LANGUAGE_NAMES, session=session, user=session.user if session else None,
            csrf=session.csrf_token if session else "", request=request, path=request.url.path,
            here=str(request.url.path) + (f"?{request.url.query}" if request.url.query else ""), **context)
        return HTMLResponse(html, status_code=status_code)

    # Errors and headers -------------------------------------------------------------------------------
    @app.middleware("http")
    async def security_headers(request: Request, call_next):
        response = await call_next(request)
        response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["X-Frame-Options"] = "DENY"
        response.headers["Referrer-Policy"] = "same-origin"
        # Pages hold private data; the stylesheet and script may be cached.
        cache = "public, max-age=3600" if request.url.path.startswith("/static/") else "no-store"
        response.headers.setdefault("Cache-Control", cache)
        return response

    @app.exception_handler(LoginRequired)
    async def _login_required(request: Request, exc: LoginRequired):
        if request.method == "GET":
            target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
            return RedirectResponse("/login?" + urlencode({"next": target}), status_code=303)
        return Response("login required", status_code=401, media_type="text/plain")

    @app.exception_handler(Forbidden)
    async def _forbidden(request: Request, exc: Forbidden):
        return render(request, "error.html", 403, message_key="forbidden")

    @app.exception_handler(CsrfFailed)
    async def _csrf(request: Request, exc: CsrfFailed):
        return render(request, "error.html", 403, message_key="csrf_failed")

    @app.exception_handler(Exception)
    async def _server_error(request: Request, exc: Exception):
        # Runs outside the header middleware: the page sets its own headers.
        LOGGER.exception("server error on %s %s", request.method, request.url.path, exc_info=exc)
        try:
            response = render(request, "error.html", 500, message_key="server_error")
        except Exception:  # the error page itself failed: still no bare English text
            LOGGER.exception("the error page could not be rendered")
            response = HTMLResponse("<!doctype html><title>Одјек</title><p>Грешка на серверу / Server error</p>",
                                    status_code=500)
        response.headers["Content-Security-Policy"] = CSP
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Cache-Control"] = "no-store"
        return response

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException):
        key = "not_found" if exc.status_code == 404 else "bad_request"
        return render(request, "error.html", exc.status_code, message_key=key)

    # Login ---------------------------------------------------------------------------------------------
    def login_page(request: Request, status_code: int = 200, error_key: str | None = None,
                   next_url: str = "/") -> HTMLResponse:
        token = secrets.token_urlsafe(24)
        response = render(request, "login.html", status_code, form_token=signer.dumps(token), error_key=error_key,
                          next_url=safe_next(next_url))
        response.set_cookie(LOGIN_COOKIE, token, max_age=LOGIN_FORM_MAX_AGE_S, httponly=True, samesite="lax",
                            secure=settings.secure_cookies, path="/login")
        return response

    @app.get("/login")
    def login_form(request: Request, next: str = "/"):
        return login_page(request, next_url=next)

    @app.post("/login")
    def login(request: Request, username: Annotated[str, Form()] = "", password: Annotated[str, Form()] = "",
              csrf: Annotated[str, Form()] = "", next: Annotated[str, Form()] = "/"):
        address = address_of(request)
        try:
            expected = signer.loads(csrf, max_age=LOGIN_FORM_MAX_AGE_S)
        except BadSignature:
            expected = None
        cookie = request.cookies.get(LOGIN_COOKIE) or ""
        if not expected or not secrets.compare_digest(str(expected), cookie):
            return login_page(request, 403, "login_expired", next)
        username = username.strip()[:100]
        wait_s = login_delay(db, address, username)
        if wait_s > 0:
            # Refused attempts are kept but not counted: waiting it out always works (issue 14).
            record_login_attempt(db, address, username, False, refused=True)
            audit(db, "login_blocked", username=username, address=address)
            refused = login_page(request, 429, "login_blocked", next)
            refused.headers["Retry-After"] = str(math.ceil(wait_s))
            return refused
        user = authenticate(db, username, password[:1000]) if username and password else None
        record_login_attempt(db, address, username, user is not None)
        if user is None:
            audit(db, "login_failed", username=username, address=address)
            return login_page(request, 401, "login_failed", next)
        end_session(db, request.cookies.get(SESSION_COOKIE))  # never carry an old session id over a login
        session_id, _ = create_session(db, user)
        audit(db, "login", username=user.username, address=address)
        response = RedirectResponse(safe_next(next), status_code=303)
        response.set_cookie(SESSION_COOKIE, session_id, httponly=True, samesite="lax", secure=settings.secure_cookies,
                            path="/")
        response.delete_cookie(LOGIN_COOKIE, path="/login")
        return response

    @app.post("/logout")
    def logout(request: Request, csrf: Annotated[str, Form()] = ""):
        session = session_of(request)
        check_csrf(session, csrf)
        end_session(db, request.cookies.get(SESSION_COOKIE))
        audit(db, "logout", username=session.user.username, address=address_of(request))
        response = RedirectResponse("/login", status_code=303)
        response.delete_cookie(SESSION_COOKIE, path="/")
        return response

    @app.get("/lang/{code}")
    def choose_language(request: Request, code: str, next: str = "/"):
        response = RedirectResponse(safe_next(next), status_code=303)
        if code in LANGUAGES:
            response.set_cookie(LANG_COOKIE, code, max_age=365 * 86400, samesite="lax", secure=settings.secure_cookies)
            session = get_session(db, request.cookies.get(SESSION_COOKIE))
            if session is not None:  # alert mails follow the language the user reads the UI in
                set_language(db, session.user.id, code)
        return response

    # Search --------------------------------------------------------------------------------------------
    def people_names() -> dict[str, str]:
        """Watched people's display names by id (the person filter shows names, not ids)."""
        try:
            return _people_names(str(settings.people_path), settings.people_path.stat().st_mtime_ns)
        except (OSError, ValueError) as exc:  # a broken people file must not take the search page down
            LOGGER.warning("people file %s unreadable: %s", settings.people_path, exc)
            return {}

    def labeller(lang: str, sources: dict[str, str], people: dict[str, str]):
        from archive.orgs import org_names

        orgs = org_names(db)

        def label_of(facet: str, value: str) -> str:
            if facet == "sources":
                return sources.get(value) or value
            if facet == "orgs":
                return orgs.get(value) or value
            if facet == "people":
                return people.get(value) or value
            if facet in BOOLEAN_FILTERS:
                return translate("facet_" + facet, lang)
            if facet == "countries":
                return country_name(value, lang)
            if facet == "languages":
                return value
            return translate(value, lang)
        return label_of

    def search_request(request: Request) -> tuple[str, SearchFilters, str, bool]:
        """Query, filters, sort and whether name/term expansion is on, from the GET parameters."""
        params = request.query_params
        q = (params.get("q") or "")[:1000]
        sort = params.get("sort") if params.get("sort") in SORTS else "relevance"
        return q, filters_from_params(params, settings.timezone), sort, params.get("exact") != "1"

    def story_title(cluster_id: int | None) -> str | None:
        from archive.articles import get_article
        from archive.clusters import get_cluster

        cluster = get_cluster(db, cluster_id) if cluster_id is not None else None
        article = get_article(db, cluster.representative_article_id) if cluster else None
        return article.title if article else None

    @app.get("/")
    def search_page(request: Request):
        session = session_of(request)
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
        people = people_names()
        label_of = labeller(lang, sources, people)
        chips = active_filters(filters, label_of, story_title(filters.cluster_id))
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

    def export_request(request: Request, kind: str):
        """Query, filters and the audit line of an export; a query that cannot be searched is a 400 page."""
        session = session_of(request)
        q, filters, _, expand = search_request(request)
        parsed = parse(q, expand)
        if parsed.error:
            raise StarletteHTTPException(400)
        audit(db, "export", username=session.user.username, address=address_of(request),
              detail=f"{kind}: " + urlencode(params_for(q, filters)))
        return parsed, filters

    def export_rows_for(request: Request, parsed, filters):
        lang = language_of(request)
        return export_rows(iter_all(db, parsed, filters), zone=zone,
                           translate=lambda key: translate(key, lang), groups=source_groups(db),
                           base_url=settings.base_url, country=lambda code: country_name(code, lang))

    @app.get("/export.csv")
    def export_csv(request: Request):
        parsed, filters = export_request(request, "csv")
        lang = language_of(request)
        sep = request.query_params.get("sep")
        if sep not in SEPARATORS:
            sep = "comma" if lang == "en" else "semicolon"
        chunks = csv_chunks(export_rows_for(request, parsed, filters),
                            headers(lambda key: translate(key, lang), settings.timezone), SEPARATORS[sep])
        # The first chunk (header and first rows) is made before answering: a failing query is an error page,
        # never a 200 with an empty body.
        first = next(chunks)

        def body() -> Iterator[bytes]:
            yield first.encode("utf-8")
            for chunk in chunks:
                yield chunk.encode("utf-8")

        return StreamingResponse(body(), media_type="text/csv; charset=utf-8",
                                 headers={"Content-Disposition": 'attachment; filename="odjek-search.csv"'})

    @app.get("/export.xlsx")
    def export_xlsx(request: Request):
        parsed, filters = export_request(request, "xlsx")
        lang = language_of(request)
        data, _ = xlsx_bytes(export_rows_for(request, parsed, filters),
                             headers(lambda key: translate(key, lang), settings.timezone),
                             translate("app", lang))
        return Response(data, media_type=XLSX_MEDIA_TYPE,
                        headers={"Content-Disposition": 'attachment; filename="odjek-search.xlsx"'})

    def chart_request(request: Request):
        session_of(request)
        q, filters, _, expand = search_request(request)
        parsed = parse(q, expand)
        if parsed.error:
            raise StarletteHTTPException(400)
        lang = language_of(request)
        broad = search(db, parsed, filters, per_page=1, highlight=False).more
        charted, _ = chart_filters(filters, broad, dt.datetime.now(zone).date())
        data = attention(db, parsed, charted, zone)
        return data, (lambda key, **values: translate(key, lang, **values))

    @app.get("/chart.svg")
    def chart_svg_file(request: Request):
        data, t = chart_request(request)
        return Response(attention_svg(data, t, standalone=True), media_type="image/svg+xml",
                        headers={"Content-Disposition": 'attachment; filename="odjek-chart.svg"',
                                 "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'"})

    @app.get("/chart.csv")
    def chart_csv_file(request: Request):
        data, t = chart_request(request)
        header, rows = series_rows(data, t)
        sep = request.query_params.get("sep")
        sep = sep if sep in SEPARATORS else ("comma" if language_of(request) == "en" else "semicolon")
        text = "\ufeff" + csv_line(header, SEPARATORS[sep]) + "".join(csv_line(r, SEPARATORS[sep]) for r in rows)
        return Response(text.encode("utf-8"), media_type="text/csv; charset=utf-8",
                        headers={"Content-Disposition": 'attachment; filename="odjek-chart.csv"'})

    # Articles ------------------------------------------------------------------------------------------
    @app.get("/article/{article_id}")
    def article_page(request: Request, article_id: int):
        from archive.articles import get_article, labels_for, mentions_for
        from web.orgs import article_orgs

        session = session_of(request)
        article = get_article(db, article_id)
        if article is None:
            raise StarletteHTTPException(404)
        q = (request.query_params.get("q") or "")[:1000]
        parsed = parse_query(q)
        title = article.title or ""
        offset = len(title) + 2 if title else 0
        mentions = mentions_for(db, [article_id]).get(article_id, [])
        spans = [(m.start, m.end, "mention") for m in mentions]
        title_spans = [s for s in spans if s[1] <= len(title)] + query_spans(title, parsed)
        body_spans = [(s - offset, e - offset, c) for s, e, c in spans if s >= offset]
        body_spans += query_spans(article.text or "", parsed)
        siblings, clusters_available = cluster_siblings(db, article)
        source = db.one("SELECT name, grp FROM sources WHERE id = ?", (article.source_id,)) or {}
        return render(request, "article.html", session=session, article=article, q=q,
                      title_pieces=mark_spans(title, title_spans), body_pieces=mark_spans(article.text or "", body_spans),
                      labels=labels_for(db, [article_id]).get(article_id, []), mentions=mentions,
                      orgs=article_orgs(db, article_id),
                      siblings=siblings, clusters_available=clusters_available, original=http_url(article.url),
                      source_name=source.get("name") or article.source_id, back="/?" + urlencode({"q": q}) if q else "/")

    @app.get("/article/{article_id}/raw")
    def raw_page(request: Request, article_id: int):
        from archive.articles import get_article, get_raw_page

        session = session_of(request)
        if not session.user.is_operator:
            raise Forbidden()
        article = get_article(db, article_id)
        page = get_raw_page(db, article.frontier_id) if article else None
        if page is None:
            raise StarletteHTTPException(404)
        audit(db, "raw_download", username=session.user.username, address=address_of(request),
              detail=f"article {article_id}")
        # A download, never rendered on our origin: the page is someone else's HTML.
        return Response(page.body, media_type="application/octet-stream", headers={
            "Content-Disposition": f'attachment; filename="article-{article_id}.html"',
            "Content-Security-Policy": "sandbox; default-src 'none'"})

    # Sources and digests ------------------------------------------------------------------------------
    @app.get("/sources")
    def sources_page(request: Request):
        session = session_of(request)
        health, columns, available = source_health_rows(db, settings)
        return render(request, "sources.html", session=session, rows=health, columns=columns, available=available)

    @app.get("/digests")
    def digests_page(request: Request):
        session = session_of(request)
        rows = db.query("SELECT id, kind, period_start, period_end, script, html_path, pdf_path, status, created_at"
                        " FROM digest_runs ORDER BY period_start DESC, id DESC LIMIT 500")
        return render(request, "digests.html", session=session, rows=rows)

    @app.get("/digests/{digest_id}/{fmt}")
    def digest_file(request: Request, digest_id: int, fmt: str):
        session_of(request)
        if fmt not in {"html", "pdf"}:
            raise StarletteHTTPException(404)
        # The archive's copy first: the worker that rendered the digest need not share a disk with the web UI.
        stored = load_digest_file(db, digest_id, fmt)
        if stored is not None:
            name, content = stored
            if fmt == "pdf":
                return Response(content, media_type="application/pdf",
                                headers={"Content-Disposition": f'attachment; filename="{name}"'})
            return Response(content, media_type="text/html; charset=utf-8",
                            headers={"Content-Security-Policy": DIGEST_CSP})
        row = db.one(f"SELECT {fmt}_path AS path FROM digest_runs WHERE id = ?", (digest_id,))
        path = recorded_digest_path(settings, row["path"] if row else None)
        if path is None:
            raise StarletteHTTPException(404)
        if fmt == "pdf":
            return FileResponse(path, media_type="application/pdf", filename=path.name)
        return FileResponse(path, media_type="text/html; charset=utf-8", headers={"Content-Security-Policy": DIGEST_CSP})

    # Saved searches ------------------------------------------------------------------------------------
    @app.get("/saved")
    def saved_page(request: Request):
        session = session_of(request)
        lang = language_of(request)
        label_of = labeller(lang, source_names(db),
                            people_names())
        items = []
        for s in saved_searches_of(db, session.user):
            filters = SearchFilters.from_dict(s.filters)
            chips = active_filters(filters, label_of, story_title(filters.cluster_id))
            exact = "1" if s.filters.get("exact") else None
            items.append((s, "/?" + urlencode(params_for(s.query, filters, exact=exact)), chips))
        params = request.query_params
        saved_id = params.get("saved")
        just_saved = next((s for s, _, _ in items if str(s.id) == saved_id), None)
        return render(request, "saved.html", session=session, items=items, just_saved=just_saved,
                      deleted=params.get("deleted") == "1", email_state=params.get("email"))

    @app.post("/saved")
    def saved_create(request: Request, csrf: Annotated[str, Form()] = "", name: Annotated[str, Form()] = "",
                     alert: Annotated[str, Form()] = "none", permalink: Annotated[str, Form()] = ""):
        from starlette.datastructures import QueryParams

        session = session_of(request)
        check_csrf(session, csrf)
        params = QueryParams(permalink[:4000])
        q = (params.get("q") or "")[:1000]
        filters = filters_from_params(params, settings.timezone)
        stored = filters.to_dict()
        if params.get("exact") == "1":  # searched as written: the alerts will be too
            stored["exact"] = True
        saved = save_search(db, session.user, name, q, stored, alert if alert in ALERTS else "none")
        audit(db, "saved_search_create", username=session.user.username, address=address_of(request),
              detail=f"{saved.id}: {q} ({alert})")
        return RedirectResponse(f"/saved?saved={saved.id}", status_code=303)

    @app.post("/account/email")
    def account_email(request: Request, csrf: Annotated[str, Form()] = "", email: Annotated[str, Form()] = ""):
        session = session_of(request)
        check_csrf(session, csrf)
        address = email.strip()
        if address and (len(address) > MAX_EMAIL_CHARS or not EMAIL_RE.match(address)):
            return RedirectResponse("/saved?email=invalid", status_code=303)
        set_email(db, session.user.id, address or None)
        audit(db, "email_change", username=session.user.username, address=address_of(request),
              detail=address or "(none)")
        return RedirectResponse("/saved?email=saved", status_code=303)

    @app.post("/saved/{saved_id}/delete")
    def saved_delete(request: Request, saved_id: int, csrf: Annotated[str, Form()] = ""):
        session = session_of(request)
        check_csrf(session, csrf)
        if delete_saved_search(db, session.user, saved_id):
            audit(db, "saved_search_delete", username=session.user.username, address=address_of(request),
                  detail=str(saved_id))
        return RedirectResponse("/saved?deleted=1", status_code=303)

    # Digest review (operators) and health ------------------------------------------------------------------
    def operator_user(request: Request):
        session = session_of(request)
        if not session.user.is_operator:
            raise Forbidden()
        return session.user

    async def review_csrf(request: Request) -> None:
        form = await request.form()
        check_csrf(session_of(request), str(form.get("csrf_token", "")))

    from reports.review_web import router as digest_review_router

    app.include_router(digest_review_router(settings, current_user=operator_user, csrf_check=review_csrf,
                                            csrf_token=lambda request: session_of(request).csrf_token, db=db))

    from web.orgs import router as orgs_router

    app.include_router(orgs_router(db, settings, session_of=session_of, render=render, check_csrf=check_csrf,
                                   audit=audit, address_of=address_of, language_of=language_of, forbidden=Forbidden))

    @app.get("/healthz")
    def healthz():
        """For container health checks: the archive answers."""
        db.scalar("SELECT 1")
        return Response("ok", media_type="text/plain")

    # Admin ---------------------------------------------------------------------------------------------
    @app.get("/admin")
    def admin_page(request: Request):
        session = session_of(request)
        if not session.user.is_admin:
            raise Forbidden()
        return render(request, "admin.html", session=session, users=list_users(db), entries=audit_entries(db))

    return app


def cluster_siblings(db: Database, article) -> tuple[list[dict], bool]:
    """Other articles of the article's story, via archive.clusters when it exists; (rows, clustering available)."""
    try:
        from archive import clusters
    except ImportError:
        clusters = None
    if clusters is not None and hasattr(clusters, "siblings"):
        found = clusters.siblings(db, article.id)
        return [_sibling_row(s) for s in found], True
    if article.cluster_id is None:
        LOGGER.info("archive.clusters is not available and article %s has no cluster", article.id)
        return [], False
    rows = db.query("SELECT a.id, a.title, a.source_id, a.published FROM articles a WHERE a.cluster_id = ?"
                    " AND a.id <> ? ORDER BY a.published", (article.cluster_id, article.id))
    return rows, True


def _sibling_row(item) -> dict:
    if isinstance(item, dict):
        return item
    return {"id": getattr(item, "id", None), "title": getattr(item, "title", ""),
            "source_id": getattr(item, "source_id", ""), "published": getattr(item, "published", None)}


HEALTH_COLUMNS = ["source_id", "name", "group", "enabled", "flagged", "flag_reason", "discovered_last_run",
                  "fetched_last_run", "failed_last_run", "new_articles_24h", "articles_total", "last_success_at",
                  "staleness_hours", "failing_runs", "active_path", "active_reason", "last_error"]


def source_health_rows(db: Database, settings: Settings) -> tuple[list[dict], list[str], bool]:
    """The health table from archive.health when it exists, else articles per source (said so on the page)."""
    try:
        from archive.health import source_health
    except ImportError:
        LOGGER.warning("archive.health is not available: the sources page shows articles per source only")
        rows = db.query("SELECT s.id, s.name, s.grp, s.enabled, COUNT(a.id) AS articles, MAX(a.published) AS last_article"
                        " FROM sources s LEFT JOIN articles a ON a.source_id = s.id GROUP BY s.id, s.name, s.grp,"
                        " s.enabled ORDER BY s.id")
        return rows, ["id", "name", "grp", "enabled", "articles", "last_article"], False
    rows = [h.as_dict() for h in source_health(db, settings)]
    return rows, HEALTH_COLUMNS, True


def recorded_digest_path(settings: Settings, value: str | None) -> Path | None:
    """A digest file recorded in digest_runs, only if it lies inside the digests folder and exists."""
    if not value:
        return None
    root = settings.digests_path.resolve()
    path = Path(value)
    if not path.is_absolute():
        path = root / path
    path = path.resolve()
    if not path.is_relative_to(root) or not path.is_file():
        return None
    return path

"""The press officers' web UI: search, articles, sources, digests, saved searches; server-rendered, logged in.

create_app wires it: the shared context (settings, archive, templates), the security headers, the error
pages and the routers of web/routers/ (one per area). Security, in one place: web.deps gives every route its
session (cookie HttpOnly, SameSite=Lax, Secure when ``secure_cookies``; a new id at each login, deleted at
logout), checks the CSRF token of every form post and the role of operator and admin pages; failed logins
are rate-limited (web.routers.auth); responses carry a CSP without inline script, nosniff and
frame-ancestors 'none'; templates are autoescaped and highlights are built from escaped original text;
CSV cells that a spreadsheet would run as formulas are neutralised. Logins, exports and admin actions are audited.
"""

from __future__ import annotations

import logging
import secrets
from pathlib import Path
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from itsdangerous import URLSafeTimedSerializer
from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.exceptions import HTTPException as StarletteHTTPException

from archive import open_archive
from archive.db import Database
from schemas.settings import Settings
from web.deps import (
    CsrfFailed,
    Forbidden,
    LoginRequired,
    Operator,
    WebContext,
    check_csrf,
    current_session,
    render,
    web_context,
)
from web.guard import InputGuard
from web.routers import (
    admin,
    articles,
    auth,
    digests,
    orgs,
    review,
    saved,
    search,
    sources,
)

LOGGER = logging.getLogger(__name__)

HERE = Path(__file__).resolve().parent

CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; object-src 'none';"
       " base-uri 'none'; form-action 'self'; frame-ancestors 'none'")


async def review_csrf(request: Request) -> None:
    """The review forms carry the session's token in the field ``csrf_token``."""
    form = await request.form()
    check_csrf(current_session(request, web_context(request)), str(form.get("csrf_token", "")))


def operator_user(session: Operator):
    """The review pages are handed the operator's user record (their menu and audit name)."""
    return session.user


def review_token(request: Request) -> str:
    return current_session(request, web_context(request)).csrf_token


def create_app(settings: Settings, db: Database | None = None) -> FastAPI:
    """The web UI over the archive named in settings (or an already open ``db``)."""
    # A bounded pool: the server runs requests on many threads, and per-thread connections would stay open.
    db = db or open_archive(settings.resolved_database_url, pool_size=int(settings.web.web_db_pool_size))
    secret = settings.web.secret_key.get_secret_value()
    if not secret:
        LOGGER.warning("secret_key is not set: login forms are signed with a random key valid until restart")
        secret = secrets.token_urlsafe(32)
    env = Environment(loader=FileSystemLoader(HERE / "templates"), autoescape=select_autoescape(["html"]),
                      trim_blocks=True, lstrip_blocks=True)
    zone = ZoneInfo(settings.locale.timezone)
    # Times are stored in UTC and shown in the Directorate's timezone.
    env.filters["local"] = lambda value: value.astimezone(zone).strftime("%d.%m.%Y. %H:%M") if value else ""
    app = FastAPI(title="Odjek", docs_url=None, redoc_url=None, openapi_url=None)
    app.add_middleware(InputGuard)  # NUL and >64-bit numbers never reach a route (web/guard.py)
    app.state.settings, app.state.db = settings, db
    app.state.web = WebContext(settings=settings, db=db, templates=env, zone=zone,
                               signer=URLSafeTimedSerializer(secret, salt="odjek-login-form"))
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    add_error_pages(app)
    for module in (auth, search, articles, sources, digests, saved, orgs, admin):
        app.include_router(module.router)
    app.include_router(review.router(settings, current_user=operator_user, csrf_check=review_csrf,
                                     csrf_token=review_token, db=db))
    return app


def add_error_pages(app: FastAPI) -> None:
    """Security headers on every response; login redirect, 403, 404/400 and 500 as pages of the UI."""

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

"""What every route of the web UI shares, as FastAPI dependencies: the app's context, the session, CSRF, roles.

Security, in one place: every page but /login needs a server-side session (``current_session``); every form
post carries the session's CSRF token (``checked_csrf``); operator and admin pages ask for the role
(``require_operator``, ``require_admin``). Failures raise the exceptions below, which web.app turns into a
redirect to the login page (GET) or a 401, and a 403 page.
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import Depends, Form, Request
from fastapi.responses import HTMLResponse
from itsdangerous import URLSafeTimedSerializer
from jinja2 import Environment

from archive.db import Database
from archive.users import WebSession, get_session
from schemas.settings import Settings
from web.i18n import LANGUAGE_NAMES, LANGUAGES, default_language, translate

LOGGER = logging.getLogger(__name__)

SESSION_COOKIE = "odjek_session"
LOGIN_COOKIE = "odjek_login"
LANG_COOKIE = "odjek_lang"


class LoginRequired(Exception):
    """No valid session: GET pages redirect to the login page, anything else is refused."""


class Forbidden(Exception):
    """Logged in, but the role does not allow this."""


class CsrfFailed(Exception):
    """A form post without the right token."""


@dataclass(frozen=True)
class WebContext:
    """What create_app builds once: the settings, the archive, the templates, the login-form signer, the zone."""

    settings: Settings
    db: Database
    templates: Environment
    signer: URLSafeTimedSerializer
    zone: ZoneInfo


def web_context(request: Request) -> WebContext:
    return request.app.state.web


Context = Annotated[WebContext, Depends(web_context)]


def language_of(request: Request) -> str:
    """The visitor's UI language: the language cookie, else the configured default."""
    chosen = request.cookies.get(LANG_COOKIE)
    if chosen in LANGUAGES:
        return chosen
    settings = web_context(request).settings
    return default_language(settings.locale.ui_language, settings.locale.output_script)


def address_of(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def current_session(request: Request, ctx: Context) -> WebSession:
    session = get_session(ctx.db, request.cookies.get(SESSION_COOKIE))
    if session is None:
        raise LoginRequired()
    return session


Session = Annotated[WebSession, Depends(current_session)]


def require_operator(session: Session) -> WebSession:
    if not session.user.is_operator:
        raise Forbidden()
    return session


def require_admin(session: Session) -> WebSession:
    if not session.user.is_admin:
        raise Forbidden()
    return session


Operator = Annotated[WebSession, Depends(require_operator)]
Admin = Annotated[WebSession, Depends(require_admin)]


def check_csrf(session: WebSession, token: str) -> None:
    if not token or not secrets.compare_digest(token, session.csrf_token):
        raise CsrfFailed()


def checked_csrf(session: Session, csrf: Annotated[str, Form()] = "") -> WebSession:
    """The session of a form post whose ``csrf`` field carries the session's token."""
    check_csrf(session, csrf)
    return session


CsrfChecked = Annotated[WebSession, Depends(checked_csrf)]


def render(request: Request, template: str, status_code: int = 200, session: WebSession | None = None,
           **context) -> HTMLResponse:
    """A page of the UI in the visitor's language."""
    lang = language_of(request)

    def t(key: str, **values) -> str:
        return translate(key, lang, **values)

    html = web_context(request).templates.get_template(template).render(
        t=t, lang=lang, languages=LANGUAGE_NAMES, session=session, user=session.user if session else None,
        csrf=session.csrf_token if session else "", request=request, path=request.url.path,
        here=str(request.url.path) + (f"?{request.url.query}" if request.url.query else ""), **context)
    return HTMLResponse(html, status_code=status_code)

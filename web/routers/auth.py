"""Login (rate-limited, signed one-time form token), logout and the language switch."""

from __future__ import annotations

import math
import secrets
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from itsdangerous import BadSignature

from archive.users import (
    audit,
    authenticate,
    create_session,
    end_session,
    get_session,
    login_delay,
    record_login_attempt,
    set_language,
)
from web.deps import (
    LANG_COOKIE,
    LOGIN_COOKIE,
    SESSION_COOKIE,
    Context,
    CsrfChecked,
    address_of,
    render,
    web_context,
)
from web.i18n import LANGUAGES

LOGIN_FORM_MAX_AGE_S = 3600

router = APIRouter()


def safe_next(target: str | None) -> str:
    """Only local paths are followed after login (no open redirect)."""
    if target and target.startswith("/") and not target.startswith(("//", "/\\")):
        return target
    return "/"


def login_page(request: Request, status_code: int = 200, error_key: str | None = None,
               next_url: str = "/") -> HTMLResponse:
    ctx = web_context(request)
    token = secrets.token_urlsafe(24)
    response = render(request, "login.html", status_code, form_token=ctx.signer.dumps(token), error_key=error_key,
                      next_url=safe_next(next_url))
    response.set_cookie(LOGIN_COOKIE, token, max_age=LOGIN_FORM_MAX_AGE_S, httponly=True, samesite="lax",
                        secure=ctx.settings.web.secure_cookies, path="/login")
    return response


@router.get("/login")
def login_form(request: Request, next: str = "/"):
    return login_page(request, next_url=next)


@router.post("/login")
def login(request: Request, ctx: Context, username: Annotated[str, Form()] = "",
          password: Annotated[str, Form()] = "", csrf: Annotated[str, Form()] = "",
          next: Annotated[str, Form()] = "/"):
    db = ctx.db
    address = address_of(request)
    try:
        expected = ctx.signer.loads(csrf, max_age=LOGIN_FORM_MAX_AGE_S)
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
    response.set_cookie(SESSION_COOKIE, session_id, httponly=True, samesite="lax",
                        secure=ctx.settings.web.secure_cookies, path="/")
    response.delete_cookie(LOGIN_COOKIE, path="/login")
    return response


@router.post("/logout")
def logout(request: Request, ctx: Context, session: CsrfChecked):
    end_session(ctx.db, request.cookies.get(SESSION_COOKIE))
    audit(ctx.db, "logout", username=session.user.username, address=address_of(request))
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.get("/lang/{code}")
def choose_language(request: Request, ctx: Context, code: str, next: str = "/"):
    response = RedirectResponse(safe_next(next), status_code=303)
    if code in LANGUAGES:
        response.set_cookie(LANG_COOKIE, code, max_age=365 * 86400, samesite="lax",
                            secure=ctx.settings.web.secure_cookies)
        session = get_session(ctx.db, request.cookies.get(SESSION_COOKIE))
        if session is not None:  # alert mails follow the language the user reads the UI in
            set_language(ctx.db, session.user.id, code)
    return response

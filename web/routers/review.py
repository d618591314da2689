"""Digest review for operators, as a FastAPI router the web app mounts (web.deps gives login, roles and CSRF).

The pages are the web UI's own: its templates (web/templates/review_*.html extend base.html, so the menu,
the language switch and the stylesheet are the same), its languages (web.i18n, the visitor's language
cookie) and its CSRF token. An operator opens a held digest, previews it, excludes items, pins items to the
top, writes a short editor's note and releases it. Releasing asks first: a confirmation page names every
recipient; only the confirmed post re-renders the digest with the review applied and sends it. With no
recipients configured the release is refused and the digest stays held (nothing would be sent, so marking
it released would hide that). The web app passes in its dependencies::

    app.include_router(web.routers.review.router(settings, current_user=require_operator,
                                                 csrf_check=review_csrf, csrf_token=csrf_token_of, db=db))
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape

from archive.db import Database
from reports import digest as digests
from reports.model import NOTE_MAX_CHARS, Review
from schemas.settings import Settings
from web.deps import LANG_COOKIE
from web.i18n import LANGUAGE_NAMES, LANGUAGES, default_language, translate

LOGGER = logging.getLogger(__name__)

WEB_TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
# The preview is our own escaped HTML with its inline stylesheet; the policy is a second wall: no scripts,
# no frames, no outside loads.
# Review pages are web UI pages: the app's stylesheet and menu script, nothing inline, nothing from outside.
PAGE_CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; object-src 'none';"
            " base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
PREVIEW_CSP = "default-src 'none'; img-src data:; style-src 'unsafe-inline'; frame-ancestors 'self'; form-action 'none'"


def _username(user: Any) -> str:
    """The operator's name from whatever the web app's dependency returns (a user record, a dict or a str)."""
    if isinstance(user, str):
        return user
    if isinstance(user, dict):
        return str(user.get("username", "operator"))
    return str(getattr(user, "username", "operator"))


def router(settings: Settings, *, current_user: Callable, csrf_check: Callable,
           csrf_token: Callable[[Request], str] | None = None, csrf_field: str = "csrf_token",
           db: Database | Callable[[], Database] | None = None, prefix: str = "/review/digests") -> APIRouter:
    """The review router: every route needs ``current_user``; every POST also runs ``csrf_check``.

    ``csrf_token(request)`` gives the token the forms carry in the field ``csrf_field``; ``db`` is the archive
    (or a factory), by default opened from ``settings``.
    """
    api = APIRouter(prefix=prefix, tags=["digest review"])
    post_deps = [Depends(current_user), Depends(csrf_check)]
    state: dict[str, Database] = {}
    env = Environment(loader=FileSystemLoader(WEB_TEMPLATES), autoescape=select_autoescape(["html"]),
                      trim_blocks=True, lstrip_blocks=True)

    def archive() -> Database:
        if callable(db) and not isinstance(db, Database):
            return db()
        if isinstance(db, Database):
            return db
        if "db" not in state:
            from archive import open_archive

            state["db"] = open_archive(settings.resolved_database_url)
        return state["db"]

    def page(name: str, request: Request, user: Any, status_code: int = 200, **context) -> HTMLResponse:
        chosen = request.cookies.get(LANG_COOKIE)
        lang = chosen if chosen in LANGUAGES else default_language(settings.locale.ui_language, settings.locale.output_script)

        def t(key: str, **values) -> str:
            return translate(key, lang, **values)

        token = csrf_token(request) if csrf_token else ""
        here = str(request.url.path) + (f"?{request.url.query}" if request.url.query else "")
        if request.method != "GET":  # the answer to a POST (confirmation, release, refusal): the language
            run = context.get("run")  # switch must lead back to a page that can be fetched again
            here = f"{prefix}/{run.id}" if run is not None else prefix
        html = env.get_template(name).render(
            t=t, lang=lang, languages=LANGUAGE_NAMES, user=user, csrf=token, csrf_field=csrf_field,
            request=request, path=request.url.path, prefix=prefix, note_max=NOTE_MAX_CHARS,
            here=here, **context)
        return HTMLResponse(html, status_code=status_code, headers={"Content-Security-Policy": PAGE_CSP, "Cache-Control": "no-store"})

    def load(run_id: int):
        run = digests.get_run(archive(), run_id)
        if run is None:
            raise HTTPException(404, "no such digest")
        return run

    def editable(run_id: int):
        run = load(run_id)
        if run.status != digests.STATUS_HELD:
            raise HTTPException(409, "only a held digest can be reviewed")
        return run

    def change(run_id: int, edit: Callable[[Review], None]) -> RedirectResponse:
        editable(run_id)
        review = digests.get_review(archive(), run_id)
        edit(review)
        digests.save_review(archive(), run_id, review)
        return RedirectResponse(f"{prefix}/{run_id}", status_code=303)

    @api.get("", response_class=HTMLResponse)
    def list_page(request: Request, user=Depends(current_user)):
        """Recent digests, held ones first."""
        return page("review_list.html", request, user, runs=digests.list_runs(archive()))

    @api.get("/{run_id}", response_class=HTMLResponse)
    def review_page(run_id: int, request: Request, user=Depends(current_user)):
        """One digest: status, recipients, note, the stories' articles with pin/exclude, release."""
        run = load(run_id)
        review = digests.get_review(archive(), run_id)
        period = digests.period_for(run.kind, run.period_start, settings.locale.timezone)
        digest = digests.assemble(archive(), period, review)
        return page("review_page.html", request, user, run=run, review=review, digest=digest, items=digest.items(),
                    recipients=digests.recipients_for(settings, run.kind), editable=run.status == digests.STATUS_HELD)

    @api.get("/{run_id}/preview", response_class=HTMLResponse)
    def preview(run_id: int, user=Depends(current_user)):
        """The digest as it will go out, review applied (rendered from the archive, not the stored file)."""
        from reports.charts import make_charts
        from reports.render import render_html

        run = load(run_id)
        period = digests.period_for(run.kind, run.period_start, settings.locale.timezone)
        digest = digests.assemble(archive(), period, digests.get_review(archive(), run_id))
        html = render_html(digest, run.script, "web", make_charts(digest, run.script))
        return HTMLResponse(html, headers={"Content-Security-Policy": PREVIEW_CSP, "Cache-Control": "no-store"})

    @api.post("/{run_id}/exclude", dependencies=post_deps)
    def exclude(run_id: int, article_id: int = Form(...)):
        def edit(review: Review) -> None:
            if article_id not in review.excluded:
                review.excluded.append(article_id)
            review.pinned = [i for i in review.pinned if i != article_id]
        return change(run_id, edit)

    @api.post("/{run_id}/include", dependencies=post_deps)
    def include(run_id: int, article_id: int = Form(...)):
        return change(run_id, lambda r: setattr(r, "excluded", [i for i in r.excluded if i != article_id]))

    @api.post("/{run_id}/pin", dependencies=post_deps)
    def pin(run_id: int, article_id: int = Form(...)):
        def edit(review: Review) -> None:
            review.pinned = [article_id, *[i for i in review.pinned if i != article_id]]
            review.excluded = [i for i in review.excluded if i != article_id]
        return change(run_id, edit)

    @api.post("/{run_id}/unpin", dependencies=post_deps)
    def unpin(run_id: int, article_id: int = Form(...)):
        return change(run_id, lambda r: setattr(r, "pinned", [i for i in r.pinned if i != article_id]))

    @api.post("/{run_id}/note", dependencies=post_deps)
    def note(run_id: int, note: str = Form("")):
        if len(note) > NOTE_MAX_CHARS:
            raise HTTPException(422, f"the note is limited to {NOTE_MAX_CHARS} characters")
        return change(run_id, lambda r: setattr(r, "note", note.strip()))

    @api.post("/{run_id}/release", response_class=HTMLResponse)
    def release(run_id: int, request: Request, confirm: str = Form(""), user=Depends(current_user),
                _csrf=Depends(csrf_check)):
        """First post: the confirmation page naming the recipients. Confirmed post: re-render and send."""
        run = editable(run_id)
        recipients = digests.recipients_for(settings, run.kind)
        if not recipients:
            LOGGER.warning("release of %s digest %s refused: no recipients configured", run.kind, run.period_start)
            return page("review_confirm.html", request, user, 409, run=run, recipients=[], refused=True)
        if confirm != "yes":
            return page("review_confirm.html", request, user, run=run, recipients=recipients, refused=False)
        run, deliveries = digests.release_digest(settings, archive(), run_id, _username(user))
        LOGGER.info("digest %s released by %s: %d deliveries", run_id, _username(user), len(deliveries))
        return page("review_released.html", request, user, run=run, deliveries=deliveries)

    return api

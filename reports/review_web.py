"""Review pages for held digests, as a FastAPI router the web app mounts (it owns login, sessions and CSRF).

An operator previews a held digest, excludes items, pins items to the top, writes a short editor's note and
releases it (re-rendered with the review applied, then sent). The web app passes in its dependencies::

    app.include_router(reports.review_web.router(settings, current_user=require_operator,
                                                 csrf_check=verify_csrf, csrf_token=csrf_token_for))
"""

from __future__ import annotations

import logging
from typing import Any, Callable

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from archive.db import Database
from odjek.settings import Settings
from reports.model import NOTE_MAX_CHARS, Review

LOGGER = logging.getLogger(__name__)

# The preview is our own escaped HTML; the policy is a second wall: no scripts, no frames, no outside loads.
PREVIEW_CSP = "default-src 'none'; img-src data:; style-src 'unsafe-inline'; frame-ancestors 'self'; form-action 'none'"
PAGE_CSP = "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'"


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
    """The review router: GET pages need ``current_user``; every POST also runs ``csrf_check``.

    ``csrf_token(request)`` gives the token the forms carry in the field ``csrf_field``; ``db`` is the archive
    (or a factory), by default opened from ``settings``.
    """
    from reports import digest as digests
    from reports.render import env

    api = APIRouter(prefix=prefix, tags=["digest review"])
    post_deps = [Depends(current_user), Depends(csrf_check)]
    state: dict[str, Database] = {}

    def archive() -> Database:
        if callable(db) and not isinstance(db, Database):
            return db()
        if isinstance(db, Database):
            return db
        if "db" not in state:
            from archive import open_archive

            state["db"] = open_archive(settings.resolved_database_url)
        return state["db"]

    def page(name: str, request: Request, **context) -> HTMLResponse:
        html = env().get_template(name).render(
            prefix=prefix, csrf_field=csrf_field, csrf=(csrf_token(request) if csrf_token else ""),
            script=settings.output_script, **context)
        return HTMLResponse(html, headers={"Content-Security-Policy": PAGE_CSP, "Cache-Control": "no-store"})

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

    def back(run_id: int) -> RedirectResponse:
        return RedirectResponse(f"{prefix}/{run_id}", status_code=303)

    def change(run_id: int, edit: Callable[[Review], None]) -> RedirectResponse:
        editable(run_id)
        review = digests.get_review(archive(), run_id)
        edit(review)
        digests.save_review(archive(), run_id, review)
        return back(run_id)

    @api.get("", response_class=HTMLResponse)
    def list_page(request: Request, user=Depends(current_user)):
        """Recent digests, held ones first."""
        return page("review_list.html", request, runs=digests.list_runs(archive()))

    @api.get("/{run_id}", response_class=HTMLResponse)
    def review_page(run_id: int, request: Request, user=Depends(current_user)):
        """One digest with its items and the review controls."""
        run = load(run_id)
        review = digests.get_review(archive(), run_id)
        period = digests.period_for(run.kind, run.period_start, settings.timezone)
        digest = digests.assemble(archive(), period, review)
        return page("review_page.html", request, run=run, review=review, digest=digest, items=digest.items(),
                    note_max=NOTE_MAX_CHARS, editable=run.status == digests.STATUS_HELD)

    @api.get("/{run_id}/preview", response_class=HTMLResponse)
    def preview(run_id: int, user=Depends(current_user)):
        """The digest as it will go out, review applied (rendered from the archive, not the stored file)."""
        from reports.charts import make_charts
        from reports.render import render_html

        run = load(run_id)
        period = digests.period_for(run.kind, run.period_start, settings.timezone)
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
    def release(run_id: int, request: Request, user=Depends(current_user), _csrf=Depends(csrf_check)):
        """Re-render with the review applied and send; the result page lists the deliveries."""
        editable(run_id)
        run, deliveries = digests.release_digest(settings, archive(), run_id, _username(user))
        LOGGER.info("digest %s released by %s: %d deliveries", run_id, _username(user), len(deliveries))
        return page("review_released.html", request, run=run, deliveries=deliveries)

    return api

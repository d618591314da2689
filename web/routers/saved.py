"""Saved searches (with their alerts) and the user's alert e-mail address."""

from __future__ import annotations

import re
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse
from starlette.datastructures import QueryParams

from archive.search import SearchFilters
from archive.sources import source_names
from archive.users import (
    ALERTS,
    audit,
    delete_saved_search,
    save_search,
    saved_searches_of,
    set_email,
)
from web.deps import Context, CsrfChecked, Session, address_of, language_of, render
from web.filters import active_filters, filters_from_params, params_for
from web.labels import labeller, people_names, story_title

EMAIL_RE = re.compile(r"^[^@\s<>\"',;]+@[^@\s<>\"',;]+\.[^@\s<>\"',;]+$")
MAX_EMAIL_CHARS = 254

router = APIRouter()


@router.get("/saved")
def saved_page(request: Request, ctx: Context, session: Session):
    db = ctx.db
    label_of = labeller(db, language_of(request), source_names(db), people_names(ctx.settings))
    items = []
    for s in saved_searches_of(db, session.user):
        filters = SearchFilters.from_dict(s.filters)
        chips = active_filters(filters, label_of, story_title(db, filters.cluster_id))
        exact = "1" if s.filters.get("exact") else None
        items.append((s, "/?" + urlencode(params_for(s.query, filters, exact=exact)), chips))
    params = request.query_params
    saved_id = params.get("saved")
    just_saved = next((s for s, _, _ in items if str(s.id) == saved_id), None)
    return render(request, "saved.html", session=session, items=items, just_saved=just_saved,
                  deleted=params.get("deleted") == "1", email_state=params.get("email"))


@router.post("/saved")
def saved_create(request: Request, ctx: Context, session: CsrfChecked, name: Annotated[str, Form()] = "",
                 alert: Annotated[str, Form()] = "none", permalink: Annotated[str, Form()] = ""):
    params = QueryParams(permalink[:4000])
    q = (params.get("q") or "")[:1000]
    filters = filters_from_params(params, ctx.settings.locale.timezone)
    stored = filters.to_dict()
    if params.get("exact") == "1":  # searched as written: the alerts will be too
        stored["exact"] = True
    saved = save_search(ctx.db, session.user, name, q, stored, alert if alert in ALERTS else "none")
    audit(ctx.db, "saved_search_create", username=session.user.username, address=address_of(request),
          detail=f"{saved.id}: {q} ({alert})")
    return RedirectResponse(f"/saved?saved={saved.id}", status_code=303)


@router.post("/account/email")
def account_email(request: Request, ctx: Context, session: CsrfChecked, email: Annotated[str, Form()] = ""):
    address = email.strip()
    if address and (len(address) > MAX_EMAIL_CHARS or not EMAIL_RE.match(address)):
        return RedirectResponse("/saved?email=invalid", status_code=303)
    set_email(ctx.db, session.user.id, address or None)
    audit(ctx.db, "email_change", username=session.user.username, address=address_of(request),
          detail=address or "(none)")
    return RedirectResponse("/saved?email=saved", status_code=303)


@router.post("/saved/{saved_id}/delete")
def saved_delete(request: Request, ctx: Context, session: CsrfChecked, saved_id: int):
    if delete_saved_search(ctx.db, session.user, saved_id):
        audit(ctx.db, "saved_search_delete", username=session.user.username, address=address_of(request),
              detail=str(saved_id))
    return RedirectResponse("/saved?deleted=1", status_code=303)

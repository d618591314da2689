"""The admin page: users and the audit log (admins only)."""

from __future__ import annotations

from fastapi import APIRouter, Request

from archive.users import audit_entries, list_users
from web.deps import Admin, Context, render

router = APIRouter()


@router.get("/admin")
def admin_page(request: Request, ctx: Context, session: Admin):
    return render(request, "admin.html", session=session, users=list_users(ctx.db), entries=audit_entries(ctx.db))

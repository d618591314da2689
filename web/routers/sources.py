"""The sources page: each outlet's health (archive.health), and /healthz for container checks."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from archive.health import ping, source_health
from web.deps import Context, Session, render

router = APIRouter()

HEALTH_COLUMNS = ["source_id", "name", "group", "enabled", "flagged", "flag_reason", "discovered_last_run",
                  "fetched_last_run", "failed_last_run", "new_articles_24h", "articles_total", "last_success_at",
                  "staleness_hours", "failing_runs", "active_path", "active_reason", "last_error"]


@router.get("/sources")
def sources_page(request: Request, ctx: Context, session: Session):
    rows = [h.as_dict() for h in source_health(ctx.db, ctx.settings)]
    return render(request, "sources.html", session=session, rows=rows, columns=HEALTH_COLUMNS)


@router.get("/healthz")
def healthz(ctx: Context):
    """For container health checks: the archive answers."""
    ping(ctx.db)
    return Response("ok", media_type="text/plain")

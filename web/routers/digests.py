"""The digest list and each digest's HTML/PDF (the archive's copy first, else the recorded file)."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from archive.digest_files import digest_runs, load_digest_file, recorded_digest_path
from web.deps import Context, Session, render

# Digests are our own rendered HTML with inline styles; they get no script at all.
DIGEST_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data: cid:; frame-ancestors 'none'"

router = APIRouter()


def digest_file_path(digests_path: Path, value: str | None) -> Path | None:
    """A digest file recorded in digest_runs, only if it lies inside the digests folder and exists."""
    if not value:
        return None
    root = digests_path.resolve()
    path = Path(value)
    if not path.is_absolute():
        path = root / path
    path = path.resolve()
    if not path.is_relative_to(root) or not path.is_file():
        return None
    return path


@router.get("/digests")
def digests_page(request: Request, ctx: Context, session: Session):
    return render(request, "digests.html", session=session, rows=digest_runs(ctx.db))


@router.get("/digests/{digest_id}/{fmt}")
def digest_file(ctx: Context, session: Session, digest_id: int, fmt: str):
    if fmt not in {"html", "pdf"}:
        raise StarletteHTTPException(404)
    # The archive's copy first: the worker that rendered the digest need not share a disk with the web UI.
    stored = load_digest_file(ctx.db, digest_id, fmt)
    if stored is not None:
        name, content = stored
        if fmt == "pdf":
            return Response(content, media_type="application/pdf",
                            headers={"Content-Disposition": f'attachment; filename="{name}"'})
        return Response(content, media_type="text/html; charset=utf-8",
                        headers={"Content-Security-Policy": DIGEST_CSP})
    path = digest_file_path(ctx.settings.digests_path, recorded_digest_path(ctx.db, digest_id, fmt))
    if path is None:
        raise StarletteHTTPException(404)
    if fmt == "pdf":
        return FileResponse(path, media_type="application/pdf", filename=path.name)
    return FileResponse(path, media_type="text/html; charset=utf-8", headers={"Content-Security-Policy": DIGEST_CSP})

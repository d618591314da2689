"""One article with its mentions and query words marked, its story's other articles; the stored raw page."""

from __future__ import annotations

from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from archive.articles import get_article, get_raw_page, labels_for, mentions_for
from archive.clusters import siblings
from archive.sources import source_name
from archive.users import audit
from search.highlight import mark_spans, query_spans
from search.query import parse_query
from web.deps import Context, Operator, Session, address_of, render
from web.routers.orgs import article_orgs

router = APIRouter()


def http_url(url: str | None) -> str | None:
    """A link target only for http(s) URLs; feed data can hold javascript: URLs."""
    if url and url.lower().startswith(("http://", "https://")):
        return url
    return None


@router.get("/article/{article_id}")
def article_page(request: Request, ctx: Context, session: Session, article_id: int):
    db = ctx.db
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
    return render(request, "article.html", session=session, article=article, q=q,
                  title_pieces=mark_spans(title, title_spans), body_pieces=mark_spans(article.text or "", body_spans),
                  labels=labels_for(db, [article_id]).get(article_id, []), mentions=mentions,
                  orgs=article_orgs(db, article_id), siblings=siblings(db, article.id),
                  original=http_url(article.url), source_name=source_name(db, article.source_id) or article.source_id,
                  back="/?" + urlencode({"q": q}) if q else "/")


@router.get("/article/{article_id}/raw")
def raw_page(request: Request, ctx: Context, session: Operator, article_id: int):
    article = get_article(ctx.db, article_id)
    page = get_raw_page(ctx.db, article.frontier_id) if article else None
    if page is None:
        raise StarletteHTTPException(404)
    audit(ctx.db, "raw_download", username=session.user.username, address=address_of(request),
          detail=f"article {article_id}")
    # A download, never rendered on our origin: the page is someone else's HTML.
    return Response(page.body, media_type="application/octet-stream", headers={
        "Content-Disposition": f'attachment; filename="article-{article_id}.html"',
        "Content-Security-Policy": "sandbox; default-src 'none'"})

"""The review router mounted in a bare FastAPI app with stand-in login and CSRF dependencies."""

import pytest
from fastapi import FastAPI, HTTPException, Request
from fastapi.testclient import TestClient

from odjek.settings import Settings
from reports.digest import (
    NoRecipients,
    get_review,
    get_run,
    release_digest,
    render_digest,
)
from tests.reports.fixture_archive import DAY, build_archive
from web.routers.review import router

TOKEN = "tok-123"


def current_user(request: Request):
    """Stand-in for the web app's operator login: a header names the user."""
    name = request.headers.get("x-test-user")
    if not name:
        raise HTTPException(401, "login required")
    return {"username": name}


async def csrf_check(request: Request):
    form = await request.form()
    if form.get("csrf_token") != TOKEN:
        raise HTTPException(403, "bad CSRF token")


@pytest.fixture
def client(tmp_path, sqlite_archive):
    ids = build_archive(sqlite_archive)
    settings = Settings.from_mapping({"data_dir": str(tmp_path), "review_digests": True,
                                      "daily_recipients": "direktor@example.org"})
    run = render_digest(settings, sqlite_archive, "daily", DAY)
    app = FastAPI()
    app.include_router(router(settings, current_user=current_user, csrf_check=csrf_check,
                              csrf_token=lambda request: TOKEN, db=sqlite_archive))
    with TestClient(app) as test_client:
        test_client.headers["x-test-user"] = "operater"
        yield test_client, run, ids, sqlite_archive, tmp_path


def test_pages_need_a_user(client):
    http, run, *_ = client
    assert http.get("/review/digests", headers={"x-test-user": ""}).status_code == 401
    listing = http.get("/review/digests")
    assert listing.status_code == 200 and f'href="/review/digests/{run.id}"' in listing.text and "held" in listing.text


def test_review_page_lists_items_with_csrf_forms(client):
    http, run, ids, *_ = client
    page = http.get(f"/review/digests/{run.id}")
    assert page.status_code == 200
    assert f'id="item-{ids["program-rts"]}"' in page.text
    assert f'name="csrf_token" value="{TOKEN}"' in page.text
    assert "script-src 'self'" in page.headers["content-security-policy"]  # no inline script or style
    assert "'unsafe-inline'" not in page.headers["content-security-policy"]
    assert 'href="/static/odjek.css"' in page.text  # the web UI's stylesheet and layout


def test_posts_without_the_csrf_token_are_refused(client):
    http, run, ids, db, _ = client
    response = http.post(f"/review/digests/{run.id}/exclude", data={"article_id": ids["program-rts"], "csrf_token": "x"})
    assert response.status_code == 403
    assert get_review(db, run.id).excluded == []


def test_exclude_pin_note_then_release(client):
    http, run, ids, db, tmp_path = client
    form = {"csrf_token": TOKEN}
    assert http.post(f"/review/digests/{run.id}/exclude", data={**form, "article_id": ids["glasanje-dw"]},
                     follow_redirects=False).status_code == 303
    http.post(f"/review/digests/{run.id}/pin", data={**form, "article_id": ids["skole-nezavisne"]})
    http.post(f"/review/digests/{run.id}/note", data={**form, "note": "<b>Хитно</b>"})
    review = get_review(db, run.id)
    assert review.excluded == [ids["glasanje-dw"]] and review.pinned == [ids["skole-nezavisne"]]
    preview = http.get(f"/review/digests/{run.id}/preview")
    assert "Serbian diaspora and voting abroad" not in preview.text
    assert "&lt;b&gt;Хитно&lt;/b&gt;" in preview.text and "<b>Хитно" not in preview.text
    assert preview.text.index('id="sec-pinned"') < preview.text.index('id="sec-directorate"')
    assert "script-src" not in preview.headers["content-security-policy"]  # default-src 'none' forbids scripts
    asked = http.post(f"/review/digests/{run.id}/release", data=form)
    assert asked.status_code == 200 and "direktor@example.org" in asked.text and 'name="confirm" value="yes"' in asked.text
    assert get_run(db, run.id).status == "held"  # nothing sent before the confirmation
    assert not list((tmp_path / "outbox").glob("*.eml"))
    released = http.post(f"/review/digests/{run.id}/release", data={**form, "confirm": "yes"})
    assert released.status_code == 200 and "direktor@example.org" in released.text
    assert get_run(db, run.id).status == "released"
    assert get_review(db, run.id).released_by == "operater"
    assert len(list((tmp_path / "outbox").glob("*.eml"))) == 1
    # Once released, the digest can no longer be edited.
    assert http.post(f"/review/digests/{run.id}/pin", data={**form, "article_id": ids["program-rts"]}).status_code == 409


def test_note_length_is_limited(client):
    http, run, *_ = client
    response = http.post(f"/review/digests/{run.id}/note", data={"csrf_token": TOKEN, "note": "x" * 5000})
    assert response.status_code == 422


def test_unknown_digest_is_404(client):
    http, *_ = client
    assert http.get("/review/digests/999").status_code == 404


def test_release_without_recipients_is_refused_and_the_digest_stays_held(tmp_path, sqlite_archive):
    build_archive(sqlite_archive)
    settings = Settings.from_mapping({"data_dir": str(tmp_path), "review_digests": True, "ui_language": "en"})
    run = render_digest(settings, sqlite_archive, "daily", DAY)
    app = FastAPI()
    app.include_router(router(settings, current_user=current_user, csrf_check=csrf_check,
                              csrf_token=lambda request: TOKEN, db=sqlite_archive))
    with TestClient(app) as http:
        http.headers["x-test-user"] = "operater"
        page = http.get(f"/review/digests/{run.id}")
        assert "No recipients are configured for the Daily digest" in page.text
        refused = http.post(f"/review/digests/{run.id}/release", data={"csrf_token": TOKEN, "confirm": "yes"})
    assert refused.status_code == 409
    assert "Release refused: no recipients are configured for the Daily digest" in refused.text
    assert get_run(sqlite_archive, run.id).status == "held"
    assert get_review(sqlite_archive, run.id).released_by is None
    assert not (tmp_path / "outbox").exists() or not list((tmp_path / "outbox").iterdir())
    with pytest.raises(NoRecipients, match="no recipients configured for the daily digest"):
        release_digest(settings, sqlite_archive, run.id, "operater")


def test_review_pages_are_translated(client):
    http, run, *_ = client
    serbian = http.get(f"/review/digests/{run.id}").text
    assert "Примаоци" in serbian and "Пусти и пошаљи" in serbian and "Recipients" not in serbian
    http.cookies.set("odjek_lang", "en")
    english = http.get(f"/review/digests/{run.id}").text
    assert "Recipients" in english and "Release and send" in english and "held for review" in english
    http.cookies.set("odjek_lang", "sr-Latn")
    assert "Primaoci" in http.get(f"/review/digests/{run.id}").text

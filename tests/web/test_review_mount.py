"""The digest review pages inside the real web app: operators only, the app's own CSRF tokens; /healthz."""

from fastapi.testclient import TestClient

from reports.digest import get_run, render_digest
from tests.reports.fixture_archive import DAY, build_archive
from tests.web.conftest import csrf_of, login


def _held_digest(web_settings, web_db):
    build_archive(web_db)
    settings = web_settings.replace(review_digests=True, daily_recipients="direktor@example.org")
    return settings, render_digest(settings, web_db, "daily", DAY)


def test_operators_review_and_release_a_held_digest_in_the_web_app(web_settings, web_db):
    from web.app import create_app

    settings, run = _held_digest(web_settings, web_db)
    assert run.status == "held"
    with TestClient(create_app(settings, web_db), base_url="http://127.0.0.1") as client:
        assert client.get(f"/review/digests/{run.id}", follow_redirects=False).status_code == 303  # to login
        login(client, "ana")  # a press officer may not review
        assert client.get(f"/review/digests/{run.id}").status_code == 403
        client.cookies.clear()
        login(client, "oper")
        listing = client.get("/digests")
        assert f'href="/review/digests/{run.id}"' in listing.text
        page = client.get(f"/review/digests/{run.id}")
        assert page.status_code == 200
        token = csrf_of(listing.text)
        assert f'value="{token}"' in page.text  # the review forms carry the session's own token
        refused = client.post(f"/review/digests/{run.id}/note", data={"csrf_token": "forged", "note": "x"},
                              follow_redirects=False)
        assert refused.status_code == 403
        noted = client.post(f"/review/digests/{run.id}/note", data={"csrf_token": token, "note": "Хитно"},
                            follow_redirects=False)
        assert noted.status_code == 303
        asked = client.post(f"/review/digests/{run.id}/release", data={"csrf_token": token})
        assert asked.status_code == 200 and "direktor@example.org" in asked.text  # confirmation names recipients
        assert 'href="/review/digests"' in asked.text  # the review is in the app's menu
        assert get_run(web_db, run.id).status == "held"
        released = client.post(f"/review/digests/{run.id}/release", data={"csrf_token": token, "confirm": "yes"})
        assert released.status_code == 200
    assert get_run(web_db, run.id).status == "released"
    assert len(list(settings.outbox_path.glob("*.eml"))) == 1


def test_healthz_answers_without_a_session(client):
    response = client.get("/healthz")
    assert response.status_code == 200 and response.text == "ok"

"""The web UI over HTTP (no browser): sessions, CSRF, rate limits, headers, CSV, roles, digests, languages."""

import csv
import io
import json
import re

import pytest

from archive.users import FREE_FAILURES, audit_entries
from tests.web.conftest import PASSWORD, csrf_of, login
from web.export import csv_cell
from web.routers.auth import safe_next

PAGES = ["/", "/?q=dijaspora", "/saved", "/sources", "/digests", "/export.csv", "/article/1", "/admin"]


def test_every_page_but_login_needs_a_session(client, seeded_ids):
    for path in PAGES:
        response = client.get(path, follow_redirects=False)
        assert response.status_code == 303, path
        assert response.headers["location"].startswith("/login?next=")
    assert client.post("/saved", data={"csrf": "x"}).status_code == 401
    assert client.post("/logout", data={"csrf": "x"}).status_code == 401
    assert client.get("/login").status_code == 200


def test_login_sets_a_hardened_fresh_cookie_and_logout_ends_it_on_the_server(client, seeded_ids):
    response = login(client)
    assert response.status_code == 303 and response.headers["location"] == "/"
    cookie = response.headers["set-cookie"]
    assert "odjek_session=" in cookie and "HttpOnly" in cookie and "SameSite=lax" in cookie.replace("Lax", "lax")
    assert "Secure" not in cookie
    first = client.cookies.get("odjek_session")
    login(client)
    second = client.cookies.get("odjek_session")
    assert first != second
    client.cookies.set("odjek_session", first)
    old = client.get("/", follow_redirects=False)
    assert old.status_code == 303  # the previous session id ended at the new login
    client.cookies.set("odjek_session", second)
    page = client.get("/")
    assert page.status_code == 200
    client.post("/logout", data={"csrf": csrf_of(page.text)}, follow_redirects=False)
    client.cookies.set("odjek_session", second)
    again = client.get("/", follow_redirects=False)
    assert again.status_code == 303  # the stolen cookie does not work after logout
    actions = [e["action"] for e in audit_entries(client.app.state.db)]
    assert actions[:2] == ["logout", "login"]


def test_secure_cookie_when_configured(web_settings, web_db):
    from fastapi.testclient import TestClient

    from web.app import create_app

    with TestClient(create_app(web_settings.replace(secure_cookies=True), web_db), base_url="https://127.0.0.1") as c:
        assert "Secure" in login(c).headers["set-cookie"]


def test_wrong_passwords_and_rate_limit(client, seeded_ids):
    assert login(client, password="pogresna-lozinka").status_code == 401
    for _ in range(FREE_FAILURES):
        login(client, password="pogresna-lozinka")
    blocked = login(client)  # right password, but too many failures lately from this address
    assert blocked.status_code == 429 and 0 < int(blocked.headers["Retry-After"]) <= 60
    entries = audit_entries(client.app.state.db)
    assert {"login_failed", "login_blocked"} <= {e["action"] for e in entries}
    assert all(PASSWORD not in e["detail"] and "pogresna" not in e["detail"] for e in entries)


def test_failures_from_one_address_never_lock_the_account_out_elsewhere(web_settings, web_db, seeded_ids):
    """Issue 14: lockout is per account and address; Ana logs in from her own machine while an attacker's
    address waits out its backoff."""
    from fastapi.testclient import TestClient

    from web.app import create_app

    app = create_app(web_settings, web_db)
    with TestClient(app, base_url="http://127.0.0.1", client=("127.0.0.66", 50000)) as attacker:
        for _ in range(FREE_FAILURES):
            assert login(attacker, password="pogresna-lozinka").status_code == 401
        assert login(attacker).status_code == 429
    with TestClient(app, base_url="http://127.0.0.1", client=("127.0.0.9", 50000)) as ana:
        assert login(ana).status_code == 303


def test_forms_need_csrf_tokens(client, seeded_ids):
    page = client.get("/login")
    assert client.post("/login", data={"username": "ana", "password": PASSWORD, "csrf": "forged"},
                       follow_redirects=False).status_code == 403
    assert client.post("/login", data={"username": "ana", "password": PASSWORD}).status_code == 403
    assert page.status_code == 200
    login(client)
    assert client.post("/saved", data={"permalink": "q=x", "alert": "daily"}).status_code == 403
    assert client.post("/saved", data={"permalink": "q=x", "csrf": "forged"}).status_code == 403
    assert client.post("/logout", data={"csrf": "forged"}).status_code == 403
    assert client.get("/").status_code == 200  # still logged in


def test_security_headers(client, seeded_ids):
    login(client)
    for path in ["/login", "/", "/static/odjek.css", "/article/1"]:
        headers = client.get(path).headers
        csp = headers["content-security-policy"]
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "frame-ancestors 'none'" in csp
        assert headers["x-content-type-options"] == "nosniff"
    html = client.get("/?q=dijaspora").text
    assert "<script>" not in html and re.search(r"<script src=\"/static/odjek.js\"", html)
    assert " style=" not in html and "onclick" not in html


def test_search_page_in_both_scripts_with_facets_and_highlights(client, seeded_ids):
    login(client)
    html = client.get("/", params={"q": "дијаспора"}).text
    assert "<mark>dijaspori</mark>" in html and "<mark>дијаспором</mark>" in html
    assert "Пронађено чланака: 5" in html  # with the English "Diaspora" (also searched)
    assert "Тражено и као: diaspora, rasejanje" in html
    assert 'data-facet="topics" data-value="voting_abroad"' in html
    narrowed = client.get("/", params={"q": "дијаспора", "topic": "voting_abroad"}).text
    assert "Пронађено чланака: 1" in narrowed and "glasali" in narrowed
    # Markup in article titles is shown as text.
    assert "&lt;b&gt;i&lt;/b&gt;" in html and "<b>i</b>" not in html


def test_malformed_query_gives_a_message_not_an_error(client, seeded_ids):
    login(client)
    for q in ['"dijaspora', "NEAR(", "-dijaspora", "'; DROP TABLE articles; --", ")))"]:
        response = client.get("/", params={"q": q})
        assert response.status_code == 200, q
    assert "незатворени наводници" in client.get("/", params={"q": '"dijaspora'}).text
    assert "Искључивање" in client.get("/", params={"q": "-dijaspora"}).text


def test_language_switch(client, seeded_ids):
    login(client)
    client.get("/lang/en", params={"next": "/"})
    assert ">Search<" in client.get("/").text
    client.get("/lang/sr-Latn")
    assert "Pretraga" in client.get("/").text
    assert client.get("/lang/en", params={"next": "https://evil.example/"}, follow_redirects=False
                      ).headers["location"] == "/"


def test_csv_export_streams_all_rows_with_bom_and_neutralised_formulas(client, web_db, seeded_ids):
    from archive.imports import import_lines

    lines = [json.dumps({"url": f"https://example.org/f{i}", "title": title, "text": "Tekst o dijaspori.",
                         "published": "2026-03-18T10:00:00+01:00", "source": "vesti-dana"})
             for i, title in enumerate(["=HYPERLINK(\"http://x\")", "+1+1", "-2", "@SUM(A1)", "x"])]
    lines += [json.dumps({"url": f"https://example.org/bulk{i}", "title": f"Dijaspora {i}", "text": "dijaspora",
                          "published": "2026-01-01T10:00:00+01:00", "source": "bulk"}) for i in range(1100)]
    import_lines(web_db, lines)
    with web_db.transaction() as tx:  # the import strips whitespace; a tab can still come from extraction
        tx.execute("UPDATE articles SET title = ? WHERE url = ?", ("\tdijaspora", "https://example.org/f4"))
    login(client)
    response = client.get("/export.csv", params={"q": "dijaspora", "sep": "comma"})
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
    assert response.content.startswith("\ufeff".encode("utf-8"))
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][:4] == ["Објављено (Europe/Belgrade)", "Медиј", "Група медија", "Наслов"]
    assert len(rows) - 1 == 5 + 5 + 1100  # no cap (5 seeded matches, the English one included)
    titles = {r[3] for r in rows[1:]}
    assert {"'=HYPERLINK(\"http://x\")", "'+1+1", "'-2", "'@SUM(A1)", "'\tdijaspora"} <= titles
    assert not any(t.startswith(("=", "+", "-", "@", "\t")) for t in titles)
    assert any(e["action"] == "export" and "dijaspora" in e["detail"] for e in audit_entries(web_db))


def test_csv_cell():
    assert csv_cell("=1+1") == "'=1+1" and csv_cell("ok") == "ok" and csv_cell(None) == ""


def test_article_page_marks_mentions_and_query_words(client, seeded_ids):
    login(client)
    html = client.get(f"/article/{seeded_ids['uprava_cyr']}", params={"q": "dijaspora"}).text
    assert '<mark class="mention">Управа</mark>' in html
    assert '<mark class="hit">дијаспором</mark>' in html
    assert 'href="https://example.org/uprava_cyr"' in html
    assert "/raw" not in html  # press officers do not get raw pages
    assert client.get(f"/article/{seeded_ids['uprava_cyr']}/raw").status_code == 403
    assert client.get("/article/999999").status_code == 404


def test_article_page_lists_the_story_in_other_outlets(client, web_db, seeded_ids):
    with web_db.transaction() as tx:
        cluster = tx.insert_id("INSERT INTO clusters (representative_article_id, size, outlet_count, created_at,"
                               " updated_at) VALUES (?, 2, 2, 'x', 'x') RETURNING id", (seeded_ids["uprava_cyr"],))
        tx.execute("UPDATE articles SET cluster_id = ? WHERE id IN (?, ?)",
                   (cluster, seeded_ids["uprava_cyr"], seeded_ids["kancelarija_lat"]))
    login(client)
    html = client.get(f"/article/{seeded_ids['uprava_cyr']}").text
    assert f'href="/article/{seeded_ids["kancelarija_lat"]}"' in html
    results = client.get("/", params={"q": "uprava za saradnju"}).text
    assert "Објавило медија: 2" in results


def test_javascript_urls_are_never_linked(client, web_db):
    from archive.imports import import_lines

    with web_db.transaction() as tx:
        tx.execute("INSERT INTO sources (id, name, country, languages, grp, config, enabled, updated_at)"
                   " VALUES ('s', 's', 'RS', '[]', 'domestic', '{}', 1, 'x')")
    import_lines(web_db, [json.dumps({"url": "https://example.org/ok", "title": "Dijaspora", "text": "dijaspora",
                                      "published": "2026-03-18T10:00:00+01:00", "source": "s"})])
    with web_db.transaction() as tx:
        tx.execute("UPDATE articles SET url = 'javascript:alert(1)'")
    login(client)
    article_id = web_db.scalar("SELECT id FROM articles")
    assert "javascript:" not in client.get(f"/article/{article_id}").text


def test_operators_download_raw_pages(client, web_db, seeded_ids):
    import datetime as dt

    from archive.articles import record_fetched
    from archive.frontier import get_entry
    from schemas.records import RawPage

    article = web_db.one("SELECT id, frontier_id FROM articles WHERE id = ?", (seeded_ids["uprava_cyr"],))
    entry = get_entry(web_db, article["frontier_id"])
    body = "<html><script>alert(1)</script>Управа</html>".encode()
    record_fetched(web_db, entry, RawPage(entry.id, entry.url, 200, {}, body, dt.datetime.now(dt.UTC)), None)
    login(client, "oper")
    assert "/raw" in client.get(f"/article/{article['id']}").text
    response = client.get(f"/article/{article['id']}/raw")
    assert response.status_code == 200 and response.content == body
    assert response.headers["content-type"] == "application/octet-stream"
    assert response.headers["content-disposition"].startswith("attachment")


def test_digests_serve_only_recorded_files_inside_the_digests_folder(client, web_settings, web_db):
    folder = web_settings.digests_path
    folder.mkdir(parents=True)
    (folder / "daily-2026-03-16.html").write_text("<html><body>Дневни преглед</body></html>", encoding="utf-8")
    (folder / "daily-2026-03-16.pdf").write_bytes(b"%PDF-1.7 test")
    outside = web_settings.data_path / "secret.html"
    outside.write_text("secret", encoding="utf-8")
    with web_db.transaction() as tx:
        tx.execute("INSERT INTO digest_runs (kind, period_start, period_end, script, html_path, pdf_path, status,"
                   " created_at) VALUES ('daily', '2026-03-16', '2026-03-16', 'cyrl', ?, ?, 'rendered', 'x')",
                   (str(folder / "daily-2026-03-16.html"), "daily-2026-03-16.pdf"))
        tx.execute("INSERT INTO digest_runs (kind, period_start, period_end, script, html_path, pdf_path, status,"
                   " created_at) VALUES ('daily', '2026-03-15', '2026-03-15', 'cyrl', ?, NULL, 'rendered', 'x')",
                   ("../secret.html",))
    login(client)
    page = client.get("/digests").text
    assert "/digests/1/html" in page and "/digests/1/pdf" in page
    html = client.get("/digests/1/html")
    assert html.status_code == 200 and "Дневни преглед" in html.text
    assert "script-src" not in html.headers["content-security-policy"]  # no script at all
    assert client.get("/digests/1/pdf").content == b"%PDF-1.7 test"
    assert client.get("/digests/2/html").status_code == 404  # recorded, but outside the folder
    assert client.get("/digests/2/pdf").status_code == 404
    assert client.get("/digests/1/exe").status_code == 404


def test_sources_page_shows_source_health(client, web_db, seeded_ids):
    from archive.sources import SourceRun, record_source_run

    for _ in range(3):  # three failed discovery runs in a row: flagged as silent
        record_source_run(web_db, SourceRun("vesti-dana", "discover", errors=["HTTP 503 on feed"]))
    login(client)
    html = client.get("/sources").text
    assert "vesti-dana" in html and "world-news" in html
    flagged = re.search(r'<tr class="flagged">(.*?)</tr>', html, re.DOTALL)
    assert flagged and "vesti-dana" in flagged.group(1) and "HTTP 503 on feed" in flagged.group(1)


def test_saved_searches_and_admin(client, web_db, seeded_ids):
    login(client)
    page = client.get("/", params={"q": "dijaspora", "topic": "voting_abroad"})
    response = client.post("/saved", data={"csrf": csrf_of(page.text), "name": "Glasanje", "alert": "daily",
                                           "permalink": "q=dijaspora&topic=voting_abroad"}, follow_redirects=False)
    assert response.status_code == 303
    saved = client.get("/saved").text
    assert "Glasanje" in saved and "q=dijaspora&amp;topic=voting_abroad" in saved
    row = web_db.one("SELECT query, filters, alert FROM saved_searches")
    assert row["query"] == "dijaspora" and json.loads(row["filters"]) == {"topics": ["voting_abroad"]}
    assert client.get("/admin").status_code == 403
    client.cookies.clear()
    login(client, "admin")
    admin = client.get("/admin").text
    assert "saved_search_create" in admin and "oper" in admin


@pytest.mark.parametrize("target,expected", [("/?q=x", "/?q=x"), ("//evil.example", "/"), ("https://e.x", "/"),
                                             ("/\\evil", "/"), ("", "/")])
def test_safe_next(target, expected):
    assert safe_next(target) == expected


def test_sources_page_says_which_path_is_active_and_why(client, web_db, web_settings):
    from archive.sources import save_path_state, sync_sources
    from crawlers.fallbacks import PathState, source_paths
    from schemas.config import Source

    source = Source(id="kim", name="Radio KIM", country="XK", languages=["sr"], group="regional",
                    homepage="https://www.radiokim.example/", feeds=["https://www.radiokim.example/feed/"],
                    fallbacks=[{"google_news": True}])
    sync_sources(web_db, [source])
    primary = source_paths(source, web_settings.crawl.google_news_url)[0]
    save_path_state(web_db, "kim", primary.label,
                    PathState(primary.key, failing_runs=4, last_error="feed https://www.radiokim.example/feed/: http 403"))
    login(client)
    html = client.get("/sources").text
    assert "fallback 1 (Google News)" in html
    assert "primary (feeds) failed 4 runs in a row: feed https://www.radiokim.example/feed/: http 403" in html

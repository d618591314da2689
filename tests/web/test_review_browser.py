"""Digest review in real headless Chromium against `odjek serve` on loopback (issue 16).

An operator finds the review in the app's menu, sees a styled, translated page with the recipients, is asked to
confirm before anything is sent, and a digest without recipients is refused and stays held.
"""

from __future__ import annotations

from reports.digest import get_run, render_digest
from tests.reports.fixture_archive import DAY, build_archive
from tests.web.test_browser import LiveServer, browser, guarded_page, log_in  # noqa: F401 - browser is a fixture

RECIPIENT = "direktor@example.org"


def test_operator_reviews_confirms_and_is_refused_without_recipients(browser, web_settings, web_db):  # noqa: F811
    build_archive(web_db)
    settings = web_settings.replace(review_digests=True, daily_recipients=RECIPIENT)
    daily = render_digest(settings, web_db, "daily", DAY)
    weekly = render_digest(settings, web_db, "weekly", DAY)  # no weekly recipients configured
    assert daily.status == weekly.status == "held"
    problems: list[str] = []
    server = LiveServer(settings)
    server.env.update(ODJEK_REVIEW_DIGESTS="1", ODJEK_DAILY_RECIPIENTS=RECIPIENT, ODJEK_WEEKLY_RECIPIENTS="")
    with server:
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        page = guarded_page(context, server.url, problems)
        log_in(page, server.url, "oper")

        # In the menu, in the UI's language, styled by the app's stylesheet.
        menu_link = page.locator("#nav a[href='/review/digests']")
        assert menu_link.inner_text() == "Уређивање пре слања"
        menu_link.click()
        page.wait_for_url(server.url + "/review/digests")
        assert page.locator("#nav a[href='/review/digests']").get_attribute("aria-current") == "page"
        assert page.locator("h1").inner_text() == "Уређивање пре слања"
        header_bg = page.evaluate("getComputedStyle(document.querySelector('header.top')).backgroundColor")
        assert header_bg == "rgb(11, 45, 79)"  # .top in web/static/odjek.css: the page wears the app's layout

        # The daily digest: recipients shown, release asks first and names them.
        page.click(f"a[href='/review/digests/{daily.id}']")
        page.wait_for_url(f"{server.url}/review/digests/{daily.id}")
        assert page.locator("ul.recipients li").all_inner_texts() == [RECIPIENT]
        assert "Примаоци" in page.locator("h2").all_inner_texts()
        release_bg = page.evaluate("getComputedStyle(document.querySelector('#release')).backgroundColor")
        assert release_bg == "rgb(11, 79, 138)"  # button[type=submit] in the app's accent colour
        page.click("#release")
        page.wait_for_selector("#confirm-release")
        assert page.locator("ul.recipients li").all_inner_texts() == [RECIPIENT]
        assert "(1)" in page.locator("p.notice").inner_text()
        assert get_run(web_db, daily.id).status == "held"  # nothing sent before the confirmation
        assert not list(settings.outbox_path.glob("*.eml"))
        page.click("#confirm-release")
        page.wait_for_selector("ul.deliveries li")
        assert page.locator("ul.deliveries li").first.inner_text().startswith(RECIPIENT)
        assert get_run(web_db, daily.id).status == "released"
        assert len(list(settings.outbox_path.glob("*.eml"))) == 1

        # The weekly digest has no recipients: said on its page, the release is refused, the digest stays held.
        page.goto(f"{server.url}/review/digests/{weekly.id}")
        warning = page.locator("p.error")
        assert "Нема подешених прималаца" in warning.inner_text()
        assert page.evaluate("getComputedStyle(document.querySelector('p.error')).borderLeftStyle") == "solid"
        page.click("#release")
        page.wait_for_selector("#refused")
        assert "ODJEK_WEEKLY_RECIPIENTS" in page.inner_text("#refused")
        assert page.locator("#confirm-release").count() == 0
        assert get_run(web_db, weekly.id).status == "held"
        assert len(list(settings.outbox_path.glob("*.eml"))) == 1

        # English on the language switch.
        page.click("a[hreflang='en']")
        page.wait_for_selector("text=Recipients")
        assert page.locator("#nav a[href='/review/digests']").inner_text() == "Review before sending"
        context.close()
    assert problems == []  # no CSP violation (no inline style or script), nothing fetched from elsewhere

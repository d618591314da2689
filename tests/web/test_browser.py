"""The web UI in real headless Chromium (Playwright, Debian's /usr/bin/chromium), against uvicorn on loopback.

A press officer logs in, searches across scripts, filters by topic, opens an article, exports CSV, saves a
search and gets its alert from a real local SMTP server, logs out and is refused. Separately, every entry of
feedparser's sanitize suite is imported and rendered: no dialog, no script, no injected element.
"""

from __future__ import annotations

import csv
import email
import io
import json
import os
import re
import socket
import subprocess
import sys
import time
from email import policy
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT, SHARED, chromium_path, require
from tests.web.conftest import PASSWORD

CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
SERVER_START_TIMEOUT_S = 20


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LiveServer:
    """`odjek serve` in a subprocess on 127.0.0.1 and a free port (its own interpreter, so no GIL contention)."""

    def __init__(self, settings):
        self.port = free_port()
        self.env = dict(os.environ, ODJEK_DATA_DIR=str(settings.data_path),
                        ODJEK_DATABASE_URL=settings.resolved_database_url,
                        ODJEK_SECRET_KEY=settings.web.secret_key.get_secret_value(),
                        ODJEK_SMTP_HOST="", ODJEK_SETTINGS_FILE="")
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self):
        self.process = subprocess.Popen([sys.executable, "-m", "odjek", "serve", "--host", "127.0.0.1", "--port",
                                         str(self.port)], env=self.env, cwd=REPO_ROOT)
        deadline = time.monotonic() + SERVER_START_TIMEOUT_S
        while True:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return self
            except OSError:
                if time.monotonic() > deadline or self.process.poll() is not None:
                    self.__exit__()
                    raise RuntimeError("odjek serve did not start") from None
                time.sleep(0.1)

    def __exit__(self, *exc):
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


class Mailbox:
    """A real SMTP server (aiosmtpd) on loopback that keeps what it receives."""

    def __init__(self):
        self.messages: list[email.message.EmailMessage] = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(email.message_from_bytes(envelope.content, policy=policy.default))
        return "250 OK"

    def wait(self, count: int, timeout_s: float = 15) -> None:
        deadline = time.monotonic() + timeout_s
        while len(self.messages) < count and time.monotonic() < deadline:
            time.sleep(0.05)


@pytest.fixture
def browser():
    require(chromium_path() is not None, "Chromium is not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        instance = pw.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        yield instance
        instance.close()


@pytest.fixture
def smtp():
    from aiosmtpd.controller import Controller

    box = Mailbox()
    controller = Controller(box, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield box, controller.port
    controller.stop()


def guarded_page(context, base_url: str, problems: list[str]):
    """A page that records dialogs, CSP violations and any request leaving our server."""
    page = context.new_page()
    page.on("dialog", lambda d: (problems.append(f"dialog: {d.message}"), d.dismiss()))
    page.on("console", lambda m: problems.append(f"console: {m.text}")
            if "Content Security Policy" in m.text or "Refused" in m.text else None)

    def refuse(r):
        problems.append(f"request: {r.request.url}")
        r.abort()

    # Only requests that leave our server are intercepted (the pattern is matched inside the browser driver).
    page.route(re.compile("^(?!" + re.escape(base_url) + "/)(?!data:)"), refuse)
    return page


def log_in(page, base_url: str, username: str = "ana") -> None:
    page.goto(base_url + "/")
    assert "/login" in page.url
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("form[action='/login'] button[type=submit]")
    page.wait_for_url(base_url + "/")


def test_press_officer_journey(browser, smtp, web_settings, web_db, seeded_ids, artifacts_dir, tmp_path):
    from archive.imports import import_lines
    from odjek.runner import StageContext
    from odjek.stages import alerts

    box, smtp_port = smtp
    settings = web_settings.replace(smtp_host="127.0.0.1", smtp_port=smtp_port, smtp_starttls=False)
    problems: list[str] = []
    with LiveServer(settings) as server:
        context = browser.new_context(accept_downloads=True, viewport={"width": 1280, "height": 900})
        page = guarded_page(context, server.url, problems)
        log_in(page, server.url)

        # Cyrillic query, Latin articles (and the Cyrillic one).
        page.fill("#q", "дијаспора")
        page.press("#q", "Enter")
        page.wait_for_selector(".hit")
        titles = page.locator(".hit h3").all_inner_texts()
        assert "Srbi u dijaspori glasali u Beču" in titles
        assert "Управа за сарадњу с дијаспором и Србима у региону" in titles
        assert page.locator(".hit .snippet mark").count() > 0
        # Latin query, Cyrillic article.
        page.fill("#q", "uprava za saradnju")
        page.press("#q", "Enter")
        page.wait_for_selector(".hit")
        assert page.locator(".hit h3").all_inner_texts()[0] == "Управа за сарадњу с дијаспором и Србима у региону"
        assert page.locator(".hit h3 mark").first.inner_text().startswith("Управа за сарадњу")  # one mark per run

        # Topic filter from the facets.
        page.fill("#q", "dijaspora")
        page.press("#q", "Enter")
        page.wait_for_selector(".hit")
        assert page.locator(".hit").count() == 5  # with the English "Diaspora" (also searched)
        assert "diaspora" in page.inner_text("#also-searched")
        page.click("a[data-facet=topics][data-value=voting_abroad]")
        page.wait_for_url("**topic=voting_abroad**")
        assert page.locator(".hit").count() == 1
        assert page.locator(".hit h3").inner_text() == "Srbi u dijaspori glasali u Beču"
        page.click("a[data-facet=topics][data-value=voting_abroad]")  # off again
        page.wait_for_function("document.querySelectorAll('.hit').length == 5")
        page.screenshot(path=str(artifacts_dir / "search.png"), full_page=True)

        # CSV export of the query (';' for Serbian regional settings).
        with page.expect_download() as info:
            page.click("#export")
        data = Path(info.value.path()).read_bytes()
        assert data.startswith("\ufeff".encode())
        rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"))
        assert len(rows) == 5
        assert {r["Наслов"] for r in rows} == set(page.locator(".hit h3").all_inner_texts())

        # The article with its mentions highlighted.
        page.click(".hit h3 a >> text=Управа за сарадњу")
        page.wait_for_selector("article.article")
        mention = page.locator("mark.mention").first
        assert mention.inner_text() == "Управа" and mention.is_visible()
        assert page.locator(".text mark.hit").count() >= 1
        assert page.locator("#original").get_attribute("href") == "https://example.org/uprava_cyr"
        page.screenshot(path=str(artifacts_dir / "article.png"), full_page=True)

        # The same pages fit a phone.
        phone = browser.new_context(viewport={"width": 390, "height": 844}, storage_state=context.storage_state())
        mobile = guarded_page(phone, server.url, problems)
        mobile.goto(server.url + "/?q=dijaspora")
        assert mobile.evaluate("document.documentElement.scrollWidth") <= 390
        mobile.click(".menu-toggle")
        assert mobile.locator("#nav a[href='/saved']").is_visible()
        mobile.screenshot(path=str(artifacts_dir / "search-phone.png"), full_page=True)
        phone.close()

        # Save the search with an immediate alert; a new matching article arrives; the alert is mailed.
        page.goto(server.url + "/?q=dijaspora")
        page.fill("form.save input[name=name]", "Dijaspora – sve")
        page.select_option("form.save select[name=alert]", "immediately")
        page.click("#save")
        page.wait_for_url(server.url + "/saved?saved=*")
        assert page.inner_text("#saved-ok") == "Претрага „Dijaspora – sve” је сачувана."
        assert "Dijaspora – sve" in page.inner_text("ul.saved")
        import_lines(web_db, [json.dumps({"url": "https://example.org/novo", "title": "Нови клуб дијаспоре у Бечу",
                                          "text": "У Бечу је отворен нови клуб српске дијаспоре.",
                                          "published": "2026-03-20T10:00:00+01:00", "source": "vesti-dana"})])
        alerts.run(StageContext(settings=settings, db=web_db, sources=[]))
        box.wait(1)
        assert len(box.messages) == 1
        message = box.messages[0]
        assert message["To"] == "ana@example.org" and "Dijaspora – sve" in message["Subject"]
        assert "Нови клуб дијаспоре у Бечу" in message.get_body(("plain",)).get_content()
        alerts.run(StageContext(settings=settings, db=web_db, sources=[]))
        time.sleep(0.3)
        assert len(box.messages) == 1  # never twice

        # Log out; the old session cookie is refused afterwards.
        old_cookies = context.cookies()
        page.click("#logout")
        page.wait_for_url("**/login**")
        context.add_cookies(old_cookies)
        page.goto(server.url + "/?q=dijaspora")
        assert "/login" in page.url and page.locator(".hit").count() == 0
        context.close()
    assert problems == []


def _seed_story_and_director(db, seeded_ids) -> int:
    """A two-outlet story and a critical director article, written as the tagger and the clusterer store them."""
    from archive.articles import write_tags
    from archive.imports import import_lines
    from schemas.records import Label, Mention, TagResult

    report = import_lines(db, [json.dumps({
        "url": "https://example.org/kritika", "title": "Kritika direktora Uprave zbog dijaspore",
        "text": "Udruženja dijaspore kritikovala su direktora Kokanovića.", "published": "2026-03-17T00:30:00+01:00",
        "source": "vesti-dana"})])
    with db.transaction() as tx:
        write_tags(tx, report.article_ids[0], TagResult("sr", None, [
            Label("director", "entity", 0.9), Label("critical", "flag", 0.8), Label("AT", "country", 0.9),
            Label("europe_russia", "region", 0.9)], [
            Mention("director", 0, 9, "Kokanović", "Kokanović …", person="vladimir-kokanovic")]))
        cluster = tx.insert_id("INSERT INTO clusters (representative_article_id, size, outlet_count, created_at,"
                               " updated_at) VALUES (?, 2, 2, 'x', 'x') RETURNING id", (seeded_ids["uprava_cyr"],))
        tx.execute("UPDATE articles SET cluster_id = ? WHERE id IN (?, ?)",
                   (cluster, seeded_ids["uprava_cyr"], seeded_ids["kancelarija_lat"]))
    return cluster


def test_filters_chart_exports_and_the_phone_layout(browser, web_settings, web_db, seeded_ids, artifacts_dir):
    from openpyxl import load_workbook

    cluster = _seed_story_and_director(web_db, seeded_ids)
    problems: list[str] = []
    with LiveServer(web_settings) as server:
        context = browser.new_context(accept_downloads=True, viewport={"width": 1280, "height": 900})
        page = guarded_page(context, server.url, problems)
        log_in(page, server.url)
        page.fill("#q", "dijaspora")
        page.press("#q", "Enter")
        page.wait_for_selector(".hit")
        assert page.locator("h1").inner_text() == "Претрага медија"
        total = page.locator(".hit").count()

        # The chart: an accessible SVG drawn by the server, bars per local day stacked by outlet group.
        chart = page.locator("svg.chart[role=img]").first
        assert chart.is_visible() and chart.get_attribute("aria-labelledby") == "chart-title chart-desc"
        assert page.locator("#chart-title").text_content() == "Чланака по дану, по групама медија"
        # 17.03 00:30 in Belgrade is 16.03 23:30 UTC: its bar is the 17th.
        assert page.locator("g.bar[data-bucket='2026-03-17'] rect").count() >= 1
        assert page.locator("svg.chart.outlets g.outlet").count() >= 3
        page.click("g.bar[data-bucket='2026-03-17'] a")
        page.wait_for_url("**from=2026-03-17**")
        assert page.locator("#active-filters [data-filter=date_from]").inner_text().startswith("Од 2026-03-17")
        assert {t.split("\n")[0] for t in page.locator(".hit h3").all_inner_texts()} == {
            "Kritika direktora Uprave zbog dijaspore", "Dijaspora <b>i</b> & znakovi"}
        page.click("#active-filters [data-filter=date_from] a.remove")
        page.click("#active-filters [data-filter=date_to] a.remove")
        page.wait_for_function(f"document.querySelectorAll('.hit').length == {total}")

        # Director, critical, country and person filters from the facets, shown and removable.
        for facet, value in (("critical", "critical"), ("countries", "AT"), ("people", "vladimir-kokanovic")):
            page.click(f"a[data-facet={facet}][data-value={value}]")
            page.wait_for_selector(f"#active-filters [data-filter={facet}]")
        assert page.locator(".hit").count() == 1
        assert page.locator("#active-filters [data-filter=people]").inner_text().startswith("Особа: Vladimir Kokanović")
        page.click("#active-filters a.clear")
        page.wait_for_selector(".hit")
        assert page.locator("#active-filters").count() == 0

        # The story: "covered by 2 outlets" leads to it, and it is shown as a filter that can be removed.
        page.fill("#q", "uprava za saradnju")
        page.press("#q", "Enter")
        page.click("a.covered >> text=Објавило медија: 2")
        page.wait_for_url(f"**cluster={cluster}**")
        assert page.locator(".hit").count() == 2
        story = page.locator("#active-filters [data-filter=cluster_id]")
        assert "Вест: Управа за сарадњу с дијаспором и Србима у региону" in story.inner_text()
        story.locator("a.remove").click()
        page.wait_for_function("!document.querySelector('#active-filters [data-filter=cluster_id]')")

        # Exports: XLSX with typed local dates and the chart's series as CSV.
        page.goto(server.url + "/?q=dijaspora")
        with page.expect_download() as info:
            page.click("#export-xlsx")
        sheet = load_workbook(io.BytesIO(Path(info.value.path()).read_bytes())).active
        assert sheet.max_row == total + 1 and sheet.freeze_panes == "A2"
        published = {r[3].value: r[0].value for r in sheet.iter_rows(min_row=2)}
        assert published["Kritika direktora Uprave zbog dijaspore"].isoformat() == "2026-03-17T00:30:00"
        with page.expect_download() as info:
            page.click("#chart-csv")
        series = list(csv.reader(io.StringIO(Path(info.value.path()).read_text("utf-8-sig")), delimiter=";"))
        assert sum(int(r[-1]) for r in series[1:]) == total
        with page.expect_download() as info:
            page.click("#chart-svg")
        assert Path(info.value.path()).read_text("utf-8").startswith("<?xml")
        page.screenshot(path=str(artifacts_dir / "search-chart.png"), full_page=False)

        # A phone: the filters are a folded panel right above the results, not 5,000 px down.
        phone = browser.new_context(viewport={"width": 390, "height": 844}, storage_state=context.storage_state())
        mobile = guarded_page(phone, server.url, problems)
        mobile.goto(server.url + "/?q=dijaspora")
        summary = mobile.locator("#filters > summary")
        box = summary.bounding_box()
        assert box is not None and box["y"] + box["height"] <= 900
        assert mobile.locator("#filters").get_attribute("open") is None
        assert not mobile.locator("a[data-facet=topics]").first.is_visible()
        summary.click()
        assert mobile.locator("a[data-facet=topics]").first.is_visible()
        assert mobile.evaluate("document.documentElement.scrollWidth") <= 390
        hits_box = mobile.locator(".hit").first.bounding_box()
        assert hits_box["y"] > box["y"]
        mobile.screenshot(path=str(artifacts_dir / "search-phone-filters.png"), full_page=False)
        phone.close()
        context.close()
    assert problems == []


def test_highlights_stay_on_their_own_line(browser, web_settings, web_db):
    from archive.imports import import_lines

    words = " ".join(("dijaspora" if i % 3 == 0 else "reč") for i in range(400))
    title = " ".join(("Dijaspora" if i % 2 == 0 else "naslov") for i in range(30))
    report = import_lines(web_db, [json.dumps({"url": "https://example.org/dugo", "title": title,
                                               "text": words, "published": "2026-03-16T09:00:00+01:00",
                                               "source": "vesti-dana"})])
    problems: list[str] = []
    with LiveServer(web_settings) as server:
        context = browser.new_context(viewport={"width": 800, "height": 900})
        page = guarded_page(context, server.url, problems)
        log_in(page, server.url)
        page.goto(f"{server.url}/article/{report.article_ids[0]}?q=dijaspora")
        for selector in (".text mark", ".title mark"):
            boxes = page.evaluate(f"""() => Array.from(document.querySelectorAll('{selector}')).flatMap(
                m => Array.from(m.getClientRects()).map(r => [r.top, r.bottom]))""")
            tops = sorted({round(top, 1) for top, _ in boxes})
            assert len(tops) >= 2, selector  # marks on several lines
            # No mark reaches into the next line's marks (the result list's .hit padding once did).
            for top, bottom in boxes:
                below = [t for t in tops if t > top + 1]
                if below:
                    assert bottom <= min(below) + 0.5, (selector, top, bottom, min(below))
        context.close()
    assert problems == []


def _sanitize_entries():
    """(name, title, raw content, link) of every entry in feedparser's sanitize suite, unsanitised."""
    import feedparser

    folder = SHARED / "realfeeds" / "wellformed" / "sanitize"
    require(folder.is_dir(), f"shared material {folder} is absent (it lives beside the repo as ../shared)")
    out = []
    for path in sorted(folder.glob("*.xml")):
        parsed = feedparser.parse(path.read_bytes(), sanitize_html=False)
        feed_title = parsed.feed.get("title", "")
        for entry in parsed.entries or [{}]:
            content = " ".join(c.get("value", "") for c in entry.get("content", []))
            body = " ".join(x for x in (content, entry.get("summary", ""), parsed.feed.get("subtitle", "")) if x)
            title = entry.get("title") or feed_title or path.stem
            out.append((path.stem, title, body, entry.get("link") or parsed.feed.get("link") or ""))
    return out


def test_feed_payloads_never_run_in_search_or_article_pages(browser, web_settings, web_db):
    from archive.imports import import_lines

    entries = _sanitize_entries()
    assert len(entries) >= 700
    lines = [json.dumps({"url": f"https://example.org/x/{i}", "title": title[:1900] or name,
                         "text": f"xsstest {name} {body}", "published": "2026-03-16T09:00:00+01:00",
                         "source": "feeds"}) for i, (name, title, body, _) in enumerate(entries)]
    report = import_lines(web_db, lines)
    assert not report.rejected
    with web_db.transaction() as tx:  # feed links can be javascript: URLs; store them as a crawler would find them
        for article_id, (_, _, _, link) in zip(report.article_ids, entries):
            if link and not link.startswith(("http://", "https://")):
                tx.execute("UPDATE articles SET url = ? WHERE id = ?", (link, article_id))
    payloads = sum(1 for _, t, b, _ in entries if "<script" in (t + b).lower() or "javascript:" in (t + b).lower())
    assert payloads > 10  # the suite really carries live payloads into the archive

    problems: list[str] = []
    # Elements that escaped text could never create; only our own marks may appear inside rendered text.
    check = """() => {
        const bad = [];
        for (const sel of ['.hit h3 a', '.hit .snippet', 'article .title', 'article .text', '.mentions li']) {
            for (const root of document.querySelectorAll(sel)) {
                for (const el of root.querySelectorAll('*')) {
                    if (el.tagName !== 'MARK' && el.tagName !== 'SPAN') bad.push(sel + ' > ' + el.tagName);
                    for (const a of el.attributes) if (a.name !== 'class') bad.push(el.tagName + '@' + a.name);
                }
            }
        }
        for (const s of document.querySelectorAll('script')) if (s.src.indexOf('/static/odjek.js') < 0) bad.push('script');
        for (const a of document.querySelectorAll('a[href]')) if (/^\\s*javascript:/i.test(a.getAttribute('href'))) bad.push('js link');
        if (window.__xss) bad.push('window.__xss');
        return {bad: bad, hits: document.querySelectorAll('.hit').length,
                articles: document.querySelectorAll('article.article').length};
    }"""
    with LiveServer(web_settings) as server:
        context = browser.new_context()
        page = guarded_page(context, server.url, problems)
        # The check itself catches an injected element and a javascript: link.
        page.set_content('<div class="hit"><h3><a href="javascript:x()">t<img src="x"></a></h3></div>')
        assert len(page.evaluate(check)["bad"]) >= 3
        log_in(page, server.url)
        total = len(report.article_ids)
        for number in range(1, -(-total // 100) + 1):
            page.goto(f"{server.url}/?q=xsstest&sort=date&per=100&page={number}", wait_until="load")
            seen = page.evaluate(check)
            assert seen["hits"] == min(100, total - (number - 1) * 100)
            problems += [f"search page {number}: {b}" for b in seen["bad"]]
        for article_id in report.article_ids:
            # Scripts in the page would run while it is parsed, before DOMContentLoaded.
            page.goto(f"{server.url}/article/{article_id}?q=xsstest", wait_until="domcontentloaded")
            seen = page.evaluate(check)
            assert seen["articles"] == 1
            problems += [f"article {article_id}: {b}" for b in seen["bad"]]
        context.close()
    assert problems == []

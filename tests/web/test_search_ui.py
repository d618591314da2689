"""The press officers' search page over HTTP: story and other filters, the attention chart, XLSX and CSV export
(local times, translated labels, no formula injection), saved searches, own email, alert mails in the user's
language, the translated error page and one source of taxonomy names (issue 17)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
import zipfile

import pytest

from tests.web.conftest import PASSWORD, csrf_of, login

PAYLOADS = ["=HYPERLINK(\"http://x\")", "+1+1", "-2+3", "@SUM(A1)", "a;=1+1", "b,=2+2", "c; @x", "d;\t-3"]
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _import(db, rows):
    from archive.imports import import_lines

    report = import_lines(db, [json.dumps(r) for r in rows])
    assert not report.rejected, report.rejected
    return report.article_ids


def _cluster(db, article_ids):
    with db.transaction() as tx:
        cluster = tx.insert_id("INSERT INTO clusters (representative_article_id, size, outlet_count, created_at,"
                               " updated_at) VALUES (?, ?, ?, 'x', 'x') RETURNING id",
                               (article_ids[0], len(article_ids), len(article_ids)))
        marks = ", ".join("?" for _ in article_ids)
        tx.execute(f"UPDATE articles SET cluster_id = ? WHERE id IN ({marks})", (cluster, *article_ids))
    return cluster


@pytest.fixture
def payload_ids(web_db, seeded_ids):
    """Articles whose titles and outlet names are spreadsheet formulas, one published at 00:30 Belgrade time."""
    ids = _import(web_db, [{"url": f"https://example.org/p{i}", "title": title, "text": "Tekst o dijaspori.",
                            "published": "2026-03-18T10:00:00+01:00", "source": "formule"}
                           for i, title in enumerate(PAYLOADS)])
    ids += _import(web_db, [{"url": "https://example.org/midnight", "title": "Dijaspora u ponoć",
                             "text": "Dijaspora posle ponoći.", "published": "2026-03-16T23:30:00+00:00",
                             "source": "vesti-dana"}])
    with web_db.transaction() as tx:
        tx.execute("UPDATE sources SET name = ? WHERE id = 'formule'", ("=cmd|' /C calc'!A0",))
        tx.execute("UPDATE sources SET name = ? WHERE id = 'vesti-dana'", ("Вести дана",))
    return ids


# Search page ------------------------------------------------------------------------------------------------

def test_search_page_has_a_heading_and_a_filter_panel_before_the_results(client, seeded_ids):
    login(client)
    html = client.get("/", params={"q": "dijaspora"}).text
    assert re.search(r"<h1[^>]*>Претрага медија</h1>", html)
    assert html.index('id="filters"') < html.index('class="hits"')


def test_story_filter_is_shown_removable_and_outlet_counts_link_to_it(client, web_db, seeded_ids):
    cluster = _cluster(web_db, [seeded_ids["uprava_cyr"], seeded_ids["kancelarija_lat"]])
    login(client)
    html = client.get("/", params={"q": "uprava za saradnju"}).text
    link = re.search(r'<a class="covered" href="([^"]+)"[^>]*>Објавило медија: 2</a>', html)
    assert link and link.group(1).replace("&amp;", "&") == f"/?cluster={cluster}&sort=date"
    story = client.get(link.group(1).replace("&amp;", "&")).text
    assert "Пронађено чланака: 2" in story
    chip = re.search(r'<li class="chip" data-filter="cluster_id"[^>]*>(.*?)</li>', story, re.DOTALL)
    assert chip and "Вест: Управа за сарадњу с дијаспором и Србима у региону" in chip.group(1)
    remove = re.search(r'href="([^"]+)" class="remove"', chip.group(1)).group(1).replace("&amp;", "&")
    assert "cluster=" not in remove
    assert f"Пронађено чланака: {len(seeded_ids)}" in client.get(remove).text  # every article again
    assert 'data-filter="cluster_id"' not in client.get(remove).text


def test_active_filters_are_listed_with_their_names_and_each_can_be_removed(client, seeded_ids):
    login(client)
    html = client.get("/", params={"q": "dijaspora", "topic": "voting_abroad", "source": "beogradski-glasnik",
                                   "from": "2026-03-01"}).text
    chips = re.findall(r'<li class="chip" data-filter="([^"]+)" data-value="([^"]+)">(.*?)</li>', html, re.DOTALL)
    assert {(f, v) for f, v, _ in chips} == {("topics", "voting_abroad"), ("sources", "beogradski-glasnik"),
                                             ("date_from", "2026-03-01")}
    topic = next(body for f, _, body in chips if f == "topics")
    assert "Тема: Гласање у иностранству" in " ".join(topic.split())
    remove = re.search(r'href="([^"]+)"', topic).group(1).replace("&amp;", "&")
    assert "topic=" not in remove and "source=beogradski-glasnik" in remove and "from=2026-03-01" in remove


def test_director_critical_country_and_person_filters(client, web_db, seeded_ids):
    from archive.articles import write_tags
    from schemas.records import Label, Mention, TagResult

    ids = _import(web_db, [
        {"url": "https://example.org/kritika", "title": "Kritika direktora Uprave", "text": "Kokanović je kritikovan u Beču.",
         "published": "2026-03-19T10:00:00+01:00", "source": "vesti-dana"},
        {"url": "https://example.org/pohvala", "title": "Direktor Uprave u Beču", "text": "Kokanović je posetio Beč.",
         "published": "2026-03-19T11:00:00+01:00", "source": "vesti-dana"}])
    with web_db.transaction() as tx:
        for article_id, critical in zip(ids, (True, False)):
            labels = [Label("director", "entity", 0.9), Label("europe_russia", "region", 0.9),
                      Label("AT", "country", 0.9)] + ([Label("critical", "flag", 0.8)] if critical else [])
            write_tags(tx, article_id, TagResult("sr", None, labels, [
                Mention("director", 0, 9, "Kokanović", "Kokanović …", person="vladimir-kokanovic")]))
    login(client)
    html = client.get("/", params={"q": "Beč"}).text
    for facet, value in (("director", "director"), ("critical", "critical"), ("countries", "AT"),
                         ("people", "vladimir-kokanovic")):
        assert f'data-facet="{facet}" data-value="{value}"' in html, facet
    assert ">Vladimir Kokanović</a>" in html  # the person by name, not id
    critical = client.get("/", params={"q": "Beč", "critical": "1"}).text
    assert "Пронађено чланака: 1" in critical and "Kritika direktora Uprave" in critical
    assert re.search(r'data-filter="critical" data-value="1">\s*Критички интонирано', critical)
    both = client.get("/", params={"q": "Beč", "director": "1", "country": "AT",
                                   "person": "vladimir-kokanovic"}).text
    assert "Пронађено чланака: 2" in both
    chips = dict(re.findall(r'<li class="chip" data-filter="([^"]+)" data-value="[^"]+">(.*?)<a', both, re.DOTALL))
    assert " ".join(chips["people"].split()) == "Особа: Vladimir Kokanović"
    assert " ".join(chips["countries"].split()) == "Држава: Аустрија"  # named from the region gazetteer
    assert " ".join(chips["director"].split()) == "Помиње директора"
    assert "Пронађено чланака: 0" in client.get("/", params={"q": "Beč", "person": "arnaud-gouillon"}).text


def test_also_searched_names_and_the_toggle_turns_expansion_off(client, seeded_ids):
    login(client)
    html = client.get("/", params={"q": "dijaspora"}).text
    assert re.search(r'id="also-searched">Тражено и као: [^<]*diaspora', html)
    toggle = re.search(r'href="([^"]+)" id="expansion-toggle">Тражи само како је написано<', html).group(1)
    exact = client.get(toggle.replace("&amp;", "&")).text
    assert "exact=1" in toggle and 'id="also-searched"' not in exact
    assert "Варијанте имена и појмова нису тражене." in exact
    assert "assembly meets in Belgrade" in html and "assembly meets in Belgrade" not in exact
    back = re.search(r'href="([^"]+)" id="expansion-toggle">Тражи и варијанте', exact).group(1)
    assert "exact=1" not in back
    # Filters, paging and exports keep the choice.
    assert 'href="/export.xlsx?q=dijaspora&amp;exact=1"' in exact
    xlsx_csv = client.get("/export.csv", params={"q": "dijaspora", "exact": "1"}).content.decode("utf-8-sig")
    assert "Diaspora assembly" not in xlsx_csv and "Srbi u dijaspori glasali u Beču" in xlsx_csv


def test_attention_chart_counts_local_days_by_outlet_group_and_top_outlets(client, web_db, payload_ids):
    login(client)
    html = client.get("/", params={"q": "dijaspora"}).text
    svg = re.search(r'<svg class="chart" [^>]*role="img" aria-labelledby="chart-title chart-desc".*?</svg>', html,
                    re.DOTALL).group(0)
    assert '<title id="chart-title">Чланака по дану, по групама медија</title>' in svg
    # 16.03 23:30 UTC is 17.03 00:30 in Belgrade: counted on the 17th.
    bar = re.search(r'<g class="bar" data-bucket="2026-03-17">(.*?)</g>', svg, re.DOTALL).group(1)
    assert "17.03. · Домаћи медији: 1" in bar
    link = re.search(r'<g class="bar" data-bucket="2026-03-17"><a href="([^"]+)"', svg).group(1)
    assert "from=2026-03-17" in link and "to=2026-03-17" in link
    outlets = re.search(r'<svg class="chart outlets".*?</svg>', html, re.DOTALL).group(0)
    assert "=cmd|&#x27; /C calc&#x27;!A0: 8" in outlets  # the outlet with most matches, its name escaped
    series = client.get("/chart.csv", params={"q": "dijaspora"})
    assert series.status_code == 200
    rows = list(csv.reader(io.StringIO(series.content.decode("utf-8-sig")), delimiter=";"))
    assert rows[0][0] == "Дан" and rows[0][-1] == "Укупно"
    by_day = {r[0]: int(r[-1]) for r in rows[1:]}
    assert by_day["2026-03-17"] == 2 and by_day["2026-03-18"] == 8 and by_day["2026-03-11"] == 1 and by_day["2026-03-12"] == 0
    assert sum(by_day.values()) == int(re.search(r"Пронађено чланака: (\d+)", html).group(1))
    svg_file = client.get("/chart.svg", params={"q": "dijaspora"})
    assert svg_file.headers["content-type"].startswith("image/svg+xml")
    assert svg_file.text.startswith("<?xml") and 'xmlns="http://www.w3.org/2000/svg"' in svg_file.text


def test_a_query_matching_too_much_is_charted_over_its_last_month(client, web_db, seeded_ids, monkeypatch):
    import archive.search

    _import(web_db, [{"url": f"https://example.org/today{i}", "title": f"Dijaspora danas {i}", "text": "dijaspora",
                      "published": (dt.datetime.now(dt.UTC) - dt.timedelta(days=i)).isoformat(),
                      "source": "vesti-dana"} for i in range(3)])
    monkeypatch.setattr(archive.search, "COUNT_CAP", 3)  # "dijaspora" now matches more than the search counts
    login(client)
    html = client.get("/", params={"q": "dijaspora"}).text
    assert "Пронађено више од 3 чланака" in html
    assert 'id="chart-recent">Упит има превише погодака за цео архив: графикон обухвата последњих 31 дана' in html
    buckets = re.findall(r'<g class="bar" data-bucket="([\d-]+)"', html)
    assert len(buckets) == 3 and all(dt.date.fromisoformat(b) > dt.date.today() - dt.timedelta(days=32)
                                     for b in buckets)  # the March articles are left out
    assert 'id="facet-sample"' in html
    series = client.get("/chart.csv", params={"q": "dijaspora"}).content.decode("utf-8-sig").splitlines()
    assert len(series) == 1 + 31 and sum(int(r.split(";")[-1]) for r in series[1:]) == 3
    # A start date of the user's own is charted whole.
    chosen = client.get("/", params={"q": "dijaspora", "from": "2026-02-01"}).text
    assert 'id="chart-recent"' not in chosen
    assert min(re.findall(r'<g class="bar" data-bucket="([\d-]+)"', chosen)) <= "2026-02-01"  # 01.02's article


def test_chart_filters_limit_only_broad_queries_without_a_start_date():
    from archive.search import SearchFilters
    from web.filters import chart_filters

    today = dt.date(2026, 12, 2)
    plain = SearchFilters(topics=["voting_abroad"])
    assert chart_filters(plain, False, today) == (plain, None)
    limited, days = chart_filters(plain, True, today)
    assert days == 31 and limited.date_from == dt.date(2026, 11, 2) and limited.date_to == today
    assert limited.topics == ["voting_abroad"]
    ended, _ = chart_filters(SearchFilters(date_to=dt.date(2026, 3, 31)), True, today)
    assert (ended.date_from, ended.date_to) == (dt.date(2026, 3, 1), dt.date(2026, 3, 31))
    started = SearchFilters(date_from=dt.date(2025, 1, 1))
    assert chart_filters(started, True, today) == (started, None)


def test_chart_uses_weeks_for_long_spans():
    from zoneinfo import ZoneInfo

    from archive.attention import build

    rows = [{"day": "2026-01-05", "part": "a", "source_id": "s1", "n": 2},
            {"day": "2026-06-30", "part": "22", "source_id": "s2", "n": 1}]
    data = build(rows, (22, 23), {"s1": "domestic", "s2": "foreign"}, {"s1": "Прва"}, ZoneInfo("Europe/Belgrade"))
    assert data.unit == "week" and data.buckets[0] == dt.date(2026, 1, 5)
    assert data.counts[(dt.date(2026, 6, 29), "foreign")] == 1  # 30.06 22:00 UTC is 01.07 in Belgrade, same week
    assert data.total == 3 and data.groups == ["domestic", "foreign"]
    assert data.top_outlets == [("s1", "Прва", 2), ("s2", "s2", 1)]


# Export -----------------------------------------------------------------------------------------------------

def _cells_never_formulas(text: str) -> None:
    """Read as a spreadsheet would in either regional setting: no cell may start like a formula."""
    for delimiter in (";", ","):
        for row in csv.reader(io.StringIO(text), delimiter=delimiter):
            for cell in row:
                assert not cell.startswith(FORMULA_START), (delimiter, cell)


def test_csv_export_semicolon_local_times_translated_and_no_formulas(client, payload_ids):
    login(client)
    response = client.get("/export.csv", params={"q": "dijaspora"})  # Serbian UI: ';' by default
    assert response.status_code == 200
    text = response.content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    assert rows[0][:4] == ["Објављено (Europe/Belgrade)", "Медиј", "Група медија", "Наслов"]
    total = int(re.search(r"Пронађено чланака: (\d+)", client.get("/", params={"q": "dijaspora"}).text).group(1))
    assert len(rows) - 1 == total and total >= len(PAYLOADS) + 2
    by_title = {r[3]: r for r in rows[1:]}
    assert by_title["Dijaspora u ponoć"][0] == "2026-03-17 00:30"  # local time, not UTC
    assert by_title["Dijaspora u ponoć"][1] == "Вести дана"
    assert by_title["Srbi u dijaspori glasali u Beču"][5] == "Гласање у иностранству"
    assert by_title["Srbi u dijaspori glasali u Beču"][6] == "Европа и Русија, Прекоморске земље и Далеки исток"
    assert "a;'=1+1" in by_title and "c;' @x" in by_title and "d;'\t-3" in by_title and "'=HYPERLINK(\"http://x\")" in by_title
    assert '"a;\'=1+1"' in text  # a field with ';' is quoted
    _cells_never_formulas(text)
    comma = client.get("/export.csv", params={"q": "dijaspora", "sep": "comma"}).content.decode("utf-8-sig")
    assert comma.splitlines()[0].startswith("Објављено (Europe/Belgrade),Медиј,")
    assert '"a;\'=1+1"' in comma and '"b,\'=2+2"' in comma
    _cells_never_formulas(comma)
    assert len(list(csv.reader(io.StringIO(comma)))) == total + 1


def test_csv_cell_quotes_separators_and_neutralises_formulas_after_them():
    from web.export import csv_cell

    assert csv_cell("=1+1") == "'=1+1"
    assert csv_cell("x;=1") == "\"x;'=1\""
    assert csv_cell("Beograd, -5") == "\"Beograd,' -5\""
    assert csv_cell('say "hi"') == '"say ""hi"""'
    assert csv_cell(7) == "7" and csv_cell(None) == ""


def test_xlsx_export_has_typed_local_dates_links_frozen_header_filter_and_no_formulas(client, payload_ids):
    from openpyxl import load_workbook

    login(client)
    client.get("/lang/en")
    response = client.get("/export.xlsx", params={"q": "dijaspora"})
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    sheet_xml = zipfile.ZipFile(io.BytesIO(response.content)).read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in sheet_xml and "<f " not in sheet_xml  # not one formula in the file
    sheet = load_workbook(io.BytesIO(response.content)).active
    header = [c.value for c in sheet[1]]
    assert header[:4] == ["Published (Europe/Belgrade)", "Outlet", "Outlet group", "Title"]
    assert sheet.freeze_panes == "A2" and sheet.auto_filter.ref == f"A1:K{sheet.max_row}"
    assert sheet.max_row == len(client.get("/export.csv", params={"q": "dijaspora"}).text.splitlines())
    rows = {r[3].value: r for r in sheet.iter_rows(min_row=2)}
    midnight = rows["Dijaspora u ponoć"]
    assert midnight[0].value == dt.datetime(2026, 3, 17, 0, 30) and midnight[0].is_date
    assert midnight[1].value == "Вести дана"
    assert rows["Srbi u dijaspori glasali u Beču"][5].value == "Voting abroad"
    assert rows["Srbi u dijaspori glasali u Beču"][2].value == "Domestic media"
    assert midnight[3].hyperlink.target == "https://example.org/midnight"
    assert midnight[10].hyperlink.target.endswith(f"/article/{payload_ids[-1]}")
    for payload in PAYLOADS:
        row = rows[payload]
        assert row[3].data_type == "s" and row[3].value == payload  # kept as text, exactly
        assert row[1].data_type == "s" and row[1].value == "=cmd|' /C calc'!A0"


def test_export_of_a_query_that_cannot_be_searched_is_an_error_page_not_an_empty_file(client, seeded_ids):
    login(client)
    for path in ("/export.csv", "/export.xlsx", "/chart.csv"):
        response = client.get(path, params={"q": "-dijaspora"})
        assert response.status_code == 400 and "Захтев није исправан" in response.text, path


def test_export_failing_in_the_archive_is_a_translated_500_not_an_empty_200(web_settings, web_db, seeded_ids,
                                                                            monkeypatch):
    from fastapi.testclient import TestClient

    import web.routers.search
    from web.app import create_app

    def broken(*args, **kwargs):
        raise RuntimeError("archive unavailable")
        yield  # pragma: no cover

    monkeypatch.setattr(web.routers.search, "iter_all", broken)
    with TestClient(create_app(web_settings, web_db), base_url="http://127.0.0.1",
                    raise_server_exceptions=False) as c:
        login(c)
        for path in ("/export.csv", "/export.xlsx"):
            response = c.get(path, params={"q": "dijaspora"})
            assert response.status_code == 500, path
            assert "Дошло је до грешке на серверу" in response.text and "Internal Server Error" not in response.text


def test_server_error_page_is_translated_with_security_headers(web_settings, web_db, seeded_ids, monkeypatch):
    from fastapi.testclient import TestClient

    import web.routers.search
    from web.app import create_app

    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(web.routers.search, "search", broken)
    with TestClient(create_app(web_settings, web_db), base_url="http://127.0.0.1",
                    raise_server_exceptions=False) as c:
        login(c)
        response = c.get("/", params={"q": "dijaspora"})
        assert response.status_code == 500
        assert "<h1>Грешка</h1>" in response.text and "Дошло је до грешке на серверу" in response.text
        assert "boom" not in response.text
        assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
        c.get("/lang/en")
        assert "Something went wrong on the server" in c.get("/").text


# Saved searches, email, alerts ------------------------------------------------------------------------------

def test_saving_confirms_and_the_list_shows_query_and_filters(client, web_db, seeded_ids):
    login(client)
    page = client.get("/", params={"q": "dijaspora", "topic": "voting_abroad"})
    response = client.post("/saved", data={"csrf": csrf_of(page.text), "name": "Glasanje", "alert": "daily",
                                           "permalink": "q=dijaspora&topic=voting_abroad&source=vesti-dana"},
                           follow_redirects=False)
    saved_id = web_db.scalar("SELECT id FROM saved_searches")
    assert response.headers["location"] == f"/saved?saved={saved_id}"
    html = client.get(response.headers["location"]).text
    assert "Претрага „Glasanje” је сачувана." in html
    item = re.search(rf'<li data-id="{saved_id}".*?</li>', html, re.DOTALL).group(0)
    assert "<code>dijaspora</code>" in item and "Обавештење: дневно" in item
    assert "Тема: Гласање у иностранству" in " ".join(item.split()) and "Медиј: vesti-dana" in " ".join(item.split())
    deleted = client.post(f"/saved/{saved_id}/delete", data={"csrf": csrf_of(html)})
    assert "Претрага је обрисана." in deleted.text


def test_users_set_their_own_email_address(client, web_db, seeded_ids):
    from archive.users import get_user

    login(client)
    page = client.get("/saved").text
    assert 'value="ana@example.org"' in page
    assert client.post("/account/email", data={"email": "x@y.org"}).status_code == 403  # no CSRF token
    ok = client.post("/account/email", data={"csrf": csrf_of(page), "email": " ana.nova@example.org "})
    assert "Адреса је сачувана." in ok.text and get_user(web_db, "ana").email == "ana.nova@example.org"
    for bad in ["nije adresa", "a@b", "x@y.org\r\nBcc: z@evil.example", "a" * 250 + "@example.org"]:
        response = client.post("/account/email", data={"csrf": csrf_of(page), "email": bad})
        assert "Адреса е-поште није исправна." in response.text, bad
    assert get_user(web_db, "ana").email == "ana.nova@example.org"
    client.post("/account/email", data={"csrf": csrf_of(page), "email": ""})
    assert get_user(web_db, "ana").email is None
    assert "Ваш налог нема адресу е-поште" in client.get("/saved").text


@pytest.mark.parametrize("language", ["sr-Cyrl", "en"])
def test_alert_mail_in_the_users_language_with_outlet_names_local_times_and_snippets(
        client, web_settings, web_db, seeded_ids, language):
    from archive.users import get_user, save_search
    from odjek.runner import StageContext
    from odjek.stages import alerts

    login(client)
    client.get(f"/lang/{language}")  # remembered for the user's mails
    save_search(web_db, get_user(web_db, "ana"), "Dijaspora – sve", "dijaspora", {}, "immediately")
    _import(web_db, [{"url": "https://example.org/novo", "title": "Нови клуб у Бечу",
                      "text": "Почетак текста. " * 30 + "У Бечу је отворен нови клуб српске дијаспоре.",
                      "published": "2026-03-16T23:30:00+00:00", "source": "vesti-dana"}])
    with web_db.transaction() as tx:
        tx.execute("UPDATE sources SET name = ? WHERE id = 'vesti-dana'", ("Вести дана",))
    alerts.run(StageContext(settings=web_settings, db=web_db, sources=[]))
    files = list(web_settings.data_path.rglob("*.eml"))
    assert len(files) == 1
    from email import message_from_bytes, policy

    message = message_from_bytes(files[0].read_bytes(), policy=policy.default)
    plain = message.get_body(("plain",)).get_content()
    body = message.get_body(("html",)).get_content()
    if language == "en":
        assert message["Subject"] == "Odjek: 1 new article(s) for “Dijaspora – sve”"
        assert "New articles for your saved search" in plain
    else:
        assert message["Subject"] == "Одјек: нових чланака за „Dijaspora – sve”: 1"
        assert "Нови чланци за вашу сачувану претрагу" in plain
    assert "Вести дана · 17.03.2026. 00:30" in plain and "vesti-dana" not in plain
    assert "»дијаспоре«" in plain and "<mark>дијаспоре</mark>" in body
    assert "Почетак текста. Почетак текста. Почетак текста. Почетак текста. Почетак текста. Почетак" not in plain


def test_a_search_saved_as_written_alerts_as_written(client, web_settings, web_db, seeded_ids):
    from odjek.runner import StageContext
    from odjek.stages import alerts

    login(client)
    page = client.get("/", params={"q": "dijaspora", "exact": "1"})
    for name, permalink in (("Tačno", "q=dijaspora&exact=1"), ("Sve varijante", "q=dijaspora")):
        client.post("/saved", data={"csrf": csrf_of(page.text), "name": name, "alert": "immediately",
                                    "permalink": permalink})
    listing = client.get("/saved").text
    exact_item = re.search(r'<li data-id="\d+"[^>]*>\s*<a href="([^"]+)" class="savedname">Tačno</a>.*?</li>', listing,
                           re.DOTALL)
    assert "exact=1" in exact_item.group(1) and "Варијанте имена и појмова нису тражене." in exact_item.group(0)
    _import(web_db, [{"url": "https://example.org/en-novo", "title": "Diaspora forum in Vienna",
                      "text": "The Serbian diaspora met in Vienna.", "published": "2026-03-20T10:00:00+01:00",
                      "source": "world-news", "language": "en"}])
    alerts.run(StageContext(settings=web_settings, db=web_db, sources=[]))
    from email import message_from_bytes, policy

    subjects = [message_from_bytes(path.read_bytes(), policy=policy.default)["Subject"]
                for path in web_settings.data_path.rglob("*.eml")]
    assert subjects == ["Одјек: нових чланака за „Sve varijante”: 1"]  # only it found the English article


def test_topic_names_are_the_digests():
    from reports import i18n as digest
    from web.i18n import translate

    for key in (*digest.TOPICS, *digest.REGIONS, *digest.GROUPS, "office", "director"):
        assert translate(key, "sr-Cyrl") == digest.t(key, "cyrl"), key
        assert translate(key, "sr-Latn") == digest.t(key, "latn"), key


def test_password_is_not_in_pages(client, seeded_ids):
    login(client)
    assert PASSWORD not in client.get("/saved").text

"""Organisation pages: registry list, organisation page (chart, articles, outlets, sentences), search filter
and facet, a saved search per organisation, and the operators' editor (role and CSRF rules)."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import pytest

from archive.imports import import_lines
from archive.orgs import import_orgs, org_mentions_for, read_rows, relink
from archive.search import SearchFilters, search
from tests.web.conftest import csrf_of, login

SAMPLE_REGISTRY = Path(__file__).resolve().parents[2] / "sampleweb" / "orgs.csv"


@pytest.fixture
def org_articles(web_db, seeded_ids):
    now = dt.datetime.now(dt.UTC)
    texts = [
        ("vesti-dana", "Jubilej u Beču", "Srpsko kulturno društvo „Vidovdanski venac“ iz Beča proslavilo je jubilej."),
        ("novi-pogled", "Kampovi za decu", "Zajednica Srba Bavarske organizuje letnje kampove. ZSB je pozvala roditelje."),
        ("vesti-dana", "Još jedan jubilej", "Srpsko kulturno društvo „Vidovdanski venac“ iz Linca slavi jubilej."),
    ]
    lines = [json.dumps({"url": f"https://example.org/org-{i}", "title": title, "text": text, "source": source,
                         "published": (now - dt.timedelta(days=3 + 10 * i)).isoformat(), "language": "sr"})
             for i, (source, title, text) in enumerate(texts)]
    report = import_lines(web_db, lines)
    assert report.imported == 3
    import_orgs(web_db, read_rows(SAMPLE_REGISTRY))
    relink(web_db)
    return report.article_ids


def test_registry_and_organisation_page(client, web_db, org_articles):
    login(client)
    listing = client.get("/orgs").text
    assert "Zajednica Srba Bavarske" in listing and 'href="/orgs/zajednica-srba-bavarske"' in listing
    assert "/edit" not in listing  # press officers do not edit
    page = client.get("/orgs/vidovdanski-venac-bec")
    assert page.status_code == 200
    html = page.text
    assert "Jubilej u Beču" in html and "Još jedan jubilej" not in html  # the Linz look-alike is not linked
    assert "<q>Srpsko kulturno društvo „Vidovdanski venac“ iz Beča proslavilo je jubilej.</q>" in html
    svg = re.search(r"<svg.*?</svg>", html, re.DOTALL).group(0)
    counts = [int(n) for n in re.findall(r'data-count="(\d+)"', svg)]
    assert len(counts) == 26 and sum(counts) == 1 and "<title" in svg
    assert 'href="/?org=vidovdanski-venac-bec&amp;source=vesti-dana"' in html
    assert client.get("/orgs/no-such-org").status_code == 404


def test_article_page_lists_the_registered_organisations_it_names(client, web_db, org_articles):
    login(client)
    html = client.get(f"/article/{org_articles[1]}").text
    section = re.search(r'<section class="orgs-named">(.*?)</section>', html, re.DOTALL).group(1)
    assert re.findall(r'<a href="/orgs/([^"]+)">', section) == ["zajednica-srba-bavarske"]
    assert ">Zajednica Srba Bavarske</a>" in section and "ZSB" in section  # the short form as written too
    assert "Организације из регистра у овом чланку" in section
    look_alike = client.get(f"/article/{org_articles[2]}").text  # the Linz namesake names no registered entry
    assert 'class="orgs-named"' not in look_alike and "Još jedan jubilej" in look_alike


def test_search_filters_and_facets_by_organisation(client, web_db, org_articles):
    login(client)
    html = client.get("/", params={"org": "zajednica-srba-bavarske"}).text
    assert "Kampovi za decu" in html and "Jubilej u Beču" not in html
    facets = client.get("/").text
    assert 'data-facet="orgs" data-value="vidovdanski-venac-bec"' in facets
    facet_link = re.search(r'<a href="([^"]+)"[^>]*data-facet="orgs" data-value="zajednica-srba-bavarske">'
                           r'Zajednica Srba Bavarske</a>', facets)
    assert facet_link is not None
    results = search(web_db, "", SearchFilters(orgs=["vidovdanski-venac-bec", "zajednica-srba-bavarske"]))
    assert sorted(h.id for h in results.hits) == sorted(org_articles[:2])


def test_saved_search_per_organisation(client, web_db, org_articles):
    login(client)
    page = client.get("/orgs/zajednica-srba-bavarske").text
    form = re.search(r'<form method="post" action="/saved" class="save" id="org-alert">(.*?)</form>', page, re.DOTALL).group(1)
    permalink = re.search(r'name="permalink" value="([^"]+)"', form).group(1).replace("&amp;", "&")
    response = client.post("/saved", data={"csrf": csrf_of(page), "name": "Zajednica Srba Bavarske",
                                           "alert": "daily", "permalink": permalink}, follow_redirects=False)
    assert response.status_code == 303
    row = web_db.one("SELECT name, filters, alert FROM saved_searches")
    assert json.loads(row["filters"]) == {"orgs": ["zajednica-srba-bavarske"]} and row["alert"] == "daily"
    saved = client.get("/saved").text
    assert "Организација: Zajednica Srba Bavarske" in saved or "Organisation: Zajednica Srba Bavarske" in saved
    hits = search(web_db, "", SearchFilters.from_dict(json.loads(row["filters"]))).hits
    assert [h.id for h in hits] == [org_articles[1]]
    # The alert: an article archived after saving that names the organisation (linked by relink) is new.
    from archive.users import get_user, saved_searches_of
    from odjek.stages.alerts import new_matches

    report = import_lines(web_db, [json.dumps({
        "url": "https://example.org/org-new", "title": "Turnir", "text": "ZSB i Zajednica Srba Bavarske organizuju turnir.",
        "published": dt.datetime.now(dt.UTC).isoformat(), "source": "vesti-dana", "language": "sr"})])
    import_orgs(web_db, read_rows(SAMPLE_REGISTRY))
    relink(web_db, full=True)
    [saved] = saved_searches_of(web_db, get_user(web_db, "ana"))
    assert new_matches(web_db, saved, dt.datetime.now(dt.UTC)) == report.article_ids


def test_only_operators_edit_and_every_post_needs_csrf(client, web_db, org_articles):
    login(client)
    assert client.get("/orgs/vidovdanski-venac-bec/edit").status_code == 403
    page = client.get("/orgs").text
    assert client.post("/orgs/vidovdanski-venac-bec/edit", data={"csrf": csrf_of(page), "name": "X"}).status_code == 403
    client.cookies.clear()
    login(client, "oper")
    form = client.get("/orgs/vidovdanski-venac-bec/edit")
    assert form.status_code == 200 and 'value="Beč"' in form.text
    token = csrf_of(form.text)
    fields = {"name": "Srpsko kulturno društvo „Vidovdanski venac“", "names": "", "short_names": "Vidovdanski venac",
              "country": "AT", "city": "Linc", "city_names": "Linz", "type": "association", "website": "",
              "registry_number": ""}
    assert client.post("/orgs/vidovdanski-venac-bec/edit", data={**fields, "csrf": "forged"}).status_code == 403
    bad = client.post("/orgs/vidovdanski-venac-bec/edit", data={**fields, "country": "Austria", "csrf": token})
    assert bad.status_code == 400 and "country" in bad.text
    # Moving the entry to Linz relinks at once: the Linz article is now its, the Vienna one no longer.
    done = client.post("/orgs/vidovdanski-venac-bec/edit", data={**fields, "csrf": token}, follow_redirects=False)
    assert done.status_code == 303
    links = org_mentions_for(web_db, org_articles)
    assert org_articles[0] not in links and [m.org_id for m in links[org_articles[2]]] == ["vidovdanski-venac-bec"]
    new = client.post("/orgs/new", data={**fields, "id": "sloga-bec", "name": "Klub Sloga", "city": "Beč",
                                         "short_names": "", "city_names": "", "csrf": token}, follow_redirects=False)
    assert new.status_code == 303 and client.get("/orgs/sloga-bec").status_code == 200
    taken = client.post("/orgs/new", data={**fields, "id": "sloga-bec", "csrf": token})
    assert taken.status_code == 400
    assert client.post("/orgs/sloga-bec/delete", data={"csrf": token}, follow_redirects=False).status_code == 303
    assert client.get("/orgs/sloga-bec").status_code == 404
    client.cookies.clear()
    login(client, "admin")
    assert "org_update" in client.get("/admin").text

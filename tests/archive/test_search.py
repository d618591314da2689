"""Search on both stores: script, case, diacritics and inflection; the query language; filters; highlights."""

import datetime as dt
import json

import pytest

from archive.search import SearchFilters, compute_facets, iter_all, search
from nlp.normalize import stem
from search.highlight import snippet
from search.query import parse_query, query_terms, to_fts5, to_tsquery
from tests.archive.search_seed import ARTICLES, seed


@pytest.fixture(autouse=True)
def no_expansion(monkeypatch):
    """These tests pin the query language and matching as typed; name and term expansion (which would add
    e.g. the English "Diaspora" to "dijaspora") is tested in test_search_engine.py."""
    from search import expansion as query_expansion

    monkeypatch.setattr(query_expansion, "default_index", lambda: query_expansion.Index({}))


@pytest.fixture
def seeded(archive):
    return archive, seed(archive)


def keys_of(results, ids):
    by_id = {v: k for k, v in ids.items()}
    return {by_id[h.id] for h in results.hits}


def found(db, ids, query, **kwargs):
    results = search(db, query, per_page=100, **kwargs)
    assert results.query.error is None, results.query.error
    return keys_of(results, ids)


# Matching independent of script, case, diacritics and case endings ------------------------------------

def test_latin_query_finds_cyrillic_and_latin_articles(seeded):
    db, ids = seeded
    expected = {"uprava_cyr", "glasanje_lat", "kancelarija_lat", "markup_lat"}  # not English "Diaspora"
    assert found(db, ids, "dijaspora") == expected
    assert found(db, ids, "дијаспора") == expected
    assert found(db, ids, "DIJASPORA") == expected
    assert found(db, ids, "ДИЈАСПОРОМ") == expected


def test_diacritics_and_dj_are_folded(seeded):
    db, ids = seeded
    for query in ("đaci", "djaci", "DJACI", "ђаци", "Ђаци"):
        assert found(db, ids, query) == {"djaci_lat"}, query
    for query in ("beč", "bec", "беч", "Беча"):
        assert found(db, ids, query) == {"uprava_cyr", "glasanje_lat"}, query
    # Typed without diacritics, the Cyrillic "Ћерка" is still found (Lucene's analyzer stems before folding).
    assert found(db, ids, "cerka") == {"cerka_cyr"}
    assert found(db, ids, "ćerku") == {"cerka_cyr"}


def test_case_endings_match(seeded):
    db, ids = seeded
    assert "hrvatska_lat" in found(db, ids, "Srbi")
    assert found(db, ids, "Hrvatska") == {"hrvatska_lat"}
    assert found(db, ids, "Хрватској") == {"hrvatska_lat"}
    assert found(db, ids, "ćirilica") == {"djaci_lat"}
    assert found(db, ids, "управи") >= {"uprava_cyr", "poreska_lat"}


# The query language -----------------------------------------------------------------------------------

def test_all_words_must_match(seeded):
    db, ids = seeded
    assert found(db, ids, "dijaspora Beč") == {"uprava_cyr", "glasanje_lat"}
    assert found(db, ids, "dijaspora Čikago") == {"glasanje_lat"}


def test_phrases_are_exact_word_order_but_inflection_tolerant(seeded):
    db, ids = seeded
    assert found(db, ids, '"uprava za saradnju"') == {"uprava_cyr"}
    assert found(db, ids, '"управа за сарадњу са дијаспором"') == set()  # "с", not "са", in the text
    assert found(db, ids, '"saradnja s dijasporom"') == {"uprava_cyr", "kancelarija_lat"}
    assert found(db, ids, '"dijasporom saradnja"') == set()  # order matters


def test_exclusion(seeded):
    db, ids = seeded
    assert found(db, ids, "uprava") == {"uprava_cyr", "poreska_lat"}
    assert found(db, ids, "uprava -poreska") == {"uprava_cyr"}
    assert found(db, ids, "uprava NOT poreska") == {"uprava_cyr"}
    assert found(db, ids, 'dijaspora -"uprava za saradnju"') == {"glasanje_lat", "kancelarija_lat", "markup_lat"}


def test_or_and_parentheses(seeded):
    db, ids = seeded
    assert found(db, ids, "Hrvatska OR Švajcarska") == {"hrvatska_lat", "kancelarija_lat"}
    assert found(db, ids, "Hrvatska | Швајцарској") == {"hrvatska_lat", "kancelarija_lat"}
    assert found(db, ids, "(Beč OR Čikago) škola") == {"djaci_lat"}
    assert found(db, ids, "(Beč OR Čikago) -škola") == {"uprava_cyr", "glasanje_lat"}


def test_prefix(seeded):
    db, ids = seeded
    assert found(db, ids, "krag*") == {"cerka_cyr"}
    assert found(db, ids, "враћ* OR vrat*") == {"cerka_cyr"}
    assert found(db, ids, "švajc*") == {"kancelarija_lat"}


def test_queries_compile_to_quoted_keys_only():
    ast = parse_query('uprava -"poreska uprava" (beč OR čikag*)').ast
    assert to_fts5(ast) == '(("uprav" AND ("bek" OR "cikag"*)) NOT "poresk uprav")'
    assert to_tsquery(ast) == "('uprav' & !('poresk' <-> 'uprav') & ('bek' | 'cikag':*))"


# Malformed queries -------------------------------------------------------------------------------------

MALFORMED = [
    '"foo', 'NEAR(', 'NEAR(a b)', '(', ')', '((', '))', '()', 'OR', 'AND', 'NOT', '-', '--', '*', '**', '"',
    '""', '" "', 'a OR', 'OR a', 'a AND', 'AND OR NOT', 'a OR OR b', '(a OR', 'a) OR (b', "'; DROP TABLE articles; --",
    "1=1; DELETE FROM articles", "dijaspora' OR '1'='1", 'x" OR 1=1 --', 'col:dijaspora', 'title:uprava',
    '^dijaspora', '{search_title}: dijaspora', 'dijaspora NEAR/2 uprava', '%', '_', '?', '\\', "\x00dijaspora",
    '-dijaspora', 'a OR -b', 'NOT NOT', '!!!', '|', '&&', 'a' * 3000, ' '.join(['dijaspora'] * 200),
    '∑∂ƒ©', '🙂 dijaspora', 'ˇ', 'ʼ dijaspora', 'ǅ*', 'ß', 'ﬁ', '²³', '东京', 'مرحبا', 'ά', '"ˇ dijaspora"', 'Ђ*', 'd*', '"dijaspora', '(dijaspora', 'dijaspora)', '"(" OR ")"', 'MATCH', 'bm25(x)',
]


def test_malformed_queries_return_cleanly(seeded):
    db, ids = seeded
    assert len(MALFORMED) >= 30
    before = db.scalar("SELECT COUNT(*) FROM articles")
    for query in MALFORMED:
        results = search(db, query, facets=True)
        # Either an answer (maybe with a notice) or a clear message, never an exception.
        assert results.query.error is None or results.total == 0, query
        assert results.message is None or isinstance(results.message, str)
        list(iter_all(db, query))
    assert db.scalar("SELECT COUNT(*) FROM articles") == before


def test_malformed_queries_read_leniently(seeded):
    db, ids = seeded
    results = search(db, '"dijaspora Beč')
    assert results.query.notice and "plain words" in results.query.notice
    assert keys_of(results, ids) == {"uprava_cyr", "glasanje_lat"}
    results = search(db, "(dijaspora")
    assert keys_of(results, ids) == found(db, ids, "dijaspora")
    results = search(db, "-dijaspora")
    assert results.total == 0 and "Exclusions" in results.query.error


# Filters, sorting, paging, facets -------------------------------------------------------------------------

def test_filters(seeded):
    db, ids = seeded
    assert found(db, ids, "dijaspora", filters=SearchFilters(sources=["novi-pogled"])) == {"kancelarija_lat",
                                                                                           "markup_lat"}
    assert found(db, ids, "diaspora", filters=SearchFilters(groups=["foreign"])) == {"assembly_en"}
    assert found(db, ids, "", filters=SearchFilters(languages=["en"])) == {"assembly_en"}
    assert found(db, ids, "", filters=SearchFilters(topics=["voting_abroad"])) == {"glasanje_lat"}
    assert found(db, ids, "", filters=SearchFilters(regions=["overseas_far_east"])) == {"glasanje_lat", "djaci_lat"}
    assert found(db, ids, "dijaspora", filters=SearchFilters(office=True)) == {"uprava_cyr", "kancelarija_lat"}
    in_march = SearchFilters(date_from=dt.date(2026, 3, 11), date_to=dt.date(2026, 3, 13))
    assert found(db, ids, "", filters=in_march) == {"glasanje_lat", "djaci_lat", "cerka_cyr"}
    both = SearchFilters(topics=["diaspora_organizations", "voting_abroad"], regions=["europe_russia"])
    assert found(db, ids, "", filters=both) == {"uprava_cyr", "glasanje_lat", "kancelarija_lat"}


def test_cluster_filter_and_outlet_count(seeded):
    db, ids = seeded
    with db.transaction() as tx:
        cluster = tx.insert_id("INSERT INTO clusters (representative_article_id, size, outlet_count, created_at,"
                               " updated_at) VALUES (?, 2, 2, '2026-03-11', '2026-03-11') RETURNING id",
                               (ids["uprava_cyr"],))
        tx.execute("UPDATE articles SET cluster_id = ? WHERE id IN (?, ?)",
                   (cluster, ids["uprava_cyr"], ids["glasanje_lat"]))
    results = search(db, "", SearchFilters(cluster_id=cluster))
    assert keys_of(results, ids) == {"uprava_cyr", "glasanje_lat"}
    assert {h.outlet_count for h in results.hits} == {2}


def test_sort_and_pagination(seeded):
    db, ids = seeded
    by_date = search(db, "dijaspora", sort="date", per_page=2)
    assert by_date.total == 4 and by_date.pages == 2
    pages = [search(db, "dijaspora", sort="date", per_page=2, page=p).hits for p in (1, 2)]
    dates = [h.published for page in pages for h in page]
    assert dates == sorted(dates, reverse=True) and len({h.id for page in pages for h in page}) == 4
    relevance = search(db, "dijaspora", per_page=10)
    scores = [h.score for h in relevance.hits]
    assert scores == sorted(scores, reverse=True) and scores[0] > 0
    # The title weighs more than the body: articles with "dijaspora" in the title lead.
    assert relevance.hits[0].id in {ids["uprava_cyr"], ids["glasanje_lat"], ids["markup_lat"]}


def test_facet_counts_follow_the_result_set(seeded):
    db, ids = seeded
    facets = compute_facets(db, "dijaspora")
    assert dict(facets["sources"]) == {"vesti-dana": 1, "beogradski-glasnik": 1, "novi-pogled": 2}
    assert dict(facets["groups"]) == {"domestic": 2, "diaspora": 2}
    assert dict(facets["languages"]) == {"sr": 4}
    assert dict(facets["topics"]) == {"diaspora_organizations": 2, "voting_abroad": 1}
    assert dict(facets["regions"]) == {"europe_russia": 3, "overseas_far_east": 1}
    assert dict(facets["office"]) == {"office": 2}
    narrowed = compute_facets(db, "dijaspora", SearchFilters(topics=["voting_abroad"]))
    assert dict(narrowed["sources"]) == {"beogradski-glasnik": 1}


def test_export_iterates_everything_newest_first(seeded):
    db, ids = seeded
    hits = list(iter_all(db, "", chunk=2))
    assert len(hits) == len(ARTICLES)
    assert [h.published for h in hits] == sorted((h.published for h in hits), reverse=True)
    assert {h.id for h in iter_all(db, "dijaspora", chunk=2)} == {ids[k] for k in found(db, ids, "dijaspora")}


# Highlights ----------------------------------------------------------------------------------------------

def test_highlights_mark_original_cyrillic_and_latin_words(seeded):
    db, ids = seeded
    results = search(db, "dijaspora Beč", per_page=10)
    by_id = {h.id: h for h in results.hits}
    cyr = by_id[ids["uprava_cyr"]]
    assert "<mark>дијаспором</mark>" in cyr.snippet_html and "<mark>Беча</mark>" in cyr.snippet_html
    assert "<mark>дијаспором</mark>" in cyr.title_html
    lat = by_id[ids["glasanje_lat"]]
    assert "<mark>dijaspori</mark>" in lat.snippet_html and "<mark>dijaspore</mark>" in lat.snippet_html
    assert "<mark>Beču</mark>" in lat.title_html
    results = search(db, "ђаци", per_page=10)
    assert "<mark>Đaci</mark>" in results.hits[0].title_html


def test_highlights_are_escaped_and_exclusions_unmarked(seeded):
    db, ids = seeded
    (hit,) = search(db, "znakovi dijaspora -uprava", per_page=10, filters=SearchFilters(sources=["novi-pogled"]),
                    ).hits[:1] or [None]
    assert hit is not None and hit.id == ids["markup_lat"]
    assert "<script>" not in hit.snippet_html and "&lt;script&gt;" in hit.snippet_html
    assert "<b>" not in hit.title_html and "&lt;b&gt;" in hit.title_html and "&amp;" in hit.title_html
    keys, _ = query_terms(parse_query("dijaspora -uprava").ast)
    assert "uprav" not in keys


def test_snippet_picks_the_passage_with_the_hits():
    text = " ".join(["reč"] * 100) + " Srbima u dijaspori " + " ".join(["kraj"] * 100)
    (fragment, *_) = snippet(text, frozenset({stem("dijaspora"), stem("Srbi")}))
    html = fragment.html()
    assert "<mark>dijaspori</mark>" in html and "<mark>Srbima</mark>" in html
    assert fragment.cut_before and fragment.cut_after


# Lucene's Serbian analyzer as the reference ----------------------------------------------------------

# Pairs that Lucene's SerbianAnalyzer (lowercase → Snowball Serbian → SerbianNormalizationFilter) conflates,
# and that ours must conflate too; the last rows are where folding before stemming does better than Lucene
# (typed without diacritics), see docs/search.md.
CONFLATED = [
    ("дијаспора", "dijaspora"), ("дијаспором", "dijaspori"), ("Управа", "upravi"), ("Србима", "Srbi"),
    ("Ђорђе", "Djordje"), ("đak", "djak"), ("Чачак", "Cacak"), ("Beograd", "БЕОГРАД"), ("Љубљана", "Ljubljana"),
    ("Његош", "Njegos"), ("џамија", "dzamija"), ("ćerka", "cerka"), ("ћерку", "cerku"), ("šolja", "solja"),
]


@pytest.mark.parametrize("a,b", CONFLATED)
def test_keys_conflate_like_or_better_than_lucene(a, b):
    assert stem(a) == stem(b)


def test_snippets_from_stored_keys_equal_snippets_from_tokenising():
    from nlp.normalize import normalize_text

    text = ("Управа за сарадњу с дијаспором и Србима у региону. " * 3 + "Ђаци у Чикагу и Бечу. " * 5
            + " Srbi u dijaspori, Đorđe i ъ знак. " * 4)
    for query in ("dijaspora", "srb*", "ђаци беч", '"управа за сарадњу"'):
        keys, prefixes = query_terms(parse_query(query).ast)
        slow = [f.html() for f in snippet(text, keys, prefixes)]
        fast = [f.html() for f in snippet(text, keys, prefixes, shadow=normalize_text(text))]
        assert fast == slow and any("<mark>" in f for f in fast), query
    # Stored keys that no longer fit the text are detected, and the text is tokenised instead.
    keys, _ = query_terms(parse_query("dijaspora").ast)
    stale = [f.html() for f in snippet("Nova dijaspora", keys, shadow="stari tekst dijaspor")]
    assert stale == ["Nova <mark>dijaspora</mark>"]


def test_broad_queries_are_ranked_among_their_newest_matches(seeded, monkeypatch):
    import archive.search as search_module

    db, ids = seeded
    monkeypatch.setattr(search_module, "RANK_WINDOW", 2)
    results = search(db, "dijaspora", per_page=10)
    assert results.total == 4 and results.windowed and results.ranked == 2 and results.pages == 1
    # The two newest matches, ranked; sorting by date still pages through everything.
    assert keys_of(results, ids) == {"markup_lat", "glasanje_lat"}
    assert search(db, "dijaspora", sort="date", per_page=10).total == 4
    assert len(search(db, "dijaspora", sort="date", per_page=10).hits) == 4
    assert search(db, "dijaspora", per_page=1, page=3).hits == []


@pytest.mark.parametrize("cap", [3, 100])
def test_ranking_window_is_the_same_whether_counting_stopped_or_not(seeded, monkeypatch, cap):
    # Past COUNT_CAP SQLite finds the window by walking the date index instead of sorting the matches: both
    # must give the same page, filters included, and the same order as ranking the window in one query.
    import archive.search as search_module

    db, ids = seeded
    monkeypatch.setattr(search_module, "RANK_WINDOW", 2)
    expected = search(db, "dijaspora", per_page=10)
    monkeypatch.setattr(search_module, "COUNT_CAP", cap)
    results = search(db, "dijaspora", per_page=10)
    assert [h.id for h in results.hits] == [h.id for h in expected.hits]
    assert [h.score for h in results.hits] == sorted((h.score for h in results.hits), reverse=True)
    assert keys_of(results, ids) == {"markup_lat", "glasanje_lat"} and results.ranked == 2
    assert results.more == (cap < 4)
    # A filter that every match passes gives the same window; one that drops the newest moves the window.
    filtered = search(db, "dijaspora", SearchFilters(languages=["sr"]), per_page=10)
    assert [h.id for h in filtered.hits] == [h.id for h in expected.hits]
    older = search(db, "dijaspora", SearchFilters(sources=["vesti-dana", "novi-pogled"]), per_page=10)
    assert older.ranked == 2 and len(older.hits) == 2
    assert all(h.source_id in ("vesti-dana", "novi-pogled") for h in older.hits)
    assert search(db, "dijaspora", per_page=1, page=2).hits[0].id == expected.hits[1].id


def test_search_command_prints_json_lines(tmp_path, monkeypatch):
    from click.testing import CliRunner

    from archive import open_archive
    from odjek.cli import main

    url = f"sqlite:///{tmp_path / 'a.db'}"
    monkeypatch.setenv("ODJEK_DATABASE_URL", url)
    db = open_archive(url)
    ids = seed(db)
    runner = CliRunner()
    result = runner.invoke(main, ["search", "дијаспора", "--topic", "voting_abroad", "--json"])
    assert result.exit_code == 0, result.output
    (line,) = [json.loads(x) for x in result.stdout.splitlines()]
    assert line["url"] == "https://example.org/glasanje_lat" and line["source"] == "beogradski-glasnik"
    assert set(line) >= {"url", "title", "published", "source", "language", "labels", "score", "snippet"}
    assert "voting_abroad" in line["labels"] and "[dijaspori]" in line["snippet"]
    result = runner.invoke(main, ["search", "dijaspora", "--limit", "2", "--sort", "date", "--json"])
    assert [json.loads(x)["url"] for x in result.stdout.splitlines()] == [
        "https://example.org/markup_lat", "https://example.org/glasanje_lat"]
    result = runner.invoke(main, ["search", "nepostojećareč", "--json"])
    assert result.exit_code == 0 and result.stdout == ""
    result = runner.invoke(main, ["search", '"dijaspora', "--json"])
    assert result.exit_code == 0 and "plain words" in result.stderr
    assert runner.invoke(main, ["search", "x", "--from", "juče"]).exit_code == 2
    assert ids


def test_counts_stop_at_the_cap(seeded, monkeypatch):
    import archive.search as search_module

    db, ids = seeded
    monkeypatch.setattr(search_module, "COUNT_CAP", 3)
    results = search(db, "dijaspora", sort="date", per_page=10)
    assert results.total == 3 and results.more and len(results.hits) == 4
    exact = search(db, "Beč", per_page=10)
    assert exact.total == 2 and not exact.more
    assert len(list(iter_all(db, "dijaspora"))) == 4  # export is never capped

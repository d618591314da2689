"""Configuration files are validated where they enter, and every problem names file, line and field."""

from pathlib import Path

import pytest

from schemas.config import ConfigError, load_people, load_sources
from tests.conftest import REPO_ROOT


def test_production_sources_cover_every_group_with_at_least_forty_outlets():
    sources = load_sources(REPO_ROOT / "config" / "sources.yaml")
    assert len(sources) >= 40
    assert {s.group.value for s in sources} == {"domestic", "regional", "diaspora", "foreign"}
    assert {"en", "de", "ru"} <= {lang for s in sources for lang in s.languages}
    assert {"RS", "ME", "BA", "HR", "MK", "XK"} <= {s.country for s in sources}


def test_people_file_names_the_director_in_both_scripts():
    people = load_people(REPO_ROOT / "config" / "people.yaml")
    director = next(p for p in people if p.current)
    names = " ".join([director.name, *director.aliases])
    assert "Kokanović" in names and "Кокановић" in names and "Kokanovic" in names
    former = " ".join(name for p in people if not p.current for name in p.names)
    assert "Gouillon" in former and "Гујон" in former and "Gujon" in former


def test_broken_yaml_is_reported_with_file_and_line(tmp_path: Path):
    path = tmp_path / "sources.yaml"
    path.write_text("sources:\n  - id: a\n    name: [unclosed\n    country: RS\n", encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_sources(path)
    (problem,) = info.value.problems
    assert problem.startswith(f"{path}:")
    assert "invalid YAML" in problem
    line = int(problem.split(":")[1])
    assert line in {4, 5}


def test_invalid_fields_are_reported_with_their_own_lines(tmp_path: Path):
    path = tmp_path / "sources.yaml"
    path.write_text(
        "sources:\n"
        "  - id: good\n    name: Good\n    country: RS\n    languages: [sr]\n    group: domestic\n"
        "    feeds: [http://127.0.0.1/feed]\n"
        "  - id: Bad Id\n    name: Bad\n    country: Serbia\n    languages: [xx]\n    group: local\n"
        "    feeds: [ftp://nowhere]\n",
        encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_sources(path)
    problems = "\n".join(info.value.problems)
    assert f"{path}:8: sources.1.id" in problems
    assert f"{path}:10: sources.1.country" in problems
    assert f"{path}:11: sources.1.languages" in problems
    assert f"{path}:12: sources.1.group" in problems
    assert f"{path}:13: sources.1.feeds" in problems
    assert "sources.0" not in problems


def test_duplicate_ids_and_sources_without_a_way_in_are_refused(tmp_path: Path):
    path = tmp_path / "sources.yaml"
    path.write_text(
        "sources:\n"
        "  - {id: a, name: A, country: RS, languages: [sr], group: domestic, feeds: ['http://127.0.0.1/f']}\n"
        "  - {id: a, name: A2, country: RS, languages: [sr], group: domestic, feeds: ['http://127.0.0.1/g']}\n"
        "  - {id: b, name: B, country: RS, languages: [sr], group: domestic}\n",
        encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_sources(path)
    problems = "\n".join(info.value.problems)
    assert ":4: sources.2" in problems and "at least one of feeds" in problems


def test_every_production_url_has_evidence_or_an_unverified_mark_and_a_checked_date():
    sources = load_sources(REPO_ROOT / "config" / "sources.yaml")
    for source in sources:
        assert source.checked is not None, source.id
        assert source.evidence_gaps() == [], source.id
        assert source.fallbacks, f"{source.id}: no fallback path"
    evidenced = [s for s in sources if any(e.url in s.crawl_urls for e in s.evidence)]
    assert len(evidenced) >= 15
    for source in sources:
        for item in source.evidence:
            assert item.ref.startswith(("https://", "http://", "github:")), (source.id, item.ref)


def test_contradicted_entries_are_fixed_per_issue_19():
    by_id = {s.id: s for s in load_sources(REPO_ROOT / "config" / "sources.yaml")}
    assert by_id["rts"].feeds == ["https://www.rts.rs/vesti/rss.html"]
    assert by_id["rts-latinica"].feeds == ["https://www.rts.rs/lat/vesti/rss.html"]
    assert all("/story/" not in s.link_pattern for src in by_id.values() for s in src.sections)
    assert "https://www.novosti.rs/rss" not in by_id["novosti"].crawl_urls
    assert "https://www.novosti.rs/sitemaps/xml/news" in by_id["novosti"].crawl_urls
    assert "https://www.nezavisne.com/rss" not in by_id["nezavisne"].crawl_urls
    assert by_id["beta"].feeds == ["https://beta.rs/rss"]
    assert by_id["tanjug"].sitemaps == ["https://www.tanjug.rs/sitemap/news.xml"]
    assert "rfi-sr" not in by_id
    assert by_id["radio-kim"].feeds == ["https://www.radiokim.net/feed/"] and "kim-radio" not in by_id
    assert by_id["vreme"].feeds == ["https://vreme.com/feed"]
    for outlet in ("politika", "cdm", "novosti-hr", "hina"):
        assert by_id[outlet].access, outlet


def test_production_ways_in_run_feeds_then_sitemaps_then_sections_then_google_news():
    # Issue 19's order, in data: feed(s) → news sitemap → section pages → a Google News query for the outlet.
    rank = {"feeds": 0, "sitemaps": 1, "sections": 2, "google_news": 3}
    for source in load_sources(REPO_ROOT / "config" / "sources.yaml"):
        kinds = [k for k in ("feeds", "sitemaps", "sections") if getattr(source, k)]
        kinds += [f.kind for f in source.fallbacks]
        order = [rank[k] for k in kinds]
        assert order == sorted(order), (source.id, kinds)
        assert kinds[-1] == "google_news" and kinds.count("google_news") == 1, (source.id, kinds)
        assert source.homepage or isinstance(source.fallbacks[-1].google_news, str), source.id


def test_at_least_twenty_missing_outlets_are_added_with_evidence():
    by_id = {s.id: s for s in load_sources(REPO_ROOT / "config" / "sources.yaml")}
    added = {"kosovo-online", "radio-mitrovica-sever", "radio-kontakt-plus", "srpskainfo", "atv", "srpske-novine-cg",
             "svetigora", "borba-me", "srpska-zajednica-mk", "snn-hu", "szerb-hu", "rasejanje", "sbs-serbian",
             "srpska-dijaspora-info", "ogledalo-srpsko", "dijaspora-na-vezi", "telegraf", "mondo", "srbija-danas",
             "insajder", "juzne-vesti", "krik", "informer", "alo"}
    assert added <= set(by_id)
    assert len([i for i in added if by_id[i].evidence]) >= 20
    # The rest are kept, but only marked: nothing guessed silently.
    assert all(by_id[i].unverified_urls() for i in added if not by_id[i].evidence)


def test_unevidenced_urls_must_be_marked_and_evidence_must_name_configured_urls(tmp_path: Path):
    path = tmp_path / "sources.yaml"
    path.write_text(
        "sources:\n"
        "  - {id: a, name: A, country: RS, languages: [sr], group: domestic, feeds: ['https://a.example/feed'],\n"
        "     evidence: [{url: 'https://a.example/other', ref: 'https://copy.example/a', seen: 2026-03-01}]}\n",
        encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_sources(path)
    assert "evidence for URL(s) this source does not configure" in "\n".join(info.value.problems)
    path.write_text(
        "sources:\n"
        "  - {id: a, name: A, country: RS, languages: [sr], group: domestic, feeds: ['https://a.example/feed'],\n"
        "     fallbacks: [{sitemaps: ['https://a.example/news.xml']}, {google_news: true}],\n"
        "     evidence: [{url: 'https://a.example/feed', ref: 'https://copy.example/a', seen: 2026-03-01}]}\n",
        encoding="utf-8")
    (source,) = load_sources(path)
    assert source.evidence_gaps() == ["https://a.example/news.xml"] and source.unverified_urls() == []
    assert source.model_copy(update={"unverified": True}).unverified_urls() == ["https://a.example/news.xml"]

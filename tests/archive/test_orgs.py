"""The organisations registry in the archive: import (validated, all or nothing), export, links, relinking."""

from __future__ import annotations

import json
from pathlib import Path

import openpyxl
import pytest

from archive.imports import import_lines
from archive.orgs import (
    RegistryFileError,
    candidate_articles,
    export_csv,
    export_xlsx,
    import_orgs,
    list_orgs,
    org_mentions_for,
    read_rows,
    registry_changes,
    relink,
)

SAMPLE_REGISTRY = Path(__file__).resolve().parents[2] / "sampleweb" / "orgs.csv"
HEADER = "id,name,names,short_names,country,city,city_names,type,website,registry_number\n"


def _write(tmp_path: Path, text: str, name: str = "orgs.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _seed_articles(db, texts: list[tuple[str, str, str]]) -> list[int]:
    lines = [json.dumps({"url": f"https://example.org/{i}", "title": title, "text": text,
                         "published": f"2026-03-{10 + i:02d}T09:00:00+01:00", "source": "vesti-dana",
                         "language": language}) for i, (title, text, language) in enumerate(texts)]
    report = import_lines(db, lines)
    assert report.imported == len(texts), report.rejected
    return report.article_ids


def test_sample_registry_imports_every_entry_with_all_fields(archive):
    report = import_orgs(archive, read_rows(SAMPLE_REGISTRY))
    assert not report.errors and len(report.added) == 9
    orgs = {o.id: o for o in list_orgs(archive)}
    ssu = orgs["ssu-stajerske"]
    assert ssu.names == ("Савез српских удружења Штајерске", "Verband serbischer Vereine der Steiermark")
    assert ssu.short_names == ("SSUŠ",) and ssu.country == "AT" and ssu.city == "Grac"
    assert ssu.city_names == ("Graz", "Štajerska", "Steiermark") and ssu.type == "federation"
    assert ssu.website == "https://ssus.example.org" and ssu.registry_number == "ZVR-100234"
    again = import_orgs(archive, read_rows(SAMPLE_REGISTRY))
    assert again.unchanged == 9 and not again.added and not again.changed


def test_bad_rows_are_each_reported_by_line_and_nothing_is_imported(archive, tmp_path):
    path = _write(tmp_path, HEADER
                  + "good-one,Klub Dobri,,,AT,Beč,,club,,\n"
                  + "Bad Id,Klub,,,AT,Beč,,club,,\n"
                  + "\n"
                  + "no-country,Klub Drugi,,,Austria,Beč,,club,,\n"
                  + "bad-type,Klub Treći,,,AT,Beč,,pub,,\n"
                  + "good-one,Klub Dupli,,,AT,Beč,,club,ftp://x,\n")
    report = import_orgs(archive, read_rows(path))
    lines = [n for n, _ in report.errors]
    assert lines == [3, 5, 6, 7]
    reasons = dict(report.errors)
    assert "id" in reasons[3] and "country" in reasons[5] and "type" in reasons[6]
    assert "website" in reasons[7]
    assert list_orgs(archive) == []  # one bad row: nothing written, not even the good one


def test_duplicate_id_is_reported_with_the_first_line(archive, tmp_path):
    path = _write(tmp_path, HEADER + "klub-a,Klub A,,,AT,Beč,,club,,\nklub-a,Klub B,,,AT,Linc,,club,,\n")
    report = import_orgs(archive, read_rows(path))
    assert report.errors == [(3, "id 'klub-a' is already on line 2")]


def test_unreadable_files_fail_with_one_line(tmp_path):
    with pytest.raises(RegistryFileError, match="missing column"):
        read_rows(_write(tmp_path, "id,name\nx,y\n"))
    with pytest.raises(RegistryFileError, match="unknown column"):
        read_rows(_write(tmp_path, HEADER.strip() + ",colour\n"))
    with pytest.raises(RegistryFileError, match=".csv or .xlsx"):
        read_rows(_write(tmp_path, HEADER, "orgs.txt"))
    with pytest.raises(RegistryFileError, match="XLSX"):
        read_rows(_write(tmp_path, "not a zip", "orgs.xlsx"))


def test_export_round_trips_through_csv_and_xlsx(archive, tmp_path):
    import_orgs(archive, read_rows(SAMPLE_REGISTRY))
    orgs = list_orgs(archive)
    csv_path = _write(tmp_path, export_csv(orgs), "export.csv")
    xlsx_path = tmp_path / "export.xlsx"
    export_xlsx(orgs, xlsx_path)
    for path in (csv_path, xlsx_path):
        from archive.orgs import validate_rows

        again, errors = validate_rows(read_rows(path))
        assert not errors and again == orgs
    sheet = openpyxl.load_workbook(xlsx_path).active
    assert [c.value for c in sheet[1]][:3] == ["id", "name", "names"]


def test_replace_removes_entries_the_file_does_not_list(archive, tmp_path):
    import_orgs(archive, read_rows(SAMPLE_REGISTRY))
    path = _write(tmp_path, HEADER + "klub-a,Klub A,,,AT,Beč,,club,,\n")
    report = import_orgs(archive, read_rows(path), replace=True)
    assert report.added == ["klub-a"] and len(report.removed) == 9
    assert [o.id for o in list_orgs(archive)] == ["klub-a"]


def test_relink_is_incremental_and_follows_registry_changes(archive, tmp_path):
    ids = _seed_articles(archive, [
        ("Jubilej u Beču", "Srpsko kulturno društvo „Vidovdanski venac“ iz Beča proslavilo je jubilej.", "sr"),
        ("Piknik", "Zajednica Srba Bavarske poziva na piknik.", "sr"),
        ("Vreme", "Sutra sunčano, temperatura do 25 stepeni.", "sr"),
        ("Novi klub", "Klub „Sloga“ iz Salcburga otvorio je nove prostorije.", "sr"),
    ])
    import_orgs(archive, read_rows(SAMPLE_REGISTRY))
    first = relink(archive)
    assert first["articles"] == 2  # only the two articles holding words of registry names were read
    links = org_mentions_for(archive, ids)
    assert {m.org_id for m in links[ids[0]]} == {"vidovdanski-venac-bec"}
    assert {m.org_id for m in links[ids[1]]} == {"zajednica-srba-bavarske"}
    mention = links[ids[0]][0]
    assert mention.text == "Srpsko kulturno društvo „Vidovdanski venac“"
    assert mention.sentence.startswith("Srpsko kulturno društvo")
    assert not registry_changes(archive)  # nothing changed since
    assert relink(archive)["articles"] == 0

    # A new entry: only the article with its words is relinked, and it is linked.
    path = _write(tmp_path, HEADER + "sloga-salcburg,Klub „Sloga“,,,AT,Salcburg,Salzburg,club,,\n")
    import_orgs(archive, read_rows(path))
    change = registry_changes(archive)
    assert change.changed == ("sloga-salcburg",)
    assert candidate_articles(archive, change) == [ids[3]]
    assert relink(archive)["articles"] == 1
    assert [m.org_id for m in org_mentions_for(archive, [ids[3]])[ids[3]]] == ["sloga-salcburg"]

    # The Vienna entry moves to Linz: the Vienna article's link goes, the others stay.
    moved = _write(tmp_path, (HEADER + "vidovdanski-venac-bec,Srpsko kulturno društvo „Vidovdanski venac“,,,"
                              "AT,Linc,Linz,association,,\n"))
    import_orgs(archive, read_rows(moved))
    report = relink(archive)
    assert report["changed"] == ["vidovdanski-venac-bec"] and report["articles"] == 1
    links = org_mentions_for(archive, ids)
    assert ids[0] not in links
    assert {m.org_id for m in links[ids[1]]} == {"zajednica-srba-bavarske"}
    assert {m.org_id for m in links[ids[3]]} == {"sloga-salcburg"}


def test_search_filter_and_facet_by_organisation_on_both_stores(archive):
    from archive.search import SearchFilters, compute_facets, search

    ids = _seed_articles(archive, [
        ("Kampovi", "Zajednica Srba Bavarske organizuje kampove za decu iz dijaspore.", "sr"),
        ("Jubilej", "Srpsko kulturno društvo „Vidovdanski venac“ iz Beča slavi jubilej u dijaspori.", "sr"),
        ("Dijaspora", "Udruženja iz dijaspore traže škole.", "sr"),
    ])
    import_orgs(archive, read_rows(SAMPLE_REGISTRY))
    relink(archive)
    found = search(archive, "dijaspora", SearchFilters(orgs=["zajednica-srba-bavarske"]))
    assert [h.id for h in found.hits] == [ids[0]]
    facets = compute_facets(archive, "dijaspora")
    assert dict(facets["orgs"]) == {"zajednica-srba-bavarske": 1, "vidovdanski-venac-bec": 1}
    assert SearchFilters.from_dict(SearchFilters(orgs=["x"]).to_dict()).orgs == ["x"]

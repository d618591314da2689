"""The tag stage links registered organisations: offsets into the tagged document, look-alikes left out."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from odjek.cli import main

SAMPLE_REGISTRY = Path(__file__).resolve().parents[2] / "sampleweb" / "orgs.csv"
ARTICLES = [
    ("Jubilej u Beču", "Srpsko kulturno društvo „Vidovdanski venac“ iz Beča proslavilo je jubilej.",
     {"vidovdanski-venac-bec"}),
    ("Гости из Линца", "Наступило је и друштво „Видовдански венац“ из Линца.", set()),
    ("Школа", "Савезу српских удружења Штајерске придружила се још једна школа. SSUŠ је задовољан.",
     {"ssu-stajerske"}),
]


def test_tag_stage_links_registry_names_with_offsets(tmp_path, monkeypatch):
    monkeypatch.setenv("ODJEK_DATA_DIR", str(tmp_path / "var"))
    monkeypatch.delenv("ODJEK_DATABASE_URL", raising=False)
    sources = tmp_path / "sources.yaml"
    sources.write_text("sources:\n  - {id: vesti, name: Vesti, country: AT, languages: [sr], group: diaspora,"
                       " feeds: ['http://127.0.0.1:9/feed']}\n", encoding="utf-8")
    monkeypatch.setenv("ODJEK_SOURCES_FILE", str(sources))
    lines = tmp_path / "articles.jsonl"
    lines.write_text("\n".join(json.dumps({"url": f"http://127.0.0.1/o/{i}", "title": title, "text": text,
                                           "published": "2026-03-16T09:00:00+01:00", "source": "vesti",
                                           "language": "sr"}, ensure_ascii=False)
                               for i, (title, text, _) in enumerate(ARTICLES)), encoding="utf-8")
    runner = CliRunner()
    assert runner.invoke(main, ["orgs", "import", str(SAMPLE_REGISTRY)]).exit_code == 0
    assert runner.invoke(main, ["import", str(lines)]).exit_code == 0
    result = runner.invoke(main, ["run", "--stage", "tag"])
    assert result.exit_code == 0, result.output

    from archive import open_archive
    from odjek.context import settings_from_env

    db = open_archive(settings_from_env().resolved_database_url)
    rows = db.query("SELECT a.url, a.title, a.text, m.org_id, m.start_offset, m.end_offset, m.text AS matched,"
                    " m.sentence FROM articles a LEFT JOIN org_mentions m ON m.article_id = a.id ORDER BY a.url")
    by_url: dict[str, set[str]] = {}
    for r in rows:
        by_url.setdefault(r["url"], set())
        if r["org_id"]:
            by_url[r["url"]].add(r["org_id"])
            document = f"{r['title']}\n\n{r['text']}"
            assert document[r["start_offset"]:r["end_offset"]] == r["matched"]
            assert r["matched"] in r["sentence"]
    assert [by_url[f"http://127.0.0.1/o/{i}"] for i in range(len(ARTICLES))] == [a[2] for a in ARTICLES]
    assert db.scalar("SELECT COUNT(*) FROM frontier WHERE state = 'tagged'") == len(ARTICLES)
    db.close()

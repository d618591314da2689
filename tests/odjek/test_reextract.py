"""odjek reextract: extraction runs again from stored raw pages, replacing rather than adding articles."""

import datetime as dt
import json

from click.testing import CliRunner

from archive import frontier, open_archive
from archive.articles import record_fetched
from odjek.cli import main
from schemas.records import DiscoveredUrl, FrontierState, RawPage

PAGE = """<!doctype html><html lang="sr"><head><meta charset="utf-8"><title>{title}</title></head><body>
<nav><a href="/">Почетна</a> <a href="/drustvo">Друштво</a></nav>
<article><h1>{title}</h1><p>{body}</p><p>Управа за сарадњу с дијаспором и Србима у региону организовала је
трибину о положају српске заједнице, а представници удружења из дијаспоре говорили су о школама и језику.</p>
<p>Скуп је окупио више од стотину учесника из осам земаља, а следећи је заказан за јесен.</p></article>
<footer>Сва права задржана</footer></body></html>"""


def _fetched_archive(tmp_path, monkeypatch):
    monkeypatch.setenv("ODJEK_DATA_DIR", str(tmp_path / "var"))
    monkeypatch.delenv("ODJEK_DATABASE_URL", raising=False)
    sources = tmp_path / "sources.yaml"
    sources.write_text("sources:\n"
                       "  - {id: one, name: One, country: RS, languages: [sr], group: domestic,"
                       " feeds: ['http://127.0.0.1:9/f']}\n"
                       "  - {id: two, name: Two, country: RS, languages: [sr], group: domestic,"
                       " feeds: ['http://127.0.0.2:9/f']}\n", encoding="utf-8")
    monkeypatch.setenv("ODJEK_SOURCES_FILE", str(sources))
    db = open_archive(f"sqlite:///{tmp_path / 'var' / 'odjek.db'}")
    for source, host in (("one", "127.0.0.1"), ("two", "127.0.0.2")):
        frontier.add_urls(db, [DiscoveredUrl(f"http://{host}/vest/{i}", source, "feed") for i in range(3)])
    for entry in frontier.claim(db, FrontierState.NEW, 10, "t"):
        html = PAGE.format(title=f"Вест {entry.id}", body=f"Прва реченица вести број {entry.id} о дијаспори.")
        record_fetched(db, entry, RawPage(entry.id, entry.url, 200, {"content-type": "text/html; charset=utf-8"},
                                          html.encode(), dt.datetime(2026, 3, 16, 9, tzinfo=dt.UTC)), "t")
    return db


def test_reextract_is_idempotent_and_filters_by_source(tmp_path, monkeypatch):
    db = _fetched_archive(tmp_path, monkeypatch)
    runner = CliRunner()
    assert runner.invoke(main, ["run", "--stage", "extract"]).exit_code == 0
    before = db.query("SELECT id, frontier_id, title, text FROM articles ORDER BY id")
    assert len(before) == 6 and all("дијаспор" in row["text"] for row in before)

    result = runner.invoke(main, ["reextract", "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output.splitlines()[-1])["selected"] == 6
    assert db.query("SELECT id, frontier_id, title, text FROM articles ORDER BY id") == before

    only_two = runner.invoke(main, ["reextract", "--source", "two", "--json"])
    assert json.loads(only_two.output.splitlines()[-1])["selected"] == 3
    later = runner.invoke(main, ["reextract", "--since", "2026-03-17", "--json"])
    assert json.loads(later.output.splitlines()[-1])["selected"] == 0
    assert frontier.counts_by_state(db) == {"extracted": 6}


def test_feed_time_refines_a_page_date_without_time():
    import datetime as dt

    from odjek.stages.extract import best_published

    midnight_local = dt.datetime(2026, 3, 15, 23, 0, tzinfo=dt.UTC)  # 16 March 00:00 in Belgrade
    assert best_published(midnight_local, "2026-03-16T08:30:00+00:00", "Europe/Belgrade") == \
        dt.datetime(2026, 3, 16, 8, 30, tzinfo=dt.UTC)
    precise = dt.datetime(2026, 3, 16, 7, 5, tzinfo=dt.UTC)
    assert best_published(precise, "2026-03-16T08:30:00+00:00", "Europe/Belgrade") == precise
    assert best_published(None, "2026-03-16T08:30:00+00:00", "Europe/Belgrade").hour == 8
    assert best_published(midnight_local, "2026-03-01T08:30:00+00:00", "Europe/Belgrade") == midnight_local
    assert best_published(precise, None, "Europe/Belgrade") == precise


def test_an_unexpected_extraction_error_is_retryable_and_reextract_retries_failed_pages(tmp_path, monkeypatch):
    import odjek.stages.extract as stage

    db = _fetched_archive(tmp_path, monkeypatch)
    real_extract_entry = stage.extract_entry
    broken = {1, 4}

    def flaky(ctx, entry):
        if entry.id in broken:
            raise OSError("database connection lost while reading the page")
        return real_extract_entry(ctx, entry)

    monkeypatch.setattr(stage, "extract_entry", flaky)
    monkeypatch.setenv("ODJEK_MAX_ATTEMPTS", "2")
    runner = CliRunner()
    assert runner.invoke(main, ["run", "--stage", "extract"]).exit_code == 0
    rows = {r["id"]: r for r in db.query("SELECT id, state, attempts, last_error, next_attempt_at FROM frontier")}
    # Not failed for good: back in `fetched` with a backoff, the reason kept.
    assert all(rows[i]["state"] == "fetched" and rows[i]["next_attempt_at"] for i in broken)
    assert rows[1]["last_error"] == "extraction error: OSError: database connection lost while reading the page"
    db.query("UPDATE frontier SET next_attempt_at = NULL")
    runner.invoke(main, ["run", "--stage", "extract"])  # second attempt fails too: now failed (MAX_ATTEMPTS 2)
    assert {r["state"] for r in db.query("SELECT state FROM frontier WHERE id IN (1, 4)")} == {"failed"}

    broken.clear()  # the cause is gone (a fixed release, the database back)
    result = runner.invoke(main, ["reextract", "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output.splitlines()[-1])["selected"] == 6
    assert frontier.counts_by_state(db) == {"extracted": 6}
    assert db.scalar("SELECT COUNT(*) FROM articles") == 6

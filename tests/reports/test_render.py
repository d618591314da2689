"""Rendering: section order, scripts, escaping, the PDF's text, page numbers, fonts, and the asset-only fetcher."""

import http.server
import re
import shutil
import subprocess
import threading

import pytest

from odjek.settings import Settings
from reports.assemble import assemble
from reports.digest import render_digest
from reports.i18n import t
from reports.periods import daily_period
from reports.render import DAILY_SECTIONS, SECTIONS, asset_fetcher, render_html, render_pdf, safe_href
from tests.conftest import REPO_ROOT, require
from tests.reports.fixture_archive import DAY, DIRECTOR_SENTENCE, OFFICE_SENTENCE, TZ, build_archive, in_days, relevant


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    """A daily (Cyrillic and Latin) and a weekly digest rendered once from the fixed archive (SQLite)."""
    from archive import open_archive

    base = tmp_path_factory.mktemp("digests")
    db = open_archive(f"sqlite:///{base / 'archive.db'}")
    ids = build_archive(db)
    settings = Settings.from_mapping({"data_dir": str(base)})
    runs = {"daily": render_digest(settings, db, "daily", DAY),
            "daily-latn": render_digest(settings, db, "daily", DAY, script="latn"),
            "weekly": render_digest(settings, db, "weekly", DAY)}
    yield {"db": db, "ids": ids, "settings": settings, "runs": runs}
    db.close()


def _html(run) -> str:
    with open(run.html_path, encoding="utf-8") as fh:
        return fh.read()


def _pdftotext(path) -> str:
    require(shutil.which("pdftotext") is not None, "pdftotext is missing (Debian package poppler-utils)")
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True,
                          text=True).stdout


def test_files_are_named_by_kind_period_and_script(rendered):
    runs = rendered["runs"]
    assert runs["daily"].html_path.endswith("digests/daily-2026-03-16-cyrl.html")
    assert runs["daily-latn"].pdf_path.endswith("digests/daily-2026-03-16-latn.pdf")
    assert runs["weekly"].html_path.endswith("digests/weekly-2026-W12-cyrl.html")
    assert runs["daily"].status == "rendered"


def test_sections_in_order_with_the_summary_first(rendered):
    html = _html(rendered["runs"]["daily"])
    positions = [html.index(f'id="sec-{s}"') for s in DAILY_SECTIONS]
    assert positions == sorted(positions)
    headings = re.findall(r"<h2>(.*?)</h2>", html)
    assert headings[:2] == [t("sec_summary", "cyrl"), t("sec_directorate", "cyrl")]
    # The mentioned sentences, with outlets and times, in the Directorate section.
    first = html[html.index('id="sec-directorate"'):html.index('id="sec-topics"')]
    assert "РТС</a> <span class=\"time\">08:15</span>" in first and "Директор Управе <strong>Арно Гујон</strong>" in first


def test_story_shows_its_outlet_count_and_first_outlet(rendered):
    html = _html(rendered["runs"]["daily"])
    section = html[html.index('id="sec-directorate"'):html.index('id="sec-topics"')]
    assert "3 медија</span>" in section
    entry = section[section.index('data-story="c'):]
    entry = entry[:entry.index("</li>")]
    assert re.findall(r'class="outlet"[^>]*>([^<]+)<', entry) == ["РТС", "Политика", "Вијести (Подгорица)"]
    assert "(прво)" in entry


def test_latin_variant_transliterates_labels_headlines_and_outlets_but_not_quotes(rendered):
    html = _html(rendered["runs"]["daily-latn"])
    assert "Uprava i direktor u medijima" in html and "Dnevni pregled medija" in html
    assert "Управа и директор у медијима" not in html
    assert "ponedeljak, 16. marta 2026." in html
    assert "Uprava predstavila program za dopunsku nastavu" in html  # Cyrillic headline in Latin
    assert "Управа представила програм" not in html
    assert ">RTS</a>" in html and ">Nezavisne novine</a>" in html
    assert OFFICE_SENTENCE.split(" представила")[0] in html  # the quoted sentence stays as written
    assert "Serbian diaspora and voting abroad" in html  # English is never transliterated
    assert 'lang="sr-Latn"' in html
    cyrl = _html(rendered["runs"]["daily"])
    assert "Удружења критикују Управу за дијаспору" in cyrl and ">Deutsche Welle</a>" in cyrl


def test_numbers_section_counts_relevant_articles_and_collected_separately(rendered):
    html = _html(rendered["runs"]["daily"])
    today = in_days(DAY, DAY)
    assert re.search(rf'class="total-current">{len([f for f in today if relevant(f)])}<', html)
    assert re.search(rf'class="collected">{len(today)}<', html)
    assert html.count('<img src="data:image/svg+xml;base64,') == 3
    assert _html(rendered["runs"]["weekly"]).count('<img src="data:image/svg+xml;base64,') == 4


def test_weekly_digest_has_a_table_of_contents_after_the_summary(rendered):
    html = _html(rendered["runs"]["weekly"])
    toc = html[html.index('<nav class="toc">'):html.index("</nav>")]
    assert [f"#sec-{s}" for s in SECTIONS] == re.findall(r'href="(#sec-[a-z]+)"', toc)
    assert html.index('id="sec-summary"') < html.index('<nav class="toc">') < html.index('id="sec-critical"')
    assert '<nav class="toc">' not in _html(rendered["runs"]["daily"])


def test_pdf_text_has_cyrillic_headings_sentences_and_page_numbers(rendered):
    text = _pdftotext(rendered["runs"]["daily"].pdf_path)
    flat = " ".join(text.split())
    assert "Управа и директор у медијима" in flat and "Покривеност по темама" in flat
    assert " ".join(OFFICE_SENTENCE.split()) in flat and " ".join(DIRECTOR_SENTENCE.split()) in flat
    pages = int(re.search(r"Pages:\s+(\d+)", subprocess.run(
        ["pdfinfo", rendered["runs"]["daily"].pdf_path], capture_output=True, text=True, check=True).stdout)[1])
    page_texts = [p for p in text.split("\f") if p.strip()]
    assert len(page_texts) == pages
    for number, page_text in enumerate(page_texts, start=1):
        footer = page_text.strip().splitlines()[-1]
        assert re.search(rf"\b{number}\s*/\s*{pages}$", footer), footer  # page number
        assert "понедељак, 16. марта 2026." in footer  # and the period


def test_weekly_pdf_toc_has_page_numbers(rendered):
    text = _pdftotext(rendered["runs"]["weekly"].pdf_path)
    assert re.search(r"Управа и директор у медијима\s*\.+\s*\d+", text)


def test_pdf_embeds_its_fonts(rendered):
    require(shutil.which("pdffonts") is not None, "pdffonts is missing (Debian package poppler-utils)")
    out = subprocess.run(["pdffonts", rendered["runs"]["daily"].pdf_path], capture_output=True, text=True,
                         check=True).stdout
    rows = out.splitlines()[2:]
    assert rows, out
    for row in rows:
        assert re.search(r"\s(yes)\s+(yes|no)\s+(yes|no)\s+\d+\s+\d+$", row), f"font not embedded: {row}"


def test_links_only_to_http_originals():
    assert safe_href("https://rts.example/a") == "https://rts.example/a"
    for bad in ("javascript:alert(1)", " JavaScript:alert(1)", "data:text/html,<b>", "file:///etc/passwd",
                "vbscript:x", "//evil.example/x", "", None):
        assert safe_href(bad) is None


class _Recorder(http.server.BaseHTTPRequestHandler):
    hits: list[str] = []

    def do_GET(self):  # noqa: N802 - http.server API
        self.hits.append(self.path)
        self.send_response(200)
        self.send_header("Content-Type", "text/css")
        self.end_headers()
        self.wfile.write(b"body { color: red }")

    def log_message(self, *args):
        pass


def test_pdf_renderer_fetches_only_bundled_assets(tmp_path):
    server = http.server.HTTPServer(("127.0.0.1", 0), _Recorder)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    secret = tmp_path / "secret.txt"
    secret.write_text("top secret")
    url = f"http://127.0.0.1:{server.server_address[1]}"
    html = (f'<html><head><link rel="stylesheet" href="{url}/x.css"><link rel="stylesheet" href="odjek-asset:digest.css">'
            f'</head><body><img src="file://{secret}"><img src="{url}/i.png"><img src="odjek-asset:../../etc/passwd">'
            f'<object data="{url}/o"></object><p>ok</p></body></html>')
    try:
        fetcher = asset_fetcher({"digest.css": (b"p { color: blue }", "text/css")})
        pdf = render_pdf(html, [], fetcher=fetcher)
    finally:
        server.shutdown()
    assert pdf.startswith(b"%PDF")
    assert _Recorder.hits == []
    assert f"file://{secret}" in fetcher.refused and f"{url}/x.css" in fetcher.refused
    assert "odjek-asset:../../etc/passwd" in fetcher.refused


def test_empty_period_gives_a_short_digest(tmp_path, sqlite_archive):
    build_archive(sqlite_archive)
    digest = assemble(sqlite_archive, daily_period(DAY.replace(year=2025), TZ))
    html = render_html(digest, "cyrl", "web", [])
    assert t("empty", "cyrl") in html and 'id="sec-directorate"' not in html
    pdf = render_pdf(render_html(digest, "cyrl", "pdf", []), [])
    out = tmp_path / "empty.pdf"
    out.write_bytes(pdf)
    assert t("empty", "cyrl") in " ".join(_pdftotext(out).split())


def test_every_section_has_a_template_and_documentation():
    docs = (REPO_ROOT / "docs" / "digests.md").read_text(encoding="utf-8")
    for section in SECTIONS:
        assert (REPO_ROOT / "reports" / "templates" / "sections" / f"{section}.html").exists()
        assert f"`{section}`" in docs, f"section {section} is not described in docs/digests.md"

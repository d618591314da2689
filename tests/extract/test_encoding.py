"""Decoding stored pages: BOM, valid UTF-8 over a lying declaration, declared charsets, detection."""

from __future__ import annotations

import pytest

from extract.encoding import (
    decode_html,
    header_charset,
    meta_charset,
    normalise_charset,
    utf16_without_bom,
)

CYR = "Управа за сарадњу с дијаспором и Србима у региону, ђак, ћирилица"
LAT = "Uprava za saradnju sa dijasporom - đak, ćirilica, čaša, šuma, žaba"


def html(text: str, charset: str | None) -> str:
    meta = f'<meta charset="{charset}">' if charset else ""
    return f"<html><head>{meta}<title>t</title></head><body><p>{text}</p></body></html>"


@pytest.mark.parametrize("declared", ["windows-1251", "iso-8859-1", "iso-8859-2", "koi8-r", None])
def test_valid_utf8_wins_over_any_declaration(declared):
    page = decode_html(html(CYR, declared).encode("utf-8"))
    assert page.encoding == "utf-8" and CYR in page.text


def test_lying_header_is_ignored_for_utf8_bytes():
    page = decode_html(html(LAT, None).encode("utf-8"), {"Content-Type": "text/html; charset=ISO-8859-1"})
    assert page.encoding == "utf-8" and page.declared == "cp1252" and LAT in page.text


@pytest.mark.parametrize("encoding,text", [("cp1251", CYR), ("cp1250", LAT), ("iso-8859-2", LAT), ("koi8-r", "Россия и Сербия")])
def test_declared_legacy_charset_is_honoured(encoding, text):
    page = decode_html(html(text, encoding).encode(encoding))
    assert page.how == "declared" and text in page.text


def test_header_declaration_comes_before_meta():
    body = html(CYR, "iso-8859-5").encode("cp1251")
    page = decode_html(body, {"content-type": "text/html; charset=windows-1251"})
    assert page.encoding == "cp1251" and CYR in page.text


def test_undeclared_legacy_bytes_are_detected():
    page = decode_html(html(CYR * 5, None).encode("cp1251"))
    assert page.how == "detected" and CYR in page.text


def test_utf8_with_a_stray_byte_stays_utf8():
    body = html(CYR * 3, "windows-1251").encode("utf-8") + b"\xff"
    page = decode_html(body)
    assert page.how == "utf-8-repaired" and CYR in page.text


def test_boms_and_ascii():
    assert decode_html(b"\xef\xbb\xbf" + "čaša".encode()).text == "čaša"
    assert decode_html("\ufeffčaša".encode("utf-16-le")).text == "čaša"
    assert decode_html(b"<p>plain</p>").how == "ascii"
    assert decode_html(b"").text == ""


def test_charset_labels():
    assert normalise_charset("ISO-8859-1") == "cp1252"  # as browsers read it
    assert normalise_charset("Windows-1251") == "cp1251"
    assert normalise_charset("no-such-charset") is None
    assert header_charset({"Content-Type": 'text/html; charset="UTF-8"'}) == "UTF-8"
    assert header_charset({"X": "y"}) is None
    assert meta_charset(b'<meta http-equiv="Content-Type" content="text/html; charset=windows-1250">') == "windows-1250"
    assert meta_charset(b"<?xml version='1.0' encoding='ISO-8859-2'?><html/>") == "ISO-8859-2"


UTF16_PAGE = ('<!doctype html><html lang="sr"><head><meta charset="utf-8"><title>Дијаспора</title></head>'
              "<body><p>Управа за сарадњу с дијаспором и Србима у региону. Šćepan Đurić</p></body></html>")


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be"])
def test_utf16_without_bom_is_read_from_its_zero_bytes_whatever_the_label(codec):
    body = UTF16_PAGE.encode(codec)
    page = decode_html(body, {"Content-Type": "text/html; charset=utf-8"})
    assert (page.text, page.encoding, page.how, page.declared) == (UTF16_PAGE, codec, "utf-16-sniffed", "utf-8")


def test_zero_bytes_alone_do_not_make_utf16():
    # A UTF-8 page with a few stray NULs (a broken CMS) stays UTF-8; so does a binary-looking mess.
    body = UTF16_PAGE.encode("utf-8").replace(b"<p>", b"<p>\x00")
    assert decode_html(body).encoding == "utf-8"
    assert utf16_without_bom(b"\x00" * 64) is None


def test_a_utf16_page_labelled_utf8_is_extracted_and_tagged_as_text_not_mojibake():
    from extract.article import extract_article

    article = "<p>" + " ".join(["Управа за сарадњу с дијаспором и Србима у региону организовала је трибину."] * 5) + "</p>"
    html = UTF16_PAGE.replace("<body>", f"<body><article><h1>Вест о дијаспори</h1>{article}</article>")
    extracted = extract_article(html.encode("utf-16-le"), "https://news.example/vest/123-dijaspora",
                                headers={"content-type": "text/html; charset=utf-8"})
    assert extracted.is_article and "Управа за сарадњу с дијаспором" in extracted.text
    assert "\x00" not in extracted.text and extracted.script == "Cyrl" and extracted.language == "sr"


def test_a_utf16_page_labelled_utf8_is_stored_extracted_and_tagged_right(archive, tmp_path):
    import datetime as dt

    from archive.articles import record_fetched
    from archive.frontier import add_urls, claim
    from odjek.runner import StageContext, run_stages
    from odjek.settings import Settings
    from schemas.records import DiscoveredUrl, FrontierState, RawPage

    story = " ".join(["Управа за сарадњу с дијаспором и Србима у региону организовала је трибину у Бечу."] * 4)
    html = UTF16_PAGE.replace("<body>", f"<body><article><h1>Трибина у Бечу</h1><p>{story}</p></article>")
    add_urls(archive, [DiscoveredUrl("https://news.example/vest/77-tribina", "s", "feed")])
    (entry,) = claim(archive, FrontierState.NEW, 1, "t")
    record_fetched(archive, entry, RawPage(entry.id, entry.url, 200, {"Content-Type": "text/html; charset=utf-8"},
                                           html.encode("utf-16-le"), dt.datetime.now(dt.UTC)), "t")
    ctx = StageContext(settings=Settings.from_mapping({"data_dir": str(tmp_path)}), db=archive, sources=[])
    run_stages(ctx, ["extract", "tag"])
    article = archive.one("SELECT id, title, text FROM articles")
    assert article["title"] == "Трибина у Бечу" and "\x00" not in article["text"]
    mentions = archive.query("SELECT label, text FROM mentions WHERE article_id = ?", (article["id"],))
    # The Directorate is found in the decoded text (mojibake would hold no mention at all).
    office = [m["text"] for m in mentions if m["label"] == "office"]
    assert len(office) == 4 and all(text.startswith("Управ") for text in office)
    assert any(m["label"] == "europe_russia" and m["text"] == "Бечу" for m in mentions)  # Vienna, the region

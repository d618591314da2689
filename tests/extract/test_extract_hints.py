"""Discovery hints in the not-article decision (issue 14): a URL a feed or news sitemap listed is an article
unless the page is clearly an error, a wall, a gallery, a video or a list."""

from __future__ import annotations

import pytest

from archive.frontier import add_urls, claim
from crawlers.sitemaps import parse_sitemap
from extract.article import extract_article
from schemas.records import DiscoveredUrl, FrontierState

BRIEF = ("Управа за сарадњу с дијаспором и Србима у региону најавила је конкурс за удружења из дијаспоре. "
         "Пријаве трају до краја месеца, а резултати ће бити објављени на сајту Управе.")
STORY = " ".join([BRIEF] * 6)  # ~1,100 characters: a short news story


def page(body: str, title: str = "Конкурс за удружења") -> bytes:
    return (f'<!doctype html><html lang="sr"><head><meta charset="utf-8"><title>{title}</title></head>'
            f"<body><nav><a href='/'>Почетна</a></nav>{body}<footer>Сва права задржана</footer></body></html>").encode()


def teasers(n: int) -> str:
    return "".join(f"<article><h2><a href='/vest/{i}'>Наслов вести {i}</a></h2><p>Кратак увод {i}.</p></article>"
                   for i in range(n))


ONE_WORD_SLUG = "https://news.example/konkurs"


def test_a_feed_listed_one_word_slug_with_short_text_is_an_article():
    body = page(f"<main><h1>Конкурс</h1><p>{STORY}</p></main>")
    assert extract_article(body, ONE_WORD_SLUG).not_article_reason == "index_page"  # no hint: looks like a section
    listed = extract_article(body, ONE_WORD_SLUG, listed_as_article=True)
    assert listed.is_article and listed.not_article_reason is None and "конкурс за удружења" in listed.text


def test_a_listed_news_brief_is_not_too_short():
    body = page(f"<article><h1>Конкурс</h1><p>{BRIEF}</p></article>")
    url = "https://news.example/vest/123-konkurs-za-udruzenja"
    assert extract_article(body, url).not_article_reason == "too_short"
    assert extract_article(body, url, listed_as_article=True).is_article


@pytest.mark.parametrize("url, body, reason", [
    ("https://news.example/vest/1-stranica", page("<h1>404 — страница не постоји</h1><p>Вратите се.</p>",
                                                  title="404 Not Found"), "error_page"),
    ("https://news.example/galerija/sabor-u-becu", page("<h1>Сабор у Бечу</h1>" + "<img src='/i.jpg'>" * 12
                                                        + "<p>Фотографије са сабора.</p>"), "gallery"),
    ("https://news.example/video/sabor", page("<h1>Сабор</h1><video src='/v.mp4'></video><p>Снимак.</p>"), "video"),
    ("https://news.example/rubrika/dijaspora", page(f"<main><h1>Дијаспора</h1>{teasers(12)}</main>"), "index_page"),
])
def test_clear_non_articles_stay_non_articles_when_listed(url, body, reason):
    assert extract_article(body, url, listed_as_article=True).not_article_reason == reason


def test_teasers_at_an_article_url_do_not_make_a_listed_story_a_list():
    body = page(f"<main><h1>Конкурс</h1><p>{STORY}</p><aside>{teasers(8)}</aside></main>")
    assert extract_article(body, ONE_WORD_SLUG + "-za-udruzenja-2026", listed_as_article=True).is_article


def test_news_sitemap_entries_carry_the_article_hint_plain_ones_do_not():
    body = b"""<?xml version="1.0"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">
<url><loc>https://news.example/konkurs</loc><news:news><news:publication_date>2026-11-30T09:00:00+01:00</news:publication_date>
<news:title>Konkurs</news:title></news:news></url>
<url><loc>https://news.example/kontakt</loc><lastmod>2026-01-01</lastmod></url></urlset>"""
    entries = parse_sitemap(body, "https://news.example/news-sitemap.xml", "s").entries
    assert [(e.url, e.via) for e in entries] == [("https://news.example/konkurs", "news_sitemap"),
                                                 ("https://news.example/kontakt", "sitemap")]


def test_a_url_seen_on_a_section_page_first_takes_the_feeds_hint(archive):
    url = "https://news.example/konkurs"
    assert add_urls(archive, [DiscoveredUrl(url, "s", "section")]) == 1
    assert add_urls(archive, [DiscoveredUrl(url, "s", "feed")]) == 0  # not new, but now listed as an article
    assert add_urls(archive, [DiscoveredUrl(url, "s", "sitemap")]) == 0  # a weaker hint never replaces it
    (entry,) = claim(archive, FrontierState.NEW, 5, "t")
    assert entry.via == "feed"


def test_the_extract_stage_passes_the_hint(archive):
    import datetime as dt

    from archive.articles import record_fetched
    from odjek.runner import StageContext
    from odjek.settings import Settings
    from odjek.stages.extract import extract_entry
    from schemas.records import RawPage

    add_urls(archive, [DiscoveredUrl(ONE_WORD_SLUG, "s", "feed"),
                       DiscoveredUrl("https://news.example/stipendije", "s", "section")])
    ctx = StageContext(settings=Settings.from_mapping({}), db=archive, sources=[])
    verdicts = {}
    for entry in claim(archive, FrontierState.NEW, 5, "t"):
        body = page(f"<main><h1>Конкурс</h1><p>{STORY}</p></main>", title=f"Вест {entry.id}")
        record_fetched(archive, entry, RawPage(entry.id, entry.url, 200, {}, body, dt.datetime.now(dt.UTC)), "t")
        verdicts[entry.via] = extract_entry(ctx, entry).not_article_reason
    assert verdicts == {"feed": None, "section": "index_page"}


def test_a_story_with_related_teasers_at_an_article_url_is_an_article_even_without_a_hint():
    # Paraphrase of the shape of https://world.kbs.co.kr/service/news_view.htm?lang=e&Seq_Code=181595
    # (realweb): a 1,600-character story followed by 18 teaser <article>s.
    body = page(f"<main><h1>Конкурс</h1><p>{STORY}</p><p>{BRIEF}</p></main><section>{teasers(18)}</section>")
    url = "https://news.example/service/news_view.htm?lang=e&Seq_Code=181595"
    assert extract_article(body, url).is_article
    # A teaser list with little text of its own at such a URL is still a list.
    assert extract_article(page(f"<main>{teasers(18)}</main>"), url).not_article_reason == "index_page"


def test_nul_characters_never_reach_the_text():
    body = page(f"<article><h1>Конкурс\x00</h1><p>{STORY}\x00</p></article>")
    article = extract_article(body, "https://news.example/vest/1-konkurs")
    assert article.is_article and "\x00" not in article.text and "\x00" not in (article.title or "")

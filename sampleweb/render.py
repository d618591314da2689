"""Pure rendering of the sample web: article pages with realistic site chrome, listings, feeds, sitemaps.

Pages carry what real news sites carry around the article (cookie notice, navigation, share buttons,
related links, reader comments, footer) so that boilerplate removal and date extraction are exercised,
and outlets differ in how they state the date (JSON-LD, ``<time>``, ``article:published_time``, text).
"""

from __future__ import annotations

import datetime as dt
import json
import zlib
from dataclasses import dataclass
from email.utils import format_datetime
from html import escape
from xml.sax.saxutils import escape as xml_escape

from nlp.normalize import to_latin
from sampleweb.clock import DEMO_TODAY, demo_datetime
from sampleweb.content import Outlet, SampleArticle

# Site chrome strings per UI locale ("sr-Cyrl", "sr-Latn", "en", "de", "ru").
UI = {
    "sr-Cyrl": {
        "cookie": "Овај сајт користи колачиће да би вам пружио боље искуство. Настављањем прегледања прихватате њихову употребу.",
        "accept": "Прихватам", "home": "Почетна", "share": "Подели", "related": "Повезане вести",
        "comments": "Коментари", "most_read": "Најчитаније", "more": "Прочитајте још", "tags": "Тагови",
        "rights": "Сва права задржана", "contact": "Контакт", "impressum": "Импресум", "terms": "Услови коришћења",
        "next": "Следећа страна", "prev": "Претходна страна", "section": "Рубрика", "ad": "Реклама",
        "latest": "Најновије вести", "newsletter": "Пријавите се на наш билтен",
        "comment_pool": [
            ("Мирослав", "Одличан текст, хвала на информацији."),
            ("Гордана из Крагујевца", "Коначно неко да пише о овоме како треба."),
            ("Петар", "А шта је са обичним људима, о томе нико не пише?"),
            ("Јелена", "Поздрав свима из Штутгарта!"),
            ("Драган", "Све је то лепо на папиру, да видимо у пракси."),
        ],
    },
    "en": {
        "cookie": "We use cookies to improve your experience. By continuing to browse you agree to our use of cookies.",
        "accept": "Accept", "home": "Home", "share": "Share", "related": "Related stories",
        "comments": "Comments", "most_read": "Most read", "more": "Read more", "tags": "Topics",
        "rights": "All rights reserved", "contact": "Contact us", "impressum": "About us", "terms": "Terms of use",
        "next": "Next page", "prev": "Previous page", "section": "Section", "ad": "Advertisement",
        "latest": "Latest news", "newsletter": "Sign up for our Balkans briefing",
        "comment_pool": [
            ("J. Miller", "Thoughtful piece, thank you."),
            ("balkanwatcher", "Would be good to hear from people on the ground too."),
            ("Ana K.", "Greetings from Toronto!"),
            ("Tom", "The usual story. Let's see what actually happens."),
        ],
    },
    "de": {
        "cookie": "Wir verwenden Cookies, um Ihnen ein besseres Nutzungserlebnis zu bieten. Mit der weiteren Nutzung stimmen Sie zu.",
        "accept": "Akzeptieren", "home": "Startseite", "share": "Teilen", "related": "Das könnte Sie auch interessieren",
        "comments": "Kommentare", "most_read": "Meistgelesen", "more": "Lesen Sie auch", "tags": "Themen",
        "rights": "Alle Rechte vorbehalten", "contact": "Kontakt", "impressum": "Impressum", "terms": "Datenschutz",
        "next": "Nächste Seite", "prev": "Vorherige Seite", "section": "Ressort", "ad": "Anzeige",
        "latest": "Aktuelle Nachrichten", "newsletter": "Jetzt den Newsletter abonnieren",
        "comment_pool": [
            ("Hans W.", "Interessanter Artikel, danke."),
            ("Milena_S", "Grüße aus Wien!"),
            ("Leser123", "Mal sehen, was davon wirklich umgesetzt wird."),
        ],
    },
    "ru": {
        "cookie": "Мы используем файлы cookie, чтобы сделать сайт удобнее. Продолжая просмотр, вы соглашаетесь с этим.",
        "accept": "Принять", "home": "Главная", "share": "Поделиться", "related": "Читайте также",
        "comments": "Комментарии", "most_read": "Самое читаемое", "more": "Читайте также", "tags": "Теги",
        "rights": "Все права защищены", "contact": "Контакты", "impressum": "О редакции", "terms": "Правила",
        "next": "Следующая страница", "prev": "Предыдущая страница", "section": "Рубрика", "ad": "Реклама",
        "latest": "Последние новости", "newsletter": "Подпишитесь на рассылку",
        "comment_pool": [
            ("Сергей", "Интересная статья, спасибо."),
            ("Ольга из Казани", "Привет всем из Казани!"),
            ("Андрей", "Посмотрим, что будет на деле."),
        ],
    },
}


def _latin_chrome(strings: dict) -> dict:
    """Serbian Latin chrome derived from the Cyrillic, as the web UI does (one text, two scripts)."""
    return {key: to_latin(value) if isinstance(value, str) else [tuple(map(to_latin, pair)) for pair in value]
            for key, value in strings.items()}


UI["sr-Latn"] = _latin_chrome(UI["sr-Cyrl"])

MONTHS = {
    "sr-Cyrl": ["јануар", "фебруар", "март", "април", "мај", "јун", "јул", "август", "септембар", "октобар", "новембар", "децембар"],
    "sr-Latn": ["januar", "februar", "mart", "april", "maj", "jun", "jul", "avgust", "septembar", "oktobar", "novembar", "decembar"],
    "en": ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"],
    "de": ["Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August", "September", "Oktober", "November", "Dezember"],
    "ru": ["января", "февраля", "марта", "апреля", "мая", "июня", "июля", "августа", "сентября", "октября", "ноября", "декабря"],
}

SECTION_PREFIX = {"en": "/section/", "de": "/ressort/", "ru": "/rubric/"}
PAGE_PARAM = {"en": "page", "de": "seite", "ru": "page"}


def ui_locale(outlet: Outlet) -> str:
    """The chrome locale of an outlet: its first language, with the script for Serbian."""
    lang = outlet.languages[0]
    if lang in ("sr", "cnr"):
        return f"sr-{outlet.scripts[0]}"
    return lang


def html_lang(article: SampleArticle) -> str:
    """The ``lang`` attribute for an article (BCP 47 with script for Serbian)."""
    if article.language in ("sr", "cnr"):
        return f"{article.language}-{article.script}"
    return article.language


def section_url(outlet: Outlet, section: str) -> str:
    """Path of a section (listing) page."""
    return f"{SECTION_PREFIX.get(outlet.languages[0], '/rubrika/')}{section}/"


def page_param(outlet: Outlet) -> str:
    """Query parameter used for listing pagination."""
    return PAGE_PARAM.get(outlet.languages[0], "strana")


def amp_path(path: str) -> str:
    """Path of the AMP variant of an article."""
    return "/amp" + path


def human_date(moment, locale: str) -> str:
    """Visible, localised date and time as news sites print it."""
    if locale == "en":
        return f"{moment.day} {MONTHS['en'][moment.month - 1]} {moment.year}, {moment:%H:%M}"
    if locale == "de":
        return f"{moment.day}. {MONTHS['de'][moment.month - 1]} {moment.year}, {moment:%H:%M} Uhr"
    if locale == "ru":
        return f"{moment.day} {MONTHS['ru'][moment.month - 1]} {moment.year}, {moment:%H:%M}"
    return f"{moment.day:02d}.{moment.month:02d}.{moment.year}. {moment:%H:%M}"


def rfc822(moment) -> str:
    """RFC 822 date for RSS and HTTP headers."""
    return format_datetime(moment)


def pick(seq, key: str, count: int) -> list:
    """Deterministic selection of ``count`` items keyed by a string (same page, same chrome)."""
    if not seq:
        return []
    start = zlib.crc32(key.encode()) % len(seq)
    return [seq[(start + i) % len(seq)] for i in range(min(count, len(seq)))]


# --- HTML pieces ------------------------------------------------------------------------------------


def head(title: str, charset: str, extra: str = "") -> str:
    """The <head> element."""
    return (
        f'<head>\n<meta charset="{escape(charset)}">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{escape(title)}</title>\n"
        '<link rel="stylesheet" href="/static/site.css">\n'
        f"{extra}</head>\n"
    )


def chrome_top(outlet: Outlet, sections: list[tuple[str, str]]) -> str:
    """Cookie notice, masthead and navigation."""
    ui = UI[ui_locale(outlet)]
    nav = "".join(f'<li><a href="{section_url(outlet, slug)}">{escape(name)}</a></li>' for slug, name in sections)
    return (
        f'<div id="cookie-consent" class="cookie-notice"><p>{ui["cookie"]}</p>'
        f'<button type="button">{ui["accept"]}</button></div>\n'
        f'<header class="site-header"><a class="logo" href="/">{escape(outlet.name)}</a>\n'
        f'<nav class="main-nav"><ul><li><a href="/">{ui["home"]}</a></li>{nav}</ul></nav>\n'
        '<form class="search" action="/pretraga/"><input name="q" type="search"></form></header>\n'
    )


def chrome_bottom(outlet: Outlet, most_read: list[SampleArticle]) -> str:
    """Most-read box, newsletter box and footer."""
    ui = UI[ui_locale(outlet)]
    items = "".join(f'<li><a href="{a.url_path}">{escape(a.title)}</a></li>' for a in most_read)
    return (
        f'<aside class="most-read"><h3>{ui["most_read"]}</h3><ol>{items}</ol></aside>\n'
        f'<div class="newsletter"><p>{ui["newsletter"]}</p><input type="email"></div>\n'
        f'<footer class="site-footer"><p>© {DEMO_TODAY.year} {escape(outlet.name)}. {ui["rights"]}.</p>'
        f'<ul><li><a href="/impresum/">{ui["impressum"]}</a></li><li><a href="/kontakt/">{ui["contact"]}</a></li>'
        f'<li><a href="/uslovi/">{ui["terms"]}</a></li></ul></footer>\n'
    )


def date_markup(outlet: Outlet, article: SampleArticle) -> str:
    """The visible date line, as a <time> element or text depending on the outlet."""
    visible = escape(human_date(article.published, ui_locale(outlet)))
    if outlet.dates == "time":
        return f'<time class="published" datetime="{article.published.isoformat()}">{visible}</time>'
    return f'<span class="date">{visible}</span>'


def jsonld(outlet: Outlet, article: SampleArticle, canonical: str) -> str:
    """JSON-LD NewsArticle block."""
    data = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": article.title,
        "datePublished": article.published.isoformat(),
        "dateModified": article.published.isoformat(),
        "inLanguage": html_lang(article),
        "mainEntityOfPage": canonical,
        "articleSection": article.section_name,
        "publisher": {"@type": "Organization", "name": outlet.name},
    }
    if article.author:
        data["author"] = {"@type": "Person", "name": article.author}
    payload = json.dumps(data, ensure_ascii=False).replace("</", "<\\/")
    return f'<script type="application/ld+json">{payload}</script>\n'


def article_head_extra(outlet: Outlet, article: SampleArticle, base: str, feed_path: str | None, amp: bool) -> str:
    """Canonical, AMP, Open Graph, date metadata and feed discovery links for an article page."""
    canonical = article.url(base)
    description = article.lead or article.paragraphs[0][:200]
    parts = [
        f'<link rel="canonical" href="{escape(canonical)}">',
        f'<meta name="description" content="{escape(description)}">',
        '<meta property="og:type" content="article">',
        f'<meta property="og:title" content="{escape(article.title)}">',
        f'<meta property="og:url" content="{escape(canonical)}">',
        f'<meta property="og:site_name" content="{escape(outlet.name)}">',
        f'<meta property="og:description" content="{escape(description)}">',
    ]
    if outlet.feed_links == "amp" and not amp:
        parts.append(f'<link rel="amphtml" href="{escape(base + amp_path(article.url_path))}">')
    if outlet.dates == "meta":
        parts.append(f'<meta property="article:published_time" content="{article.published.isoformat()}">')
    if article.author:
        parts.append(f'<meta name="author" content="{escape(article.author)}">')
    if feed_path:
        kind = "atom+xml" if "atom" in outlet.publishes and "rss" not in outlet.publishes else "rss+xml"
        parts.append(f'<link rel="alternate" type="application/{kind}" href="{escape(feed_path)}">')
    block = "\n".join(parts) + "\n"
    if outlet.dates == "jsonld":
        block += jsonld(outlet, article, canonical)
    return block


def article_body(outlet: Outlet, article: SampleArticle, related: list[SampleArticle]) -> str:
    """Body paragraphs with an in-text 'read more' link and an ad slot, as CMSs inject them."""
    ui = UI[ui_locale(outlet)]
    # The in-text teaser survives generic extraction, so it only links a story with the same
    # office/director ground truth: a correct tagger is then never marked wrong because of it.
    same = [a for a in related if (a.expect.office, a.expect.director) == (article.expect.office, article.expect.director)]
    out = []
    for i, paragraph in enumerate(article.paragraphs):
        out.append(f"<p>{escape(paragraph)}</p>")
        if i == 1 and same:
            out.append(f'<p class="read-more"><strong>{ui["more"]}:</strong> '
                       f'<a href="{same[0].url_path}">{escape(same[0].title)}</a></p>')
        if i == 2:
            out.append(f'<div class="ad-slot" data-ad="inarticle"><span>{ui["ad"]}</span></div>')
    return "\n".join(out)


def comments(outlet: Outlet, article: SampleArticle) -> str:
    """A deterministic handful of reader comments."""
    ui = UI[ui_locale(outlet)]
    chosen = pick(ui["comment_pool"], article.slug, article.number % 4)
    items = "".join(
        f'<div class="comment"><span class="comment-author">{escape(name)}</span><p>{escape(text)}</p></div>'
        for name, text in chosen
    )
    return f'<section class="comments" id="komentari"><h3>{ui["comments"]} ({len(chosen)})</h3>{items}</section>\n'


def share_buttons(outlet: Outlet, canonical: str) -> str:
    """Social share links."""
    ui = UI[ui_locale(outlet)]
    return (
        f'<div class="share"><span>{ui["share"]}:</span> '
        f'<a href="https://www.facebook.com/sharer/sharer.php?u={escape(canonical)}">Facebook</a> '
        f'<a href="https://twitter.com/intent/tweet?url={escape(canonical)}">X</a> '
        f'<a href="whatsapp://send?text={escape(canonical)}">WhatsApp</a> '
        f'<a href="viber://forward?text={escape(canonical)}">Viber</a></div>\n'
    )


def article_page(
    outlet: Outlet,
    article: SampleArticle,
    base: str,
    sections: list[tuple[str, str]],
    related: list[SampleArticle],
    feed_path: str | None,
    charset: str,
    amp: bool = False,
) -> str:
    """A complete article page (or its AMP variant, with rel=canonical back to the article)."""
    ui = UI[ui_locale(outlet)]
    canonical = article.url(base)
    lead = f'<p class="lead">{escape(article.lead)}</p>\n' if article.lead else ""
    author = f'<span class="author">{escape(article.author)}</span> ' if article.author else ""
    related_items = "".join(f'<li><a href="{a.url_path}">{escape(a.title)}</a></li>' for a in related)
    amp_attr = " amp" if amp else ""
    return (
        f'<!DOCTYPE html>\n<html{amp_attr} lang="{html_lang(article)}">\n'
        + head(f"{article.title} | {outlet.name}", charset, article_head_extra(outlet, article, base, feed_path, amp))
        + '<body class="article-page">\n'
        + chrome_top(outlet, sections)
        + '<main class="content">\n<article class="news-article">\n<header class="article-header">\n'
        + f'<a class="section-label" href="{section_url(outlet, article.section)}">{escape(article.section_name)}</a>\n'
        + f"<h1>{escape(article.title)}</h1>\n{lead}"
        + f'<div class="byline">{author}{date_markup(outlet, article)}</div>\n</header>\n'
        + share_buttons(outlet, canonical)
        + f'<div class="article-body">\n{article_body(outlet, article, related)}\n</div>\n'
        + f'<div class="tags">{ui["tags"]}: <a href="{section_url(outlet, article.section)}">{escape(article.section_name)}</a></div>\n'
        + "</article>\n"
        + f'<aside class="related"><h3>{ui["related"]}</h3><ul>{related_items}</ul></aside>\n'
        + comments(outlet, article)
        + "</main>\n"
        + chrome_bottom(outlet, related[1:4])
        + "</body>\n</html>\n"
    )


def listing_page(
    outlet: Outlet,
    title: str,
    articles: list[SampleArticle],
    sections: list[tuple[str, str]],
    charset: str,
    page: int = 1,
    has_next: bool = False,
    path: str = "/",
    dateline: bool = False,
) -> str:
    """A home or section page: teasers linking to articles, with rel=next/prev pagination."""
    ui = UI[ui_locale(outlet)]
    param = page_param(outlet)
    links = ""
    if page > 1:
        prev = path if page == 2 else f"{path}?{param}={page - 1}"
        links += f'<link rel="prev" href="{prev}">\n'
    if has_next:
        links += f'<link rel="next" href="{path}?{param}={page + 1}">\n'
    teasers = "".join(
        f'<div class="teaser"><h2><a href="{a.url_path}">{escape(a.title)}</a></h2>'
        f'<span class="date">{escape(human_date(a.published, ui_locale(outlet)))}</span>'
        f'<p>{escape(a.lead or a.paragraphs[0][:160])}</p></div>\n'
        for a in articles
    )
    pager = '<div class="pager">'
    if page > 1:
        pager += f'<a class="prev" href="{path if page == 2 else f"{path}?{param}={page - 1}"}">{ui["prev"]}</a> '
    if has_next:
        pager += f'<a class="next" rel="next" href="{path}?{param}={page + 1}">{ui["next"]}</a>'
    pager += "</div>\n"
    today = f'<p class="today">{escape(human_date(demo_datetime(0, "06:00"), ui_locale(outlet)))[:-7]}</p>\n' if dateline else ""
    return (
        f'<!DOCTYPE html>\n<html lang="{ui_locale(outlet)}">\n'
        + head(f"{title} | {outlet.name}", charset, links)
        + '<body class="listing">\n'
        + chrome_top(outlet, sections)
        + f'<main class="content">\n{today}<h1>{escape(title)}</h1>\n{teasers}{pager}</main>\n'
        + chrome_bottom(outlet, articles[:3])
        + "</body>\n</html>\n"
    )


# --- feeds and sitemaps -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class FeedItem:
    """One feed entry: the link as published (maybe with tracking parameters or AMP) and its metadata."""

    link: str
    title: str
    published: dt.datetime
    guid: str
    summary: str
    category: str
    author: str | None = None

    @classmethod
    def of(cls, outlet: Outlet, article: SampleArticle, link: str) -> FeedItem:
        """Feed entry for an article."""
        return cls(link=link, title=article.title, published=article.published, guid=f"{outlet.id}-{article.number}",
                   summary=article.lead or article.paragraphs[0], category=article.section_name, author=article.author)


def rss_feed(outlet: Outlet, items: list[FeedItem], base: str, feed_path: str) -> str:
    """RSS 2.0 feed."""
    newest = max((i.published for i in items), default=demo_datetime(0, "06:00"))
    entries = []
    for item in items:
        author = f"<dc:creator>{xml_escape(item.author)}</dc:creator>" if item.author else ""
        entries.append(
            "<item>"
            f"<title>{xml_escape(item.title)}</title>"
            f"<link>{xml_escape(item.link)}</link>"
            f'<guid isPermaLink="false">{xml_escape(item.guid)}</guid>'
            f"<pubDate>{rfc822(item.published)}</pubDate>{author}"
            f"<category>{xml_escape(item.category)}</category>"
            f"<description>{xml_escape(item.summary)}</description>"
            "</item>"
        )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom" xmlns:dc="http://purl.org/dc/elements/1.1/">\n'
        f"<channel><title>{xml_escape(outlet.name)}</title><link>{base}/</link>"
        f"<description>{xml_escape(outlet.name)}</description><language>{outlet.languages[0]}</language>"
        f"<lastBuildDate>{rfc822(newest)}</lastBuildDate>"
        f'<atom:link href="{base}{feed_path}" rel="self" type="application/rss+xml"/>\n'
        + "\n".join(entries)
        + "\n</channel>\n</rss>\n"
    )


def atom_feed(outlet: Outlet, items: list[FeedItem], base: str, feed_path: str) -> str:
    """Atom 1.0 feed."""
    newest = max((i.published for i in items), default=demo_datetime(0, "06:00"))
    entries = []
    for item in items:
        author = f"<author><name>{xml_escape(item.author)}</name></author>" if item.author else ""
        entries.append(
            "<entry>"
            f"<title>{xml_escape(item.title)}</title>"
            f'<link rel="alternate" type="text/html" href="{xml_escape(item.link)}"/>'
            f"<id>tag:{outlet.id}.example,{item.published:%Y-%m-%d}:{xml_escape(item.guid)}</id>"
            f"<published>{item.published.isoformat()}</published>"
            f"<updated>{item.published.isoformat()}</updated>{author}"
            f'<category term="{xml_escape(item.category)}"/>'
            f"<summary>{xml_escape(item.summary)}</summary>"
            "</entry>"
        )
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n'
        f'<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="{outlet.languages[0]}">\n'
        f"<title>{xml_escape(outlet.name)}</title><id>tag:{outlet.id}.example,2026:feed</id>"
        f"<updated>{newest.isoformat()}</updated>"
        f'<link rel="self" type="application/atom+xml" href="{base}{feed_path}"/>'
        f'<link rel="alternate" type="text/html" href="{base}/"/>\n'
        + "\n".join(entries)
        + "\n</feed>\n"
    )


def malformed_rss(outlet: Outlet, items: list[FeedItem], base: str) -> str:
    """A broken RSS document: bare ampersands, an undefined entity, unclosed items, cut off mid-tag.

    It imitates a CMS plugin that concatenates strings and a proxy that truncated the response.
    """
    entries = []
    for item in items:
        entries.append(
            f"<item><title>{item.title} &nbsp;& više</title><link>{item.link}&ref=rss</link>"
            f"<pubDate>{rfc822(item.published)}</pubDate><description>{item.summary[:80]}"
        )
    body = "\n".join(entries)
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0"><channel>'
        f"<title>{outlet.name} & prijatelji</title><link>{base}/</link>\n{body}\n</item></chan"
    )


def sitemap_index(base: str, months: list[str], newest) -> str:
    """Sitemap index pointing at the news sitemap and the monthly article sitemaps."""
    maps = [f"<sitemap><loc>{base}/sitemap-news.xml</loc><lastmod>{newest.isoformat()}</lastmod></sitemap>"]
    maps += [f"<sitemap><loc>{base}/sitemap-{month}.xml</loc></sitemap>" for month in months]
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
        + "\n".join(maps)
        + "\n</sitemapindex>\n"
    )


def news_sitemap(outlet: Outlet, articles: list[SampleArticle], base: str) -> str:
    """Google News sitemap (``xmlns:news``) of the outlet's articles."""
    urls = []
    for article in articles:
        urls.append(
            f"<url><loc>{xml_escape(article.url(base))}</loc><news:news><news:publication>"
            f"<news:name>{xml_escape(outlet.name)}</news:name><news:language>{article.language}</news:language>"
            f"</news:publication><news:publication_date>{article.published.isoformat()}</news:publication_date>"
            f"<news:title>{xml_escape(article.title)}</news:title></news:news></url>"
        )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" '
        'xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">\n'
        + "\n".join(urls)
        + "\n</urlset>\n"
    )


def plain_sitemap(articles: list[SampleArticle], base: str) -> str:
    """Ordinary sitemap with lastmod, as the monthly archive sitemaps are."""
    urls = [f"<url><loc>{xml_escape(a.url(base))}</loc><lastmod>{a.published.isoformat()}</lastmod></url>" for a in articles]
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n' + "\n".join(urls) + "\n</urlset>\n"
    )


def robots_txt(outlet: Outlet, base: str) -> str:
    """robots.txt: the outlet's disallows and, for sitemap outlets, its ``Sitemap:`` lines."""
    lines = ["User-agent: *", "Disallow: /pretraga/", "Disallow: /admin/"]
    lines += [f"Disallow: {prefix}" for prefix in outlet.robots_disallow]
    lines += ["", "User-agent: GPTBot", "Disallow: /", ""]
    if "sitemap" in outlet.publishes:
        lines += [f"Sitemap: {base}/sitemap_index.xml", f"Sitemap: {base}/sitemap-news.xml"]
    return "\n".join(lines) + "\n"

"""The sample web's deliberately broken things, and what a correct crawler should record for each.

Most live on ``pokvareni-portal`` (its working feed links to all of them); the malformed feed is
``sport-i-vreme``'s. ``broken_things(base_urls)`` is the list the pipeline's checks compare against.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from html import escape

from sampleweb.clock import demo_datetime
from sampleweb.content import Outlet, SampleArticle, load_outlets, robots_disallowed
from sampleweb.render import FeedItem, chrome_bottom, chrome_top, head

BROKEN_OUTLET = "pokvareni-portal"
MALFORMED_OUTLET = "sport-i-vreme"

FEED_500_PATH = "/feed/vesti.xml"
LOOP_PATHS = ("/petlja/prva.html", "/petlja/druga.html")
HANG_PATH = "/sporo/izvestaj-sa-sednice-skupstine.html"
HUGE_PATH = "/arhiva/sva-saopstenja.html"
GALLERY_PATH = "/galerija/zimski-festival-kragujevac/"
TOPIC_INDEX_PATH = "/tema/dijaspora/"

HUGE_PAGE_BYTES = 20 * 1024 * 1024
HUGE_CHUNK_BYTES = 64 * 1024
# The hanging page gives up after this long so a forgotten client never pins a thread forever.
HANG_MAX_S = 60.0
HANG_STEP_S = 0.2


@dataclass(frozen=True, slots=True)
class BrokenPage:
    """A page the broken outlet's feed links to that is not a normal article."""

    kind: str
    path: str
    title: str
    offset_days: int
    time: str
    expect: str

    def feed_item(self, base: str) -> FeedItem:
        """Feed entry linking to this page."""
        return FeedItem(
            link=base + self.path, title=self.title, published=demo_datetime(self.offset_days, self.time),
            guid=f"{BROKEN_OUTLET}:{self.path}", summary=self.title, category="Vesti",
        )


BROKEN_PAGES = (
    BrokenPage("hanging_page", HANG_PATH, "Izveštaj sa sednice Skupštine grada (uživo)", -1, "18:40",
               "per-URL failure: timeout (no response within the fetch timeout); source keeps working"),
    BrokenPage("redirect_loop", LOOP_PATHS[0], "Novi raspored autobuskih linija od ponedeljka", -2, "10:05",
               "per-URL failure: redirect loop / too many redirects"),
    BrokenPage("huge_page", HUGE_PATH, "Sva saopštenja gradske uprave od 2010. godine", -3, "12:00",
               "per-URL failure: response larger than the size limit (20 MiB streamed, chunked, no Content-Length)"),
    BrokenPage("non_article_page", GALLERY_PATH, "FOTO: Zimski festival u Kragujevcu", -1, "16:20",
               "fetched, then marked not_article (photo gallery: images and captions, no body text)"),
    BrokenPage("non_article_page", TOPIC_INDEX_PATH, "Sve vesti o dijaspori na jednom mestu", -4, "08:00",
               "fetched, then marked not_article (topic index: a list of teasers)"),
)


def broken_things(base_urls: Mapping[str, str], articles: list[SampleArticle]) -> list[dict]:
    """Every broken behaviour with its URL and what a correct pipeline records for it."""
    outlets = {o.id: o for o in load_outlets()}
    base = base_urls[BROKEN_OUTLET]
    things = [
        {"kind": "feed_500", "outlet": BROKEN_OUTLET, "url": base + FEED_500_PATH,
         "expect": "per-source feed error 'HTTP 500'; the outlet's other feed still yields its URLs"},
        {"kind": "malformed_feed", "outlet": MALFORMED_OUTLET, "url": base_urls[MALFORMED_OUTLET] + "/rss.xml",
         "expect": "per-source feed error (malformed XML, feedparser bozo); articles still found via the news sitemap"},
    ]
    things += [{"kind": p.kind, "outlet": BROKEN_OUTLET, "url": base + p.path, "expect": p.expect} for p in BROKEN_PAGES]
    for article in articles:
        outlet = outlets[article.outlet_id]
        url = article.url(base_urls[article.outlet_id])
        if robots_disallowed(outlet, article.url_path):
            things.append({"kind": "robots_disallowed_page", "outlet": outlet.id, "url": url,
                           "expect": "never fetched: skipped as disallowed by robots.txt (recorded, not an error)"})
        if article.serve and article.serve.declared_charset:
            things.append({"kind": "wrong_charset", "outlet": outlet.id, "url": url,
                           "expect": f"article extracted with correct diacritics although bytes are "
                                     f"{article.serve.encoding or 'utf-8'} and the page declares "
                                     f"{article.serve.declared_charset} (no mojibake, no U+FFFD)"})
    return things


def loop_target(path: str) -> str:
    """Where a redirect-loop page sends the client: always the other one."""
    return LOOP_PATHS[1] if path == LOOP_PATHS[0] else LOOP_PATHS[0]


def error_500_page() -> str:
    """The body a misconfigured feed endpoint answers with."""
    return ("<!DOCTYPE html><html><head><title>500 Internal Server Error</title></head><body>"
            "<h1>Internal Server Error</h1><p>PHP Fatal error: Allowed memory size exhausted in "
            "/var/www/feed/vesti.php on line 212</p></body></html>\n")


def gallery_page(outlet: Outlet, sections: list[tuple[str, str]]) -> str:
    """A photo gallery: a title, twelve pictures with one-line captions, no article body."""
    figures = "".join(
        f'<figure class="photo"><img src="/media/galerija/festival-{i:02d}.jpg" width="1200" height="800" '
        f'alt="Festival {i}"><figcaption>Foto {i}/12 · Foto: M. Ilić</figcaption></figure>\n'
        for i in range(1, 13)
    )
    return (
        '<!DOCTYPE html>\n<html lang="sr-Latn">\n'
        + head(f"FOTO: Zimski festival u Kragujevcu | {outlet.name}", "utf-8",
               '<meta property="og:type" content="website">\n')
        + '<body class="gallery">\n' + chrome_top(outlet, sections)
        + '<main class="content"><h1>FOTO: Zimski festival u Kragujevcu</h1>\n'
        + f'<div class="gallery-grid">\n{figures}</div></main>\n'
        + chrome_bottom(outlet, []) + "</body>\n</html>\n"
    )


def topic_index_page(outlet: Outlet, sections: list[tuple[str, str]], articles: list[SampleArticle]) -> str:
    """A topic (tag) index: teaser links only."""
    teasers = "".join(f'<li><a href="{a.url_path}">{escape(a.title)}</a></li>' for a in articles)
    return (
        '<!DOCTYPE html>\n<html lang="sr-Latn">\n'
        + head(f"Tema: dijaspora | {outlet.name}", "utf-8", "")
        + '<body class="topic">\n' + chrome_top(outlet, sections)
        + f'<main class="content"><h1>Tema: dijaspora</h1><ul class="topic-list">{teasers}</ul></main>\n'
        + chrome_bottom(outlet, []) + "</body>\n</html>\n"
    )


def huge_page_chunks(total_bytes: int = HUGE_PAGE_BYTES) -> Iterator[bytes]:
    """Generate a ``total_bytes`` HTML page in chunks, on the fly (never stored)."""
    opening = ('<!DOCTYPE html>\n<html lang="sr-Latn"><head><meta charset="utf-8">'
               "<title>Sva saopštenja</title></head><body><h1>Sva saopštenja od 2010.</h1>\n").encode()
    closing = b"</body></html>\n"
    yield opening
    remaining = total_bytes - len(opening) - len(closing)
    number = 0
    while remaining > 0:
        parts = []
        size = 0
        while size < HUGE_CHUNK_BYTES:
            number += 1
            day = dt.date(2010, 1, 1) + dt.timedelta(days=number % 5000)
            line = f"<p>Saopštenje br. {number} od {day:%d.%m.%Y}: sednica je održana po utvrđenom dnevnom redu.</p>\n"
            encoded = line.encode()
            parts.append(encoded)
            size += len(encoded)
        chunk = b"".join(parts)
        if len(chunk) > remaining:
            # Pad the tail with spaces rather than cut a multi-byte character in half.
            chunk = b" " * remaining
        remaining -= len(chunk)
        yield chunk
    yield closing

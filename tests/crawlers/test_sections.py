"""Section pages: article links by the configured pattern, pagination, other hosts ignored."""

from __future__ import annotations

from crawlers.sections import section_links

PAGE = """<html><body>
<nav><a href="/">Početna</a><a href="/rubrika/politika/">Politika</a></nav>
<a href="/tekst/12/gujon-u-becu.html"><span>Gujon</span> u Beču</a>
<a href="https://srpske.hr/tekst/13/druga-vest.html?utm_source=home">Druga</a>
<a href="/tekst/12/gujon-u-becu.html#komentari">(5 komentara)</a>
<a href="https://drugi-sajt.rs/tekst/99/tudje.html">Tuđe</a>
<a href="javascript:void(0)">Meni</a>
<a href="/rubrika/zajednica/?strana=2">Sledeća strana</a>
</body></html>"""


def test_article_links_match_the_pattern_and_pagination_is_found():
    found = section_links(PAGE, "https://srpske.hr/rubrika/zajednica/", "https://srpske.hr/rubrika/zajednica/",
                          r"/tekst/\d+/[a-z0-9-]+\.html$")
    assert found.articles == [("https://srpske.hr/tekst/12/gujon-u-becu.html", "Gujon u Beču"),
                              ("https://srpske.hr/tekst/13/druga-vest.html?utm_source=home", "Druga")]
    assert found.next_pages == ["https://srpske.hr/rubrika/zajednica/?strana=2"]


def test_rel_next_and_no_matches():
    found = section_links('<a rel="next" href="/arhiva/2">dalje</a><a href="/o-nama">O nama</a>', "http://a.rs/arhiva/",
                          "http://a.rs/arhiva/", r"/vest/\d+")
    assert found.articles == [] and found.next_pages == ["http://a.rs/arhiva/2"]

"""The digest's "organisations in the news" block: registered organisations named in relevant coverage only,
with their stories as links, names in the output script."""

from __future__ import annotations

import re

from archive.orgs import import_orgs, write_org_mentions
from reports.assemble import assemble
from reports.periods import daily_period
from reports.render import render_html
from schemas.orgs import OrgMention
from tests.reports.fixture_archive import DAY, TZ, build_archive

HEADER = ["id", "name", "names", "short_names", "country", "city", "city_names", "type"]
ROWS = [
    ["savez-beč", "Savez srpskih udruženja Beča", "Савез српских удружења Беча", "", "AT", "Beč", "Wien", "union"],
    ["rapid-navijaci", "Klub navijača Rapid", "", "", "AT", "Beč", "", "club"],
    ["heritage-leeds", "Serbian Heritage Circle of Leeds", "", "", "GB", "Lids", "Leeds", "club"],
]


def _link(archive, ids: dict[str, int]) -> None:
    rows = [(n, dict(zip(HEADER, [r[0].replace("č", "c"), *r[1:]]))) for n, r in enumerate(ROWS, start=2)]
    report = import_orgs(archive, rows)
    assert not report.errors, report.errors
    links = {"program-rts": ["savez-bec"], "program-politika": ["savez-bec"], "konkurs": ["savez-bec", "heritage-leeds"],
             "fudbal-bec": ["rapid-navijaci"]}
    with archive.transaction() as tx:
        for key, orgs in links.items():
            write_org_mentions(tx, ids[key], [OrgMention(org, 2 * n, 2 * n + 1, "x", "s") for n, org in enumerate(orgs)])


def test_block_lists_registered_orgs_of_relevant_stories_only(archive):
    ids = build_archive(archive)
    _link(archive, ids)
    digest = assemble(archive, daily_period(DAY, TZ))
    by_id = {line.org_id: line for line in digest.orgs}
    assert list(by_id) == ["savez-bec", "heritage-leeds"]  # most articles first; the football article is off-topic
    savez = by_id["savez-bec"]
    assert savez.articles == 3 and savez.story_count == 2  # two articles of one story, one of another
    story_articles = {item.article_id for item in savez.stories}
    assert ids["konkurs"] in story_articles and len(story_articles & {ids["program-rts"], ids["program-politika"]}) == 1
    cyrl = render_html(digest, "cyrl", "web", [])
    section = re.search(r'<div class="section section-orgs" id="sec-orgs">(.*?)</div>', cyrl, re.DOTALL).group(1)
    assert "Савез српских удружења Беча" in section and "(Беч, AT)" in section
    assert "Serbian Heritage Circle of Leeds" in section  # a foreign name stays as written
    assert section.count('class="headline"') == 3 and "Rapid" not in section
    assert len(re.findall(r'<a class="headline" href="https://', section)) == 3  # the stories are linked
    latn = render_html(digest, "latn", "web", [])
    assert "Savez srpskih udruženja Beča" in latn and "(Beč, AT)" in latn


def test_block_says_so_when_no_registered_org_is_named(archive):
    build_archive(archive)
    digest = assemble(archive, daily_period(DAY, TZ))
    assert digest.orgs == []
    assert "Ниједна регистрована организација" in render_html(digest, "cyrl", "web", [])


def test_plain_text_digest_has_the_block(sqlite_archive):
    from reports.render import render_text

    ids = build_archive(sqlite_archive)
    _link(sqlite_archive, ids)
    text = render_text(assemble(sqlite_archive, daily_period(DAY, TZ)), "latn")
    block = text.split("Organizacije iz dijaspore u medijima ==", 1)[1].split("==", 1)[0]
    assert "- Savez srpskih udruženja Beča (Beč, AT):" in block and "https://" in block

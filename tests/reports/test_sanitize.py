"""Hostile feed content (feedparser's sanitize suite) digested: nothing executable reaches the HTML or the email."""

import datetime as dt
import email
import email.policy
import html.parser
import json
import re

import pytest

from archive.articles import write_tags
from archive.db import iso, utcnow
from archive.imports import import_lines
from odjek.settings import Settings
from reports.assemble import DigestLimits, assemble
from reports.charts import make_charts
from reports.digest import build_email, render_digest
from reports.periods import daily_period
from reports.render import render_html, render_text
from schemas.records import Label, Mention, TagResult
from tests.conftest import shared_dir

DAY = dt.date(2026, 3, 16)
GROUPS = ("domestic", "regional", "foreign", "diaspora")
FORBIDDEN_TAGS = {"script", "iframe", "frame", "frameset", "object", "embed", "applet", "base"}
URL_ATTRS = {"href", "src", "action", "formaction", "data", "background", "poster", "xlink:href", "srcset"}


class TagAudit(html.parser.HTMLParser):
    """Collects what a browser would treat as markup: tags and their attributes."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []
        self.articles = 0

    def handle_starttag(self, tag, attrs):
        if tag in FORBIDDEN_TAGS:
            self.problems.append(f"<{tag}>")
        for name, value in attrs:
            if name.startswith("on"):
                self.problems.append(f"{tag} {name}=")
            if name == "data-article":
                self.articles += 1
            if name in URL_ATTRS and value:
                scheme = re.sub(r"[\s\x00-\x1f]+", "", value).lower().split(":", 1)[0]
                allowed = scheme in {"http", "https", "cid", "odjek-asset"} or value.startswith("#") or (
                    tag == "img" and value.startswith("data:image/svg+xml;base64,"))
                if not allowed:
                    self.problems.append(f"{tag} {name}={value[:60]}")


def audit(markup: str) -> TagAudit:
    parser = TagAudit()
    parser.feed(markup)
    parser.close()
    lowered = markup.lower()
    # Escaped payloads read "&lt;script"; the raw opening of a script or frame must appear nowhere.
    parser.problems.extend(f"raw {needle}" for needle in ("<script", "<iframe") if needle in lowered)
    return parser


def test_the_audit_catches_what_it_must():
    for bad in ('<a href=" javascript:alert(1)">x</a>', '<img src=x onerror="alert(1)">', "<iframe src=x>",
                "<SCRIPT>x</SCRIPT>", '<img src="data:text/html,x">'):
        assert audit(bad).problems, bad
    assert audit('<p>&lt;script&gt; javascript:alert(1) onerror=</p><a href="https://a.example/">a</a>').problems == []


def _entries(path):
    """(outlet name, title, body, link) for each entry; a feed without entries becomes one article of its source."""
    import feedparser

    raw = path.read_text(encoding="utf-8", errors="replace")
    parsed = feedparser.parse(raw, sanitize_html=False, resolve_relative_uris=False)
    outlet = parsed.feed.get("title") or path.stem
    if not parsed.entries:
        return [(outlet, parsed.feed.get("subtitle") or path.stem, raw, parsed.feed.get("link", ""))]
    out = []
    for entry in parsed.entries:
        body = " ".join([c.get("value", "") for c in entry.get("content", [])] + [entry.get("summary", "")]).strip()
        title = entry.get("title") or body[:300] or path.stem
        out.append((outlet, title, body or raw, entry.get("link", "")))
    return out


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    """Every sanitize/ entry imported as a tagged article of 2026-03-16, in pairs of clusters."""
    from archive import open_archive

    folder = shared_dir("realfeeds", "wellformed", "sanitize")
    base = tmp_path_factory.mktemp("sanitize")
    db = open_archive(f"sqlite:///{base / 'archive.db'}")
    rows = []
    for number, path in enumerate(sorted(folder.glob("*.xml"))):
        for outlet, title, body, link in _entries(path):
            rows.append((f"s{number:03d}", outlet, title, body, link, GROUPS[number % 4]))
    lines = [json.dumps({"url": f"https://{src}.example/{i}", "title": title.strip() or "x", "text": body,
                         "published": f"2026-03-16T{8 + i % 12:02d}:{i % 60:02d}:00+01:00", "source": src,
                         "group": grp}) for i, (src, _, title, body, _, grp) in enumerate(rows)]
    report = import_lines(db, lines)
    assert not report.rejected, report.rejected[:3]
    now = iso(utcnow())
    with db.transaction() as tx:
        for article_id, (src, outlet, title, body, link, _) in zip(report.article_ids, rows):
            tx.execute("UPDATE sources SET name = ? WHERE id = ?", (outlet[:300], src))
            if link:  # the feed's own link, javascript: and all: the digest must not turn it into a link
                tx.execute("UPDATE articles SET url = ? WHERE id = ?", (link, article_id))
            sentence = (body or title)[:400]
            write_tags(tx, article_id, TagResult("sr", None, [
                Label("office", "entity", 1.0), Label("information_media", "topic", 0.8), Label("region", "region", 0.7)],
                [Mention("office", 0, 10, sentence[:20], sentence)]), now)
        for pair in range(0, len(report.article_ids) - 1, 2):
            cid = tx.insert_id("INSERT INTO clusters (representative_article_id, first_seen, last_seen, size,"
                               " outlet_count, created_at, updated_at) VALUES (?, ?, ?, 2, 2, ?, ?) RETURNING id",
                               (report.article_ids[pair], "2026-03-16T00:00:00+00:00", "2026-03-16T22:00:00+00:00",
                                now, now))
            for article_id in report.article_ids[pair:pair + 2]:
                tx.execute("UPDATE articles SET cluster_id = ? WHERE id = ?", (cid, article_id))
    yield db, base, len(rows)
    db.close()


def test_the_payloads_are_really_hostile(hostile):
    db, _, count = hostile
    assert count >= 745
    texts = " ".join(r["text"] + (r["title"] or "") for r in db.query("SELECT title, text FROM articles")).lower()
    assert "<script" in texts and "<iframe" in texts and "javascript:" in texts and "onerror" in texts
    assert db.scalar("SELECT COUNT(*) FROM articles WHERE url LIKE 'javascript:%'") or any(
        "javascript:" in (r["name"] or "") for r in db.query("SELECT name FROM sources"))


def test_every_entry_digested_without_executable_markup(hostile):
    db, _, count = hostile
    unlimited = DigestLimits(mention_articles=10**6, stories=10**6, items_per_label=10**6, foreign_items=10**6)
    digest = assemble(db, daily_period(DAY, "Europe/Belgrade"), limits=unlimited)
    assert digest.total == count and digest.directorate_count == (count + 1) // 2  # one entry per story (pairs)
    assert sum(len(e.article_ids) for e in digest.directorate) == count
    outlet_links = sum(len(e.items) for e in digest.directorate)  # outlet names from hostile feed titles too
    charts = make_charts(digest, "cyrl")
    for medium in ("web", "pdf", "email"):
        markup = render_html(digest, "cyrl", medium, charts, cids={c.name: f"{c.name}@x" for c in charts})
        result = audit(markup)
        assert result.problems == [], (medium, result.problems[:10])
        if medium != "email":  # the email lists the first stories and links the full digest
            assert result.articles >= outlet_links  # every story and outlet is in the page
    text = render_text(digest, "latn").lower()
    assert "<script" not in text and "<iframe" not in text


def test_rendered_files_and_email_are_clean(hostile):
    db, base, _ = hostile
    settings = Settings.from_mapping({"data_dir": str(base), "daily_recipients": "a@example.org"})
    run = render_digest(settings, db, "daily", DAY)
    assert audit(open(run.html_path, encoding="utf-8").read()).problems == []
    msg = email.message_from_bytes(bytes(build_email(settings, db, run)), policy=email.policy.default)
    html_body = msg.get_body(("html",)).get_content()
    assert audit(html_body).problems == []
    plain = msg.get_body(("plain",)).get_content().lower()
    assert "<script" not in plain and "<iframe" not in plain

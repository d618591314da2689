"""Story clusters in the archive (archive/clusters.py) and the cluster stage, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import json
import threading
from collections import Counter, defaultdict

from archive import Database
from archive.articles import write_tags
from archive.clusters import cluster_ids_of, cluster_of_article, clusters_between, get_cluster, get_clusters, siblings
from archive.imports import import_lines
from bench.bench_cluster import synthetic_corpus, to_cyrillic
from nlp.cluster import ClusterOptions, pairwise_scores
from nlp.normalize import script_of
from odjek.runner import StageContext, stage_modules
from odjek.settings import Settings
from odjek.stages import cluster as cluster_stage
from odjek.stages.cluster import cluster_articles
from schemas.records import Label, TagResult
from tests.conftest import require

OPTIONS = ClusterOptions()
T0 = dt.datetime(2026, 3, 10, 8, 0, tzinfo=dt.UTC)

AGENCY_TEXT = (
    "Uprava za saradnju s dijasporom i Srbima u regionu uputila je ove nedelje oko 12.000 udžbenika i radnih "
    "svezaka za nastavu na srpskom jeziku u inostranstvu, saopšteno je danas. Paketi su namenjeni školama i "
    "nastavnicima dopunske nastave u Nemačkoj, Austriji, Švajcarskoj, Francuskoj i Švedskoj. Udžbenike je u "
    "saradnji sa Upravom pripremio Zavod za udžbenike, a u pošiljci su i čitanke na ćirilici, bukvari i "
    "priručnici za nastavnike. Dopunsku nastavu na srpskom jeziku u inostranstvu pohađa oko 9.000 učenika."
)
VOTING_TEXT = (
    "Državljani Srbije koji žive u Austriji mogu da se prijave za glasanje u inostranstvu najkasnije do 20. "
    "marta, podseća ambasada u Beču. Za upis je potrebna važeća lična karta ili pasoš, a zahtev se podnosi "
    "elektronski ili lično u konzulatu. Na prošlim izborima u Austriji glasalo je oko 11.000 birača, a ove "
    "godine biće otvoreno 14 biračkih mesta, najviše u prostorijama udruženja i crkvenih opština."
)
SCHOOL_TEXT = (
    "Srpska dopunska škola u Čikagu dobila je novu učionicu u prostorijama crkvene opštine, saopštila je "
    "uprava škole. Nastavu subotom pohađa 140 dece, a časove drže tri učiteljice iz Beograda i Novog Sada. "
    "Roditelji su prikupili novac za klupe i table, a opština je obezbedila grejanje. Sledeće godine škola "
    "planira i kurs za odrasle, jer sve više roditelja želi da nauči jezik svojih predaka."
)


def import_articles(db: Database, records: list[dict]) -> dict[str, int]:
    """Import records {key, source, published, title, text, labels?} and tag them; returns key → article id."""
    lines = [json.dumps({"url": f"https://{r['source']}.example/{r['key']}", "title": r["title"], "text": r["text"],
                         "published": r["published"].isoformat(), "source": r["source"],
                         "language": r.get("language", "sr")}, ensure_ascii=False) for r in records]
    report = import_lines(db, lines)
    assert not report.rejected, report.rejected
    ids = {r["key"]: aid for r, aid in zip(records, report.article_ids)}
    with db.transaction() as tx:
        for r in records:
            labels = [Label(lab, "topic", 0.9) for lab in r.get("labels", [])]
            write_tags(tx, ids[r["key"]], TagResult(r.get("language", "sr"), script_of(r["text"]), labels, []))
    return ids


def story_records() -> list[dict]:
    """Three agency copies of one story (one in Cyrillic), a second story in two outlets, a same-topic single."""
    return [
        {"key": "bna-1", "source": "bna", "published": T0, "title": "Uprava poslala 12.000 udžbenika",
         "text": AGENCY_TEXT, "labels": ["language_culture_education", "diaspora_bodies"]},
        {"key": "vesti-1", "source": "vesti", "published": T0 + dt.timedelta(hours=3),
         "title": to_cyrillic("Knjige za decu u dijaspori"), "text": to_cyrillic(AGENCY_TEXT),
         "labels": ["language_culture_education"]},
        {"key": "glas-1", "source": "glas", "published": T0 + dt.timedelta(hours=1),
         "title": "Dvanaest hiljada udžbenika za dopunske škole",
         "text": AGENCY_TEXT + " Više o tome pročitajte na našem portalu.",
         "labels": ["language_culture_education", "information_media"]},
        {"key": "glas-2", "source": "glas", "published": T0 + dt.timedelta(days=1),
         "title": "Rok za upis birača ističe 20. marta", "text": VOTING_TEXT, "labels": ["voting_abroad"]},
        {"key": "becki-2", "source": "becki", "published": T0 + dt.timedelta(days=1, hours=2),
         "title": "Prijavite se za glasanje", "text": VOTING_TEXT, "labels": ["voting_abroad"]},
        {"key": "cikago-3", "source": "cikago", "published": T0 + dt.timedelta(hours=5),
         "title": "Nova učionica u Čikagu", "text": SCHOOL_TEXT, "labels": ["language_culture_education"]},
    ]


def test_cluster_api_representative_outlets_labels_and_siblings(archive):
    ids = import_articles(archive, story_records())
    run = cluster_articles(archive, OPTIONS)
    assert run.assigned == 6 and run.new_clusters == 3 and run.joined == 3

    cluster = cluster_of_article(archive, ids["vesti-1"])
    assert cluster is not None
    assert sorted(cluster.article_ids) == sorted([ids["bna-1"], ids["vesti-1"], ids["glas-1"]])
    assert cluster.article_ids[0] == ids["bna-1"]  # earliest first
    assert cluster.representative_article_id == ids["bna-1"]  # the agency published first
    assert cluster.outlets == ["bna", "glas", "vesti"] and cluster.outlet_count == 3 and cluster.size == 3
    assert cluster.first_seen == T0 and cluster.last_seen == T0 + dt.timedelta(hours=3)
    assert cluster.labels[0] == "language_culture_education"
    assert cluster.label_counts == {"language_culture_education": 3, "diaspora_bodies": 1, "information_media": 1}
    assert get_cluster(archive, cluster.id) == cluster

    assert [a.id for a in siblings(archive, ids["bna-1"])] == [ids["glas-1"], ids["vesti-1"]]
    assert siblings(archive, ids["cikago-3"]) == []  # a story of its own
    assert cluster_of_article(archive, ids["cikago-3"]).outlets == ["cikago"]
    assert cluster_ids_of(archive, list(ids.values()))[ids["glas-2"]] == cluster_ids_of(archive, [ids["becki-2"]])[
        ids["becki-2"]]
    assert get_cluster(archive, 999_999) is None and get_clusters(archive, []) == {}

    day = clusters_between(archive, T0, T0 + dt.timedelta(days=1))
    assert [c.outlet_count for c in day] == [3, 1]  # the voting story was seen the next day only
    week = clusters_between(archive, T0, T0 + dt.timedelta(days=7))
    assert [c.outlet_count for c in week] == [3, 2, 1]
    assert [c.outlet_count for c in clusters_between(archive, T0, T0 + dt.timedelta(days=7), min_outlets=2,
                                                     limit=1)] == [3]
    assert clusters_between(archive, T0 - dt.timedelta(days=9), T0 - dt.timedelta(days=2)) == []
    # Inside the agency story's span (T0 … T0+3h) but with none of its articles: not listed.
    assert clusters_between(archive, T0 + dt.timedelta(minutes=30), T0 + dt.timedelta(hours=1)) == []
    assert [c.id for c in clusters_between(archive, T0 + dt.timedelta(hours=1), T0 + dt.timedelta(hours=2))] == [
        cluster.id]

    row = archive.one("SELECT size, outlet_count, first_seen, last_seen, representative_article_id FROM clusters"
                      " WHERE id = ?", (cluster.id,))
    assert (row["size"], row["outlet_count"], row["representative_article_id"]) == (3, 3, ids["bna-1"])


def test_incremental_runs_keep_ids_double_nothing_and_rebuild_the_index(archive):
    records = story_records()
    first = import_articles(archive, [r for r in records if r["key"] in {"bna-1", "glas-2", "cikago-3"}])
    assert cluster_articles(archive, OPTIONS).assigned == 3
    before = cluster_ids_of(archive, list(first.values()))
    assert cluster_articles(archive, OPTIONS).assigned == 0  # a re-run finds nothing to do

    # A new run (fresh process state: the index is rebuilt from stored signatures) places the copies.
    second = import_articles(archive, [r for r in records if r["key"] not in first])
    run = cluster_articles(archive, OPTIONS)
    assert run.assigned == 3 and run.joined == 3 and run.new_clusters == 0 and run.rebuilds == 1
    assert cluster_ids_of(archive, list(first.values())) == before  # ids are stable
    after = cluster_ids_of(archive, list(second.values()))
    assert after[second["vesti-1"]] == after[second["glas-1"]] == before[first["bna-1"]]
    assert after[second["becki-2"]] == before[first["glas-2"]]
    assert archive.scalar("SELECT COUNT(*) FROM clusters") == 3
    assert archive.scalar("SELECT COUNT(*) FROM article_signatures") == 6
    assert cluster_articles(archive, OPTIONS).assigned == 0
    assert archive.scalar("SELECT SUM(size) FROM clusters") == 6


def test_window_untagged_non_articles_and_short_texts(archive):
    records = [
        {"key": "a", "source": "bna", "published": T0, "title": "Upis birača", "text": VOTING_TEXT},
        {"key": "b", "source": "glas", "published": T0 + dt.timedelta(days=6), "title": "Upis", "text": VOTING_TEXT},
        {"key": "c", "source": "vesti", "published": T0 + dt.timedelta(days=20), "title": "Upis", "text": VOTING_TEXT},
        {"key": "short1", "source": "bna", "published": T0, "title": "Vest", "text": "Sastanak sutra u deset."},
        {"key": "short2", "source": "glas", "published": T0, "title": "Vest", "text": "Sastanak sutra u deset."},
    ]
    ids = import_articles(archive, records)
    untagged = import_lines(archive, [json.dumps({"url": "https://x.example/u", "title": "Upis", "text": VOTING_TEXT,
                                                  "published": T0.isoformat(), "source": "x"})]).article_ids[0]
    with archive.transaction() as tx:
        tx.execute("UPDATE articles SET is_article = 0 WHERE id = ?", (ids["short2"],))
    run = cluster_articles(archive, OPTIONS)
    assert run.assigned == 4 and run.unsigned == 1  # short1 is too short to compare: a story of its own
    got = cluster_ids_of(archive, list(ids.values()) + [untagged])
    assert got[ids["a"]] == got[ids["b"]]  # six days apart: inside the 7-day window
    assert got[ids["c"]] != got[ids["a"]]  # 14 days after the cluster was last seen: a new story
    assert ids["short2"] not in got and untagged not in got  # not an article / not tagged yet: left alone
    assert len({got[ids["a"]], got[ids["c"]], got[ids["short1"]]}) == 3


def test_two_runs_at_once_give_one_clustering(archive_url):
    from archive import open_archive

    db = open_archive(archive_url)
    articles = synthetic_corpus(240, seed=11)
    records = [{"key": str(a.article_id), "source": a.outlet, "published": a.published, "title": a.title,
                "text": a.text} for a in articles]
    ids = import_articles(db, records)
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []
    runs = []

    def worker():
        own = Database(archive_url)  # its own connection, like another process
        try:
            barrier.wait()
            runs.append(cluster_articles(own, OPTIONS, batch_size=40))
        except BaseException as exc:  # noqa: BLE001 - re-raised in the main thread below
            errors.append(exc)
        finally:
            own.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
    assert not errors, errors
    assert sum(r.assigned for r in runs) == len(articles)  # every article placed once, by one of the two
    got = cluster_ids_of(db, list(ids.values()))
    assert len(got) == len(articles)
    sizes = Counter(got.values())
    rows = db.query("SELECT id, size FROM clusters")
    assert {int(r["id"]): r["size"] for r in rows} == dict(sizes)  # no empty or miscounted clusters
    truth = {ids[str(a.article_id)]: a.story for a in articles}
    precision, recall = pairwise_scores(truth, got)
    assert precision >= 0.98 and recall >= 0.95
    db.close()


def test_stage_is_registered_after_tagging_and_reports(archive):
    modules = {m.NAME: m.ORDER for m in stage_modules()}
    assert modules["cluster"] == 50
    assert all(order < 50 for name, order in modules.items() if name in {"discover", "fetch", "extract", "tag"})
    import_articles(archive, story_records())
    ctx = StageContext(settings=Settings.from_mapping({"cluster_window_days": 3}), db=archive, sources=[])
    report = cluster_stage.run(ctx)
    assert (report.stage, report.processed, report.succeeded, report.failed) == ("cluster", 6, 6, 0)
    assert report.details["new_clusters"] == 3 and report.details["joined"] == 3
    assert report.per_source["vesti"] == {"joined": 1} and report.per_source["bna"] == {"new_cluster": 1}
    assert cluster_stage.options_from_settings(ctx.settings).window_days == 3.0
    assert cluster_stage.run(ctx).processed == 0


# The sample web ----------------------------------------------------------------------------------------


def sample_articles():
    from sampleweb.content import ARTICLES_DIR, load_articles

    require(ARTICLES_DIR.is_dir() and any(ARTICLES_DIR.iterdir()), "the sample web has no articles yet")
    return load_articles()


def test_sample_web_syndicated_stories_form_exactly_one_cluster_each(archive, record_property):
    articles = sample_articles()
    copies = Counter(a.story for a in articles if a.syndicated)
    assert sum(1 for n in copies.values() if n > 1) >= 4, f"expected at least 4 syndicated stories, got {copies}"
    records = [{"key": f"{a.outlet_id}/{a.slug}", "source": a.outlet_id, "published": a.published,
                "title": a.title, "text": (f"{a.lead}\n\n" if a.lead else "") + a.text, "language": a.language}
               for a in articles]
    ids = import_articles(archive, records)
    cluster_articles(archive, OPTIONS)
    got = cluster_ids_of(archive, list(ids.values()))
    assert len(got) == len(articles)
    truth = {ids[f"{a.outlet_id}/{a.slug}"]: a.story for a in articles}
    precision, recall = pairwise_scores(truth, got)
    record_property("sampleweb_pairwise_precision", precision)
    record_property("sampleweb_pairwise_recall", recall)
    print(f"sample web: {len(articles)} articles, {len(copies)} syndicated stories; "
          f"pairwise precision {precision:.3f}, recall {recall:.3f}")
    by_story = defaultdict(set)
    for a in articles:
        by_story[a.story].add(got[ids[f"{a.outlet_id}/{a.slug}"]])
    split = {story: c for story, c in by_story.items() if len(c) > 1}
    assert not split, f"stories split over clusters: {split}"
    merged = Counter(c for clusters in by_story.values() for c in clusters)
    assert all(n == 1 for n in merged.values()), "two stories share a cluster"
    mixed = [s for s in copies if len({a.script for a in articles if a.story == s}) > 1]
    assert mixed, "the sample web should hold a story copied in the other script"
    assert (precision, recall) == (1.0, 1.0)


def test_index_cache_is_rebuilt_when_another_worker_wrote(archive):
    from archive.clusters import bump_generation
    from odjek.stages.cluster import ArchiveIndex

    import_articles(archive, story_records())
    cluster_articles(archive, OPTIONS)
    index = ArchiveIndex(OPTIONS)
    since = T0 - dt.timedelta(days=7)
    with archive.transaction() as tx:
        assert index.ensure(tx, since) is True  # absent: built from the archive's signatures
        assert len(index.engine) == 6 and len(index.engine.spans) == 3
        assert index.ensure(tx, since + dt.timedelta(days=1)) is False  # current, window still covered
        assert index.ensure(tx, since - dt.timedelta(days=1)) is True  # earlier articles: wider window
    with archive.transaction() as tx:
        bump_generation(tx)  # what another worker's assignment does
    with archive.transaction() as tx:
        assert index.ensure(tx, since) is True
        assert index.ensure(tx, since + dt.timedelta(days=9)) is True  # moved past the window: reload, drop old
        assert len(index.engine) == 0

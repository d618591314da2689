"""Near-duplicate detection and incremental assignment (nlp/cluster.py), without an archive."""

from __future__ import annotations

import datetime as dt
from collections import Counter

import numpy as np
import pytest

from bench.bench_cluster import synthetic_corpus, to_cyrillic
from nlp.cluster import (
    ClusterOptions,
    Engine,
    Item,
    Signer,
    band_keys,
    cluster_items,
    estimated_containment,
    pairwise_scores,
    shingles,
    signature_from_blob,
    signature_words,
)

OPTIONS = ClusterOptions()
SIGNER = Signer(OPTIONS)
DAY = 86_400.0

STORY = (
    "Uprava za saradnju s dijasporom i Srbima u regionu uputila je ove nedelje oko 12.000 udžbenika i radnih "
    "svezaka za nastavu na srpskom jeziku u inostranstvu, saopšteno je danas. Paketi su namenjeni školama i "
    "nastavnicima dopunske nastave u Nemačkoj, Austriji, Švajcarskoj, Francuskoj i Švedskoj. Udžbenike je u "
    "saradnji sa Upravom pripremio Zavod za udžbenike, a u pošiljci su i čitanke na ćirilici, bukvari i "
    "priručnici za nastavnike. „Jezik je najjača veza dece iz dijaspore sa Srbijom“, rekao je direktor Uprave. "
    "Dopunsku nastavu na srpskom jeziku u inostranstvu pohađa oko 9.000 učenika, a nastavnici upozoravaju da "
    "nedostaju savremeni udžbenici prilagođeni deci kojoj srpski nije prvi jezik."
)
OTHER_STORY_SAME_TOPIC = (
    "Srpska dopunska škola u Čikagu dobila je novu učionicu u prostorijama crkvene opštine, saopštila je "
    "uprava škole. Nastavu subotom pohađa 140 dece, a časove drže tri učiteljice iz Beograda i Novog Sada. "
    "Roditelji su prikupili novac za klupe i table, a opština je obezbedila grejanje. Direktorka škole kaže da "
    "deca najviše vole časove istorije i pesme na ćirilici. Sledeće godine škola planira i kurs za odrasle, "
    "jer sve više roditelja želi da nauči jezik svojih predaka."
)


def jaccard(a, b) -> float:
    return float(np.mean(a.hashvalues == b.hashvalues))


def test_cyrillic_and_latin_copies_have_the_same_signature():
    latin = SIGNER.sign("Udžbenici za dopunske škole", STORY)
    cyrillic = SIGNER.sign(to_cyrillic("Udžbenici za dopunske škole"), to_cyrillic(STORY))
    assert to_cyrillic(STORY) != STORY and "уџбеника" in to_cyrillic(STORY)
    assert jaccard(latin, cyrillic) == 1.0
    # Diacritics typed or not (and đ as dj) fold the same way.
    plain = SIGNER.sign("Udzbenici za dopunske skole", STORY.replace("š", "s").replace("ž", "z").replace("č", "c")
                        .replace("ć", "c"))
    assert jaccard(latin, plain) == 1.0


def test_distinct_stories_on_one_topic_are_far_apart_and_copies_close():
    base = SIGNER.sign("Udžbenici za dopunske škole", STORY)
    other = SIGNER.sign("Nova učionica u Čikagu", OTHER_STORY_SAME_TOPIC)
    edited = SIGNER.sign("Stiže 12.000 knjiga za decu u dijaspori",  # headline rewritten, last sentence dropped
                         STORY.rsplit(" Dopunsku nastavu", 1)[0] + " Više informacija na sajtu Uprave.")
    assert jaccard(base, other) < 0.1
    assert jaccard(base, edited) >= OPTIONS.threshold


def test_signature_words_fold_truncate_and_drop_the_title_of_short_texts():
    long_words = signature_words("Наслов", "реч " * 500, OPTIONS)
    assert long_words[0] == "naslov" and len(long_words) == 1 + OPTIONS.max_words
    short_words = signature_words("Naslov koji urednik menja", "Kratka vest od deset reči o jednom događaju u gradu.",
                                  OPTIONS)
    assert "naslov" not in short_words and short_words[0] == "kratka"
    assert SIGNER.sign("Naslov", "Samo tri reči") is None  # under min_words: nothing reliable to compare


def test_shingles_and_blob_roundtrip():
    assert shingles(["a", "b", "c", "d"], 3) == {b"a b c", b"b c d"}
    assert shingles(["a", "b"], 3) == {b"a b"}
    signature = SIGNER.sign("Naslov", STORY)
    back = signature_from_blob(signature.to_blob(), signature.shingle_count, signature.word_count)
    assert np.array_equal(back.hashvalues, signature.hashvalues) and back.hashvalues.dtype == np.uint32
    assert len(signature.to_blob()) == 4 * OPTIONS.num_perm


def test_band_keys_collide_exactly_when_a_band_is_equal():
    bands, rows = OPTIONS.bands_rows
    assert bands * rows <= OPTIONS.num_perm
    values = np.random.default_rng(3).integers(0, 2**32, size=(2, OPTIONS.num_perm), dtype=np.uint64)
    values[1, :rows] = values[0, :rows]  # only band 0 equal
    keys = band_keys(values.astype(np.uint32), bands, rows)
    assert keys[0, 0] == keys[1, 0]
    assert (keys[0, 1:] != keys[1, 1:]).all()


def test_containment_estimate_follows_set_sizes():
    # |A| = 100 inside |B| = 300: J = 1/3, containment of the smaller = 1.
    assert estimated_containment(np.array([1 / 3]), np.array([100]), np.array([300]))[0] == pytest.approx(1.0)
    assert estimated_containment(np.array([0.0]), np.array([100]), np.array([300]))[0] == 0.0


def _item(article_id: int, outlet: str, day: float, title: str, text: str) -> Item:
    return Item(article_id, outlet, day * DAY, SIGNER.sign(title, text))


def test_engine_assigns_incrementally_and_respects_the_window():
    engine = Engine(OPTIONS)
    first = engine.assign([_item(1, "bna", 0, "Udžbenici", STORY), _item(2, "glas", 0.1, "Nova učionica",
                                                                          OTHER_STORY_SAME_TOPIC)])
    assert [a.new for a in first] == [True, True] and first[0].cluster_id != first[1].cluster_id
    engine.rename_clusters({first[0].cluster_id: 10, first[1].cluster_id: 11})
    later = engine.assign([_item(3, "vesti", 2, to_cyrillic("Knjige za dijasporu"), to_cyrillic(STORY)),
                           _item(4, "pogled", 30, "Udžbenici opet", STORY)])
    assert later[0].cluster_id == 10 and not later[0].new and later[0].score > 0.9
    assert later[1].new  # 28 days after the cluster was last seen: outside the 7-day window


def test_same_outlet_boilerplate_does_not_join_two_stories():
    footer = (" Pratite nas na društvenim mrežama. Preuzimanje sadržaja dozvoljeno je uz navođenje izvora i link "
              "ka originalnom tekstu. Komentari čitalaca objavljuju se posle odobrenja urednika.")
    a = _item(1, "portal", 0, "Sastanak u Beču", "Predstavnici udruženja sastali su se u Beču sa gostima iz "
              "Beograda i razgovarali o školi." + footer)
    b = _item(2, "portal", 0.2, "Koncert u Linzu", "Hor iz Linca održao je koncert za sto dvadeset posetilaca u "
              "gradskoj sali." + footer)
    assert jaccard(a.signature, b.signature) > 0.3  # the footer alone makes them look alike
    result = Engine(OPTIONS).assign([a, b])
    assert result[0].cluster_id != result[1].cluster_id


def test_controlled_edits_evaluation_500_articles(record_property):
    """500 generated articles (sentences dropped/added, headline rewritten, Cyrillic↔Latin, boilerplate)."""
    articles = synthetic_corpus(500, seed=7)
    edits = Counter(e for a in articles for e in a.edits)
    stories = Counter(a.story for a in articles)
    assert len(articles) == 500 and all(edits[e] >= 25 for e in ("dropped", "added", "headline", "cyrillic"))
    assert sum(1 for n in stories.values() if n > 1) >= 80  # plenty of syndicated stories …
    stories_per_topic = Counter(topic for topic, _ in {(a.topic, a.story) for a in articles})
    assert min(stories_per_topic.values()) >= 10  # … and many distinct stories on every topic
    items = [Item(a.article_id, a.outlet, a.published.timestamp(), SIGNER.sign(a.title, a.text)) for a in articles]
    predicted = cluster_items(items, OPTIONS, batch_size=120)  # several batches, as in the stage
    precision, recall = pairwise_scores({a.article_id: a.story for a in articles}, predicted)
    record_property("pairwise_precision", precision)
    record_property("pairwise_recall", recall)
    print(f"controlled edits, 500 articles: pairwise precision {precision:.3f}, recall {recall:.3f}")
    assert precision >= 0.98
    assert recall >= 0.95


def test_batching_does_not_change_the_result():
    articles = synthetic_corpus(300, seed=3)
    items = [Item(a.article_id, a.outlet, a.published.timestamp(), SIGNER.sign(a.title, a.text)) for a in articles]
    one = cluster_items(items, OPTIONS, batch_size=10_000)
    many = cluster_items(items, OPTIONS, batch_size=37)
    truth = {a.article_id: a.story for a in articles}
    assert pairwise_scores(truth, one) == pairwise_scores(truth, many)


def test_pairwise_scores():
    truth = {1: "a", 2: "a", 3: "b", 4: "b"}
    assert pairwise_scores(truth, {1: 1, 2: 1, 3: 2, 4: 2}) == (1.0, 1.0)
    assert pairwise_scores(truth, {1: 1, 2: 1, 3: 1, 4: 1}) == (pytest.approx(2 / 6), 1.0)
    assert pairwise_scores(truth, {1: 1, 2: 2, 3: 3, 4: 4}) == (1.0, 0.0)


def test_synthetic_corpus_is_deterministic():
    a = synthetic_corpus(50, seed=5)
    b = synthetic_corpus(50, seed=5)
    assert a == b and a[0].published.tzinfo is dt.UTC

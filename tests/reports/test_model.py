"""Digest records: the mention highlight split, long sentences cut around the match, review JSON."""

from reports.model import SENTENCE_MAX_CHARS, CountRow, MentionLine, Review


def test_mention_parts_split_around_the_match():
    line = MentionLine("office", "Јуче је Управа за дијаспору отворила конкурс.", "Управа за дијаспору")
    assert line.parts() == ("Јуче је ", "Управа за дијаспору", " отворила конкурс.")
    assert MentionLine("office", "Без поклапања.", "Управа").parts() == ("Без поклапања.", "", "")


def test_long_sentences_are_cut_around_the_match():
    sentence = "а" * 3000 + " Управа за дијаспору " + "б" * 3000
    before, match, after = MentionLine("office", sentence, "Управа за дијаспору").parts()
    assert match == "Управа за дијаспору"
    assert before.startswith("…") and after.endswith("…")
    assert len(before) + len(match) + len(after) <= SENTENCE_MAX_CHARS + 2


def test_review_round_trips_through_json_and_caps_the_note():
    review = Review(excluded=[3, 5], pinned=[7], note="Напомена", released_by="op")
    assert Review.from_json(review.to_json()) == review
    assert Review.from_json(None) == Review()
    assert len(Review.from_json('{"note": "' + "x" * 5000 + '"}').note) == 600


def test_change_figures():
    assert (CountRow("t", 15, 10).change, CountRow("t", 15, 10).change_pct) == (5, 50.0)
    assert CountRow("t", 3, 0).change_pct is None

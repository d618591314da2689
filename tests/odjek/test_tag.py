"""``odjek tag``: one text or JSON lines in, JSON out; bad lines named, exit 1 after the good ones."""

from __future__ import annotations

import json

from click.testing import CliRunner

from odjek.cli import main

TEXT = "Direktor Uprave za saradnju s dijasporom i Srbima u regionu Arno Gujon posetio je Srbe u Hrvatskoj."


def test_tag_reads_standard_input_and_prints_one_object():
    result = CliRunner().invoke(main, ["tag", "-"], input=TEXT)
    assert result.exit_code == 0, result.output
    record = json.loads(result.output)
    assert set(record) == {"language", "script", "office", "director", "critical", "topics", "regions", "countries",
                           "scores", "mentions"}
    assert record["language"] == "sr" and record["script"] == "Latn"
    assert record["office"] is True and record["director"] is True
    assert "serbs_in_region" in record["topics"] and record["regions"] == ["region"]
    for mention in record["mentions"]:
        assert TEXT[mention["start"]: mention["end"]] == mention["text"]
        extra = {"person", "former"} if mention["label"] == "director" else set()
        assert set(mention) == {"label", "start", "end", "text", "sentence"} | extra
    assert record["countries"] == ["HR"] and record["critical"] is False
    # No date given: the people file's present state decides, and Gouillon is a former director.
    assert {(m["person"], m["former"]) for m in record["mentions"] if m["label"] == "director"} == {
        ("arnaud-gouillon", True)}
    assert record["scores"]["office"] == 1.0


def test_tag_reads_a_file_with_a_given_language(tmp_path):
    path = tmp_path / "a.txt"
    path.write_text("The Office for Diaspora in Belgrade said.", encoding="utf-8")
    result = CliRunner().invoke(main, ["tag", str(path), "--language", "en"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["office"] is True


def test_tag_jsonl_prints_one_line_per_good_record_and_names_bad_lines():
    lines = [json.dumps({"id": "a", "text": TEXT}), "{not json", json.dumps({"id": 7, "text": "Nothing here."}),
             json.dumps({"text": "no id"}), json.dumps({"id": "r", "text": "Гуйон в Москве.", "language": "ru"})]
    result = CliRunner().invoke(main, ["tag", "--jsonl", "--batch-size", "2"], input="\n".join(lines) + "\n")
    assert result.exit_code == 1
    out = [json.loads(line) for line in result.stdout.splitlines()]
    assert [record["id"] for record in out] == ["a", 7, "r"]
    assert out[0]["director"] is True and out[1]["topics"] == [] and out[2]["language"] == "ru"
    assert out[2]["regions"] == ["europe_russia"]
    assert "line 2: not JSON" in result.stderr and 'line 4: missing "id"' in result.stderr


def test_tag_missing_file_is_an_input_error():
    result = CliRunner().invoke(main, ["tag", "/nonexistent/file.txt"])
    assert result.exit_code == 2
    assert "cannot read" in result.output


def test_tag_with_an_invalid_people_file_is_one_line_and_exit_2(tmp_path):
    people = tmp_path / "people.yaml"
    people.write_text("people:\n  - id: x\n    role: no name\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["tag", "-", "--people", str(people)], input="Gujon")
    assert result.exit_code == 2
    assert "people.yaml:2: people.0.name: Field required" in result.output
    assert "Traceback" not in result.output

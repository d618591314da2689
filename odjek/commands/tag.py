"""``odjek tag``: tag one text, or JSON lines of texts, and print the labels as JSON."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import click

from nlp.lexicon import LexiconError
from odjek.context import echo_json
from odjek.errors import InputError
from schemas.config import ConfigError

BAD_LINES_EXIT = 1


def result_record(result) -> dict[str, Any]:
    """The JSON shape of a TagResult (see docs/tagging.md)."""
    return {
        "language": result.language,
        "script": result.script,
        "office": any(lab.label == "office" for lab in result.labels),
        "director": any(lab.label == "director" for lab in result.labels),
        "critical": any(lab.label == "critical" for lab in result.labels),
        "topics": [lab.label for lab in result.labels if lab.kind == "topic"],
        "regions": [lab.label for lab in result.labels if lab.kind == "region"],
        "countries": [lab.label for lab in result.labels if lab.kind == "country"],
        "scores": {lab.label: lab.score for lab in result.labels},
        "mentions": [{"label": m.label, "start": m.start, "end": m.end, "text": m.text, "sentence": m.sentence,
                      **({"person": m.person, "former": m.former} if m.label == "director" else {})}
                     for m in result.mentions],
    }


def _read_text(source: str) -> str:
    """The whole input as text (UTF-8), from a file or standard input."""
    if source == "-":
        return sys.stdin.read()
    try:
        return Path(source).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read {source}: {exc}") from None


def _parse_lines(stream, bad: list[str]) -> Iterator[tuple[Any, str, str | None]]:
    """Valid (id, text, language) items of a JSON-lines stream; problems go to ``bad``."""
    for number, line in enumerate(stream, 1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            bad.append(f"line {number}: not JSON: {exc.msg}")
            continue
        problem = _line_problem(record)
        if problem:
            bad.append(f"line {number}: {problem}")
            continue
        yield record["id"], record["text"], record.get("language") or None


def _line_problem(record: Any) -> str | None:
    """Why a decoded JSON line cannot be tagged, or None."""
    if not isinstance(record, dict):
        return "expected an object with \"id\" and \"text\""
    if "id" not in record:
        return "missing \"id\""
    if not isinstance(record.get("text"), str):
        return "\"text\" must be a string"
    if record.get("language") is not None and not isinstance(record["language"], str):
        return "\"language\" must be a string"
    return None


@click.command("tag")
@click.argument("source", default="-", metavar="[FILE|-]")
@click.option("--jsonl", is_flag=True, help='Input is JSON lines {"id", "text", optional "language"}; '
              "prints one result per line with its id.")
@click.option("--language", help="Language of the text (sr, hr, bs, cnr, en, de, ru…); detected when omitted.")
@click.option("--people", "people_file", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="People file (default config/people.yaml).")
@click.option("--batch-size", type=click.IntRange(1, 10_000), default=64, show_default=True,
              help="Texts per spaCy batch with --jsonl.")
def command(source: str, jsonl: bool, language: str | None, people_file: Path | None, batch_size: int) -> None:
    """Tag a text: the Directorate, its director, topics and regions, with mentions and offsets.

    Reads FILE (or standard input) and prints one JSON object. With --jsonl, bad lines are
    reported on standard error with their line number and the exit status is 1 after the good
    lines are printed.
    """
    from nlp.pipeline import get_pipeline, pipeline_language, tag_texts  # noqa: PLC0415 - spaCy only here

    try:
        # Build the pipeline first, so a bad people file or lexicon is one line, not a traceback.
        get_pipeline(pipeline_language(language or "sr"), people_file)
    except (ConfigError, LexiconError) as exc:
        raise InputError(str(exc).replace("\n", "; ")) from None
    if not jsonl:
        text = _read_text(source)
        for _, result in tag_texts([(None, text, language)], people_file=people_file):
            echo_json(result_record(result))
        return
    bad: list[str] = []
    stream = sys.stdin if source == "-" else _open(source)
    try:
        items = ((key, text, lang or language) for key, text, lang in _parse_lines(stream, bad))
        for key, result in tag_texts(items, people_file=people_file, batch_size=batch_size):
            echo_json({"id": key, **result_record(result)})
    finally:
        if stream is not sys.stdin:
            stream.close()
    for problem in bad:
        click.echo(f"odjek: error: {problem}", err=True)
    if bad:
        sys.exit(BAD_LINES_EXIT)


def _open(source: str):
    """Open a JSON-lines file for reading as UTF-8 text."""
    try:
        return open(source, encoding="utf-8")  # noqa: SIM115 - closed by the caller
    except OSError as exc:
        raise InputError(f"cannot read {source}: {exc}") from None

"""The odjek command under odd input (issue 14): Hypothesis throws odd arguments, dates, numbers, files and
stdin at the commands an operator types; every run ends with an exit status and a message, never a traceback.

Example counts are modest so the suite stays fast; the archive is a temporary store with a few
imported articles, so searches and re-extraction have something to work on; SQLite and PostgreSQL.
"""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from odjek.cli import main

FUZZ = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])

ODD = st.one_of(
    st.text(max_size=30),
    st.text(alphabet=st.sampled_from("\x00\x01\x1b\x7f\ufffd\u202e'\";%_\\<>&=*?()[]{}|:-+~^ђжšАЯ😀 "), max_size=30),
    st.integers(min_value=-2**70, max_value=2**200).map(str),
    st.sampled_from(["", "-", "--", "2026-02-30", "2026-13-01", "0001-01-01", "9999-12-31", "99999-01-01",
                     "2026-W54", "2026-W00", "1e309", "NaN", "inf", "OR", "\"", "NEAR(", "*", "x" * 3000]),
)
# Values click itself hands over as text (no leading dash: that would be read as an option).
VALUE = ODD.filter(lambda s: not s.startswith("-") and "\x00" not in s)
HUGE = st.integers(min_value=-2**70, max_value=2**200).map(str)


@pytest.fixture(params=["sqlite", "postgresql"])
def cli_env(request, tmp_path, monkeypatch):
    monkeypatch.setenv("ODJEK_DATA_DIR", str(tmp_path / "var"))
    if request.param == "postgresql":  # text with NUL cannot be stored there: the import must say so per line
        monkeypatch.setenv("ODJEK_DATABASE_URL", request.getfixturevalue("postgres_url"))
    else:
        monkeypatch.delenv("ODJEK_DATABASE_URL", raising=False)
    runner = CliRunner()
    lines = [json.dumps({"url": f"https://news.example/vest/{i}-dijaspora", "title": f"Вест {i}", "source_id": "x",
                         "text": "Управа за сарадњу с дијаспором и Србима у региону. " * 8,
                         "published": "2026-03-16T09:00:00+01:00"}, ensure_ascii=False) for i in range(3)]
    articles = tmp_path / "seed.jsonl"
    articles.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert runner.invoke(main, ["init"]).exit_code == 0
    runner.invoke(main, ["import", str(articles)])
    return runner, tmp_path


def _ended_cleanly(result) -> None:
    """An exit status and a message; click's own usage errors are exit 2 too."""
    assert result.exception is None or isinstance(result.exception, SystemExit), (
        result.exit_code, result.output[-500:], repr(result.exception))
    assert "Traceback" not in result.output
    assert result.exit_code in (0, 1, 2, 3, 4, 5, 6), result.exit_code


@FUZZ
@given(query=VALUE, options=st.lists(st.tuples(st.sampled_from(["--from", "--to", "--source", "--language",
                                                                  "--topic", "--region", "--country", "--person",
                                                                  "--group", "--limit", "--page"]), VALUE | HUGE),
                                     max_size=4))
def test_search_takes_odd_queries_and_options(cli_env, query, options):
    runner, _ = cli_env
    args = ["search", query] + [part for option in options for part in option]
    _ended_cleanly(runner.invoke(main, args))


@FUZZ
@given(kind=st.sampled_from(["daily", "weekly"]), option=st.sampled_from(["--date", "--week"]), value=VALUE | HUGE)
def test_digest_takes_odd_dates_and_weeks(cli_env, kind, option, value):
    runner, _ = cli_env
    _ended_cleanly(runner.invoke(main, ["digest", kind, option, value, "--json"]))


@FUZZ
@given(hours=HUGE, limit=HUGE, since=VALUE | HUGE)
def test_failures_and_reextract_take_odd_numbers_and_dates(cli_env, hours, limit, since):
    runner, _ = cli_env
    _ended_cleanly(runner.invoke(main, ["failures", "--hours", hours, "--limit", limit, "--json"]))
    _ended_cleanly(runner.invoke(main, ["reextract", "--since", since, "--json"]))


@FUZZ
@given(lines=st.lists(st.one_of(ODD, st.dictionaries(st.sampled_from(["url", "title", "text", "source",
                                                                       "published", "language"]),
                                                      ODD | st.integers() | st.none() | st.lists(ODD, max_size=2),
                                                      max_size=6).map(json.dumps)), max_size=5))
def test_import_reports_odd_lines_by_number(cli_env, lines):
    runner, tmp_path = cli_env
    path = tmp_path / "odd.jsonl"
    path.write_text("\n".join(lines), encoding="utf-8", errors="surrogatepass")
    _ended_cleanly(runner.invoke(main, ["import", "--json", str(path)]))


@FUZZ
@given(body=st.binary(max_size=3000) | ODD.map(lambda s: s.encode("utf-8", "surrogatepass")), url=VALUE)
def test_extract_takes_any_bytes_and_url(cli_env, body, url):
    runner, tmp_path = cli_env
    path = tmp_path / "odd.html"
    path.write_bytes(body)
    _ended_cleanly(runner.invoke(main, ["extract", "--url", url, "--jsonl", str(path)]))


@FUZZ
@given(text=ODD, language=VALUE)
def test_tag_takes_any_text_and_language(cli_env, text, language):
    runner, _ = cli_env
    _ended_cleanly(runner.invoke(main, ["tag", "--language", language], input=text))


@FUZZ
@given(name=VALUE, role=VALUE, email=VALUE)
def test_users_add_takes_odd_names_roles_and_addresses(cli_env, name, role, email):
    runner, _ = cli_env
    _ended_cleanly(runner.invoke(main, ["users", "add", name, "--role", role, "--email", email, "--password-stdin"],
                                 input="dugacka-lozinka-1\n"))


def test_an_import_line_with_nul_is_rejected_by_number_on_both_stores(cli_env):
    runner, tmp_path = cli_env
    path = tmp_path / "nul.jsonl"
    good = {"url": "https://news.example/vest/9-a", "source": "x", "title": "Вест", "text": "Текст. " * 30,
            "published": "2026-03-16T09:00:00+01:00"}
    path.write_text(json.dumps({**good, "text": "Текст\u0000"}) + "\n" + json.dumps(good) + "\n", encoding="utf-8")
    result = runner.invoke(main, ["import", "--json", str(path)])
    _ended_cleanly(result)
    report = json.loads(result.output.splitlines()[-1])
    assert report["imported"] == 1 and report["rejected"] == [
        {"line": 1, "reason": "contains a NUL character (\\u0000), which the archive cannot store"}]

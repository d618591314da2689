"""Every command turns a configuration or connection error into one line on stderr and exit 2, and
``odjek status`` never creates a store (a mistyped database name or file is an error, not an empty archive)."""

import os
import subprocess
import sys
from dataclasses import dataclass

import pytest
from click.testing import CliRunner

from tests.conftest import REPO_ROOT
from tests.reports.relays import free_port

COMMANDS = [["status"], ["run"], ["digest", "daily", "--date", "2026-03-16"], ["search", "dijaspora"], ["init"],
            ["users", "list"], ["reextract"], ["import", "{lines}"], ["serve", "--port", "{port}"], ["failures"],
            ["maintenance"], ["orgs", "list"], ["orgs", "relink"], ["users", "remove", "ana"]]


@dataclass
class Result:
    returncode: int
    stderr: str


def _odjek(tmp_path, args, in_process=True, **env_overrides):
    """Run a command in this process (click's runner; fast) or as a real process."""
    env = {k: None for k in os.environ if k.startswith("ODJEK_")}
    env.update({"ODJEK_DATA_DIR": str(tmp_path / "data"), "ODJEK_ALLOW_PRIVATE_ADDRESSES": "1", **env_overrides})
    lines = tmp_path / "in.jsonl"
    lines.write_text('{"url": "http://127.0.0.1/a", "title": "t", "text": "x", "source": "s"}\n', encoding="utf-8")
    args = [a.format(lines=lines, port=free_port()) for a in args]
    if in_process:
        from odjek.cli import main

        result = CliRunner().invoke(main, args, env=env)
        if result.exception and not isinstance(result.exception, SystemExit):
            raise result.exception
        return Result(result.exit_code, result.stderr)
    real_env = {k: v for k, v in {**os.environ, **env}.items() if v is not None}
    done = subprocess.run([sys.executable, "-m", "odjek", *args], cwd=REPO_ROOT, env=real_env, capture_output=True,
                          text=True, timeout=120, check=False)
    return Result(done.returncode, done.stderr)


def _assert_one_line_exit_2(result, *expected):
    assert result.returncode == 2, (result.returncode, result.stderr[-2000:])
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("odjek: error: "), result.stderr[-2000:]
    assert "Traceback" not in result.stderr
    for text in expected:
        assert text in lines[0], lines[0]


@pytest.mark.parametrize("args", COMMANDS, ids=lambda a: "-".join(a[:2]))
def test_unreachable_postgresql_is_one_line_and_exit_2(tmp_path, args):
    url = f"postgresql://odjek:geheim@127.0.0.1:{free_port()}/odjek"  # nobody listens there
    result = _odjek(tmp_path, args, ODJEK_DATABASE_URL=url)
    _assert_one_line_exit_2(result, "PostgreSQL", "127.0.0.1")
    assert "geheim" not in result.stderr  # the password is not printed


@pytest.mark.parametrize("url", ["postgresql://odjek@127.0.0.1:{port}/odjek", "ftp://archive.example/odjek"])
def test_a_real_process_prints_one_line_and_exits_2(tmp_path, url):
    result = _odjek(tmp_path, ["status"], in_process=False, ODJEK_DATABASE_URL=url.format(port=free_port()))
    _assert_one_line_exit_2(result)


@pytest.mark.parametrize("args", COMMANDS, ids=lambda a: "-".join(a[:2]))
def test_bad_url_scheme_is_one_line_and_exit_2(tmp_path, args):
    _assert_one_line_exit_2(_odjek(tmp_path, args, ODJEK_DATABASE_URL="mysql://db.example/odjek"),
                            "unsupported database URL")


@pytest.mark.parametrize("content, expected", [("smtp_port: [1, 2", "not valid YAML"),
                                               ("smtp_port: many", "smtp_port"), (None, "No such file")])
def test_bad_settings_are_one_line_and_exit_2(tmp_path, content, expected):
    path = tmp_path / "settings.yaml"
    if content is not None:
        path.write_text(content, encoding="utf-8")
    _assert_one_line_exit_2(_odjek(tmp_path, ["status"], ODJEK_SETTINGS_FILE=str(path)), expected)


def test_status_does_not_create_a_missing_sqlite_file(tmp_path):
    missing = tmp_path / "typo" / "odjek.db"
    result = _odjek(tmp_path, ["status"], ODJEK_DATABASE_URL=f"sqlite:///{missing}")
    _assert_one_line_exit_2(result, str(missing))
    assert not missing.exists() and not missing.parent.exists()


def test_status_does_not_create_a_mistyped_postgresql_database(tmp_path, postgres_url, postgres_admin_url):
    import psycopg

    typo = postgres_url.rsplit("/", 1)[0] + "/odjek_typo_" + os.urandom(4).hex()
    result = _odjek(tmp_path, ["status"], ODJEK_DATABASE_URL=typo)
    _assert_one_line_exit_2(result, "does not exist")
    with psycopg.connect(postgres_admin_url) as conn:
        name = typo.rsplit("/", 1)[1]
        assert conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone() is None
    ok = _odjek(tmp_path, ["status", "--json"], ODJEK_DATABASE_URL=postgres_url)
    assert ok.returncode == 0, ok.stderr[-2000:]

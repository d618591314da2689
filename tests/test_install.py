"""The lean install: Airflow is an extra that only the scheduler needs, and commands import only what they use."""

from __future__ import annotations

import ast
import importlib
import json
import os
import re
import subprocess
import sys
import tomllib
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
# Everything `make demo`, the CLI and the web UI run; dags/ (and bench/, tests/) run with the extra installed.
LEAN_PACKAGES = ["schemas", "extract", "search", "crawlers", "nlp", "archive", "reports", "web", "odjek", "sampleweb"]
SAMPLE_PAGE = REPO_ROOT / "tests" / "data" / "pages"


def _pyproject() -> dict:
    return tomllib.loads((REPO_ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def test_airflow_and_its_providers_are_only_in_the_airflow_extra():
    project = _pyproject()["project"]
    assert not [d for d in project["dependencies"] if d.startswith("apache-airflow")]
    extra = project["optional-dependencies"]["airflow"]
    assert {re.split(r"[=<>\[]", d)[0] for d in extra} >= {
        "apache-airflow", "apache-airflow-providers-celery", "apache-airflow-providers-postgres",
        "apache-airflow-providers-fab", "apache-airflow-providers-smtp"}


def test_make_demo_syncs_without_extras_and_make_test_with_all():
    makefile = (REPO_ROOT / "Makefile").read_text(encoding="utf-8")
    lean = re.search(r"^\$\(VENV\)/\.synced:.*\n\t(.*)$", makefile, re.M).group(1)
    full = re.search(r"^\$\(VENV\)/\.synced-all:.*\n\t(.*)$", makefile, re.M).group(1)
    assert "sync --frozen" in lean and "extra" not in lean
    assert "--inexact" in lean  # a lean sync must not uninstall the Airflow that `make test` put in
    assert "sync --frozen --all-extras" in full
    assert re.search(r"^demo: \$\(VENV\)/\.synced$", makefile, re.M)
    assert re.search(r"^test: \$\(VENV\)/\.synced-all$", makefile, re.M)
    dockerfile = (REPO_ROOT / "Dockerfile").read_text(encoding="utf-8")
    assert all("--extra airflow" in line for line in dockerfile.splitlines() if "uv sync" in line)


def _module_level_imports(path: Path) -> set[str]:
    """Top-level names imported when the module loads (imports inside functions run only when called)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names = set()
    for node in tree.body:
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names


def test_nothing_outside_the_dags_imports_airflow_when_loaded():
    offenders = [str(path.relative_to(REPO_ROOT))
                 for package in LEAN_PACKAGES if (REPO_ROOT / package).is_dir()
                 for path in sorted((REPO_ROOT / package).rglob("*.py"))
                 if "airflow" in _module_level_imports(path)]
    assert offenders == []


def test_odjek_extract_loads_extraction_only():
    page = next(SAMPLE_PAGE.glob("*.html"))
    heavy = ["airflow", "fastapi", "web", "reports", "archive", "psycopg", "spacy", "weasyprint", "pandas",
             "matplotlib", "scrapy", "odjek.commands.serve", "odjek.commands.run", "odjek.commands.digest"]
    probe = (
        "import json, sys\n"
        "from odjek.cli import main\n"
        "try:\n"
        f"    main(['extract', '--jsonl', {str(page)!r}])\n"
        "except SystemExit as exc:\n"
        "    code = exc.code\n"
        f"loaded = sorted(name for name in {heavy!r} if name in sys.modules)\n"
        "print(json.dumps({'code': code, 'loaded': loaded}), file=sys.stderr)\n")
    done = subprocess.run([sys.executable, "-c", probe], cwd=REPO_ROOT, capture_output=True, text=True, timeout=120)
    report = json.loads(done.stderr.strip().splitlines()[-1])
    assert report["code"] == 0
    assert json.loads(done.stdout.splitlines()[0])["file"] == str(page)
    assert report["loaded"] == []


def test_every_module_in_the_readme_stage_table_exists():
    readme = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Where each stage lives", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("| ") and not line.startswith("| stage")]
    assert len(rows) >= 10
    paths = {p for row in rows for p in re.findall(r"`((?:[a-z_]+/)+[a-z_]*\.?[a-z]*)`", row)}
    docs = {p for row in rows for p in re.findall(r"\]\((docs/[a-z-]+\.md)\)", row)}
    assert [p for p in sorted(paths | docs) if not (REPO_ROOT / p).exists()] == []


def test_odjek_help_lists_every_command_without_importing_one():
    probe = (
        "import sys\n"
        "from odjek.cli import main\n"
        "try:\n"
        "    main(['--help'])\n"
        "except SystemExit:\n"
        "    pass\n"
        "print(sorted(m for m in sys.modules if m.startswith('odjek.commands.')), file=sys.stderr)\n")
    done = subprocess.run([sys.executable, "-c", probe], cwd=REPO_ROOT, capture_output=True, text=True, timeout=120,
                          env={**os.environ, "COLUMNS": "200"})
    assert done.stderr.strip().splitlines()[-1] == "[]"
    # The listing read from source says what the imported commands would say.
    from odjek.cli import command_modules

    rows = dict(re.findall(r"^  (\S+) +(.+)$", done.stdout.split("Commands:", 1)[1], re.M))
    names = command_modules()
    assert sorted(rows) == sorted(names)
    # click's limit: the formatter's width (max_content_width 100 less 2) less the name column and spacing
    limit = 98 - 6 - max(map(len, names))
    for name, module_name in names.items():
        command = importlib.import_module(f"odjek.commands.{module_name}").command
        assert rows[name] == command.get_short_help_str(limit), name

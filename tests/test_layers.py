"""The floors of the house: a package imports only from its own floor or the ones below it (issue 12).

schemas (and text-like helpers) → archive / search / nlp / extract / crawlers → reports / web → odjek → dags.
Every import statement counts, also one inside a function or under ``TYPE_CHECKING``: a lazy import that runs up
the floors is still a cycle in the design. bench/ and tests/ stand aside: they may import anything, and nothing on
a floor may import them. sampleweb/ (the demo's sample web) is built from text helpers only (nlp.normalize), and
the demo (odjek) and the tagger's evaluation (nlp) read it, so it counts as floor 2.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT

FLOORS = {
    "schemas": 1, "text": 1,
    "archive": 2, "search": 2, "nlp": 2, "extract": 2, "crawlers": 2, "collect": 2, "sampleweb": 2,
    "reports": 3, "web": 3,
    "odjek": 4,
    "dags": 5,
}
ASIDE = {"bench", "tests", "deploy"}


def module_files(root: Path) -> dict[str, list[Path]]:
    """Every Python file of every floored package present under ``root``, by package."""
    found: dict[str, list[Path]] = {}
    for package in FLOORS:
        folder = root / package
        if folder.is_dir():
            found[package] = sorted(p for p in folder.rglob("*.py") if "__pycache__" not in p.parts)
    return found


def imported_tops(source: str, filename: str) -> list[tuple[int, str]]:
    """(line, top-level package) of every absolute import in a module; relative imports stay in their package."""
    tree = ast.parse(source, filename=filename)
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out += [(node.lineno, alias.name.split(".")[0]) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            out.append((node.lineno, node.module.split(".")[0]))
    return out


def violations(root: Path) -> list[str]:
    """Every import under ``root`` that runs up the floors or into an aside folder, as ``path:line: a → b``."""
    found = []
    for package, files in module_files(root).items():
        floor = FLOORS[package]
        for path in files:
            for line, top in imported_tops(path.read_text(encoding="utf-8"), str(path)):
                where = f"{path.relative_to(root)}:{line}"
                if top in ASIDE:
                    found.append(f"{where}: {package} imports {top} (aside: tests/tools only)")
                elif FLOORS.get(top, 0) > floor:
                    found.append(f"{where}: {package} (floor {floor}) imports {top} (floor {FLOORS[top]})")
    return found


def test_no_import_runs_up_the_floors():
    files = module_files(REPO_ROOT)
    assert {"schemas", "archive", "crawlers", "nlp", "reports", "web", "odjek", "dags"} <= set(files)
    assert sum(len(f) for f in files.values()) > 50  # the walk saw the code, not an empty folder
    found = violations(REPO_ROOT)
    assert not found, "imports running up the floors:\n" + "\n".join(found)


def test_no_package_below_odjek_imports_odjek():
    below = [v for v in violations(REPO_ROOT) if " imports odjek " in v]
    assert not below, "\n".join(below)


@pytest.mark.parametrize("package, statement, bad", [
    ("reports", "from odjek.settings import Settings", True),
    ("crawlers", "def run():\n    import web.app\n", True),  # a lazy import counts too
    ("archive", "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from reports import mailer\n", True),
    ("schemas", "import archive.db", True),
    ("web", "from tests.conftest import REPO_ROOT", True),
    ("sampleweb", "from reports.render import render_html", True),
    ("odjek", "import bench.bench_search", True),
    ("archive", "from crawlers.fallbacks import choose_path", False),  # same floor
    ("odjek", "from web.app import create_app\nfrom schemas.settings import Settings", False),
    ("dags", "from odjek import tasks", False),
    ("nlp", "from . import lexicon\nimport spacy", False),
])
def test_the_walk_catches_an_upward_import(tmp_path, package, statement, bad):
    folder = tmp_path / package / "sub"
    folder.mkdir(parents=True)
    (folder / "mod.py").write_text(statement + "\n", encoding="utf-8")
    found = violations(tmp_path)
    assert bool(found) is bad, found
    if bad:
        assert found[0].startswith(f"{package}/sub/mod.py:")

"""Every SQL statement lives in archive/: no string literal outside it reads as one.

The other packages reach the store only through archive's named functions (digests, sends, alerts,
maintenance, frontier, ...), so a schema change is made in one package. The scan reads string literals
(f-strings with their holes blanked) from the syntax tree of every module, so comments and docstrings that
merely mention a table are not confused with queries, while queries built across concatenated pieces are
still seen whole. bench/ is left out on purpose: benchmarks build their own fixtures; tests/ too.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
# Packages allowed to hold SQL, and folders that are not shipped code.
EXEMPT = {"archive", "bench", "tests", "var", "test-artifacts", "docs", "config", "deploy"}


def _statement(case) -> re.Pattern:
    select, from_, insert, into, update, set_, delete = map(case, ("select", "from", "insert", "into", "update",
                                                                    "set", "delete"))
    ddl, objects = case("create|drop|alter"), case("table|index|database|view")
    return re.compile(rf"\b{select}\b[\s\S]+?\b{from_}\b|\b{insert}\s+{into}\b|\b{update}\s+\w+\s+{set_}\b"
                      rf"|\b{delete}\s+{from_}\b|\b(?:{ddl})\s+(?:{objects})\b")


# SQL is written in capitals here, lower case elsewhere; capitalised prose ("Select an outlet from …") is neither.
STATEMENTS = (_statement(str.upper), _statement(str.lower))


def packages() -> list[Path]:
    """Top-level folders holding Python code, other than archive/ and the exempt ones."""
    return sorted(p for p in ROOT.iterdir()
                  if p.is_dir() and not p.name.startswith(".") and p.name not in EXEMPT
                  and any(p.rglob("*.py")))


def _text(node: ast.AST) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(_text(v) or " x " for v in node.values)
    return None


def _docstrings(tree: ast.AST) -> set[int]:
    ids = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and _text(body[0].value) is not None:
                ids.add(id(body[0].value))
    return ids


def sql_literals(source: str) -> list[tuple[int, str]]:
    """(line, text) of each string literal that reads as an SQL statement.

    Adjacent literals are one constant in the tree already; a query split over ``+`` or joined pieces is
    checked as the whole expression too."""
    tree = ast.parse(source)
    docs = _docstrings(tree)
    found = []
    for node in ast.walk(tree):
        if id(node) in docs:
            continue
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
            parts = [_text(n) for n in (node.left, node.right)]
            text = " ".join(p for p in parts if p) if all(p is not None for p in parts) else None
        else:
            text = _text(node)
        if text and any(p.search(text) for p in STATEMENTS):
            found.append((node.lineno, " ".join(text.split())[:100]))
    return found


def test_the_scan_sees_queries_in_every_literal_form():
    source = '''
"""Reads the labels table; a docstring saying SELECT label FROM labels is prose, not a query."""
a = "SELECT id FROM articles WHERE id = ?"
b = f"UPDATE frontier SET state = ? WHERE id IN ({marks})"
c = ("DELETE FROM raw_pages"
     " WHERE frontier_id = ?")
d = "insert into sends (kind) values (?)"
e = "INSERT INTO" + " x VALUES (?)"
f = "Select an outlet from the list"
g = "CREATE TABLE t (id INTEGER)"
h = f'DROP DATABASE IF EXISTS "{name}"'
'''
    lines = {line for line, _ in sql_literals(source)}
    # Not the docstring (2) nor the capitalised prose (9); every query form, lower case too.
    assert lines == {3, 4, 5, 7, 8, 10, 11}


@pytest.mark.parametrize("package", packages(), ids=lambda p: p.name)
def test_no_sql_statement_outside_archive(package: Path):
    offenders = [f"{path.relative_to(ROOT)}:{line}: {text}"
                 for path in sorted(package.rglob("*.py"))
                 for line, text in sql_literals(path.read_text(encoding="utf-8"))]
    assert not offenders, "SQL outside archive/ (move it behind a function in archive/):\n" + "\n".join(offenders)


def test_the_packages_scanned_include_every_layer_above_the_archive():
    names = {p.name for p in packages()}
    assert {"schemas", "crawlers", "extract", "nlp", "reports", "web", "odjek", "dags"} <= names
    assert "archive" not in names

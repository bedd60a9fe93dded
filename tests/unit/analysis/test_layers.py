"""Analyses sit above the evaluation and the data: neither imports them."""

from __future__ import annotations

import ast
from pathlib import Path

import cocowidget

PACKAGE = Path(cocowidget.__file__).parent


def _imported(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
        elif isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
    return names


def test_data_and_evaluation_never_import_analysis() -> None:
    below = [p for layer in ("data", "evaluation") for p in (PACKAGE / layer).rglob("*.py")]
    assert below
    offenders = {
        str(path.relative_to(PACKAGE)): sorted(n for n in _imported(path) if "analysis" in n)
        for path in below
    }
    assert {path: names for path, names in offenders.items() if names} == {}


def test_analysis_imports_no_widget_view_or_demo_code() -> None:
    for path in (PACKAGE / "analysis").rglob("*.py"):
        for name in _imported(path):
            assert not name.startswith(
                ("cocowidget.widgets", "cocowidget.views", "cocowidget.datasets")
            ), (path.name, name)

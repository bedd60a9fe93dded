"""The notebooks shipped in notebooks/ run top to bottom without error (headless)."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from tests.shared_data import SHARED_DATA

NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"


@pytest.mark.parametrize("name", sorted(p.name for p in NOTEBOOKS.glob("*.ipynb")))
def test_notebook_runs(name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COCOWIDGET_DEMO_DIR", str(tmp_path / "demo"))
    monkeypatch.setenv("COCOWIDGET_DEMO_IMAGES", "60")
    monkeypatch.setenv("COCOWIDGET_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("COCOWIDGET_SHARED_DATA", str(SHARED_DATA))
    notebook = nbformat.read(NOTEBOOKS / name, as_version=4)
    NotebookClient(
        notebook,
        timeout=300,
        kernel_name="python3",
        resources={"metadata": {"path": str(tmp_path)}},
    ).execute()
    errors = [
        output
        for cell in notebook.cells
        for output in cell.get("outputs", [])
        if output.get("output_type") == "error"
    ]
    assert not errors

"""The harness itself: a cell runs in a real kernel and its state reads back."""

import pytest

from .notebook_page import CellError, NotebookPage


def test_cells_run_and_state_reads_back(notebook: NotebookPage) -> None:
    notebook.run("x = 6 * 7")
    assert notebook.value("x") == 42
    assert "hello" in notebook.run("print('hello')")


def test_cell_errors_surface(notebook: NotebookPage) -> None:
    with pytest.raises(CellError, match="ZeroDivisionError"):
        notebook.run("1 / 0")

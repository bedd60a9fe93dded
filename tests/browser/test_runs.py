"""Removing, re-adding and renaming runs with a grid, an explorer and an evaluation view
open: every widget shows the runs by their current names, and no stale column is left."""

from __future__ import annotations

from playwright.sync_api import expect

from cocowidget.datasets import DemoPaths

from .notebook_page import NotebookPage
from .test_grid import LOADED


def run_labels(notebook: NotebookPage, grid_index: int) -> list[str]:
    grid = notebook.page.locator(".cw-grid").nth(grid_index)
    return [text.strip() for text in grid.locator(".cw-runs label").all_inner_texts()]


def test_run_changes_reach_every_open_widget(notebook: NotebookPage, demo: DemoPaths) -> None:
    notebook.run(
        "import cocowidget as cw\n"
        f"ds = cw.CocoDataset.from_coco({str(demo.annotations)!r},"
        f" image_dir={str(demo.image_dir)!r})\n"
        f"ds.add_predictions({str(demo.predictions)!r}, name='a')\n"
        f"ds.add_predictions({str(demo.predictions)!r}, name='b')\n"
        "ev = ds.evaluate('b')\n"
        "grid = cw.CocoGrid(ds, evaluation=ev, height=300)\n"
        "grid"
    )
    notebook.run("explorer = cw.CocoExplorer(ds, columns=['width', 'b.ap'])\nexplorer")
    notebook.run("view = cw.EvaluationView(ds, ev)\nview")
    page = notebook.page
    expect(page.locator(LOADED).first).to_be_visible(timeout=30_000)
    expect(page.locator(".cw-grid")).to_have_count(3)
    for index in range(3):
        assert run_labels(notebook, index) == ["a", "b"]
    # The explorer charts run b's AP and filters by it.
    ap_chart = page.locator(".cw-histogram", has_text="b.ap")
    expect(ap_chart).to_be_visible()
    notebook.run("explorer.filters = {'b.ap': (0.5, 1.0)}")
    expect(page.locator(".cw-filter-chip", has_text="b.ap")).to_be_visible()

    notebook.run("ds.remove_predictions('a')")
    for index in range(3):
        expect(page.locator(".cw-grid").nth(index).locator(".cw-runs label")).to_have_count(1)
        assert run_labels(notebook, index) == ["b"]
    notebook.run("ds.rename_predictions('b', 'frcnn')")
    page.wait_for_function(
        "() => [...document.querySelectorAll('.cw-grid .cw-runs label')]"
        ".every(l => l.textContent.trim() === 'frcnn')"
    )
    assert notebook.value("[c for c in ds.images.columns if c.startswith('b.')]") == []
    assert notebook.value("grid._evaluated_run") == "frcnn"
    # Renaming b took its evaluation columns: the explorer dropped the chart of b.ap and
    # the filter on it (the cell above ran without an error), and kept the width chart.
    expect(ap_chart).to_have_count(0)
    expect(page.locator(".cw-filter-chip")).to_have_count(0)
    expect(page.locator(".cw-histogram", has_text="image width")).to_be_visible()
    expect(page.locator(".cw-explorer-note")).to_contain_text("b.ap")
    assert notebook.value("list(explorer.charts)") == ["width"]
    assert notebook.value("explorer.filters") == {}
    assert notebook.value("len(explorer.filtered_ids)") == notebook.value("len(ds.images)")
    notebook.run(f"ds.add_predictions({str(demo.predictions)!r}, name='a')")
    page.wait_for_function(
        "() => [...document.querySelectorAll('.cw-grid')].every(g =>"
        " [...g.querySelectorAll('.cw-runs label')].map(l => l.textContent.trim()).join()"
        " === 'frcnn,a')"
    )
    # The grid's sort list offers no column of a run that is gone.
    assert "b.ap" not in notebook.value("grid._sortable_columns")

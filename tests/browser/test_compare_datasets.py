"""compare_datasets in JupyterLab: pick a metric, brush a range on its histogram: both
grids show exactly the images with values in it.

With ``COCOWIDGET_SCREENSHOTS=<folder>`` the charts are saved there as compare-datasets.png.
"""

from __future__ import annotations

import os
from pathlib import Path

from playwright.sync_api import Locator, Page, expect

from cocowidget.datasets import DemoPaths

from .notebook_page import NotebookPage
from .test_grid import LOADED


def brush_plot(page: Page, plot: Locator, end: float) -> None:
    """Drag across a bqplot figure's plot area, from its left edge to ``end`` of its width."""
    box = plot.bounding_box()
    assert box is not None
    y = box["y"] + box["height"] / 2
    page.mouse.move(box["x"] + 4, y)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] * end, y, steps=8)
    page.mouse.up()


def test_a_brushed_range_filters_both_grids(notebook: NotebookPage, demo: DemoPaths) -> None:
    notebook.run(
        "import numpy as np\n"
        "import cocowidget as cw\n"
        # No sidecar: the slices must not reach the other tests, which load this demo too.
        f"ds = cw.CocoDataset.from_coco({str(demo.annotations)!r},"
        f" image_dir={str(demo.image_dir)!r}, sidecar=False)\n"
        "ids = ds.images['id']\n"
        "ds.slices.add('wide', ids[ds.images['aspect_ratio'] >= 1])\n"
        "ds.slices.add('tall', ids[ds.images['aspect_ratio'] < 1])\n"
        "view = cw.compare_datasets(ds.slices.dataset('wide'), ds.slices.dataset('tall'),"
        " names=('wide', 'tall'))\n"
        "view"
    )
    cell = notebook.last_index
    page = notebook.page
    expect(page.locator(LOADED).first).to_be_visible(timeout=60_000)
    # The farthest apart metric first: the slices split on aspect ratio.
    assert notebook.value("view.metric") == ["aspect_ratio", "image"]

    # Pick "object area" in the distances chart (bars from the bottom up, then targets).
    keys = notebook.value("[list(k) for k in view._keys]")
    n = len(keys)
    rows = page.locator(".cw-distances .bargroup rect.bar")
    expect(rows).to_have_count(3 * n)
    index = n - 1 - keys.index(["area", "object"])
    rows.nth(2 * n + index).click()
    expect(page.locator(".cw-compare-histogram .cw-chart-title")).to_contain_text("object area")

    # Brush over the left part of the histogram's plot area.
    brush_plot(page, page.locator(".cw-compare-histogram svg .plotarea_events").first, 0.6)
    notebook.value_becomes("view.interval is not None", True)
    low, high = notebook.value("view.interval")
    assert low < high
    expected = notebook.value(
        "[sorted(set(d.annotations['image_id'][(d.annotations['area'] >= lo)"
        " & (d.annotations['area'] <= hi)].tolist())) for d, (lo, hi) in"
        " zip((view.comparison.a, view.comparison.b), [view.interval] * 2)]"
    )
    assert notebook.value("[sorted(s) for s in view.shown_ids]") == expected
    assert all(len(e) > 0 for e in expected)
    totals = notebook.value("[len(view.comparison.a.images), len(view.comparison.b.images)]")
    status = page.locator(".cw-compare .cw-grid-status")
    for side in (0, 1):
        expect(status.nth(side)).to_contain_text(f"{len(expected[side]):,} of {totals[side]:,}")

    shots = os.environ.get("COCOWIDGET_SCREENSHOTS")
    if shots:
        charts = notebook.output(cell).locator(".cw-distances").locator("../..")
        charts.screenshot(path=str(Path(shots) / "compare-datasets.png"))

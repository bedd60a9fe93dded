"""ModelInsight in JupyterLab: click a metric's bar, then a bin: the grid shows exactly
the bin's images.

With ``COCOWIDGET_SCREENSHOTS=<folder>`` the widget is saved there as model-insight.png.
"""

from __future__ import annotations

import os
from pathlib import Path

from playwright.sync_api import expect

from cocowidget.datasets import DemoPaths

from .notebook_page import NotebookPage
from .test_grid import LOADED

STATUS = ".cw-insight .cw-grid-status"


def test_a_metric_then_a_bin_filters_the_grid(notebook: NotebookPage, demo: DemoPaths) -> None:
    notebook.run(
        "import numpy as np\n"
        "import cocowidget as cw\n"
        "from cocowidget.evaluation import ImportanceOptions\n"
        f"ds = cw.CocoDataset.from_coco({str(demo.annotations)!r},"
        f" image_dir={str(demo.image_dir)!r})\n"
        f"ds.add_predictions({str(demo.predictions)!r}, name='sim')\n"
        "ev = ds.evaluate('sim')\n"
        "insight = cw.ModelInsight(ds, ev, bins=4,"
        " options=ImportanceOptions(bootstrap=30, repeats=3))\n"
        "insight"
    )
    widget_cell = notebook.last_index
    page = notebook.page
    expect(page.locator(LOADED).first).to_be_visible(timeout=60_000)
    total: int = notebook.value("len(ds.images)")
    expect(page.locator(STATUS)).to_contain_text(f"{total:,} images")

    # The importance bars: estimate and interval per metric, then one row target each.
    keys = notebook.value("[list(k) for k in insight.importance_chart.shown_keys]")
    n = len(keys)
    assert n >= 5
    rows = page.locator(".cw-importance .bargroup rect.bar")
    expect(rows).to_have_count(3 * n)
    # Pick the image metric ranked highest (the bars count from the bottom up).
    metric = next(key for key in keys if key[1] == "image")
    index = n - 1 - keys.index(metric)
    rows.nth(2 * n + index).click()
    page.wait_for_function(
        "m => document.querySelector('.cw-metric-bins .cw-chart-title')?.textContent.includes(m)",
        arg=metric[0].replace("_", " "),
    )
    assert notebook.value("list(insight.metric)") == metric

    # A click on a bin's AP bar: the grid shows that bin's images and no others.
    bins = page.locator(".cw-metric-bins .bargroup rect.bar")
    n_bins = notebook.value("len(insight._bins.table)")
    assert n_bins >= 2
    bins.nth(n_bins + 1).click()  # AP50 marks, then AP marks: the second bin's AP
    page.wait_for_function(
        "() => !document.querySelector('.cw-insight-status')?.textContent.includes('click a bin')"
    )
    expected = notebook.value(f"sorted(ev.by_metric({metric[0]!r}, 4).image_ids[1].tolist())")
    assert notebook.value("insight.bin") == 1
    assert 0 < len(expected) < total
    expect(page.locator(STATUS)).to_contain_text(f"{len(expected):,} of {total:,} images")
    assert sorted(notebook.value("insight.shown_ids")) == expected
    cells = page.locator(".cw-insight .cw-cell:not([hidden])")
    expect(cells.first).to_be_visible()
    on_screen = {int(c.get_attribute("data-image-id") or -1) for c in cells.all()}
    assert on_screen and on_screen <= set(expected)
    # Worst first: the grid sorts by the run's per-image AP.
    assert notebook.value("insight.grid.sort_by") == "sim.ap"

    shots = os.environ.get("COCOWIDGET_SCREENSHOTS")
    if shots:
        charts = notebook.output(widget_cell).locator(".cw-importance").locator("..")
        charts.screenshot(path=str(Path(shots) / "model-insight.png"))

"""ThresholdView in JupyterLab: click a threshold on the sweep; the grid sorts by the
per-image IoU at it, lowest first.

With ``COCOWIDGET_SCREENSHOTS=<folder>`` the view is saved there as threshold-view.png.
"""

from __future__ import annotations

import os
from pathlib import Path

from playwright.sync_api import expect

from cocowidget.datasets.mask_folders_demo import generate_mask_folders

from .notebook_page import NotebookPage
from .test_grid import LOADED


def test_a_clicked_threshold_sorts_the_grid(notebook: NotebookPage, tmp_path: Path) -> None:
    paths = generate_mask_folders(tmp_path / "masks", 30, seed=4, size=64)
    notebook.run(
        "import numpy as np\n"
        "import cocowidget as cw\n"
        f"ds = cw.CocoDataset.from_mask_folders({str(paths.image_dir)!r},"
        f" {str(paths.mask_dir)!r}, {list(paths.classes)!r})\n"
        f"ds.add_mask_predictions({str(paths.probability_dir)!r}, 'unet')\n"
        "view = cw.ThresholdView(ds, 'unet', thresholds=10)\n"
        "view"
    )
    cell = notebook.last_index
    page = notebook.page
    expect(page.locator(LOADED).first).to_be_visible(timeout=60_000)
    points = page.locator(".cw-threshold-chart .dot")
    expect(points).to_have_count(20)
    points.nth(1).click(force=True)  # the second threshold of the score line
    threshold = notebook.value_becomes(
        "view.threshold", notebook.value("float(view.sweep['threshold'][1])")
    )
    assert threshold == notebook.value("float(view.sweep['threshold'][1])")
    expect(page.locator(".cw-threshold-chart")).to_contain_text(f"picked {threshold:.3f}")
    order = notebook.value("[i for i in view.grid.shown_ids]")
    iou = notebook.value(
        "dict(zip(map(str, ds.images['id'].tolist()),"
        f" ds.mask_scores('unet', {threshold!r})['iou'].tolist()))"
    )
    finite = [iou[str(i)] for i in order if iou[str(i)] == iou[str(i)]]
    assert finite == sorted(finite)
    first = page.locator(".cw-threshold-view .cw-cell[data-position='0']")
    expect(first).to_have_attribute("data-image-id", str(order[0]))
    shots = os.environ.get("COCOWIDGET_SCREENSHOTS")
    if shots:
        notebook.output(cell).screenshot(path=str(Path(shots) / "threshold-view.png"))

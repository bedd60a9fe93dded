"""AugmentationPreview in JupyterLab: the originals and draws show with their boxes,
re-roll brings other draws, and a picked draw lists a dropped box.

With ``COCOWIDGET_SCREENSHOTS=<folder>`` the preview is saved there as
augmentation-preview.png.
"""

from __future__ import annotations

import os
from pathlib import Path

from playwright.sync_api import expect

from cocowidget.datasets import DemoPaths

from .notebook_page import NotebookPage
from .test_compare_datasets import brush_plot
from .test_grid import LOADED

# The grid on show is the first: the next seed's waits below it, clipped out of sight.
SHOWN = ".cw-augmentation-preview .cw-grid >> nth=0"
CELLS = f"{SHOWN} >> .cw-cell:not([hidden])"


def test_preview_re_roll_and_a_dropped_box(notebook: NotebookPage, demo: DemoPaths) -> None:
    notebook.run(
        "import albumentations as A\n"
        "import cocowidget as cw\n"
        f"ds = cw.CocoDataset.from_coco({str(demo.annotations)!r},"
        f" image_dir={str(demo.image_dir)!r}, sidecar=False)\n"
        "crop = A.Compose([A.RandomCrop(200, 200, p=1.0), A.HorizontalFlip(p=0.5)],"
        " bbox_params=A.BboxParams(format='coco', label_fields=['labels'],"
        " min_visibility=0.3))\n"
        "preview = cw.AugmentationPreview(ds, crop, images=ds.images['id'][:4], draws=3,"
        " thumbnail_size=140)\n"
        "preview"
    )
    cell = notebook.last_index
    page = notebook.page
    expect(page.locator(LOADED).first).to_be_visible(timeout=60_000)
    cells = page.locator(CELLS)
    expect(cells.first).to_be_visible()
    expect(page.locator(f"{SHOWN} >> .cw-grid-status")).to_contain_text("16 images")
    captions = page.locator(f"{SHOWN} >> .cw-caption")
    expect(captions.nth(1)).to_contain_text("draw 1")
    before = notebook.value("preview.check.boxes['bbox'].round(3).tolist()")

    page.locator(".cw-augmentation-preview button", has_text="Re-roll").click()
    notebook.value_becomes("preview.seed", 1)
    expect(page.locator(".cw-augmentation-preview .cw-insight-status")).to_contain_text("seed 1")
    assert notebook.value("preview.check.boxes['bbox'].round(3).tolist()") != before
    expect(cells.first).to_be_visible()

    # A draw with a dropped box: click its cell, its list says so.
    row, image_id, draw = notebook.value(
        "(lambda l: next((r, int(i), int(d)) for r, (i, d) in enumerate(zip("
        "preview.preview.image_id, preview.preview.draw)) if d >= 0 and"
        " ((l['image_id'] == i) & (l['draw'] == d) & (l['status'] == 'dropped')).any()))"
        "(preview.check.labels)"
    )
    target = page.locator(f"{SHOWN} >> .cw-cell[data-image-id='{row + 1}']")
    target.scroll_into_view_if_needed()
    target.click()
    listing = page.locator(".cw-preview-labels")
    expect(listing).to_contain_text(f"{image_id}, draw {draw + 1}:")
    expect(listing).to_contain_text("dropped (")

    shots = os.environ.get("COCOWIDGET_SCREENSHOTS")
    if shots:
        notebook.output(cell).screenshot(path=str(Path(shots) / "augmentation-preview.png"))


def test_sizes_before_and_after_a_brushed_range_shows_its_images(
    notebook: NotebookPage, demo: DemoPaths
) -> None:
    notebook.run(
        "import albumentations as A\n"
        "import numpy as np\n"
        "import cocowidget as cw\n"
        f"ds = cw.CocoDataset.from_coco({str(demo.annotations)!r},"
        f" image_dir={str(demo.image_dir)!r}, sidecar=False)\n"
        "shrink = A.Compose([A.LongestMaxSize(160)],"
        " bbox_params=A.BboxParams(format='coco', label_fields=['labels']))\n"
        "check = cw.check_augmentations(ds, shrink)\n"
        "view = cw.AugmentationCheckView(ds, check)\n"
        "view"
    )
    cell = notebook.last_index
    page = notebook.page
    expect(page.locator(LOADED).first).to_be_visible(timeout=60_000)
    brush_plot(page, page.locator(".cw-augmentation-check svg .plotarea_events").first, 0.4)
    notebook.value_becomes("view.interval is not None", True)
    expected = notebook.value(
        "(lambda l, lo, hi: sorted(set(l['image_id'][np.isin(l['status'], ('kept', 'clipped'))"
        " & (np.sqrt(l['area_after']) >= lo) & (np.sqrt(l['area_after']) <= hi)].tolist())))"
        "(check.labels, *view.interval)"
    )
    total = notebook.value("len(ds.images)")
    assert 0 < len(expected) < total
    assert notebook.value("sorted(view.shown_ids)") == expected
    status = page.locator(".cw-augmentation-check .cw-grid-status")
    expect(status).to_contain_text(f"{len(expected):,} of {total:,} images")
    shots = os.environ.get("COCOWIDGET_SHOTS") or os.environ.get("COCOWIDGET_SCREENSHOTS")
    if shots:
        notebook.output(cell).screenshot(path=str(Path(shots) / "augmentation-sizes.png"))

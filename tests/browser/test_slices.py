"""A slice made from a brush in the explorer, picked in the grid's filter, evaluated:
the grid shows exactly its images and ``ev.by_slice()`` equals pycocotools' COCOeval run
on them alone."""

from __future__ import annotations

from playwright.sync_api import expect

from cocowidget.datasets import DemoPaths

from .notebook_page import NotebookPage
from .test_explorer import brush, histogram, status, wait_for_release

REFERENCE = """
import contextlib, copy, io, json
from pycocotools.coco import COCO
from pycocotools.cocoeval import COCOeval

def cocoeval_stats(image_ids):
    with contextlib.redirect_stdout(io.StringIO()):
        coco = COCO(ANNOTATIONS)
        with open(PREDICTIONS) as file:
            found = COCOeval(coco, coco.loadRes(json.load(file)), "bbox")
        found.params.imgIds = sorted(image_ids)
        found.evaluate(); found.accumulate(); found.summarize()
    return found.stats
"""


def test_a_brushed_slice_filters_the_grid_and_evaluates_exactly(
    notebook: NotebookPage, demo: DemoPaths
) -> None:
    notebook.run(
        "import numpy as np\n"
        "import cocowidget as cw\n"
        f"ANNOTATIONS, PREDICTIONS = {str(demo.annotations)!r}, {str(demo.predictions)!r}\n"
        f"ds = cw.CocoDataset.from_coco(ANNOTATIONS, image_dir={str(demo.image_dir)!r},"
        " sidecar=False)\n"
        "ds.add_predictions(PREDICTIONS, name='sim')\n"
        "ev = ds.evaluate('sim')\n"
        "explorer = cw.CocoExplorer(ds, thumbnail_size=96)\n"
        "explorer"
    )
    page = notebook.page
    total: int = notebook.value("len(ds.images)")
    expect(status(page)).to_contain_text(f"{total} images", timeout=30_000)

    brush(page, histogram(page, "image width"), 0.0, 0.45)
    expect(status(page)).to_contain_text(f" of {total} images", timeout=20_000)
    wait_for_release(notebook, "width")
    brushed = notebook.value("sorted(explorer.filtered_ids)")
    assert 0 < len(brushed) < total

    # The brush becomes a slice; the explorer lets go of its filter.
    notebook.run("ds.slices.add('narrow', explorer.filtered_ids)\nexplorer.reset()")
    expect(status(page)).to_contain_text(f"{total} images")
    assert notebook.value("sorted(ds.slices['narrow'].tolist())") == brushed

    # Picked in the grid's filter select, the slice is what the grid shows.
    select = page.locator(".cw-explorer .cw-tag-filter")
    expect(select.locator("option", has_text="not in narrow")).to_be_attached()
    select.select_option(label="in narrow")
    expect(status(page)).to_contain_text(f"{len(brushed)} of {total} images")
    assert notebook.value("explorer.grid.slice_filter") == "narrow"
    assert notebook.value("sorted(explorer.grid.shown_ids)") == brushed
    select.select_option(label="not in narrow")
    expect(status(page)).to_contain_text(f"{total - len(brushed)} of {total} images")

    # Evaluated: COCOeval's twelve numbers on the slice's images alone.
    notebook.run(REFERENCE)
    difference = notebook.value(
        "float(np.abs(np.array([ev.by_slice(['narrow'])[s][0] for s in ev.stat_names])"
        " - cocoeval_stats(ds.slices['narrow'].tolist())).max())"
    )
    assert difference <= 1e-12

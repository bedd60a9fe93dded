"""EvaluationView in JupyterLab: a click on a class bar filters the grid to exactly the
images the evaluation filters give; the error toggle narrows them; "Show all" restores.
A click on a confusion-matrix cell filters the grid to the images of its confusions."""

from __future__ import annotations

from playwright.sync_api import expect

from cocowidget.datasets import DemoPaths

from .notebook_page import NotebookPage
from .test_grid import LOADED

GRID_STATUS = ".cw-evaluation .cw-grid-status"
STATUS = ".cw-class-filter-status"
HEATMAP_CELLS = ".cw-confusion rect.heatmapcell"

# Which detections a confusion cell holds, worked out apart from cocowidget's matching:
# pycocotools' COCOeval with useCats=0 matches detections to objects of any class (the
# matching the confusion matrix describes); the evaluation's per-detection table gives
# each detection's id, class and score, its per-object table each object's class.
REFERENCE = """
import contextlib, io, json
import numpy as np
from pycocotools.coco import COCO
from pycocotools.cocoeval import COCOeval

def agnostic_cell(truth, predicted, iou, score):
    with contextlib.redirect_stdout(io.StringIO()):
        coco = COCO(ANNOTATIONS)
        with open(PREDICTIONS) as file:
            found = COCOeval(coco, coco.loadRes(json.load(file)), "bbox")
        found.params.useCats = 0
        found.evaluate()
    t = int(np.argmin(np.abs(found.params.iouThrs - iou)))
    dets, objects = ev.detections, ev.ground_truth
    object_class = dict(zip(objects["id"].tolist(), objects["category_id"].tolist()))
    ids = []
    for e in found.evalImgs[: len(found.params.imgIds)]:  # area 'all'
        for d, number in enumerate(e["dtIds"] if e else []):
            row = number - 1  # loadRes numbers the detections 1..N in file order
            matched = int(e["dtMatches"][t, d])
            if (
                matched
                and not e["dtIgnore"][t, d]
                and dets["score"][row] >= score
                and dets["category_id"][row] == predicted
                and object_class[matched] == truth
            ):
                ids.append(int(dets["id"][row]))
    images = sorted({int(dets["image_id"][dets["id"].tolist().index(i)]) for i in ids})
    return sorted(ids), images
"""


def open_view(notebook: NotebookPage, demo: DemoPaths) -> int:
    """An EvaluationView of the demo run, its grid loaded; returns the number of images."""
    notebook.run(
        "import cocowidget as cw\n"
        "from cocowidget.views import evaluation_filters as ef\n"
        f"ANNOTATIONS, PREDICTIONS = {str(demo.annotations)!r}, {str(demo.predictions)!r}\n"
        "ds = cw.CocoDataset.from_coco(ANNOTATIONS,"
        f" image_dir={str(demo.image_dir)!r})\n"
        "ds.add_predictions(PREDICTIONS, name='sim')\n"
        "ev = ds.evaluate('sim')\n"
        "view = cw.EvaluationView(ds, ev, show_masks=False)\n"
        "view"
    )
    page = notebook.page
    expect(page.locator(LOADED).first).to_be_visible(timeout=30_000)
    total: int = notebook.value("len(ds.images)")
    expect(page.locator(GRID_STATUS)).to_contain_text(f"{total:,} images")
    return total


def test_class_bar_click_filters_the_grid(notebook: NotebookPage, demo: DemoPaths) -> None:
    total = open_view(notebook, demo)
    page = notebook.page

    # Bars are drawn bottom-up in chart.order; the top one is the class with the worst AP.
    bars = page.locator(".cw-class-ap .bargroup rect.bar")
    n_classes = notebook.value("len(view.class_chart.order)")
    expect(bars).to_have_count(2 * n_classes)  # AP50 behind, AP in front
    index = n_classes - 1
    worst = notebook.value(f"view.class_chart.category_ids[int(view.class_chart.order[{index}])]")
    bars.nth(n_classes + index).click()  # the front (AP) mark's bar

    expected = notebook.value(
        f"ef.images_with_class(ev, {worst}, score_threshold=view.grid.score_threshold).tolist()"
    )
    assert 0 < len(expected) < total
    expect(page.locator(GRID_STATUS)).to_contain_text(f"{len(expected):,} of {total:,} images")
    assert notebook.value("view.selected_class") == worst
    assert sorted(notebook.value("view.grid.shown_ids")) == expected
    shown_cells = page.locator(".cw-evaluation .cw-cell:not([hidden])")
    expect(shown_cells.first).to_be_visible()
    on_screen = {int(c.get_attribute("data-image-id") or -1) for c in shown_cells.all()}
    assert on_screen and on_screen <= set(expected)

    # Narrow to the images where that class has false positives.
    page.locator(".cw-class-filter button", has_text="with false positives").click()
    wrong = notebook.value(
        f"ef.images_with_false_positives(ev, category_id={worst},"
        " iou_threshold=view.grid.iou_threshold,"
        " score_threshold=view.grid.score_threshold).tolist()"
    )
    assert 0 < len(wrong) < len(expected)
    expect(page.locator(GRID_STATUS)).to_contain_text(f"{len(wrong):,} of {total:,} images")
    assert notebook.value("view.image_filter") == "false_positives"
    assert sorted(notebook.value("view.grid.shown_ids")) == wrong

    # The grid's score slider is the view's operating point too.
    slider = page.locator(".cw-evaluation .cw-threshold")
    slider.evaluate("el => { el.value = '0.8'; el.dispatchEvent(new Event('input')); }")
    expect(page.locator(STATUS)).to_contain_text("score ≥ 0.80")
    confident = notebook.value(
        f"ef.images_with_false_positives(ev, category_id={worst},"
        " iou_threshold=view.grid.iou_threshold, score_threshold=0.8).tolist()"
    )
    assert len(confident) < len(wrong)
    expect(page.locator(GRID_STATUS)).to_contain_text(f"{len(confident):,} of {total:,} images")
    assert sorted(notebook.value("view.grid.shown_ids")) == confident

    page.locator(".cw-class-filter button", has_text="Show all").click()
    expect(page.locator(GRID_STATUS)).not_to_contain_text(" of ")
    expect(page.locator(GRID_STATUS)).to_contain_text(f"{total:,} images")
    assert notebook.value("[view.selected_class, view.image_filter]") == [None, "all"]
    assert len(notebook.value("view.grid.shown_ids")) == total


def test_confusion_cell_click_filters_the_grid(notebook: NotebookPage, demo: DemoPaths) -> None:
    total = open_view(notebook, demo)
    page = notebook.page
    notebook.run(REFERENCE)
    # The most frequent mix-up: its cell in the matrix as drawn (mix-ups mode).
    notebook.run(
        "drawn = view.confusion.view\n"
        "off = drawn.counts.copy()\n"
        "np.fill_diagonal(off, 0)\n"
        "row, column = (int(k) for k in np.unravel_index(off.argmax(), off.shape))\n"
        "truth, predicted = drawn.category_ids[row], drawn.category_ids[column]"
    )
    row, column, truth, predicted = notebook.value("[row, column, truth, predicted]")
    assert truth != predicted
    expected_ids, expected_images = notebook.value(
        "agnostic_cell(truth, predicted, view.grid.iou_threshold, view.grid.score_threshold)"
    )
    assert 0 < len(expected_images) < total
    assert notebook.value("int(off.max())") == len(expected_ids)  # the count it shows

    cells = page.locator(HEATMAP_CELLS)
    expect(cells.first).to_be_attached()
    # d3 keeps each cell's datum (its row and column) on the element.
    index = page.evaluate(
        """([selector, row, column]) => [...document.querySelectorAll(selector)]
             .findIndex(c => c.__data__?.rowNum === row && c.__data__?.columnNum === column)""",
        [HEATMAP_CELLS, row, column],
    )
    assert index >= 0
    cells.nth(index).click()

    expect(page.locator(STATUS)).to_contain_text(f"{len(expected_ids)} ")
    expect(page.locator(STATUS)).to_contain_text(" detected as ")
    expect(page.locator(GRID_STATUS)).to_contain_text(
        f"{len(expected_images):,} of {total:,} images"
    )
    assert notebook.value("list(view.confusion_cell)") == [truth, predicted]
    assert sorted(notebook.value("view.confusion_detection_ids")) == expected_ids
    assert sorted(notebook.value("view.grid.shown_ids")) == expected_images
    shown_cells = page.locator(".cw-evaluation .cw-cell:not([hidden])")
    expect(shown_cells.first).to_be_visible()
    on_screen = {int(c.get_attribute("data-image-id") or -1) for c in shown_cells.all()}
    assert on_screen and on_screen <= set(expected_images)
    # The picked cell is outlined.
    expect(cells.nth(index)).to_have_css("stroke-width", "3px")

    # A second click on the cell lets go of it: every image again.
    cells.nth(index).click()
    expect(page.locator(GRID_STATUS)).not_to_contain_text(" of ")
    expect(page.locator(GRID_STATUS)).to_contain_text(f"{total:,} images")
    assert notebook.value("[view.confusion_cell, view.confusion_detection_ids]") == [None, []]
    assert len(notebook.value("view.grid.shown_ids")) == total

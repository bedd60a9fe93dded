"""EvaluationView in JupyterLab: a click on a class bar filters the grid to exactly the
images the evaluation filters give, draws that class's objects at full strength and the
others dimmed, and counts that class alone; a class's whole row is its hover and click
target; the error toggle narrows them; "Show all" restores. A click on a confusion-matrix
cell filters the grid to the images of its confusions; its fewest count stays visible in
the light and the dark theme."""

from __future__ import annotations

import io
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image
from playwright.sync_api import Locator, Page, expect

from cocowidget.datasets import DemoPaths

from .notebook_page import NotebookPage
from .test_grid import LOADED

GRID_STATUS = ".cw-evaluation .cw-grid-status"
STATUS = ".cw-class-filter-status"
HEATMAP_CELLS = ".cw-confusion rect.heatmapcell"
CLASS_BARS = ".cw-class-ap .bargroup rect.bar"  # AP50 marks, AP marks, then the row targets
TOOLTIP = ".cw-tooltip:has(.cw-tooltip-title)"

# Pixels of the grid's overlay canvases drawn (nearly) opaque: objects at full strength.
# An emphasis dims the others to a quarter, far below the bound.
OPAQUE_OVERLAY_PIXELS = """() => {
  let count = 0;
  for (const canvas of document.querySelectorAll('.cw-evaluation canvas.cw-row-overlay')) {
    if (!canvas.width || !canvas.height) continue;
    const data = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
    for (let i = 3; i < data.length; i += 4) if (data[i] >= 230) count++;
  }
  return count;
}"""

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
        "import numpy as np\n"
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
    bars = page.locator(CLASS_BARS)
    n_classes = notebook.value("len(view.class_chart.order)")
    expect(bars).to_have_count(3 * n_classes)  # AP50 behind, AP in front, the row targets
    index = n_classes - 1
    worst = notebook.value(f"view.class_chart.category_ids[int(view.class_chart.order[{index}])]")
    bars.nth(2 * n_classes + index).click()  # the class's row

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

    # The grid counts that class alone: the class table's numbers (every image where the
    # class has a TP, FP or FN is shown), said as of that class.
    name, tp, fp, fn = notebook.value(
        "(lambda t, r: [str(t['name'][r])] + [int(t[c][r]) for c in ('tp', 'fp', 'fn')])("
        "ev.class_table(view.grid.iou_threshold, view.grid.score_threshold),"
        f" ev.category_ids.tolist().index({worst}))"
    )
    expect(page.locator(GRID_STATUS)).to_contain_text(f"TP {tp} · FP {fp} · FN {fn} ({name} only)")
    # Its objects, and only those, are emphasised: drawn at full strength, the rest dimmed.
    truth = notebook.value(
        f"sorted(ds.annotations['id'][(ds.annotations['category_id'] == {worst})"
        " & np.isin(ds.annotations['image_id'], view.grid.shown_ids)].tolist())"
    )
    emphasised = notebook.value("view.grid.emphasized")
    assert truth and sorted(i for ids in emphasised.values() for i in ids) == truth
    assert notebook.value(
        "sorted(i for ids in view.grid.emphasized_detections['sim'].values() for i in ids)"
        f" == sorted(ds.predictions['sim']['id'][ds.predictions['sim']['category_id'] == {worst}]"
        "[np.isin(ds.predictions['sim']['image_id'][ds.predictions['sim']['category_id'] =="
        f" {worst}], view.grid.shown_ids)].tolist())"
    )
    wait_until_drawn(page)
    dimmed = page.evaluate(OPAQUE_OVERLAY_PIXELS)
    notebook.run("view.grid.emphasize(None)")  # the same images, every object at full strength
    page.wait_for_function(f"() => ({OPAQUE_OVERLAY_PIXELS})() > 2 * {dimmed}")

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
    expect(page.locator(GRID_STATUS)).to_contain_text("(all classes)")
    assert notebook.value("[view.selected_class, view.image_filter]") == [None, "all"]
    assert len(notebook.value("view.grid.shown_ids")) == total
    assert notebook.value("view.grid.emphasized") == {}


def wait_until_drawn(page: Page) -> None:
    """Every visible cell of the view has its thumbnail (and so its overlay) drawn."""
    page.wait_for_function(
        """() => { const cells = [...document.querySelectorAll(
                     '.cw-evaluation .cw-cell:not([hidden]) img.cw-thumb')];
                   return cells.length > 0 && cells.every(i => i.src.startsWith('blob:')); }"""
    )


def test_a_class_row_is_one_target(notebook: NotebookPage, demo: DemoPaths) -> None:
    """Hovering a class's row anywhere (its AP bar, the AP50 bar beyond it, the space
    beyond both) reads that class's AP and AP50; a click anywhere on it picks it."""
    open_view(notebook, demo)
    page = notebook.page
    bars = page.locator(CLASS_BARS)
    n_classes = notebook.value("len(view.class_chart.order)")
    index = n_classes - 1  # the top row: the worst AP
    name, ap, ap50, worst = notebook.value(
        f"(lambda r: [view.class_chart.labels[r], float(ev.classes['ap'][r]),"
        " float(ev.classes['ap50'][r]), view.class_chart.category_ids[r]])"
        f"(int(view.class_chart.order[{index}]))"
    )
    assert ap < ap50
    other = notebook.value(f"view.class_chart.labels[int(view.class_chart.order[{index - 1}])]")

    def spots() -> tuple[float, float, dict[str, float]]:
        """The row's middle, the next row's, and points along the row (measured after
        any cell run, which scrolls the notebook)."""
        ap50_bar, ap_bar = bars.nth(index), bars.nth(n_classes + index)
        ap50_bar.scroll_into_view_if_needed()
        ap_box, ap50_box = ap_bar.bounding_box(), ap50_bar.bounding_box()
        below = bars.nth(2 * n_classes + index - 1).bounding_box()  # the next class's row
        assert ap_box is not None and ap50_box is not None and below is not None
        ap_end, ap50_end = ap_box["x"] + ap_box["width"], ap50_box["x"] + ap50_box["width"]
        along = {
            "on the AP bar": ap_box["x"] + ap_box["width"] / 2,
            "on the AP50 bar beyond it": (ap_end + ap50_end) / 2,
            "beyond both": ap50_end + 15,
        }
        middle = ap_box["y"] + ap_box["height"] / 2
        return middle, below["y"] + below["height"] / 2, along

    tooltip = page.locator(TOOLTIP)
    title = tooltip.locator(".cw-tooltip-title")
    y, next_y, along = spots()
    for where, x in along.items():
        # From the next row (its tooltip shown), onto this one at the spot.
        page.mouse.move(x, next_y)
        expect(title, where).to_have_text(other)
        page.mouse.move(x, y)
        expect(title, where).to_have_text(name)
        expect(tooltip, where).to_be_visible()
        expect(tooltip, where).to_contain_text(f"AP {ap:.3f} · AP50 {ap50:.3f}")
    page.mouse.click(along["on the AP50 bar beyond it"], y)
    assert notebook.value_becomes("view.selected_class", worst) == worst
    y, _, along = spots()
    page.mouse.click(along["beyond both"], y)  # the picked row again lets go
    assert notebook.value_becomes("view.selected_class", None) is None


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


def _luminance(rgb: tuple[int, int, int]) -> float:
    def linear(c: int) -> float:
        v = c / 255
        return v / 12.92 if v <= 0.04045 else ((v + 0.055) / 1.055) ** 2.4

    r, g, b = (linear(c) for c in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: tuple[int, int, int], b: tuple[int, int, int]) -> float:
    """WCAG contrast ratio of two colours (1 to 21)."""
    high, low = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def pixel(page: Page, x: float, y: float) -> tuple[int, int, int]:
    """The colour the page shows at a point, as a person sees it (after compositing)."""
    shot = page.screenshot(clip={"x": x, "y": y, "width": 1, "height": 1})
    r, g, b = Image.open(io.BytesIO(shot)).convert("RGB").getpixel((0, 0))
    return int(r), int(g), int(b)


def cell_at(page: Page, row: int, column: int) -> Locator:
    index = page.evaluate(
        """([selector, row, column]) => [...document.querySelectorAll(selector)]
             .findIndex(c => c.__data__?.rowNum === row && c.__data__?.columnNum === column)""",
        [HEATMAP_CELLS, row, column],
    )
    assert index >= 0
    return page.locator(HEATMAP_CELLS).nth(index)


def chart_background(page: Page) -> tuple[float, float]:
    """A point of the confusion chart's own background: right of the matrix, inside the
    figure's margin (the chart scrolled into view first: cell runs scroll the notebook)."""
    page.locator(".cw-confusion .svg-figure").scroll_into_view_if_needed()
    figure = page.locator(".cw-confusion .svg-figure").bounding_box()
    plot = page.locator(".cw-confusion .plotarea_background").bounding_box()
    assert figure is not None and plot is not None
    right = plot["x"] + plot["width"]
    return (right + figure["x"] + figure["width"]) / 2, plot["y"] + 4


def centre(locator: Locator) -> tuple[float, float]:
    box = locator.bounding_box()
    assert box is not None
    return box["x"] + box["width"] / 2, box["y"] + box["height"] / 2


@pytest.fixture
def light_theme_after(notebook: NotebookPage) -> Iterator[None]:
    """The theme is a setting of the session's JupyterLab: later tests need it light."""
    yield
    notebook.page.evaluate(
        "() => window.jupyterapp.commands.execute('apputils:change-theme',"
        " {theme: 'JupyterLab Light'})"
    )
    notebook.page.wait_for_function("() => document.body.dataset.jpThemeLight === 'true'")


@pytest.mark.usefixtures("light_theme_after")
def test_the_fewest_confusions_stand_out_in_light_and_dark(
    notebook: NotebookPage, demo: DemoPaths
) -> None:
    open_view(notebook, demo)
    page = notebook.page
    notebook.run("view.confusion.mode.value = 'all'")  # counts from 1 to the diagonal's
    # The cell with the fewest objects drawn (one, say, beside a diagonal of dozens), an
    # empty one, and the most.
    notebook.run(
        "drawn = view.confusion.view\n"
        "shown = np.where(np.isfinite(drawn.values), drawn.values, np.inf)\n"
        "fewest = [int(k) for k in np.unravel_index(np.argmin(shown), shown.shape)]\n"
        "empty = [int(k) for k in np.argwhere(~np.isfinite(drawn.values))[0]]\n"
        "most = [int(k) for k in np.unravel_index(np.nanargmax(drawn.values), shown.shape)]"
    )
    fewest, empty, most = notebook.value("[fewest, empty, most]")
    low, high = notebook.value("[int(drawn.counts[tuple(fewest)]), int(drawn.counts[tuple(most)])]")
    assert low * 10 <= high  # a wide range: the linear end of it is what faded out
    cells = {name: cell_at(page, *where) for name, where in
             (("fewest", fewest), ("empty", empty), ("most", most))}  # fmt: skip
    for theme, dark in (("JupyterLab Light", False), ("JupyterLab Dark", True)):
        fill = cells["fewest"].evaluate("c => getComputedStyle(c).fill")
        page.evaluate(
            "(theme) => window.jupyterapp.commands.execute('apputils:change-theme', {theme})",
            theme,
        )
        page.wait_for_function(
            "(light) => document.body.dataset.jpThemeLight === light", arg=str(not dark).lower()
        )
        assert notebook.value_becomes("view.confusion.theme.dark", dark) is dark
        if dark:  # the palette changes with the theme
            page.wait_for_function(
                "([c, before]) => getComputedStyle(c).fill !== before",
                arg=[cells["fewest"].element_handle(), fill],
            )
        page.mouse.move(0, 0)  # no tooltip over the cells
        # The theme repaints on its own time (a full run on a busy machine once read the
        # page mid-repaint): read until the chart shows the theme's background, 5 s at most.
        for _ in range(20):
            cells["most"].scroll_into_view_if_needed()
            background = pixel(page, *chart_background(page))
            seen = {name: pixel(page, *centre(cell)) for name, cell in cells.items()}
            if dark == (_luminance(background) < 0.1) and len(set(seen.values())) > 1:
                break
            page.wait_for_timeout(250)
        assert dark == (_luminance(background) < 0.1), theme
        # One object is as visible as a graphic must be (WCAG: 3:1 against its
        # surroundings); an empty cell is a tint only; the most is the strongest.
        assert contrast(seen["fewest"], background) >= 3.0, (theme, seen, background)
        assert contrast(seen["empty"], background) < 1.5, (theme, seen, background)
        assert contrast(seen["most"], background) > contrast(seen["fewest"], background)


BREAKDOWN = ".cw-error-breakdown"


def test_errors_per_class_stack_by_kind_and_a_row_picks_its_class(
    notebook: NotebookPage, demo: DemoPaths
) -> None:
    """The breakdown draws one stack per class (its five kinds, as
    ``ev.error_breakdown`` counts them) in the AP chart's order; hovering a row reads its
    counts, clicking it filters the grid to the class's images."""
    total = open_view(notebook, demo)
    page = notebook.page
    n_classes = notebook.value("len(view.breakdown.order)")
    chart = page.locator(BREAKDOWN)
    chart.scroll_into_view_if_needed()
    # bqplot draws a rect per kind per class for the stacks, one per class for the rows.
    rects = chart.locator(".bargroup rect.bar")
    expect(rects).to_have_count(5 * n_classes + n_classes)
    ticks = chart.locator(".axis text").all_text_contents()
    labels = notebook.value("[view.breakdown.labels[i] for i in view.breakdown.order[::-1]]")
    top_label = labels[0]
    assert top_label in ticks
    assert labels == notebook.value(
        "[view.class_chart.labels[view.class_chart.category_ids.index(c)]"
        " for c in view.class_chart.shown_category_ids]"
    )
    # The top stack's widths are in proportion to its counts.
    counts = notebook.value(
        "(lambda t, r: [int(t[k][r]) for k in ('duplicate', 'localisation', 'confusion',"
        " 'background', 'missed')])(ev.error_breakdown(view.grid.iou_threshold,"
        " view.grid.score_threshold), int(view.breakdown.order[-1]))"
    )
    assert sum(counts) > 0
    top_row = rects.nth(5 * n_classes + n_classes - 1)  # the stacks, then the row targets
    top_row.hover()
    tooltip = page.locator(".cw-tooltip", has_text="false positives:")
    expect(chart.locator(".cw-swatch-localisation")).to_have_text("localisation")
    expect(tooltip).to_contain_text(top_label)
    expect(tooltip).to_contain_text(f"missed {counts[4]:,}")

    top_row.click()
    worst = notebook.value("view.breakdown.category_ids[int(view.breakdown.order[-1])]")
    expected = notebook.value(
        f"ef.images_with_class(ev, {worst}, score_threshold=view.grid.score_threshold).tolist()"
    )
    expect(page.locator(GRID_STATUS)).to_contain_text(f"{len(expected):,} of {total:,} images")
    assert notebook.value("view.selected_class") == worst
    shots = os.environ.get("COCOWIDGET_SCREENSHOTS")
    if shots:
        chart.screenshot(path=str(Path(shots) / "error-breakdown.png"))

"""EvaluationView in JupyterLab: a click on a class bar filters the grid to exactly the
images the evaluation filters give; the error toggle narrows them; "Show all" restores."""

from __future__ import annotations

from playwright.sync_api import expect

from cocowidget.datasets import DemoPaths

from .notebook_page import NotebookPage
from .test_grid import LOADED

GRID_STATUS = ".cw-evaluation .cw-grid-status"


def test_class_bar_click_filters_the_grid(notebook: NotebookPage, demo: DemoPaths) -> None:
    notebook.run(
        "import cocowidget as cw\n"
        "from cocowidget.views import evaluation_filters as ef\n"
        f"ds = cw.CocoDataset.from_coco({str(demo.annotations)!r},"
        f" image_dir={str(demo.image_dir)!r})\n"
        f"ds.add_predictions({str(demo.predictions)!r}, name='sim')\n"
        "ev = ds.evaluate('sim')\n"
        "view = cw.EvaluationView(ds, ev, show_masks=False)\n"
        "view"
    )
    page = notebook.page
    expect(page.locator(LOADED).first).to_be_visible(timeout=30_000)
    total = notebook.value("len(ds.images)")
    expect(page.locator(GRID_STATUS)).to_contain_text(f"{total} images")

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
    expect(page.locator(GRID_STATUS)).to_contain_text(f"{len(expected)} of {total} images")
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
    expect(page.locator(GRID_STATUS)).to_contain_text(f"{len(wrong)} of {total} images")
    assert notebook.value("view.image_filter") == "false_positives"
    assert sorted(notebook.value("view.grid.shown_ids")) == wrong

    # The grid's score slider is the view's operating point too.
    slider = page.locator(".cw-evaluation .cw-threshold")
    slider.evaluate("el => { el.value = '0.8'; el.dispatchEvent(new Event('input')); }")
    expect(page.locator(".cw-class-filter-status")).to_contain_text("score ≥ 0.80")
    confident = notebook.value(
        f"ef.images_with_false_positives(ev, category_id={worst},"
        " iou_threshold=view.grid.iou_threshold, score_threshold=0.8).tolist()"
    )
    assert len(confident) < len(wrong)
    expect(page.locator(GRID_STATUS)).to_contain_text(f"{len(confident)} of {total} images")
    assert sorted(notebook.value("view.grid.shown_ids")) == confident

    page.locator(".cw-class-filter button", has_text="Show all").click()
    expect(page.locator(GRID_STATUS)).not_to_contain_text(" of ")
    expect(page.locator(GRID_STATUS)).to_contain_text(f"{total} images")
    assert notebook.value("[view.selected_class, view.image_filter]") == [None, "all"]
    assert len(notebook.value("view.grid.shown_ids")) == total

"""CocoExplorer end to end: real bqplot charts in JupyterLab, brushed and clicked with the
mouse, the grid's result checked against numpy in the kernel; its layout beside the grid,
and pixel statistics charted when they arrive."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from playwright.sync_api import Locator, Page, expect

from cocowidget.datasets import DemoPaths
from cocowidget.widgets.charts.style import MARGIN

from .notebook_page import NotebookPage

CLASSES = "annotations.category_name"


def open_explorer(notebook: NotebookPage, coco_tiny: Path) -> None:
    annotations = coco_tiny / "annotations/instances_val2017.json"
    notebook.run(
        "import cocowidget as cw, numpy as np\n"
        f"ds = cw.CocoDataset.from_coco({str(annotations)!r}, "
        f"image_dir={str(coco_tiny / 'val2017')!r})\n"
        # Measured first, so no brightness chart arrives while a test points at the
        # others (the grid's thumbnails would measure enough images for one).
        "ds.compute_pixel_statistics()\n"
        "explorer = cw.CocoExplorer(ds, thumbnail_size=96)\n"
        "explorer"
    )
    page = notebook.page
    expect(page.locator(".cw-categories .bargroup").first).to_be_attached(timeout=30_000)
    expect(status(page)).to_have_text("80 images")


def status(page: Page) -> Locator:
    return page.locator(".cw-grid-status")


def histogram(page: Page, label: str) -> Locator:
    return page.locator(".cw-histogram", has_text=label)


def brush(page: Page, chart: Locator, start: float, end: float, *, on_axis: bool = False) -> None:
    """Drag across the plot area of a histogram, from and to fractions of its width; with
    ``on_axis``, along the x axis's tick labels below it."""
    chart.scroll_into_view_if_needed()
    box = chart.locator("svg").first.bounding_box()
    assert box is not None
    left = box["x"] + MARGIN["left"]
    width = box["width"] - MARGIN["left"] - MARGIN["right"]
    y = box["y"] + MARGIN["top"] + 40
    if on_axis:
        y = box["y"] + box["height"] - MARGIN["bottom"] + 14
    page.mouse.move(left + start * width, y)
    page.mouse.down()
    steps = 12
    for step in range(1, steps + 1):
        page.mouse.move(left + (start + (end - start) * step / steps) * width, y)
    page.mouse.up()


def wait_for_release(notebook: NotebookPage, key: str) -> None:
    """Until the kernel has handled the end of the brush: ipywidgets holds a model's
    updates back while the kernel is busy, so a cell can overtake the release."""
    for _ in range(100):
        if notebook.value(f"not explorer.charts[{key!r}].selector.brushing"):
            return
    raise AssertionError(f"the release of the {key} brush never reached the kernel")


def filtered_bar_heights(chart: Locator) -> list[float]:
    """Pixel heights of the second mark's bars: the filtered distribution."""
    heights: list[float] = chart.evaluate(
        """(el) => {
          const groups = [...el.querySelectorAll('.bargroup')];
          return groups.slice(groups.length / 2).map(g => g.getBoundingClientRect().height);
        }"""
    )
    return heights


def python_filters(notebook: NotebookPage) -> dict[str, Any]:
    value: dict[str, Any] = notebook.value(
        "{k: list(v) if isinstance(v, tuple) else sorted(v) for k, v in explorer.filters.items()}"
    )
    return value


def test_brushing_a_histogram_filters_the_grid_like_numpy(
    notebook: NotebookPage, coco_tiny: Path
) -> None:
    open_explorer(notebook, coco_tiny)
    page = notebook.page
    width_chart = histogram(page, "image width")
    height_chart = histogram(page, "image height")
    heights_before = filtered_bar_heights(height_chart)

    brush(page, width_chart, 0.3, 0.75)
    expect(status(page)).to_contain_text(" of 80 images", timeout=20_000)
    wait_for_release(notebook, "width")

    filters = python_filters(notebook)
    assert list(filters) == ["width"]
    lo, hi = filters["width"]
    assert lo < hi
    expected = notebook.value(
        f"sorted(ds.images['id'][(ds.images['width'] >= {lo!r}) & (ds.images['width'] <= {hi!r})]"
        ".tolist())"
    )
    assert 0 < len(expected) < 80
    assert notebook.value("sorted(explorer.grid.shown_ids)") == expected
    assert notebook.value("sorted(explorer.filtered_ids)") == expected
    expect(status(page)).to_have_text(f"{len(expected)} of 80 images")
    cells = page.locator(".cw-cell:not([hidden])")
    shown_in_dom = {int(i) for i in cells.evaluate_all("cs => cs.map(c => c.dataset.imageId)")}
    assert shown_in_dom and shown_in_dom <= set(expected)

    # Cross-filtering: the height histogram now draws the filtered distribution smaller,
    # and its bars sum to the matching images.
    page.wait_for_function(
        "([el, before]) => { const g = [...el.querySelectorAll('.bargroup')];"
        " const h = g.slice(g.length / 2).map(x => x.getBoundingClientRect().height);"
        " return h.reduce((a, b) => a + b, 0) < before; }",
        arg=[height_chart.element_handle(), sum(heights_before) - 1],
    )
    assert notebook.value("int(explorer.charts['height'].filtered_bars.y.sum())") == len(expected)
    # The brushed chart keeps its own distribution whole (crossfilter convention).
    assert notebook.value(
        "explorer.charts['width'].filtered_bars.y.tolist()"
        " == explorer.charts['width'].full_bars.y.tolist()"
    )


def test_clicking_class_bars_filters_by_class_and_emphasises_objects(
    notebook: NotebookPage, coco_tiny: Path
) -> None:
    open_explorer(notebook, coco_tiny)
    page = notebook.page
    chart = page.locator(".cw-categories")
    names: list[str] = notebook.value(f"explorer.charts[{CLASSES!r}].readout.labels")

    def click_class(name: str, *, add: bool = False) -> None:
        # Full-distribution bars come first in the DOM, in the order of the labels.
        group = chart.locator(".bargroup").nth(names.index(name))
        group.scroll_into_view_if_needed()
        box = group.bounding_box()
        assert box is not None
        if add:
            page.keyboard.down("Control")
        page.mouse.click(box["x"] + 3, box["y"] + box["height"] / 2)
        if add:
            page.keyboard.up("Control")

    click_class("dog")
    expect(status(page)).to_contain_text(" of 80 images", timeout=20_000)
    assert python_filters(notebook) == {CLASSES: ["dog"]}
    expected = notebook.value(
        "sorted(np.unique(ds.annotations['image_id'][ds.annotations['category_name'] == 'dog'])"
        ".tolist())"
    )
    assert sorted(notebook.value("explorer.grid.shown_ids")) == expected
    expect(status(page)).to_have_text(f"{len(expected)} of 80 images")
    # The grid is told which objects matched: the dogs, and only in the shown images.
    emphasis = notebook.value("explorer.grid.emphasized")
    assert sorted(int(k) for k in emphasis) == expected
    dogs = set(
        notebook.value("ds.annotations['id'][ds.annotations['category_name'] == 'dog'].tolist()")
    )
    assert {i for ids in emphasis.values() for i in ids} == dogs

    click_class("cat", add=True)
    page.wait_for_function(
        "n => !document.querySelector('.cw-grid-status').textContent.startsWith(n + ' of')",
        arg=len(expected),
    )
    assert python_filters(notebook) == {CLASSES: ["cat", "dog"]}
    both = notebook.value(
        "sorted(np.unique(ds.annotations['image_id'][np.isin(ds.annotations['category_name'],"
        " ['cat', 'dog'])]).tolist())"
    )
    assert sorted(notebook.value("explorer.grid.shown_ids")) == both


def test_reset_restores_everything_and_python_filters_draw_the_brush(
    notebook: NotebookPage, coco_tiny: Path
) -> None:
    open_explorer(notebook, coco_tiny)
    page = notebook.page
    width_brush = histogram(page, "image width").locator("rect.selection")

    notebook.run("explorer.filters = {'width': (400, 600), 'area': (None, 32**2)}")
    expect(status(page)).to_contain_text(" of 80 images")
    expected = notebook.value(
        "sorted(set(ds.images['id'][(ds.images['width'] >= 400) & (ds.images['width'] <= 600)]"
        ".tolist()) & set(ds.annotations['image_id'][ds.annotations['area'] <= 1024].tolist()))"
    )
    assert sorted(notebook.value("explorer.filtered_ids")) == expected
    expect(status(page)).to_have_text(f"{len(expected)} of 80 images")
    # Assigned from Python, the filter shows as a brush on its chart and as a chip.
    expect(width_brush).to_be_visible()
    assert float(width_brush.get_attribute("width") or 0) > 10
    expect(page.locator(".cw-filter-chip")).to_have_count(2)

    page.get_by_role("button", name="Reset").click()
    expect(status(page)).to_have_text("80 images")
    assert notebook.value("explorer.filters") == {}
    assert len(notebook.value("explorer.grid.shown_ids")) == 80
    assert notebook.value("explorer.grid.emphasized") == {}
    expect(width_brush).to_be_hidden()
    expect(page.locator(".cw-filter-chip")).to_have_count(0)


def test_hovering_a_bar_reads_its_counts(notebook: NotebookPage, coco_tiny: Path) -> None:
    open_explorer(notebook, coco_tiny)
    page = notebook.page
    chart = histogram(page, "objects per image")
    # The tallest bar of the full distribution, found from Python.
    readout = chart.locator(".cw-readout-text")
    expect(readout).to_contain_text("hover a bar")
    counts = "explorer.charts['object_count'].readout"
    index = notebook.value(f"int(np.argmax({counts}.full))")
    label, count = notebook.value(f"[{counts}.labels[{index}], {counts}.full[{index}]]")
    chart.scroll_into_view_if_needed()
    box = chart.locator(".bargroup").nth(index).bounding_box()
    assert box is not None
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] - 2)
    expect(readout).to_have_text(f"{label}: {count} images")
    page.mouse.move(0, 0)
    expect(readout).to_contain_text("hover a bar")


def test_a_brush_starts_on_the_axis_band_too(notebook: NotebookPage, coco_tiny: Path) -> None:
    open_explorer(notebook, coco_tiny)
    page = notebook.page
    chart = histogram(page, "image width")
    brush(page, chart, 0.3, 0.75, on_axis=True)
    expect(status(page)).to_contain_text(" of 80 images", timeout=20_000)
    wait_for_release(notebook, "width")
    lo, hi = python_filters(notebook)["width"]
    expected = notebook.value(
        f"sorted(ds.images['id'][(ds.images['width'] >= {lo!r}) & (ds.images['width'] <= {hi!r})]"
        ".tolist())"
    )
    assert 0 < len(expected) < 80
    assert sorted(notebook.value("explorer.grid.shown_ids")) == expected
    expect(status(page)).to_have_text(f"{len(expected)} of 80 images")
    # The same drag over the bars selects the same interval.
    page.get_by_role("button", name="Reset").click()
    expect(status(page)).to_have_text("80 images")
    brush(page, chart, 0.3, 0.75)
    expect(status(page)).to_have_text(f"{len(expected)} of 80 images", timeout=20_000)
    wait_for_release(notebook, "width")
    assert python_filters(notebook)["width"] == [lo, hi]


def test_the_readout_clears_when_the_chart_scrolls_from_under_the_pointer(
    notebook: NotebookPage, coco_tiny: Path
) -> None:
    open_explorer(notebook, coco_tiny)
    page = notebook.page
    chart = histogram(page, "objects per image")
    readout = chart.locator(".cw-readout-text")
    chart.scroll_into_view_if_needed()
    bar = chart.locator(".bargroup").nth(2).bounding_box()
    assert bar is not None
    page.mouse.move(bar["x"] + bar["width"] / 2, bar["y"] + bar["height"] - 2)
    expect(readout).not_to_contain_text("hover a bar")
    before = chart.bounding_box()
    page.mouse.wheel(0, 400)  # no pointer event: the chart moves, the pointer stays
    page.wait_for_function(
        "([el, y]) => Math.abs(el.getBoundingClientRect().y - y) > 100",
        arg=[chart.element_handle(), before["y"] if before else 0],
    )
    expect(readout).to_contain_text("hover a bar")


def test_the_grid_sits_beside_the_charts_when_there_is_room(
    notebook: NotebookPage, coco_tiny: Path
) -> None:
    open_explorer(notebook, coco_tiny)
    page = notebook.page
    panel = page.locator(".cw-explorer-panel")
    grid = page.locator(".cw-explorer .cw-grid")

    def boxes() -> tuple[dict[str, float], dict[str, float]]:
        p, g = panel.bounding_box(), grid.bounding_box()
        assert p is not None and g is not None
        return dict(p), dict(g)

    # 1,400 px with JupyterLab's file browser open: a ~970 px output, side by side, and
    # the charts scroll in a panel as tall as the grid.
    p, g = boxes()
    assert g["x"] >= p["x"] + p["width"] and abs(g["y"] - p["y"]) < 80
    # The panel is cut to the grid's height (toolbar and tag bar included), not the charts'.
    assert abs(p["height"] - g["height"]) < 40
    explorer = page.locator(".cw-explorer").bounding_box()
    assert explorer is not None and explorer["height"] < g["height"] + 60
    # 800 px: the grid goes below the charts, all of them shown.
    page.set_viewport_size({"width": 800, "height": 1000})
    page.wait_for_function(
        "() => { const p = document.querySelector('.cw-explorer-panel').getBoundingClientRect();"
        " const g = document.querySelector('.cw-explorer .cw-grid').getBoundingClientRect();"
        " return g.top >= p.bottom; }"
    )
    p, g = boxes()
    assert abs(g["x"] - p["x"]) < 20
    assert p["height"] > 1000  # not cut to the grid's height


def test_pixel_statistics_a_grid_measures_are_charted_by_themselves(
    notebook: NotebookPage, demo: DemoPaths
) -> None:
    # Twelve images: the explorer's grid shows them all, and measures them as it does.
    notebook.run(
        "import cocowidget as cw, numpy as np\n"
        f"full = cw.CocoDataset.from_coco({str(demo.annotations)!r},"
        f" image_dir={str(demo.image_dir)!r})\n"
        "ds = full.subset(full.images['id'][:12])\n"
        "assert np.isnan(ds.images['brightness']).all()\n"
        "explorer = cw.CocoExplorer(ds)\n"
        "explorer"
    )
    chart = notebook.page.locator(".cw-histogram", has_text="brightness")
    expect(chart).to_be_visible(timeout=30_000)  # no cell run since
    assert notebook.value("int(np.isfinite(ds.images['brightness']).sum())") >= 6
    assert notebook.value("sum(explorer.charts['brightness'].readout.full)") >= 6


def test_computed_statistics_are_charted_and_offered(
    notebook: NotebookPage, demo: DemoPaths
) -> None:
    notebook.run(
        "import cocowidget as cw\n"
        f"ds = cw.CocoDataset.from_coco({str(demo.annotations)!r},"
        f" image_dir={str(demo.image_dir)!r})\n"
        "explorer = cw.CocoExplorer(ds)\n"
        "explorer"
    )
    page = notebook.page
    expect(page.locator(".cw-categories .bargroup").first).to_be_attached(timeout=30_000)
    note = page.locator(".cw-explorer-note")
    expect(note).to_contain_text("brightness")
    expect(note).not_to_contain_text("build the explorer again")
    add = page.locator(".cw-explorer-add select")
    offered = add.locator("option").all_inner_texts()
    assert "width" not in offered and "brightness" not in offered and "contrast" not in offered
    assert page.locator(".cw-histogram", has_text="brightness").count() == 0

    notebook.run("ds.compute_pixel_statistics()")
    brightness = page.locator(".cw-histogram", has_text="brightness")
    expect(brightness).to_be_visible()
    expect(note).not_to_contain_text("brightness")
    expect(add.locator("option", has_text="contrast")).to_be_attached()
    add.select_option(label="contrast")
    expect(page.locator(".cw-histogram", has_text="contrast")).to_be_visible()
    assert notebook.value("list(explorer.charts)[-2:]") == ["brightness", "contrast"]
    assert notebook.value("sum(explorer.charts['contrast'].readout.full)") > 100


def test_small_objects_are_shown_as_crops(notebook: NotebookPage, coco_tiny: Path) -> None:
    """A small-object filter finds the images; the "Matching objects" switch shows the
    small objects themselves, as crops where the grid was, and follows the filter."""
    open_explorer(notebook, coco_tiny)
    page = notebook.page
    notebook.run("explorer.filters = {'annotations.size_bucket': {'small'}}")
    small = notebook.value("int((ds.annotations['area'] < 32**2).sum())")
    page.locator(".cw-explorer-show button", has_text="Matching objects").click()
    crops = page.locator(".cw-explorer .cw-grid .cw-grid-status")
    expect(crops).to_contain_text(f"{small} of 815 objects", timeout=30_000)
    assert notebook.value("explorer.show") == "objects"
    assert notebook.value("sorted(explorer.object_grid.shown_ids)") == sorted(
        notebook.value("explorer.matching_object_ids")
    )
    expect(page.locator(".cw-explorer .cw-grid .cw-cell img[src]").first).to_be_visible(
        timeout=30_000
    )
    notebook.run("explorer.filters = {'annotations.size_bucket': {'large'}}")
    large = notebook.value("int((ds.annotations['area'] >= 96**2).sum())")
    expect(crops).to_contain_text(f"{large} of 815 objects", timeout=30_000)
    page.locator(".cw-explorer-show button", has_text="Images").click()
    expect(page.locator(".cw-explorer .cw-grid .cw-grid-status")).to_contain_text("images")
    assert notebook.value("explorer.show") == "images"

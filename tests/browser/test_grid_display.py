"""How the grid looks while it waits and at awkward widths: a plain frame (never the
browser's broken-image icon) until a thumbnail arrives, columns spread evenly, a legend
that wraps in a narrow notebook."""

from __future__ import annotations

from playwright.sync_api import expect

from cocowidget.datasets import DemoPaths

from .notebook_page import NotebookPage
from .test_grid import LOADED

LOAD = (
    "import cocowidget as cw\n"
    "ds = cw.CocoDataset.from_coco({annotations!r}, image_dir={images!r})\n"
    "ds.add_predictions({predictions!r}, name='sim')\n"
)

# Every image element a user could see in the grid's cells: shown cells' images that
# are rendered (not display: none), with their source.
RENDERED_IMAGES = """
() => [...document.querySelectorAll('.cw-cell:not([hidden]) img.cw-thumb')]
  .filter(img => getComputedStyle(img).display !== 'none')
  .map(img => ({src: img.getAttribute('src'), failed: img.complete && img.naturalWidth === 0}))
"""


def load(notebook: NotebookPage, demo: DemoPaths) -> None:
    notebook.run(
        LOAD.format(
            annotations=str(demo.annotations),
            images=str(demo.image_dir),
            predictions=str(demo.predictions),
        )
    )


def test_cells_without_their_thumbnail_show_a_plain_frame(
    notebook: NotebookPage, demo: DemoPaths
) -> None:
    load(notebook, demo)
    # The kernel answers for the first rows only and leaves the others pending: they stay
    # as a fling leaves them, in view and without their thumbnail.
    notebook.run(
        "from concurrent.futures import Future\n"
        "grid = cw.CocoGrid(ds, thumbnail_size=96)\n"
        "params, serve = grid._handlers['thumbnails']\n"
        "grid.serve('thumbnails', params, lambda p: serve(p) if max(p.rows) < 48 else Future())\n"
        "grid"
    )
    page = notebook.page
    expect(page.locator(LOADED).first).to_be_visible(timeout=30_000)
    total = notebook.value("len(grid.shown_ids)")
    page.locator(".cw-grid-scroller").evaluate("el => { el.scrollTop = el.scrollHeight; }")
    last = page.locator(f".cw-cell[data-position='{total - 1}']")
    expect(last).to_have_class("cw-cell cw-loading")
    waiting = page.locator(".cw-cell.cw-loading:not([hidden])")
    assert waiting.count() > 10
    # What a waiting cell shows is its frame: no image element at all, so no icon.
    display = "img => getComputedStyle(img).display"
    assert waiting.first.locator("img.cw-thumb").evaluate(display) == "none"
    expect(waiting.first.locator(".cw-cell-frame")).to_be_visible()
    rendered = page.evaluate(RENDERED_IMAGES)
    assert all(image["src"] for image in rendered), rendered

    # Back at the top the thumbnails are there, and rendered.
    page.locator(".cw-grid-scroller").evaluate("el => { el.scrollTop = 0; }")
    expect(page.locator(".cw-cell[data-position='0'] img.cw-thumb[src^='blob:']")).to_be_visible(
        timeout=10_000
    )
    rendered = page.evaluate(RENDERED_IMAGES)
    assert rendered and all(image["src"] and not image["failed"] for image in rendered), rendered


def test_large_cells_spread_evenly_over_the_width(notebook: NotebookPage, demo: DemoPaths) -> None:
    page = notebook.page
    load(notebook, demo)
    # As wide as a notebook in a 1000 px window: two 360 px columns and room to spare.
    notebook.run("grid = cw.CocoGrid(ds, thumbnail_size=360, layout={'width': '860px'})\ngrid")
    expect(page.locator(LOADED).first).to_be_visible(timeout=30_000)
    canvas = page.locator(".cw-grid-canvas").bounding_box()
    assert canvas is not None
    first = page.locator(".cw-cell[data-position='0']").bounding_box()
    second = page.locator(".cw-cell[data-position='1']").bounding_box()
    assert first is not None and second is not None
    assert abs(second["y"] - first["y"]) < 1, "two columns"
    left = first["x"] - canvas["x"]
    between = second["x"] - (first["x"] + first["width"])
    right = canvas["x"] + canvas["width"] - (second["x"] + second["width"])
    assert between > 0
    # Evenly: the blank between the columns is the blank beside them, not a hole.
    assert abs(between - left) <= 2 and abs(between - right) <= 2, (left, between, right)


def test_the_match_legend_wraps_in_a_narrow_notebook(
    notebook: NotebookPage, demo: DemoPaths
) -> None:
    page = notebook.page
    page.set_viewport_size({"width": 800, "height": 900})
    load(notebook, demo)
    notebook.run("ev = ds.evaluate('sim')\ngrid = cw.CocoGrid(ds, evaluation=ev)\ngrid")
    expect(page.locator(LOADED).first).to_be_visible(timeout=30_000)
    legend = page.locator(".cw-grid .cw-legend")
    expect(legend).to_be_visible()
    toolbar = page.locator(".cw-grid .cw-toolbar").bounding_box()
    assert toolbar is not None
    entries = legend.locator(":scope > span")
    assert entries.count() == 5
    line = entries.first.bounding_box()
    assert line is not None
    for index in range(entries.count()):
        box = entries.nth(index).bounding_box()
        assert box is not None
        # Inside the grid (not clipped at its edge), each entry on one line.
        assert toolbar["x"] <= box["x"]
        assert box["x"] + box["width"] <= toolbar["x"] + toolbar["width"]
        assert box["height"] < 1.5 * line["height"], entries.nth(index).inner_text()
    assert page.locator(".cw-grid .cw-toolbar").evaluate("el => el.scrollWidth <= el.clientWidth")

"""Dataset and user text is data, never HTML: script planted in every name a dataset or a
user chooses (column names, class and supercategory names, file names, run names, caption
values) stays text in every widget, hovered and clicked.

The payloads come with and without underscores, since labels turn a column's underscores
into spaces (``<img_src=x_onerror=...>`` becomes a live tag once they are replaced).
"""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Locator, Page, expect

from cocowidget.datasets import DemoPaths

from .notebook_page import NotebookPage
from .test_grid import LOADED

PAYLOADS = [
    '<img src=x onerror="window.__xss=1">',
    "<img_src=x_onerror=window.xssU=1>",
    "<img src=x onerror=window.xssS=1>",
    "<svg onload=window.xssV=1>",
]
FLAGS = ["__xss", "xssU", "xssS", "xssV"]

# Every name the widgets show comes from PAYLOADS: file names (the files are links to the
# demo's images), class and supercategory names, the run, an image column of text (the
# grid's caption and a bar chart), a numeric image column (a histogram) and an object
# column of supercategories (a bar chart).
SETUP = """
import json, os, pathlib
import numpy as np
import cocowidget as cw
doc = json.load(open(ANNOTATIONS))
doc["images"] = doc["images"][:16]
keep = {image["id"] for image in doc["images"]}
doc["annotations"] = [a for a in doc["annotations"] if a["image_id"] in keep]
root = pathlib.Path(TMP) / "images"
root.mkdir()
for k, image in enumerate(doc["images"]):
    name = f"{PAYLOADS[k % 4]} {k}.jpg"
    os.symlink(os.path.join(IMAGE_DIR, image["file_name"]), root / name)
    image["file_name"] = name
for k, category in enumerate(doc["categories"]):
    category["name"] = f"{PAYLOADS[k % 4]} {k}"
    category["supercategory"] = PAYLOADS[(k + 1) % 4]
predictions = [p for p in json.load(open(PREDICTIONS)) if p["image_id"] in keep]
ds = cw.CocoDataset.from_coco(doc, image_dir=root)
ds.add_predictions(predictions, name=PAYLOADS[0])
ds.images[PAYLOADS[1]] = np.array([PAYLOADS[k % 4] for k in range(len(ds.images))], dtype=object)
ds.images[PAYLOADS[2]] = np.arange(len(ds.images), dtype=float)
ds.annotations[PAYLOADS[3]] = ds.categories["supercategory"][ds.annotations["category_index"]]
ev = ds.evaluate(PAYLOADS[0])
"""


def _hover_all(page: Page, targets: Locator, limit: int = 6) -> int:
    """Rest the pointer on up to ``limit`` of ``targets`` that have an area; how many."""
    hovered = 0
    for k in range(targets.count()):
        if hovered == limit:
            break
        target = targets.nth(k)
        target.scroll_into_view_if_needed()
        box = target.bounding_box()
        if box is None or box["width"] < 2 or box["height"] < 2:
            continue  # a bar of no length (AP 0)
        page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
        page.wait_for_timeout(150)  # bqplot tooltips and the preview follow the pointer
        hovered += 1
    return hovered


def _nothing_ran(page: Page, dialogs: list[str]) -> None:
    flags = page.evaluate(f"() => {FLAGS}.map((flag) => window[flag] ?? null)")
    assert flags == [None] * len(FLAGS)
    assert page.locator("img[src='x']").count() == 0
    assert page.locator(".jp-OutputArea svg[onload]").count() == 0
    assert not dialogs


def test_no_name_in_any_widget_is_parsed_as_html(
    notebook: NotebookPage, demo: DemoPaths, tmp_path: Path
) -> None:
    page = notebook.page
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    notebook.run(
        f"PAYLOADS = {PAYLOADS!r}\n"
        f"ANNOTATIONS, PREDICTIONS = {str(demo.annotations)!r}, {str(demo.predictions)!r}\n"
        f"IMAGE_DIR, TMP = {str(demo.image_dir)!r}, {str(tmp_path)!r}\n" + SETUP
    )

    # CocoGrid captioned by the text column: hover for the preview (title, object list).
    notebook.run("grid = cw.CocoGrid(ds, caption=PAYLOADS[1], height=300)\ngrid")
    grid = notebook.output()
    expect(grid.locator(LOADED).first).to_be_visible(timeout=30_000)
    expect(grid.locator(".cw-caption").first).to_have_text(PAYLOADS[0])
    grid.locator(".cw-cell[data-position='1']").hover()
    preview = page.locator(".cw-preview:not([hidden])")
    expect(preview.locator(".cw-preview-name")).to_contain_text(PAYLOADS[1], timeout=10_000)
    expect(preview.locator(".cw-preview-objects li").first).to_contain_text("<")
    grid.locator(".cw-cell[data-position='0']").click()
    grid.locator(".cw-cell[data-position='2']").click(modifiers=["Control"])
    page.mouse.move(0, 0)
    # The sort list offers the text and number columns by their names.
    expect(grid.locator("select option", has_text=PAYLOADS[2]).first).to_be_attached()
    _nothing_ran(page, dialogs)

    # ObjectGrid of the run's detections: class names as captions and in the preview.
    notebook.run("objects = cw.ObjectGrid(ds, run=PAYLOADS[0], height=300)\nobjects")
    objects = notebook.output()
    expect(objects.locator(LOADED).first).to_be_visible(timeout=30_000)
    expect(objects.locator(".cw-caption").first).to_contain_text("<")
    expect(objects.locator(".cw-runs")).to_contain_text(PAYLOADS[0])
    objects.locator(".cw-cell[data-position='0']").hover()
    expect(page.locator(".cw-preview:not([hidden]) .cw-preview-objects li").first).to_contain_text(
        PAYLOADS[0], timeout=10_000
    )
    objects.locator(".cw-cell[data-position='0']").click()
    page.mouse.move(0, 0)
    _nothing_ran(page, dialogs)

    # CocoExplorer charting the columns with hostile names: titles, axis labels, bars.
    notebook.run(
        "explorer = cw.CocoExplorer(ds, columns=[PAYLOADS[1], PAYLOADS[2],"
        " 'annotations.category_name', 'annotations.' + PAYLOADS[3]], thumbnail_size=96)\n"
        "explorer"
    )
    explorer = notebook.output()
    expect(explorer.locator(".cw-categories .bargroup").first).to_be_attached(timeout=30_000)
    # Labels show underscores as spaces: the very text that would be a live tag.
    spaced = PAYLOADS[1].replace("_", " ")
    expect(explorer.locator(".cw-chart-title", has_text=spaced).first).to_be_visible()
    expect(explorer.locator(".cw-histogram", has_text=PAYLOADS[2]).first).to_be_attached()
    expect(explorer.locator(".cw-chart-title", has_text=PAYLOADS[3]).first).to_be_visible()
    bars = explorer.locator(".cw-categories rect.bar")
    assert _hover_all(page, bars)
    bars.first.click(force=True)
    expect(explorer.locator(".cw-filter-chip").first).to_contain_text("<")
    _hover_all(page, explorer.locator(".cw-histogram rect.bar"))
    expect(explorer.locator(".cw-readout-text").first).to_be_attached()
    page.mouse.move(0, 0)
    _nothing_ran(page, dialogs)

    # EvaluationView of the hostile run: class chart tooltips, confusion cells, errors.
    notebook.run("view = cw.EvaluationView(ds, ev, show_masks=False)\nview")
    view = notebook.output()
    expect(view.locator(LOADED).first).to_be_visible(timeout=30_000)
    class_bars = view.locator(".cw-class-ap .bargroup rect.bar")
    expect(class_bars.first).to_be_attached()
    assert _hover_all(page, class_bars)
    expect(page.locator(".cw-tooltip-title").first).to_contain_text("<")
    n_classes = notebook.value("len(view.class_chart.order)")
    class_bars.nth(n_classes + n_classes - 1).click(force=True)
    expect(view.locator(".cw-class-filter-status")).to_contain_text("<", timeout=10_000)
    _hover_all(page, view.locator(".cw-confusion rect.heatmapcell"), limit=12)
    _hover_all(page, view.locator(".cw-chart:not(.cw-class-ap) rect.bar"), limit=12)
    _hover_all(page, view.locator(".cw-evaluation .cw-cell:not([hidden])"), limit=2)
    # Class names on the axes are SVG text, shown as written.
    ticks = view.locator(".cw-class-ap .tick text").all_text_contents()
    assert any(tick.startswith("<") for tick in ticks)
    page.mouse.move(0, 0)
    page.wait_for_timeout(500)  # an onerror would run once the broken image fails
    _nothing_ran(page, dialogs)

    # The check can fail: the same payload parsed as HTML does run.
    page.evaluate(
        """(payload) => { const probe = document.createElement("div");
                          probe.innerHTML = payload; document.body.append(probe); }""",
        PAYLOADS[0].replace("__xss", "__probe"),
    )
    page.wait_for_function("() => window.__probe === 1")

"""Hover-zoom, scrolling a windowed grid, and dataset text that must stay text."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from playwright.sync_api import expect

from cocowidget.datasets import DemoPaths

from .notebook_page import NotebookPage
from .test_grid import cell, open_grid

HOSTILE = "<img src=x onerror=window.__xss=1>"


def test_hover_shows_a_large_preview_with_overlays_and_wheel_zooms(
    notebook: NotebookPage, coco_tiny: Path
) -> None:
    open_grid(notebook, coco_tiny / "annotations/instances_val2017.json", coco_tiny / "val2017")
    page = notebook.page
    # Read everything from Python first: running a cell scrolls the notebook away.
    image_id = int(cell(notebook, 2).get_attribute("data-image-id") or 0)
    expected = notebook.value(f"[str(n) for n in ds.objects_of({image_id})['category_name']]")
    row = notebook.value(f"ds.image_row({image_id})")
    size = notebook.value(f"[int(ds.images['width'][{row}]), int(ds.images['height'][{row}])]")

    cell(notebook, 2).hover()
    preview = page.locator(".cw-preview:not([hidden])")
    expect(preview.locator("img[src^='blob:']")).to_be_visible(timeout=10_000)
    listed = preview.locator(".cw-preview-objects li").all_inner_texts()
    assert len(listed) == len(expected)
    assert sorted(text.split(" · ")[0] for text in listed) == sorted(expected)
    painted = page.evaluate(
        """() => {
          const c = document.querySelector('.cw-preview .cw-preview-overlay');
          const data = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
          let n = 0; for (let i = 3; i < data.length; i += 4) if (data[i]) n++;
          return n;
        }"""
    )
    assert painted > 100  # the overlay really drew masks/boxes
    page.wait_for_function(
        "() => { const i = document.querySelector('.cw-preview img');"
        " return i.complete && i.naturalWidth > 0; }"
    )
    natural = page.evaluate(
        "() => [document.querySelector('.cw-preview img').naturalWidth,"
        " document.querySelector('.cw-preview img').naturalHeight]"
    )
    assert natural == size  # the original pixels, not an upscaled thumbnail

    # Ctrl (Cmd) + wheel zooms; the grid stays where it is.
    page.keyboard.down("Control")
    page.mouse.wheel(0, -300)
    page.keyboard.up("Control")
    expect(preview).to_have_attribute("data-zoom", "1.25", timeout=5_000)
    assert page.locator(".cw-grid-scroller").evaluate("el => el.scrollTop") == 0
    page.mouse.move(5, 5)
    expect(page.locator(".cw-preview")).to_be_hidden()


def test_the_wheel_scrolls_the_grid_and_the_notebook_while_a_preview_is_open(
    notebook: NotebookPage, demo: DemoPaths
) -> None:
    open_grid(notebook, demo.annotations, demo.image_dir)
    page = notebook.page
    scroller = page.locator(".cw-grid-scroller")
    preview = page.locator(".cw-preview:not([hidden])")
    # The notebook scrolled so that the grid's top is near the window's: it can scroll up.
    notebook_scroller = """() => {
      let el = document.querySelector('.cw-grid').parentElement;
      while (el && !(el.scrollHeight > el.clientHeight
                     && /auto|scroll/.test(getComputedStyle(el).overflowY))) el = el.parentElement;
      return el;
    }"""
    grid_top = "document.querySelector('.cw-grid').getBoundingClientRect().top"
    page.evaluate(f"() => {{ ({notebook_scroller})().scrollTop += {grid_top} - 60; }}")
    notebook_top = f"() => ({notebook_scroller})().scrollTop"
    before = page.evaluate(notebook_top)
    assert before > 0

    cell(notebook, 1).hover()
    expect(preview.locator("img[src^='blob:']")).to_be_visible(timeout=10_000)
    page.mouse.wheel(0, 300)
    page.wait_for_function(
        "() => document.querySelector('.cw-grid-scroller').scrollTop > 0", timeout=5_000
    )
    expect(page.locator(".cw-preview")).to_be_hidden()
    assert page.evaluate(notebook_top) == before

    # At the grid's top, up goes on to the notebook, the preview open or not.
    scroller.evaluate("el => { el.scrollTop = 0; }")
    page.mouse.move(5, 5)
    cell(notebook, 1).hover()
    expect(preview.locator("img[src^='blob:']")).to_be_visible(timeout=10_000)
    page.mouse.wheel(0, -300)
    page.wait_for_function(f"() => ({notebook_top})() < {before}", timeout=5_000)
    assert scroller.evaluate("el => el.scrollTop") == 0
    assert page.locator(".cw-preview").get_attribute("data-zoom") in (None, "1.00")


def test_zooming_into_a_large_image_loads_its_full_resolution(
    notebook: NotebookPage, coco_tiny: Path, tmp_path: Path
) -> None:
    from PIL import Image

    image_dir = tmp_path / "large"
    image_dir.mkdir()
    source = sorted((coco_tiny / "val2017").glob("*.jpg"))[0]
    with Image.open(source) as image:
        image.convert("RGB").resize((2400, 1800)).save(image_dir / "large.jpg", quality=90)
    annotations = tmp_path / "large.json"
    annotations.write_text(
        json.dumps(
            {
                "images": [{"id": 1, "file_name": "large.jpg", "width": 2400, "height": 1800}],
                "annotations": [
                    {
                        "id": 1,
                        "image_id": 1,
                        "category_id": 1,
                        "bbox": [600, 400, 900, 700],
                        "area": 630000,
                        "iscrowd": 0,
                    }
                ],
                "categories": [{"id": 1, "name": "thing"}],
            }
        )
    )
    open_grid(notebook, annotations, image_dir)
    page = notebook.page
    cell(notebook, 0).hover()
    preview = page.locator(".cw-preview:not([hidden])")
    image = preview.locator("img[src^='blob:']")
    expect(image).to_be_visible(timeout=10_000)
    natural = "el => el.complete ? el.naturalWidth : 0"
    page.wait_for_function("() => document.querySelector('.cw-preview img').naturalWidth > 0")
    assert 800 <= image.evaluate(natural) <= 1024  # a preview, not the 2400 px original
    page.keyboard.down("Control")
    page.mouse.wheel(0, -300)
    page.keyboard.up("Control")
    expect(preview).to_have_attribute("data-zoom", "1.25", timeout=5_000)
    expect(preview).to_have_attribute("data-resolution", "2400x1800", timeout=10_000)
    page.wait_for_function("() => document.querySelector('.cw-preview img').naturalWidth === 2400")


def test_scrolling_loads_new_rows_and_keeps_the_dom_small(
    notebook: NotebookPage, demo: DemoPaths
) -> None:
    open_grid(notebook, demo.annotations, demo.image_dir)
    page = notebook.page
    total = notebook.value("len(grid.shown_ids)")
    last_id = notebook.value("grid.shown_ids[-1]")
    page.locator(".cw-grid-scroller").evaluate("el => { el.scrollTop = el.scrollHeight; }")
    last = page.locator(f".cw-cell[data-position='{total - 1}']")
    expect(last).to_have_attribute("data-image-id", str(last_id), timeout=10_000)
    expect(
        last.locator(".cw-thumb[src^='blob:'], .cw-placeholder:not([hidden])").first
    ).to_be_visible(timeout=20_000)
    cells = page.locator(".cw-cell:not([hidden])").count()
    assert cells < total  # windowed: not every image is in the DOM


def test_dataset_text_is_never_html(
    notebook: NotebookPage, demo: DemoPaths, tmp_path: Path
) -> None:
    document = json.loads(demo.annotations.read_text())
    image = document["images"][0]
    hostile_name = f"{HOSTILE}.jpg"
    images = tmp_path / "images"
    images.mkdir()
    shutil.copy(demo.image_dir / image["file_name"], images / hostile_name)
    image["file_name"] = hostile_name
    document["images"] = [image]
    document["annotations"] = [a for a in document["annotations"] if a["image_id"] == image["id"]]
    for category in document["categories"]:
        category["name"] = HOSTILE
    path = tmp_path / "hostile.json"
    path.write_text(json.dumps(document))

    dialogs: list[str] = []
    notebook.page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    open_grid(notebook, path, images)
    page = notebook.page
    expect(page.locator(".cw-caption").first).to_have_text(hostile_name)
    if document["annotations"]:
        expect(page.locator(".cw-class-legend .cw-class").first).to_have_text(HOSTILE)
    cell(notebook, 0).hover()
    expect(page.locator(".cw-preview-name")).to_contain_text(f"{hostile_name} · id ")
    if document["annotations"]:
        expect(page.locator(".cw-preview-objects li").first).to_contain_text(HOSTILE)
    assert page.locator(".cw-grid img[src='x']").count() == 0
    assert page.evaluate("() => window.__xss") is None
    assert not dialogs

"""Ids beyond 2**53, which JavaScript numbers cannot hold apart (2**53 + 1 reads as 2**53):
a click on each image (and each object) selects exactly that one in Python."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

from playwright.sync_api import expect

from cocowidget.datasets import DemoPaths

from .notebook_page import NotebookPage
from .test_grid import LOADED

IDS = [2**53, 2**53 + 1, 2**62 + 3]
SELECTED = re.compile(r"\bcw-selected\b")


def _huge_id_dataset(demo: DemoPaths, tmp_path: Path) -> Path:
    """Three demo images renumbered with ``IDS``; their annotations keep their boxes,
    renumbered from 2**53 on (consecutive, so every pair merges as a float64)."""
    document = json.loads(demo.annotations.read_text())
    images = document["images"][:3]
    old_to_new = {image["id"]: new for image, new in zip(images, IDS, strict=True)}
    folder = tmp_path / "images"
    folder.mkdir()
    for image in images:
        shutil.copy(demo.image_dir / image["file_name"], folder / image["file_name"])
        image["id"] = old_to_new[image["id"]]
    annotations = [a for a in document["annotations"] if a["image_id"] in old_to_new]
    for k, annotation in enumerate(annotations):
        annotation["image_id"] = old_to_new[annotation["image_id"]]
        annotation["id"] = 2**53 + k
    document["images"], document["annotations"] = images, annotations
    path = tmp_path / "huge_ids.json"
    path.write_text(json.dumps(document))
    return path


def test_a_click_selects_exactly_that_huge_id(
    notebook: NotebookPage, demo: DemoPaths, tmp_path: Path
) -> None:
    path = _huge_id_dataset(demo, tmp_path)
    notebook.run(
        "import cocowidget as cw\n"
        f"ds = cw.CocoDataset.from_coco({str(path)!r}, image_dir={str(tmp_path / 'images')!r})\n"
        "grid = cw.CocoGrid(ds)\n"
        "grid"
    )
    page = notebook.page
    grid = notebook.output()
    expect(grid.locator(LOADED).first).to_be_visible(timeout=30_000)
    assert notebook.value("grid.shown_ids") == IDS
    for position, image_id in enumerate(IDS):
        cell = grid.locator(f".cw-cell[data-position='{position}']")
        expect(cell).to_have_attribute("data-image-id", str(image_id))  # exact, as text
        cell.click()
        expect(grid.locator(".cw-cell.cw-selected")).to_have_count(1)
        expect(cell).to_have_class(SELECTED)
        assert notebook.value_becomes("grid.selected", [image_id]) == [image_id]
    # Two of them, and back from Python: the highlighted cells are the ones named.
    grid.locator(".cw-cell[data-position='0']").click(modifiers=["Control"])
    assert notebook.value_becomes("sorted(grid.selected)", sorted([IDS[0], IDS[2]])) == sorted(
        [IDS[0], IDS[2]]
    )
    notebook.run(f"grid.selected = [{IDS[1]}]")
    expect(grid.locator(".cw-cell.cw-selected")).to_have_count(1)
    expect(grid.locator(".cw-cell[data-position='1']")).to_have_class(SELECTED)
    page.mouse.move(0, 0)

    notebook.run("objects = cw.ObjectGrid(ds)\nobjects")
    objects = notebook.output()
    expect(objects.locator(LOADED).first).to_be_visible(timeout=30_000)
    shown = notebook.value("objects.shown_ids[:4]")
    assert len(set(shown)) == 4 and min(shown) >= 2**53
    for position, object_id in enumerate(shown):
        cell = objects.locator(f".cw-cell[data-position='{position}']")
        expect(cell).to_have_attribute("data-item-id", str(object_id))
        cell.click()
        assert notebook.value_becomes("objects.selected", [object_id]) == [object_id]

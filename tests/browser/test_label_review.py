"""The label-fixing loop in the browser: review candidates in LabelIssuesView (keys and
buttons), tag an image from a grid's tag box, filter by the tag, apply the accepted fixes,
export, and read the file back: the fixes and the tag are there and nothing else changed.

With ``COCOWIDGET_SCREENSHOTS=<folder>`` the review and the tagged grid are saved there
(``make screenshots`` writes docs/screenshots/label-review-*.png this way).
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from cocowidget.datasets import DemoPaths, generate_demo

from .notebook_page import NotebookPage
from .test_grid import LOADED

SHOTS = os.environ.get("COCOWIDGET_SHOTS") or os.environ.get("COCOWIDGET_SCREENSHOTS")


@pytest.fixture(scope="module")
def mistaken(tmp_path_factory: pytest.TempPathFactory) -> DemoPaths:
    return generate_demo(
        tmp_path_factory.mktemp("mistaken"), n_images=40, seed=11, label_mistakes=True
    )


def by_id(records: list[dict[str, Any]]) -> dict[Any, dict[str, Any]]:
    return {record["id"]: record for record in records}


def test_review_accept_tag_fix_export_and_read_back(
    notebook: NotebookPage, mistaken: DemoPaths, tmp_path: Path
) -> None:
    out = tmp_path / "fixed.json"
    notebook.run(
        "import cocowidget as cw\n"
        f"ds = cw.CocoDataset.from_coco({str(mistaken.annotations)!r},"
        f" image_dir={str(mistaken.image_dir)!r}, sidecar={str(tmp_path / 'tags.json')!r})\n"
        f"ds.add_predictions({str(mistaken.predictions)!r}, name='frcnn')\n"
        "issues = ds.label_issues('frcnn')\n"
        "view = cw.LabelIssuesView(ds, issues, height=360)\n"
        "view"
    )
    view_cell = notebook.last_index
    page = notebook.page
    review = page.locator(".cw-grid").first
    expect(review.locator(LOADED).first).to_be_visible(timeout=30_000)
    total = notebook.value("len(issues)")
    first_captions = notebook.value("view.grid._captions([0, 1, 2])")
    expect(review.locator(".cw-cell[data-position='0'] .cw-caption")).to_have_text(
        first_captions[0]
    )
    expect(review.locator("[data-action='accept']")).to_have_text("accept (a)")

    # Click the first candidate, accept it with the key; the next slides under the
    # focus, and the key accepts it too.
    review.locator(".cw-cell[data-position='0']").click()
    page.keyboard.press("a")
    expect(review.locator(".cw-tag-message")).to_have_text("accepted 1 candidate")
    expect(review.locator(".cw-cell[data-position='0'] .cw-caption")).to_have_text(
        first_captions[1]
    )
    page.keyboard.press("a")
    assert notebook.value_becomes("view.status.tolist().count('accepted')", 2) == 2
    # The next one is rejected with the toolbar's button.
    review.locator(".cw-cell[data-position='0']").click()
    review.locator("[data-action='reject']").click()
    assert notebook.value_becomes("view.status.tolist().count('rejected')", 1) == 1
    assert notebook.value("[int(i) for i in (view.status == 'accepted').nonzero()[0]]") == [0, 1]
    assert notebook.value("int((view.status == 'rejected').nonzero()[0][0])") == 2
    expect(review.locator(".cw-grid-status")).to_contain_text(f"{total - 3} of {total} objects")
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        view_box = notebook.output(view_cell).locator(".widget-vbox").first
        view_box.screenshot(path=str(Path(SHOTS) / "label-review.png"))

    # Tag one image from a grid: click it, key t, type the name, Enter.
    notebook.run("grid = cw.CocoGrid(ds, height=300)\ngrid")
    grid_cell = notebook.last_index
    grid = page.locator(".cw-grid").nth(1)
    expect(grid.locator(LOADED).first).to_be_visible(timeout=30_000)
    grid.locator(".cw-cell[data-position='3']").click()
    page.keyboard.press("t")
    expect(grid.locator(".cw-tag-input")).to_be_focused()
    page.keyboard.type("needs <b>review</b>")
    page.keyboard.press("Enter")
    expect(grid.locator(".cw-tag-message")).to_have_text("tagged 1 image: needs <b>review</b>")
    tagged = notebook.value("ds.tags['needs <b>review</b>']['images']")
    assert tagged == [notebook.value("int(grid.shown_ids[3])")]
    assert grid.locator(".cw-tag-message b").count() == 0  # text, never HTML
    # Filter the grid by the tag, from its toolbar.
    grid.locator(".cw-tag-filter").select_option(label="tagged needs <b>review</b>")
    expect(grid.locator(".cw-grid-status")).to_contain_text("1 of 40 images")
    assert notebook.value("grid.tag_filter") == "needs <b>review</b>"
    if SHOTS:
        notebook.output(grid_cell).screenshot(path=str(Path(SHOTS) / "label-review-tagged.png"))

    # Apply, export, read back.
    notebook.run(
        "fixed = ds.apply_fixes(view.accepted)\n"
        f"fixed.to_coco({str(out)!r}, tags_as_attributes=True)\n"
        "changes = fixed.changes.to_pandas()"
    )
    changes = notebook.value("[(r.change, int(r.annotation_id)) for r in changes.itertuples()]")
    assert len(changes) == 2
    original = json.loads(mistaken.annotations.read_text())
    exported = json.loads(out.read_text())
    before, after = by_id(original["annotations"]), by_id(exported["annotations"])
    touched = {annotation_id for _, annotation_id in changes}
    for change, annotation_id in changes:
        if change == "remove_label":
            assert annotation_id not in after
        elif change == "add_label":
            assert annotation_id in after and annotation_id not in before
        else:
            assert after[annotation_id] != before[annotation_id]
    for annotation_id, record in before.items():  # nothing else changed
        if annotation_id not in touched:
            assert after[annotation_id] == record
    assert set(after) - set(before) <= touched
    images_before, images_after = by_id(original["images"]), by_id(exported["images"])
    for image_id, record in images_before.items():
        if image_id == tagged[0]:
            assert images_after[image_id] == {
                **record,
                "attributes": {"tags": ["needs <b>review</b>"]},
            }
        else:
            assert images_after[image_id] == record
    assert exported["categories"] == original["categories"]

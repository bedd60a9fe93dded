"""Person keypoints in the grid and the hover preview: the skeleton drawn on the person,
visible joints as filled dots and hidden ones as rings, each joint in its colour, and the
joints named in the preview's list."""

from __future__ import annotations

import colorsys
import json
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image
from playwright.sync_api import expect

from cocowidget.datasets.people import PERSON_CATEGORY, TEMPLATE

from .notebook_page import NotebookPage
from .test_grid import LOADED, cell

SIZE = 400
HEIGHT = 320.0  # the person's height in image pixels
HIDDEN = 13  # left_knee: labelled but hidden (v = 1), its bones run up and down
UNLABELLED = 10  # right_wrist (v = 0): not drawn
SHOTS = Path("/work/shots/keypoints")


def person_dataset(folder: Path) -> tuple[Path, Path, list[list[float]]]:
    """One 400x400 image with one large person, every joint visible but two."""
    images = folder / "images"
    images.mkdir()
    Image.new("RGB", (SIZE, SIZE), (200, 200, 200)).save(images / "person.jpg")
    joints = (TEMPLATE * HEIGHT + np.array([SIZE / 2, 40.0])).tolist()
    flags = [2] * 17
    flags[HIDDEN], flags[UNLABELLED] = 1, 0
    keypoints: list[float] = []
    for (x, y), v in zip(joints, flags, strict=True):
        keypoints += [x, y, v] if v else [0, 0, 0]
    xs, ys = [x for x, _ in joints], [y for _, y in joints]
    box = [min(xs) - 10, min(ys) - 30, max(xs) - min(xs) + 20, max(ys) - min(ys) + 40]
    document = {
        "images": [{"id": 1, "file_name": "person.jpg", "width": SIZE, "height": SIZE}],
        "annotations": [
            {
                "id": 1,
                "image_id": 1,
                "category_id": 1,
                "bbox": box,
                "area": box[2] * box[3],
                "iscrowd": 0,
                "keypoints": keypoints,
                "num_keypoints": 16,
            }
        ],
        "categories": [PERSON_CATEGORY],
    }
    path = folder / "person_keypoints.json"
    path.write_text(json.dumps(document))
    return path, images, joints


def joint_rgb(joint: int, joints: int = 17) -> list[int]:
    """jointColor() of js/src/overlay/keypoints.ts: hsl(j * 360 / K, 85%, 55%)."""
    r, g, b = colorsys.hls_to_rgb(joint / joints, 0.55, 0.85)
    return [round(255 * r), round(255 * g), round(255 * b)]


# The colour at a point of the preview's overlay canvas, the point given in image pixels.
PIXEL_AT = """
([x, y, dx, size]) => {
  const c = document.querySelector('.cw-preview:not([hidden]) .cw-preview-overlay');
  const s = c.width / size;
  const d = c.getContext('2d').getImageData(Math.round(x * s + dx), Math.round(y * s), 1, 1).data;
  return [d[0], d[1], d[2], d[3]];
}
"""

# Pixels close to a colour, over the grid's row overlays.
COUNT_COLOUR = """
([r, g, b]) => {
  let n = 0;
  for (const c of document.querySelectorAll('canvas.cw-row-overlay:not([hidden])')) {
    if (!c.width) continue;
    const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    for (let i = 0; i < d.length; i += 4)
      if (d[i + 3] > 200 && Math.abs(d[i] - r) < 12 && Math.abs(d[i + 1] - g) < 12
          && Math.abs(d[i + 2] - b) < 12) n++;
  }
  return n;
}
"""


def close(pixel: list[int], rgb: list[int], tolerance: int = 14) -> bool:
    return pixel[3] > 200 and all(abs(p - c) <= tolerance for p, c in zip(pixel, rgb, strict=False))


def test_skeletons_are_drawn_in_the_grid_and_the_preview_names_the_joints(
    notebook: NotebookPage, tmp_path: Path
) -> None:
    annotations, images, joints = person_dataset(tmp_path)
    notebook.run(
        "import cocowidget as cw\n"
        f"ds = cw.CocoDataset.from_coco({str(annotations)!r}, image_dir={str(images)!r})\n"
        "grid = cw.CocoGrid(ds, thumbnail_size=200, show_masks=False)\n"
        "grid"
    )
    page = notebook.page
    expect(page.locator(LOADED).first).to_be_visible(timeout=30_000)
    # The thumbnail shows the joints in their colours (the person's box is green).
    for joint in (0, 9, 15):
        page.wait_for_function(f"() => ({COUNT_COLOUR})({joint_rgb(joint)}) > 0")
    cell(notebook, 0).screenshot(path=str(SHOTS / "grid_cell.png"))

    cell(notebook, 0).hover()
    preview = page.locator(".cw-preview:not([hidden])")
    expect(preview.locator("img[src^='blob:']")).to_be_visible(timeout=10_000)
    listed = preview.locator(".cw-preview-objects li")
    expect(listed.first).to_contain_text("nose")
    legend = listed.first.inner_text()
    assert "left_knee" in legend and "right_ankle" in legend
    expect(preview.locator(".cw-preview-objects")).to_contain_text(
        "16/17 joints labelled, 15 visible"
    )
    page.wait_for_timeout(200)  # the overlay is drawn once the image is placed

    def pixel(joint: int, dx: float = 0.0) -> list[int]:
        x, y = joints[joint]
        value: Any = page.evaluate(PIXEL_AT, [x, y, dx, SIZE])
        return list(value)

    # A visible joint is a filled dot of its colour; the hidden one a ring of its colour
    # around a centre that is not; the unlabelled one is not drawn at all.
    for joint in (0, 5, 9, 15):
        assert close(pixel(joint), joint_rgb(joint)), (joint, pixel(joint))
    assert not close(pixel(HIDDEN), joint_rgb(HIDDEN)), pixel(HIDDEN)
    ring = [pixel(HIDDEN, dx) for dx in (4.0, 4.5, 5.0, 5.5, -4.5, -5.0)]
    assert any(close(p, joint_rgb(HIDDEN)) for p in ring), ring
    assert not close(pixel(UNLABELLED), joint_rgb(UNLABELLED)), pixel(UNLABELLED)
    # A bone: halfway between the left hip and the left knee lies the skeleton's line.
    hip, knee = joints[11], joints[13]
    middle: Any = page.evaluate(PIXEL_AT, [(hip[0] + knee[0]) / 2, (hip[1] + knee[1]) / 2, 0, SIZE])
    assert middle[3] > 200, middle
    preview.screenshot(path=str(SHOTS / "preview.png"))


def test_a_keypoint_evaluation_sorts_the_grid_worst_first_with_both_skeletons(
    notebook: NotebookPage, tmp_path: Path
) -> None:
    from cocowidget.datasets import generate_keypoints_demo

    paths = generate_keypoints_demo(tmp_path / "demo", 40, seed=5)
    notebook.run(
        "import cocowidget as cw, numpy as np\n"
        f"ds = cw.CocoDataset.from_coco({str(paths.annotations)!r},"
        f" image_dir={str(paths.image_dir)!r})\n"
        f"ds.add_predictions({str(paths.predictions)!r}, name='pose')\n"
        "ev = ds.evaluate('pose', 'keypoints')\n"
        "grid = cw.CocoGrid(ds, evaluation=ev, sort_by='pose.keypoints.ap', show_masks=False,"
        " thumbnail_size=180)\n"
        "grid"
    )
    page = notebook.page
    expect(page.locator(LOADED).first).to_be_visible(timeout=30_000)
    worst = notebook.value("int(ds.images['id'][np.nanargmin(ds.images['pose.keypoints.ap'])])")
    expect(cell(notebook, 0)).to_have_attribute("data-image-id", str(worst))
    # Joints of people and of the pose model's guesses are drawn in their colours.
    page.wait_for_function(f"() => ({COUNT_COLOUR})({joint_rgb(0)}) > 0")
    page.locator(".cw-grid").screenshot(path=str(SHOTS / "grid_evaluated.png"))
    cell(notebook, 0).hover()
    preview = page.locator(".cw-preview:not([hidden])")
    expect(preview.locator("img[src^='blob:']")).to_be_visible(timeout=10_000)
    expect(preview.locator(".cw-preview-objects")).to_contain_text("17 joints")
    preview.screenshot(path=str(SHOTS / "preview_evaluated.png"))

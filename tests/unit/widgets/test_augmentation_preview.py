"""AugmentationPreview: originals and draws as a grid, the check's numbers, re-roll."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import cocowidget as cw
from cocowidget.analysis.augment_preview import ORIGINAL
from cocowidget.datasets import DemoPaths

A = pytest.importorskip("albumentations")


@pytest.fixture(scope="module")
def ds(demo: DemoPaths) -> cw.CocoDataset:
    return cw.CocoDataset.from_coco(demo.annotations, image_dir=demo.image_dir, sidecar=False)


def crop() -> Any:
    return A.Compose(
        [A.RandomCrop(160, 160, p=1.0), A.HorizontalFlip(p=0.5)],
        bbox_params=A.BboxParams(format="coco", label_fields=["labels"], min_visibility=0.3),
    )


def test_the_draws_are_the_checks_and_the_grid_shows_them(ds: cw.CocoDataset) -> None:
    ids = ds.images["id"][:3]
    preview = cw.AugmentationPreview(ds, crop(), images=ids, draws=2, seed=7)
    shown = preview.shown
    assert len(shown.images) == 3 * 3  # each original and its two draws
    assert preview.preview is not None
    assert preview.preview.draw.tolist() == [ORIGINAL, 0, 1] * 3
    check = cw.check_augmentations(ds, crop(), draws=2, images=ids, seed=7)
    np.testing.assert_array_equal(preview.check.labels["status"], check.labels["status"])
    np.testing.assert_allclose(preview.check.boxes["bbox"], check.boxes["bbox"])
    # The preview's annotations are the boxes the transform returned, image by image.
    for row in range(len(shown.images)):
        image_id, draw = int(preview.preview.image_id[row]), int(preview.preview.draw[row])
        objects = shown.annotations["bbox"][shown.object_rows(shown.images["id"][row])]
        if draw == ORIGINAL:
            expected = ds.annotations["bbox"][ds.object_rows(image_id)]
        else:
            boxes = check.boxes
            mine = (boxes["image_id"] == image_id) & (boxes["draw"] == draw)
            expected = boxes["bbox"][mine]
        np.testing.assert_allclose(np.asarray(objects).reshape(-1, 4), expected.reshape(-1, 4))
        assert (shown.images["width"][row], shown.images["height"][row]) == (
            (160, 160)
            if draw != ORIGINAL
            else (
                ds.images["width"][ds.image_row(image_id)],
                ds.images["height"][ds.image_row(image_id)],
            )
        )
    assert preview.grid is not None and preview.grid.caption == "caption"


def test_re_roll_and_a_fixed_seed(ds: cw.CocoDataset) -> None:
    preview = cw.AugmentationPreview(ds, crop(), images=ds.images["id"][:4], draws=3)
    first = preview.check.boxes["bbox"].copy()
    old_grid = preview.grid
    preview._reroll.click()
    assert preview.seed == 1 and preview.grid is not old_grid
    assert not np.array_equal(preview.check.boxes["bbox"], first)
    preview.seed = 0  # back to the first draws, exactly
    np.testing.assert_array_equal(preview.check.boxes["bbox"], first)


def test_a_picked_draw_lists_its_labels(ds: cw.CocoDataset) -> None:
    def drop_first(image: Any, boxes: Any, labels: Any, masks: Any) -> Any:
        return image, boxes[1:], labels[1:], masks

    image_id = next(
        int(i) for i in ds.images["id"] if len(ds.annotations["id"][ds.object_rows(i)]) >= 2
    )
    preview = cw.AugmentationPreview(ds, drop_first, images=[image_id], draws=1)
    assert preview.grid is not None
    preview.grid.selected = [int(preview.shown.images["id"][1])]
    lines = [label.value for label in preview._labels.children]
    first = int(ds.annotations["id"][ds.object_rows(image_id)][0])
    assert lines[0] == f"{image_id}, draw 1:"
    assert any(line.startswith(f"#{first} ") and "dropped" in line for line in lines)
    preview.grid.selected = [int(preview.shown.images["id"][0])]
    assert preview._labels.children[0].value == f"{image_id}: the original"
    with pytest.raises(TypeError, match="drawz"):
        cw.AugmentationPreview(ds, drop_first, drawz=2)  # type: ignore[call-arg]


def test_sizes_before_and_after_and_the_images_of_a_range(ds: cw.CocoDataset) -> None:
    shrink = A.Compose(
        [A.LongestMaxSize(160)], bbox_params=A.BboxParams(format="coco", label_fields=["l"])
    )
    check = cw.check_augmentations(ds, shrink)
    view = cw.AugmentationCheckView(ds, check)
    before, after = (np.asarray(bars.y) for bars in view.histogram.bars)
    assert before.sum() == pytest.approx(1.0) and after.sum() == pytest.approx(1.0)
    view.interval = (0.0, 8.0)
    labels = check.labels
    tiny = np.isin(labels["status"], ("kept", "clipped")) & (np.sqrt(labels["area_after"]) <= 8.0)
    assert sorted(view.shown_ids) == sorted(set(labels["image_id"][tiny].tolist()))
    assert 0 < len(view.shown_ids) < len(ds.images)
    emphasised = {i for ids in view.grid.emphasized.values() for i in ids}
    assert emphasised <= set(labels["annotation_id"][tiny].tolist())
    assert "→" in view._classes.children[1].value
    view.interval = None
    assert len(view.shown_ids) == len(ds.images)


def test_keypoints_move_with_their_people(tmp_path: Any) -> None:
    from cocowidget.datasets import generate_keypoints_demo

    paths = generate_keypoints_demo(tmp_path / "people", 6, seed=2, predictions=False)
    people = cw.CocoDataset.from_coco(paths.annotations, image_dir=paths.image_dir, sidecar=False)
    flip = A.Compose(
        [A.HorizontalFlip(p=1.0)],
        bbox_params=A.BboxParams(format="coco", label_fields=["c"]),
        keypoint_params=A.KeypointParams(format="xy", label_fields=["k"], remove_invisible=False),
    )
    preview = cw.AugmentationPreview(people, flip, images=people.images["id"][:2], draws=1)
    shown = preview.shown
    assert "keypoints" in shown.annotations and shown.categories["skeleton"][0] is not None
    for row in range(len(shown.images)):
        if preview.preview is None or preview.preview.draw[row] == ORIGINAL:
            continue
        source = int(preview.preview.image_id[row])
        width = float(people.images["width"][people.image_row(source)])
        before = np.asarray(people.objects_of(source)["keypoints"], dtype=float)
        after = np.asarray(shown.objects_of(int(shown.images["id"][row]))["keypoints"], dtype=float)
        labelled = before[:, :, 2] > 0
        # A horizontal flip: x -> width - x, y the same, for every labelled joint.
        np.testing.assert_allclose(after[labelled][:, 0], width - before[labelled][:, 0], atol=1e-4)
        np.testing.assert_allclose(after[labelled][:, 1], before[labelled][:, 1], atol=1e-4)

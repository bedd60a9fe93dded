"""cw.check_augmentations against Albumentations itself: the boxes we report are the ones
it returns, and drops follow its own min_visibility / min_area; bad transforms are
problems of their image, and the run goes on."""

from __future__ import annotations

import copy
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image

import cocowidget as cw
from cocowidget.analysis.augment_run import draw_seed
from cocowidget.datasets import generate_demo

A = pytest.importorskip("albumentations")
cv2 = pytest.importorskip("cv2")

pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")


@pytest.fixture(scope="module")
def ds(tmp_path_factory: pytest.TempPathFactory) -> cw.CocoDataset:
    paths = generate_demo(tmp_path_factory.mktemp("aug"), 10, seed=5, predictions=False, workers=1)
    return cw.CocoDataset.from_coco(paths.annotations, image_dir=paths.image_dir)


def compose(*transforms: Any, **bbox: Any) -> Any:
    return A.Compose(
        list(transforms), bbox_params=A.BboxParams(format="coco", label_fields=["category"], **bbox)
    )


def albumentations_itself(
    ds: cw.CocoDataset, transform: Any, image_id: int, seed: int
) -> dict[str, Any]:
    """The user's own call: a fresh copy of the Compose, seeded as the check says."""
    own = copy.deepcopy(transform)
    own.set_random_seed(int(seed))
    objects = ds.objects_of(image_id)
    image = np.asarray(Image.open(ds.image_path(image_id)).convert("RGB"))
    boxes = np.asarray(objects["bbox"], dtype=np.float64).reshape(-1, 4)
    data: dict[str, Any] = {"image": image, "bboxes": boxes, "category": objects["category_id"]}
    if len(boxes):
        data["masks"] = list(ds.masks(image_id))
    return own(**data)


PIPELINES = {
    "flip": lambda: compose(A.HorizontalFlip(p=1.0)),
    "rotate45": lambda: compose(A.Rotate(limit=(45, 45), p=1.0)),
    "random_crop": lambda: compose(A.RandomCrop(220, 260, p=1.0), min_visibility=0.3, min_area=150),
    "resize_pad": lambda: compose(A.LongestMaxSize(600), A.PadIfNeeded(500, 600)),
    "reflect_pad": lambda: compose(
        A.PadIfNeeded(760, 760, border_mode=cv2.BORDER_REFLECT_101), min_visibility=0.4
    ),
}


@pytest.mark.parametrize("name", list(PIPELINES))
def test_boxes_are_what_albumentations_returns(ds: cw.CocoDataset, name: str) -> None:
    transform = PIPELINES[name]()
    result = cw.check_augmentations(ds, transform, draws=2, seed=11)
    boxes = result.boxes
    for image_id, draw, seed, height, width in zip(
        *(result.images[c] for c in ("image_id", "draw", "seed", "height_after", "width_after")),
        strict=True,
    ):
        assert seed == draw_seed(11, image_id, draw)
        expected = albumentations_itself(ds, transform, image_id, seed)
        mine = (boxes["image_id"] == image_id) & (boxes["draw"] == draw)
        assert np.array_equal(boxes["bbox"][mine], np.asarray(expected["bboxes"]).reshape(-1, 4))
        assert np.array_equal(boxes["category_id"][mine], np.asarray(expected["category"]))
        assert (height, width) == expected["image"].shape[:2]
    # Every label has one row per draw, and the untouched ones keep their box.
    assert len(result.labels) == 2 * len(ds.annotations)
    assert len(result.problems) == 0


def test_drops_follow_min_visibility_and_min_area(ds: cw.CocoDataset) -> None:
    strict = cw.check_augmentations(ds, PIPELINES["random_crop"](), draws=3, seed=2).labels
    # The same crops with nothing filtered: each label's box clipped to the crop (the
    # boxes are Albumentations' own: test_boxes_are_what_albumentations_returns).
    lenient = cw.check_augmentations(
        ds, compose(A.RandomCrop(220, 260, p=1.0)), draws=3, seed=2
    ).labels
    assert np.array_equal(strict["annotation_id"], lenient["annotation_id"])
    # Without a minimum, a box wholly outside the crop is kept at zero size by the filter
    # after the crop, and dropped by the final one ("zero area").
    inside = lenient["status"] != "dropped"
    assert set(lenient["drop_reason"][~inside]) == {"zero area"}
    clipped_area = np.where(inside, lenient["area_after"], 0.0)
    # A crop moves boxes without scaling: the visible share is the clipped area over the
    # box's own area, the test Albumentations applies.
    share = clipped_area / (strict["area_before"] + 1e-7)
    expect_dropped = ~inside | (clipped_area < 150 - 1e-7) | (share < 0.3)
    assert np.array_equal(strict["status"] == "dropped", expect_dropped)
    assert np.allclose(strict["visible_fraction"][inside], share[inside], rtol=1e-5, atol=1e-6)
    assert np.array_equal(strict["status"] == "clipped", ~expect_dropped & (share < 1 - 1e-6))
    reasons = strict["drop_reason"]
    assert np.array_equal(reasons == "min_area", clipped_area < 150 - 1e-7)
    assert np.array_equal(reasons == "min_visibility", (clipped_area >= 150 - 1e-7) & (share < 0.3))
    assert (reasons == "min_area").sum() > 3 and (reasons == "min_visibility").sum() > 3
    assert set(reasons[~expect_dropped]) == {""}


def test_rotation_grows_boxes_around_masks(ds: cw.CocoDataset) -> None:
    transform = PIPELINES["rotate45"]()
    result = cw.check_augmentations(ds, transform, seed=4)
    labels = result.labels
    ratio = labels["box_mask_ratio"]
    measured = np.isfinite(ratio)
    assert measured.sum() > 20
    assert np.median(ratio[measured]) > 1.3  # a 45° turn: the box of the rotated box
    unrotated = cw.check_augmentations(ds, PIPELINES["flip"](), seed=4).labels["box_mask_ratio"]
    assert np.nanmedian(unrotated) == pytest.approx(1.0, abs=0.02)
    # One label by hand: its box's area over the tight box of its returned mask.
    row = int(np.flatnonzero(measured & (labels["status"] == "kept"))[0])
    image_id = int(labels["image_id"][row])
    expected = albumentations_itself(
        ds,
        transform,
        image_id,
        int(result.images["seed"][result.images["image_id"] == image_id][0]),
    )
    index = int(np.flatnonzero(ds.objects_of(image_id)["id"] == labels["annotation_id"][row])[0])
    mask = np.asarray(expected["masks"][index])
    x, y, w, h = labels["bbox_after"][row]
    inside = mask[int(np.floor(y)) : int(np.ceil(y + h)), int(np.floor(x)) : int(np.ceil(x + w))]
    ys, xs = np.flatnonzero(inside.any(axis=1)), np.flatnonzero(inside.any(axis=0))
    tight = (ys[-1] - ys[0] + 1) * (xs[-1] - xs[0] + 1)
    assert ratio[row] == pytest.approx(w * h / tight, rel=1e-12)


def test_small_objects_after_resize_and_pad(ds: cw.CocoDataset) -> None:
    transform = PIPELINES["resize_pad"]()
    result = cw.check_augmentations(ds, transform)
    small = result.small_objects()
    expected: dict[int, int] = {}
    for image_id, seed in zip(result.images["image_id"], result.images["seed"], strict=True):
        out = albumentations_itself(ds, transform, image_id, seed)
        for (_, _, w, h), category in zip(
            np.asarray(out["bboxes"]).reshape(-1, 4), out["category"], strict=True
        ):
            if min(w, h) < 32:
                expected[int(category)] = expected.get(int(category), 0) + 1
    got = {
        int(c): int(n) for c, n in zip(small["category_id"], small["small_after"], strict=True) if n
    }
    assert got == expected
    assert small["labels"].sum() == len(ds.annotations)
    summary = result.summary()
    for status in ("kept", "clipped", "dropped", "failed"):
        assert summary[status].sum() == (result.labels["status"] == status).sum()
    assert summary["labels"].sum() == len(ds.annotations)
    assert summary["images_lost"].sum() == result.images["classes_lost"].sum()
    assert len(result.sizes_before) == len(ds.annotations)
    assert len(result.sizes_after) == int(
        np.isin(result.labels["status"], ("kept", "clipped")).sum()
    )


def _one_image_dataset(tmp_path: Path, box: tuple[float, float, float, float]) -> cw.CocoDataset:
    Image.fromarray(np.full((100, 100, 3), 90, dtype=np.uint8)).save(tmp_path / "a.png")
    x, y, w, h = box
    polygon = [[x, y, x + w, y, x + w, y + h, x, y + h]]
    coco = {
        "images": [{"id": 1, "file_name": "a.png", "width": 100, "height": 100}],
        "annotations": [
            {
                "id": 7,
                "image_id": 1,
                "category_id": 1,
                "bbox": list(box),
                "area": w * h,
                "iscrowd": 0,
                "segmentation": polygon,
            },
        ],
        "categories": [{"id": 1, "name": "thing"}],
    }
    return cw.CocoDataset.from_coco(coco, image_dir=tmp_path)


def test_reflect_padding_copies_labelled_or_not(tmp_path: Path) -> None:
    ds = _one_image_dataset(tmp_path, (0.0, 40.0, 20.0, 20.0))  # touches the left edge
    # 20 px of padding: the mirrored copy lies wholly in the band, and is labelled.
    whole = cw.check_augmentations(
        ds, compose(A.PadIfNeeded(140, 140, border_mode=cv2.BORDER_REFLECT_101))
    )
    assert whole.labels["copies"].tolist() == [1.0]
    assert whole.labels["reflected_unlabelled"].tolist() == [False]
    # 10 px: the copy is half in view, under min_visibility, so no box for it.
    half = cw.check_augmentations(
        ds, compose(A.PadIfNeeded(120, 120, border_mode=cv2.BORDER_REFLECT_101), min_visibility=0.6)
    )
    row = half.labels.row(0)
    assert (row["status"], row["copies"], row["mirrored"]) == ("kept", 0.0, 1.0)
    assert row["reflected_unlabelled"] and row["unlabelled_pixels"] == pytest.approx(200, abs=25)
    assert half.images["reflected_unlabelled"].tolist() == [1]
    # Constant padding mirrors nothing.
    flat = cw.check_augmentations(ds, compose(A.PadIfNeeded(120, 120)))
    assert flat.labels["reflected_unlabelled"].tolist() == [False]
    assert flat.labels["unlabelled_pixels"].tolist() == [0.0]


def reflect_pad_without_labels(image, boxes, labels, masks):  # type: ignore[no-untyped-def]
    """A hand-written reflect padding that moves the boxes but labels no copy."""
    pad = ((10, 10), (10, 10))
    image = np.pad(image, (*pad, (0, 0)), mode="reflect")
    masks = [np.pad(mask, pad, mode="reflect") for mask in masks]
    return image, boxes + np.array([10, 10, 0, 0]), labels, masks


def test_callable_reflection_is_flagged(tmp_path: Path) -> None:
    ds = _one_image_dataset(tmp_path, (0.0, 40.0, 20.0, 20.0))
    result = cw.check_augmentations(ds, reflect_pad_without_labels)
    row = result.labels.row(0)
    assert row["status"] == "kept" and row["reflected_unlabelled"]
    assert row["bbox_after"] == [10.0, 50.0, 20.0, 20.0]
    assert np.isnan(row["visible_fraction"])


def shrink(image, boxes, labels, masks):  # type: ignore[no-untyped-def]
    small = np.ascontiguousarray(image[::10, ::10])
    return small, boxes / 10, labels, None


def test_callable_contract_and_flags(ds: cw.CocoDataset) -> None:
    result = cw.check_augmentations(ds, shrink, min_size=8)
    labels = result.labels
    assert np.allclose(labels["bbox_after"], labels["bbox_before"] / 10)
    shorter = np.minimum(labels["bbox_after"][:, 2], labels["bbox_after"][:, 3])
    assert np.array_equal(labels["shrunk"], shorter < 8)
    assert np.isnan(labels["box_mask_ratio"]).all()  # masks=None: no mask checks

    def degenerate(image, boxes, labels, masks):  # type: ignore[no-untyped-def]
        boxes = boxes.copy()
        boxes[:, 2] = 0
        return image, boxes, labels, masks

    flat = cw.check_augmentations(ds, degenerate).labels
    assert flat["degenerate"].all() and not flat["shrunk"].any()


def test_bad_transforms_are_problems_of_their_image(ds: cw.CocoDataset) -> None:
    first, second = ds.images["id"][:2].tolist()

    def sometimes(image, boxes, labels, masks):  # type: ignore[no-untyped-def]
        if image.shape == second_shape and len(boxes) == second_count:
            raise RuntimeError("kaboom")
        return image, boxes, labels, masks

    second_shape = (int(ds.images["height"][1]), int(ds.images["width"][1]), 3)
    second_count = len(ds.objects_of(second))
    with pytest.warns(UserWarning, match="kaboom"):
        result = cw.check_augmentations(ds, sometimes, images=[first, second])
    problem = result.problems.row(0)
    assert problem["image_id"] == second and problem["kind"] == "raised"
    assert f"image {second}" in problem["message"] and "RuntimeError: kaboom" in problem["message"]
    assert "kaboom" in problem["traceback"] and "Traceback" in problem["traceback"]
    statuses = result.labels["status"][result.labels["image_id"] == second]
    assert set(statuses) == {"failed"}
    assert set(result.labels["status"][result.labels["image_id"] == first]) == {"kept"}

    cases = {
        "a tuple (image, boxes, labels, masks)": lambda i, b, n, m: (i, b, n),
        "but 0 labels, so which labels were dropped": lambda i, b, n, m: (i, b, n[:0], m),
        "boxes of shape": lambda i, b, n, m: (i, b[:, :3], n, m),
        "which was not given": lambda i, b, n, m: (i, b, n + 100, m),
        "masks for": lambda i, b, n, m: (i, b, n, m[:1]),
    }
    for words, transform in cases.items():
        with pytest.warns(UserWarning):
            bad = cw.check_augmentations(ds, transform, images=[first])
        assert bad.problems["kind"].tolist() == ["wrong output"], words
        assert (
            words in bad.problems["message"][0] and f"image {first}" in bad.problems["message"][0]
        )


def test_unreadable_image_is_a_problem(ds: cw.CocoDataset, tmp_path: Path) -> None:
    coco = ds.to_dict()
    broken = cw.CocoDataset.from_coco(coco, image_dir=tmp_path)  # no files there
    with pytest.warns(UserWarning, match="file not found"):
        result = cw.check_augmentations(
            broken, compose(A.HorizontalFlip(p=1)), images=ds.images["id"][:2]
        )
    assert result.problems["kind"].tolist() == ["image", "image"]


def test_deterministic_for_a_seed(ds: cw.CocoDataset) -> None:
    from cocowidget.media.executors import thread_executor

    transform = compose(A.RandomCrop(200, 200), A.Rotate(30), min_visibility=0.2)
    one = cw.check_augmentations(ds, transform, draws=2, seed=9, executor=thread_executor(1))
    two = cw.check_augmentations(ds, transform, draws=2, seed=9, executor=thread_executor(2))
    other = cw.check_augmentations(ds, transform, draws=2, seed=10)
    for name in one.labels.columns:
        assert np.array_equal(
            one.labels[name],
            two.labels[name],
            equal_nan=name != "status" and one.labels[name].dtype != object,
        ), name
    assert not np.array_equal(one.boxes["bbox"], other.boxes["bbox"]) or len(one.boxes) != len(
        other.boxes
    )
    # A part of the dataset draws as it does within the whole.
    part_ids = ds.images["id"][3:5]
    part = cw.check_augmentations(ds, transform, draws=2, seed=9, images=part_ids)
    within = np.isin(one.boxes["image_id"], part_ids)
    assert np.array_equal(part.boxes["bbox"], one.boxes["bbox"][within])

    def jitter(image, boxes, labels, masks, rng):  # type: ignore[no-untyped-def]
        return image, boxes + rng.uniform(-2, 2, size=boxes.shape), labels, masks

    a = cw.check_augmentations(ds, jitter, seed=1)
    b = cw.check_augmentations(ds, jitter, seed=1, executor=thread_executor(2))
    assert np.array_equal(a.boxes["bbox"], b.boxes["bbox"])


def test_worker_processes_give_the_same_result(ds: cw.CocoDataset) -> None:
    from cocowidget.media.executors import process_executor

    transform = compose(A.RandomCrop(200, 200), min_visibility=0.2)
    ids = ds.images["id"][:3]
    pool = process_executor(1)
    try:
        there = cw.check_augmentations(ds, transform, images=ids, executor=pool)
        with pytest.raises(TypeError, match="cannot be sent to worker processes"):
            cw.check_augmentations(ds, lambda i, b, n, m: (i, b, n, m), images=ids, executor=pool)
    finally:
        pool.shutdown()
    here = cw.check_augmentations(ds, transform, images=ids)
    assert np.array_equal(there.boxes["bbox"], here.boxes["bbox"])
    assert np.array_equal(there.labels["status"], here.labels["status"])


def test_strict_composes_and_keypoint_params(ds: cw.CocoDataset) -> None:
    ids = ds.images["id"][:2]
    params = A.BboxParams(format="coco", label_fields=["category"])
    strict = A.Compose([A.HorizontalFlip(p=1.0)], bbox_params=params, strict=True)
    assert len(cw.check_augmentations(ds, strict, images=ids).problems) == 0
    with_keypoints = A.Compose(
        [A.HorizontalFlip(p=1.0)],
        bbox_params=params,
        keypoint_params=A.KeypointParams(format="xy", label_fields=["joint"]),
    )
    result = cw.check_augmentations(ds, with_keypoints, images=ids)
    assert len(result.problems) == 0 and set(result.labels["status"]) == {"kept"}


def test_wrong_albumentations_objects(ds: cw.CocoDataset) -> None:
    with pytest.raises(TypeError, match="single Albumentations transform"):
        cw.check_augmentations(ds, A.HorizontalFlip())
    with pytest.raises(ValueError, match="no bbox_params"):
        cw.check_augmentations(ds, A.Compose([A.HorizontalFlip()]))
    with pytest.raises(ValueError, match="format='coco'"):
        cw.check_augmentations(
            ds, A.Compose([A.HorizontalFlip()], bbox_params=A.BboxParams(format="pascal_voc"))
        )
    with pytest.raises(TypeError, match="callable"):
        cw.check_augmentations(ds, 42)
    with pytest.raises(KeyError, match="no image with id"):
        cw.check_augmentations(ds, shrink, images=[10**9])
    with pytest.raises(ValueError, match="draws"):
        cw.check_augmentations(ds, shrink, draws=0)
    with pytest.raises(TypeError, match="did you mean 'draws'"):
        cw.check_augmentations(ds, shrink, draw=2)  # type: ignore[call-arg]


def test_without_albumentations_the_extra_is_named(
    ds: cw.CocoDataset, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in [m for m in sys.modules if m.split(".")[0] == "albumentations"]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.delitem(sys.modules, "cocowidget.analysis.augment_albumentations", raising=False)
    monkeypatch.setitem(sys.modules, "albumentations", None)  # import fails

    class Compose:  # what an Albumentations object looks like from outside
        __module__ = "albumentations.core.composition"

    from cocowidget.analysis.augmentations import albumentations_runner

    with pytest.raises(ImportError, match=r"pip install cocowidget\[augment\]"):
        cw.check_augmentations(ds, Compose())
    with pytest.raises(ImportError, match=r"pip install cocowidget\[augment\]"):
        albumentations_runner(Compose())


def test_the_package_does_not_import_albumentations() -> None:
    code = (
        "import sys, cocowidget as cw\n"
        "cw.check_augmentations, cw.CocoDataset\n"
        "import cocowidget.analysis.augmentations, cocowidget.dataset\n"
        "assert 'albumentations' not in sys.modules, 'imported'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=120)


def test_no_images_and_images_without_labels(ds: cw.CocoDataset, tmp_path: Path) -> None:
    nothing = cw.check_augmentations(ds, shrink, images=[])
    assert len(nothing.labels) == len(nothing.images) == len(nothing.boxes) == 0
    assert nothing.summary()["labels"].sum() == 0
    Image.fromarray(np.zeros((40, 50, 3), dtype=np.uint8)).save(tmp_path / "e.png")
    coco = {
        "images": [{"id": 3, "file_name": "e.png", "width": 50, "height": 40}],
        "annotations": [],
        "categories": [{"id": 1, "name": "thing"}],
    }
    empty = cw.CocoDataset.from_coco(coco, image_dir=tmp_path)
    result = cw.check_augmentations(empty, compose(A.LongestMaxSize(100)))
    assert result.images.row(0)["labels"] == 0 and result.images.row(0)["width_after"] == 100
    assert len(result.problems) == 0


def test_keypoints_are_what_albumentations_returns(tmp_path: Path) -> None:
    from cocowidget.datasets import generate_keypoints_demo

    paths = generate_keypoints_demo(tmp_path / "people", 8, seed=3, predictions=False)
    people = cw.CocoDataset.from_coco(paths.annotations, image_dir=paths.image_dir)
    transform = A.Compose(
        [A.RandomCrop(150, 150, p=1.0), A.HorizontalFlip(p=0.5)],
        bbox_params=A.BboxParams(format="coco", label_fields=["category"]),
        keypoint_params=A.KeypointParams(format="xy", label_fields=["joint"]),
    )
    result = cw.check_augmentations(people, transform, draws=2, seed=4)
    labels = result.labels
    for image_id, draw, seed in zip(
        *(result.images[c] for c in ("image_id", "draw", "seed")), strict=True
    ):
        objects = people.objects_of(image_id)
        keypoints = np.asarray(objects["keypoints"], dtype=np.float64)
        labelled = np.isfinite(keypoints).all(axis=2) & (keypoints[:, :, 2] > 0)
        person, joint = np.nonzero(labelled)
        own = copy.deepcopy(transform)
        own.set_random_seed(int(seed))
        image = np.asarray(Image.open(people.image_path(image_id)).convert("RGB"))
        expected = own(
            image=image,
            bboxes=np.asarray(objects["bbox"], dtype=np.float64).reshape(-1, 4),
            category=objects["category_id"],
            keypoints=keypoints[person, joint, :2],
            joint=person * keypoints.shape[1] + joint,
        )
        returned = np.bincount(
            np.asarray(expected["joint"], dtype=np.int64) // keypoints.shape[1],
            minlength=len(objects["id"]),
        )
        mine = (labels["image_id"] == image_id) & (labels["draw"] == draw)
        assert labels["keypoints_before"][mine].tolist() == labelled.sum(axis=1).tolist()
        assert labels["keypoints_after"][mine].tolist() == returned.tolist()
    assert np.nansum(labels["keypoints_lost"]) > 0  # the crops cut people
    # A callable says nothing of keypoints: not followed.
    plain = cw.check_augmentations(
        people, lambda image, boxes, labels, masks: (image, boxes, labels, masks), images=[1]
    )
    assert np.isnan(plain.labels["keypoints_after"]).all()

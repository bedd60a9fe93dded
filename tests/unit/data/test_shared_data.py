"""On real COCO data (../shared/data): the tables agree with pycocotools exactly."""

from __future__ import annotations

import contextlib
import io
from pathlib import Path

import numpy as np
import pytest

from cocowidget.dataset import CocoDataset

from .helpers import (
    COCO_TINY,
    VAL2014_100,
    needs_shared_data,
    pycocotools_numpy2_warning,
    quiet_coco,
)

pytestmark = [*needs_shared_data, pycocotools_numpy2_warning]

GROUND_TRUTH = [
    COCO_TINY / "annotations" / "instances_val2017.json",
    COCO_TINY / "annotations" / "instances_train2017.json",
    VAL2014_100 / "instances_val2014_100.json",
]


@pytest.mark.parametrize("path", GROUND_TRUTH, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_tables_agree_with_pycocotools(path: Path) -> None:
    coco = quiet_coco(path)
    dataset = CocoDataset.from_coco(path)

    images = dataset.images
    assert images["id"].tolist() == [image["id"] for image in coco.dataset["images"]]
    for field in ("file_name", "width", "height"):
        assert images[field].tolist() == [coco.imgs[i][field] for i in images["id"].tolist()]

    annotations = dataset.annotations
    ids = sorted(coco.anns)
    order = np.argsort(annotations["id"], kind="stable")
    assert annotations["id"][order].tolist() == ids
    for field in ("image_id", "category_id", "area", "iscrowd"):
        expected = [coco.anns[i][field] for i in ids]
        assert annotations[field][order].tolist() == expected, field
    assert annotations["bbox"][order].tolist() == [coco.anns[i]["bbox"] for i in ids]

    categories = dataset.categories
    assert categories["id"].tolist() == [c["id"] for c in coco.dataset["categories"]]
    assert categories["name"].tolist() == [c["name"] for c in coco.dataset["categories"]]


@pytest.mark.parametrize("path", GROUND_TRUTH, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_each_image_has_exactly_its_annotations_in_file_order(path: Path) -> None:
    coco = quiet_coco(path)
    dataset = CocoDataset.from_coco(path)
    for image_id in coco.imgs:
        expected = [a["id"] for a in coco.imgToAnns[image_id]]
        assert dataset.objects_of(image_id)["id"].tolist() == expected


@pytest.mark.parametrize("path", GROUND_TRUTH, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_masks_equal_ann_to_mask(path: Path) -> None:
    coco = quiet_coco(path)
    dataset = CocoDataset.from_coco(path)
    kinds = set()
    for image_id in coco.imgs:
        objects = dataset.objects_of(image_id)
        masks = dataset.masks(image_id)
        assert masks.dtype == np.uint8
        assert masks.shape[0] == len(objects)
        for mask, annotation_id in zip(masks, objects["id"].tolist(), strict=True):
            annotation = coco.anns[annotation_id]
            np.testing.assert_array_equal(mask, coco.annToMask(annotation))
            kinds.add(type(annotation["segmentation"]).__name__)
    assert kinds == {"list", "dict"}  # polygons and crowd RLE both covered


def test_annotation_rle_equals_ann_to_rle() -> None:
    path = VAL2014_100 / "instances_val2014_100.json"
    coco = quiet_coco(path)
    dataset = CocoDataset.from_coco(path)
    for annotation_id in list(coco.anns)[:200]:
        ours = dataset.annotation_rle(annotation_id)
        theirs = coco.annToRLE(coco.anns[annotation_id])
        assert list(ours["size"]) == list(theirs["size"])
        assert ours["counts"] == theirs["counts"]


@pytest.mark.parametrize("kind", ["bbox", "segm"])
def test_predictions_agree_with_load_res(kind: str) -> None:
    coco = quiet_coco(VAL2014_100 / "instances_val2014_100.json")
    results = VAL2014_100 / f"instances_val2014_fake{kind}100_results.json"
    with contextlib.redirect_stdout(io.StringIO()):
        reference = coco.loadRes(str(results))
    dataset = CocoDataset.from_coco(coco)
    table = dataset.add_predictions(results, name=kind)
    assert dataset.predictions[kind] is table
    ids = sorted(reference.anns)
    order = np.argsort(table["id"], kind="stable")
    assert table["id"][order].tolist() == ids
    for field in ("image_id", "category_id", "score", "area", "bbox"):
        expected = np.array([np.asarray(reference.anns[i][field]).tolist() for i in ids])
        assert table[field][order].tolist() == expected.tolist(), field
    for image_id in list(coco.imgs)[:40]:
        objects = dataset.objects_of(image_id, run=kind)
        masks = dataset.masks(image_id, run=kind)
        for mask, detection_id in zip(masks, objects["id"].tolist(), strict=True):
            np.testing.assert_array_equal(mask, reference.annToMask(reference.anns[detection_id]))


def test_real_images_pass_the_file_checks() -> None:
    dataset = CocoDataset.from_coco(
        COCO_TINY / "annotations" / "instances_val2017.json", image_dir=COCO_TINY / "val2017"
    )
    problems = dataset.quality()
    file_kinds = {
        "missing_file",
        "unreadable_file",
        "truncated_file",
        "size_mismatch",
        "exif_size_mismatch",
        "constant_image",
        "near_black_image",
        "duplicate_image",
    }
    assert not file_kinds & set(problems["kind"].tolist())
    sizes = np.array(
        [(COCO_TINY / "val2017" / name).stat().st_size for name in dataset.images["file_name"]]
    )
    np.testing.assert_array_equal(dataset.images["file_size"], sizes)
    assert np.isfinite(dataset.images["brightness"]).all()
    assert ((dataset.images["brightness"] > 0) & (dataset.images["brightness"] < 1)).all()

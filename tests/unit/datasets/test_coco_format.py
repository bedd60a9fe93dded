"""The files are valid COCO, as pycocotools and Pillow see them."""

from __future__ import annotations

import io
from contextlib import redirect_stdout
from typing import Any

import numpy as np
from PIL import Image
from pycocotools.coco import COCO

from cocowidget.datasets import DemoPaths, read_manifest
from cocowidget.datasets.categories import CATEGORIES, SIMILAR
from cocowidget.datasets.scene import image_spec

from .conftest import image_path


def _load(paths: DemoPaths) -> COCO:
    with redirect_stdout(io.StringIO()):
        return COCO(str(paths.annotations))


def test_pycocotools_loads_the_instances_file(small_demo: DemoPaths) -> None:
    coco = _load(small_demo)
    manifest = read_manifest(small_demo.root)
    assert manifest is not None
    assert len(coco.imgs) == manifest["counts"]["images"]
    assert len(coco.anns) == manifest["counts"]["annotations"] > 0
    assert set(coco.cats) == {c.id for c in CATEGORIES}


def test_ids_are_unique_and_annotation_ids_sequential(small_demo: DemoPaths) -> None:
    coco = _load(small_demo)
    image_ids = [img["id"] for img in coco.dataset["images"]]
    assert len(set(image_ids)) == len(image_ids)
    # Image ids skip numbers, like COCO's, so nobody may mistake them for row numbers.
    assert image_ids != list(range(1, len(image_ids) + 1))
    ann_ids = [ann["id"] for ann in coco.dataset["annotations"]]
    assert ann_ids == list(range(1, len(ann_ids) + 1))
    assert {ann["image_id"] for ann in coco.dataset["annotations"]} <= set(image_ids)


def test_categories_look_like_cocos(small_demo: DemoPaths) -> None:
    categories = _load(small_demo).dataset["categories"]
    ids = [c["id"] for c in categories]
    assert 18 <= len(ids) <= 24
    assert ids == sorted(ids)
    assert ids != list(range(1, len(ids) + 1))  # gaps, like COCO's
    assert len({c["supercategory"] for c in categories}) >= 5
    by_name = {c.name: i for i, c in enumerate(CATEGORIES)}
    look_alikes = [("car", "truck"), ("car", "bus"), ("cat", "dog"), ("cup", "bowl")]
    for a, b in look_alikes:
        assert by_name[b] in SIMILAR[by_name[a]]


def test_json_sizes_match_the_image_files(small_demo: DemoPaths) -> None:
    manifest = read_manifest(small_demo.root)
    assert manifest is not None
    special = {s["file_name"] for s in manifest["special_files"].values()}
    checked = 0
    for image in _load(small_demo).dataset["images"]:
        if image["file_name"] in special:
            continue
        with Image.open(image_path(small_demo, image)) as file:
            assert file.format == "JPEG"
            assert file.size == (image["width"], image["height"])
        checked += 1
    assert checked == 40


def test_image_sizes_vary_like_photos() -> None:
    specs = [image_spec(0, i) for i in range(3000)]
    long_side = np.array([max(s.width, s.height) for s in specs])
    aspect = np.array([s.width / s.height for s in specs])
    assert np.mean(long_side == 640) > 0.7
    assert (long_side < 640).any() and (long_side > 640).any()
    assert (aspect < 1).mean() > 0.15  # portraits
    assert (aspect > 5).any(), "no panorama"
    assert (aspect < 1 / 5).any(), "no tall strip"
    assert len(set(zip(long_side.tolist(), aspect.round(2).tolist(), strict=True))) > 50


def test_annotation_fields_and_types(small_demo: DemoPaths) -> None:
    annotations: list[dict[str, Any]] = _load(small_demo).dataset["annotations"]
    for ann in annotations:
        assert list(ann) == [
            "segmentation",
            "area",
            "iscrowd",
            "image_id",
            "bbox",
            "category_id",
            "id",
        ]
        assert len(ann["bbox"]) == 4 and all(isinstance(v, float) for v in ann["bbox"])
        segmentation = ann["segmentation"]
        if isinstance(segmentation, list):
            assert isinstance(ann["area"], float)
            for part in segmentation:
                assert len(part) >= 6 and len(part) % 2 == 0
                assert all(round(v, 2) == v for v in part)  # two decimals, as in COCO
        elif ann["iscrowd"]:
            assert isinstance(segmentation["counts"], list)  # uncompressed, as in COCO
        else:
            assert isinstance(segmentation["counts"], str)  # compressed RLE

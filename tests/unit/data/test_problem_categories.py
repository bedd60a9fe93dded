"""Problems come with a category, and the images of a category are one call away:
``ds.quality().image_ids(category="file")`` instead of a regex over kinds. A
boxes-only dataset is said once, not once per annotation."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np

import cocowidget as cw
from cocowidget.data.problems import CATEGORIES
from cocowidget.datasets import generate_demo

from .test_malformed_corpus import CASES, CORPUS


def test_every_kind_found_in_the_corpora_has_a_category(tmp_path: Path) -> None:
    demo = generate_demo(tmp_path, n_images=24, seed=5, broken_images=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        datasets = [cw.CocoDataset.from_coco(demo.annotations, image_dir=demo.image_dir)]
        datasets[0].add_predictions(demo.predictions, name="simulated")
        datasets += [cw.CocoDataset.from_coco(CORPUS / case["file"]) for case in CASES]
        tables = [ds.quality() for ds in datasets]
    found = {
        (kind, category)
        for table in tables
        for kind, category in zip(table["kind"].tolist(), table["category"].tolist(), strict=True)
    }
    assert len({kind for kind, _ in found}) >= 15
    assert [kind for kind, category in found if category == "other"] == []
    assert {category for _, category in found} <= set(CATEGORIES)


def test_image_ids_of_a_category_are_the_images_with_such_a_problem(tmp_path: Path) -> None:
    demo = generate_demo(tmp_path, n_images=24, seed=5, broken_images=True)
    ds = cw.CocoDataset.from_coco(demo.annotations, image_dir=demo.image_dir)
    problems = ds.quality()
    table = problems.to_pandas()
    on_files = table[(table["category"] == "file") & (table["image_id"] >= 0)]
    assert len(on_files) >= 3  # the broken files the demo plants
    assert problems.image_ids(category="file") == list(dict.fromkeys(on_files["image_id"]))
    missing = problems.image_ids(kind="missing_file")
    assert missing and set(missing) <= set(problems.image_ids(category="file"))
    assert problems.image_ids(category="file", severity="info") == []
    assert set(problems.image_ids(category=["file", "box"])) >= set(missing)


def test_a_boxes_only_dataset_is_said_once() -> None:
    document = {
        "images": [{"id": i, "file_name": f"{i}.jpg", "width": 64, "height": 64} for i in (1, 2)],
        "annotations": [
            {
                "id": k,
                "image_id": 1 + k % 2,
                "category_id": 1,
                "bbox": [1, 1, 9, 9],
                "area": 81,
                "iscrowd": 0,
                "segmentation": [],
            }
            for k in range(1, 40)
        ],
        "categories": [{"id": 1, "name": "thing"}],
    }
    ds = cw.CocoDataset.from_coco(document)
    kinds = ds.quality(check_files=False)["kind"].tolist()
    assert "empty_segmentation" not in kinds
    assert kinds.count("boxes_only") == 1
    # One real segmentation among empty ones: the empty ones are problems again.
    document["annotations"][0]["segmentation"] = [[1, 1, 9, 1, 9, 9]]
    kinds = cw.CocoDataset.from_coco(document).quality(check_files=False)["kind"].tolist()
    assert kinds.count("empty_segmentation") == 38 and "boxes_only" not in kinds
    assert np.all(cw.CocoDataset.from_coco(document).images["object_count"] > 0)

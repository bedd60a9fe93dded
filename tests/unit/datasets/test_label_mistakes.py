"""Label mistakes planted into the demo's ground truth: recorded, deterministic, and
invisible to the detector and the pixels."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from pycocotools import mask as mask_utils

from cocowidget.datasets import (
    LabelMistakes,
    generate_coco_dict,
    generate_coco_dict_with_mistakes,
    generate_demo,
    read_manifest,
    write_annotations_only,
)
from cocowidget.datasets.categories import CATEGORIES, SIMILAR
from cocowidget.datasets.mistakes import BADLY_LOCATED_IOU, KINDS

N_IMAGES = 150
SEED = 4


@pytest.fixture(scope="module")
def planted() -> tuple[dict[str, Any], list[dict[str, Any]], dict[str, Any]]:
    return generate_coco_dict_with_mistakes(N_IMAGES, seed=SEED)


@pytest.fixture(scope="module")
def clean() -> tuple[dict[str, Any], list[dict[str, Any]]]:
    return generate_coco_dict(N_IMAGES, seed=SEED)


def _iou(a: list[float], b: list[float]) -> float:
    return float(mask_utils.iou([a], [b], [0])[0][0])


def _by_id(dataset: dict[str, Any]) -> dict[int, dict[str, Any]]:
    return {a["id"]: a for a in dataset["annotations"]}


def test_every_kind_is_planted_and_counted(planted: Any) -> None:
    _, _, record = planted
    counts = record["counts"]
    assert set(counts) == set(KINDS)
    assert all(counts[kind] >= 10 for kind in KINDS), counts
    assert sum(counts.values()) == len(record["mistakes"])
    assert record["duplicate_counts"]["same_class"] > 0
    assert record["duplicate_counts"]["other_class"] > 0
    assert record["rates"] == LabelMistakes().as_dict()


def test_the_detector_still_sees_the_true_objects(planted: Any, clean: Any) -> None:
    _, results, _ = planted
    _, clean_results = clean
    assert results == clean_results


def test_the_annotations_change_as_recorded(planted: Any, clean: Any) -> None:
    dataset, _, record = planted
    clean_dataset, _ = clean
    counts = record["counts"]
    assert len(dataset["annotations"]) == (
        len(clean_dataset["annotations"])
        - counts["missing_label"]
        + counts["duplicate_label"]
        + counts["spurious_label"]
    )
    assert [a["id"] for a in dataset["annotations"]] == list(
        range(1, len(dataset["annotations"]) + 1)
    )
    labels = _by_id(dataset)
    for mistake in record["mistakes"]:
        kind = mistake["kind"]
        if kind == "missing_label":
            continue
        ann = labels[mistake["annotation_id"]]
        assert ann["image_id"] == mistake["image_id"]
        assert ann["category_id"] == mistake["category_id"]
        if kind == "wrong_class":
            true = next(i for i, c in enumerate(CATEGORIES) if c.id == mistake["true_category_id"])
            assert ann["category_id"] in {CATEGORIES[j].id for j in SIMILAR[true]}
        elif kind == "badly_located":
            iou = _iou(ann["bbox"], mistake["true_bbox"])
            assert BADLY_LOCATED_IOU[0] <= iou < BADLY_LOCATED_IOU[1]
        elif kind == "duplicate_label":
            original = labels[mistake["duplicate_of"]]
            assert _iou(ann["bbox"], original["bbox"]) >= 0.8
            same = ann["category_id"] == original["category_id"]
            assert same == mistake["same_class"]
        elif kind == "spurious_label":
            others = [
                a
                for a in dataset["annotations"]
                if a["image_id"] == ann["image_id"] and a["id"] != ann["id"]
            ]
            assert all(_iou(ann["bbox"], a["bbox"]) == 0 for a in others)


def test_moved_and_added_labels_agree_with_their_masks(planted: Any) -> None:
    """As every demo annotation: its box is its mask's box and its area the mask's."""
    dataset, _, record = planted
    sizes = {i["id"]: (i["height"], i["width"]) for i in dataset["images"]}
    labels = _by_id(dataset)
    changed = [m for m in record["mistakes"] if m["kind"] in ("badly_located", "spurious_label")]
    kinds_of_mask = set()
    for mistake in changed:
        ann = labels[mistake["annotation_id"]]
        height, width = sizes[ann["image_id"]]
        segmentation = ann["segmentation"]
        if isinstance(segmentation, list):
            rle = mask_utils.merge(mask_utils.frPyObjects(segmentation, height, width))
            kinds_of_mask.add("polygon")
        else:
            rle = {"size": segmentation["size"], "counts": segmentation["counts"].encode()}
            kinds_of_mask.add("rle")
        np.testing.assert_allclose(mask_utils.toBbox(rle), ann["bbox"])
        assert int(mask_utils.area(rle)) == ann["area"]
    assert kinds_of_mask == {"polygon", "rle"}


def test_no_mistakes_at_zero_rates() -> None:
    none = LabelMistakes(0, 0, 0, 0, 0, 0)
    dataset, _, record = generate_coco_dict_with_mistakes(20, seed=1, label_mistakes=none)
    assert record["mistakes"] == []
    assert dataset == generate_coco_dict(20, seed=1)[0]


@pytest.mark.parametrize(
    "rates",
    [{"missing": -0.1}, {"spurious": 1.5}, {"missing": 0.5, "wrong_class": 0.4, "duplicate": 0.2}],
)
def test_rates_out_of_range(rates: dict[str, float]) -> None:
    with pytest.raises(ValueError, match=r"rates must lie|at most one mistake"):
        LabelMistakes(**rates)


def _tree(root: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(root)): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and p.name not in {"manifest.json", ".generate.lock"}
    }


def test_demo_folder_with_mistakes_is_deterministic_and_keeps_the_pixels(tmp_path: Path) -> None:
    serial = generate_demo(tmp_path / "a", 16, seed=2, label_mistakes=True, workers=1)
    parallel = generate_demo(tmp_path / "b", 16, seed=2, label_mistakes=True, workers=2)
    plain = generate_demo(tmp_path / "c", 16, seed=2, workers=1)
    assert _tree(serial.root) == _tree(parallel.root)
    assert serial.label_mistakes is not None and plain.label_mistakes is None
    record = json.loads(serial.label_mistakes.read_text())
    assert record["mistakes"] and record["seed"] == 2
    assert serial.predictions is not None and plain.predictions is not None
    assert serial.predictions.read_bytes() == plain.predictions.read_bytes()
    for image in plain.image_dir.iterdir():
        assert (serial.image_dir / image.name).read_bytes() == image.read_bytes()
    manifest = read_manifest(serial.root)
    assert manifest is not None
    assert manifest["params"]["label_mistakes"] == LabelMistakes().as_dict()
    assert "label_mistakes" not in (read_manifest(plain.root) or {})["params"]
    # Reused as it is, and regenerated when the rates change.
    stamp = serial.annotations.stat().st_mtime_ns
    again = generate_demo(tmp_path / "a", 16, seed=2, label_mistakes=True, workers=1)
    assert again.annotations.stat().st_mtime_ns == stamp
    other = generate_demo(tmp_path / "a", 16, seed=2, label_mistakes=LabelMistakes(missing=0.2))
    assert other.label_mistakes is not None
    assert json.loads(other.label_mistakes.read_text())["rates"]["missing"] == 0.2


def test_annotations_only_writes_the_record_beside(tmp_path: Path) -> None:
    gt, record = tmp_path / "gt.json", tmp_path / "mistakes.json"
    write_annotations_only(
        gt, 30, seed=3, label_mistakes=LabelMistakes(), mistakes_path=record, workers=1
    )
    dataset, _, expected = generate_coco_dict_with_mistakes(30, seed=3)
    assert json.loads(record.read_text()) == json.loads(json.dumps(expected))
    assert json.loads(gt.read_text())["annotations"] == json.loads(
        json.dumps(dataset["annotations"])
    )
    with pytest.raises(ValueError, match="go together"):
        write_annotations_only(tmp_path / "x.json", 2, label_mistakes=LabelMistakes())

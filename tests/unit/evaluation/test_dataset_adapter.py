"""``evaluate_dataset``: a CocoDataset run evaluates exactly as pycocotools would."""

from __future__ import annotations

import json

import numpy as np
import pytest

from cocowidget.dataset import CocoDataset
from cocowidget.evaluation import DetectionOutcome, evaluate_dataset
from tests.shared_data import reason

from .reference import VAL2014_100, load_results, quiet_coco, run_cocoeval
from .test_tables import RESULTS, SCENE


def test_hand_made_scene_through_the_dataset() -> None:
    ds = CocoDataset.from_coco(json.loads(json.dumps(SCENE)))
    ds.add_predictions(json.loads(json.dumps(RESULTS[:8])), "run")
    ev = evaluate_dataset(ds, "run", "bbox")
    coco_gt = quiet_coco(SCENE)
    reference = run_cocoeval(coco_gt, load_results(coco_gt, RESULTS[:8]), "bbox")
    assert ev.stats.tolist() == list(reference.stats)
    detections = ev.detections
    np.testing.assert_array_equal(detections["id"], ds.predictions["run"]["id"])
    assert detections["outcome"][0, 0] == DetectionOutcome.TRUE_POSITIVE
    np.testing.assert_array_equal(ev.ground_truth["id"], ds.annotations["id"])
    assert ev.classes["name"].tolist() == ["cat", "dog"]


@pytest.mark.shared_data
@pytest.mark.skipif(
    not VAL2014_100.is_dir(),
    reason=reason("cocoapi reference data"),
)
@pytest.mark.parametrize(
    ("iou_type", "results_file"),
    [
        ("bbox", "instances_val2014_fakebbox100_results.json"),
        ("segm", "instances_val2014_fakesegm100_results.json"),
    ],
)
def test_reference_data_through_the_dataset(iou_type: str, results_file: str) -> None:
    gt_path = VAL2014_100 / "instances_val2014_100.json"
    ds = CocoDataset.from_coco(gt_path)
    ds.add_predictions(VAL2014_100 / results_file, "fake")
    ev = evaluate_dataset(ds, "fake", iou_type)  # type: ignore[arg-type]
    coco_gt = quiet_coco(json.loads(gt_path.read_text()))
    results = json.loads((VAL2014_100 / results_file).read_text())
    reference = run_cocoeval(coco_gt, load_results(coco_gt, results), iou_type)
    assert ev.stats.tolist() == list(reference.stats)
    np.testing.assert_array_equal(ev.precision, reference.eval["precision"])


def test_evaluate_adds_image_class_detection_and_object_columns() -> None:
    ds = CocoDataset.from_coco(json.loads(json.dumps(SCENE)))
    ds.add_predictions(json.loads(json.dumps(RESULTS[:8])), "run")
    ev = ds.evaluate("run")
    assert ev.run == "run"
    rows = ds.image_rows(ev.images["image_id"])
    np.testing.assert_array_equal(ds.images["run.ap"][rows], ev.images["ap"])
    np.testing.assert_array_equal(ds.images["run.fp"][rows], ev.images["fp"])
    categories = ds.categories
    by_id = {int(i): row for row, i in enumerate(categories["id"])}
    class_rows = [by_id[int(i)] for i in ev.classes["category_id"]]
    for name in ("ap", "ap50", "ap_small", "ar100", "n_gt", "tp", "fn", "recall"):
        np.testing.assert_array_equal(categories[f"run.{name}"][class_rows], ev.classes[name])
    assert "run.name" not in categories and "run.category_id" not in categories
    np.testing.assert_array_equal(ds.predictions["run"]["run.tp50"], ev.detections["tp"][:, 0])
    assert ds.annotations["run.found50"].sum() == ev.image_counts(0.5, 0.0).tp.sum()
    # A subset keeps the per-image columns (still true of its images) but not the
    # per-class ones, which were of the whole dataset.
    subset = ds.subset(ds.images["id"][:1])
    assert "run.ap" in subset.images and "run.ap" not in subset.categories
    assert "annotation_count" in subset.categories

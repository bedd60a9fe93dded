"""Against pycocotools on cocoapi's own reference case (100 val2014 images, fake results)."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

import numpy as np
import pytest
from pycocotools.coco import COCO
from pycocotools.cocoeval import COCOeval

from cocowidget.evaluation import (
    DetectionOutcome,
    Evaluation,
    GroundTruthStatus,
    detections_from_coco,
    detections_from_results,
    evaluate,
    ground_truth_from_coco,
    ground_truth_from_dict,
)
from cocowidget.evaluation.masks import to_rles
from tests.shared_data import reason

from .reference import (
    VAL2014_100,
    eval_images_at_area,
    expected_detection_flags,
    load_results,
    quiet_coco,
    run_cocoeval,
)

pytestmark = [
    pytest.mark.shared_data,
    pytest.mark.skipif(
        not VAL2014_100.is_dir(),
        reason=reason("cocoapi reference data"),
    ),
]

RESULT_FILES = {
    "bbox": "instances_val2014_fakebbox100_results.json",
    "segm": "instances_val2014_fakesegm100_results.json",
}


@dataclass
class Case:
    iou_type: str
    gt_dict: dict[str, Any]
    results: list[dict[str, Any]]
    coco_gt: COCO
    coco_dt: COCO
    reference: COCOeval
    ours: Evaluation


def _load(iou_type: str) -> Case:
    gt_dict = json.loads((VAL2014_100 / "instances_val2014_100.json").read_text())
    results = json.loads((VAL2014_100 / RESULT_FILES[iou_type]).read_text())
    coco_gt = quiet_coco(gt_dict)
    coco_dt = load_results(coco_gt, results)
    reference = run_cocoeval(coco_gt, coco_dt, iou_type)
    ours = evaluate(ground_truth_from_dict(gt_dict), detections_from_results(results), iou_type)
    return Case(iou_type, gt_dict, results, coco_gt, coco_dt, reference, ours)


@pytest.fixture(scope="module", params=["bbox", "segm"])
def case(request: pytest.FixtureRequest) -> Case:
    return _load(request.param)


def _official_stats(iou_type: str) -> list[float]:
    """The 12 rounded numbers cocoapi published for this case."""
    text = (VAL2014_100 / "val2014_fake_eval_res.txt").read_text()
    section = text.split(f"type={iou_type}")[1].split("type=")[0]
    return [float(v) for v in re.findall(r"\] = (-?[0-9.]+)", section)]


def test_stats_equal_pycocotools(case: Case) -> None:
    np.testing.assert_allclose(case.ours.stats, case.reference.stats, rtol=0, atol=1e-12)
    # In fact bit for bit: same values, same reduction order.
    assert case.ours.stats.tolist() == list(case.reference.stats)


def test_stats_match_published_output(case: Case) -> None:
    official = _official_stats(case.iou_type)
    assert len(official) == 12
    np.testing.assert_allclose(np.round(case.ours.stats, 3), official, atol=1e-9)
    assert round(case.ours.stats[0], 3) == {"bbox": 0.505, "segm": 0.320}[case.iou_type]


def test_eval_arrays_equal_pycocotools(case: Case) -> None:
    np.testing.assert_array_equal(case.ours.precision, case.reference.eval["precision"])
    np.testing.assert_array_equal(case.ours.recall, case.reference.eval["recall"])
    np.testing.assert_array_equal(case.ours.scores, case.reference.eval["scores"])


def test_per_class_columns_are_precision_reductions(case: Case) -> None:
    precision = case.reference.eval["precision"]
    recall = case.reference.eval["recall"]
    classes = case.ours.classes
    np.testing.assert_array_equal(classes["category_id"], case.reference.params.catIds)

    def mean_or_nan(s: np.ndarray) -> float:
        valid = s[s > -1]
        return float(np.mean(valid)) if valid.size else float("nan")

    for k in range(len(classes)):
        expected = {
            "ap": mean_or_nan(precision[:, :, k, 0, 2]),
            "ap50": mean_or_nan(precision[0, :, k, 0, 2]),
            "ap75": mean_or_nan(precision[5, :, k, 0, 2]),
            "ap_small": mean_or_nan(precision[:, :, k, 1, 2]),
            "ap_medium": mean_or_nan(precision[:, :, k, 2, 2]),
            "ap_large": mean_or_nan(precision[:, :, k, 3, 2]),
            "ar1": mean_or_nan(recall[:, k, 0, 0]),
            "ar100": mean_or_nan(recall[:, k, 0, 2]),
        }
        for column, value in expected.items():
            np.testing.assert_allclose(classes[column][k], value, rtol=0, atol=1e-12)
    # The reductions average back to the summary number.
    assert np.nanmean(classes["ap"]) == pytest.approx(case.reference.stats[0], abs=1e-12)


def test_per_detection_tp_fp_equal_eval_imgs(case: Case) -> None:
    detections = case.ours.detections
    matched, tp, fp, evaluated = expected_detection_flags(case.reference, len(case.results))
    np.testing.assert_array_equal(detections["evaluated"], evaluated)
    np.testing.assert_array_equal(detections["tp"], tp)
    np.testing.assert_array_equal(detections["fp"], fp)
    np.testing.assert_array_equal(detections["matched_gt_id"], matched)
    outcome = detections["outcome"]
    assert np.array_equal(outcome == DetectionOutcome.TRUE_POSITIVE, tp)
    reasons = np.isin(
        outcome,
        [
            DetectionOutcome.DUPLICATE,
            DetectionOutcome.LOCALISATION,
            DetectionOutcome.CONFUSION,
            DetectionOutcome.BACKGROUND,
        ],
    )
    assert np.array_equal(reasons, fp)


def test_per_ground_truth_equals_eval_imgs(case: Case) -> None:
    table = case.ours.ground_truth
    row_of_id = {int(i): r for r, i in enumerate(table["id"].tolist())}
    seen = 0
    for e in eval_images_at_area(case.reference, 0):
        for g, gt_id in enumerate(e["gtIds"]):
            row = row_of_id[gt_id]
            seen += 1
            if e["gtIgnore"][g]:
                assert (table["status"][row] == GroundTruthStatus.IGNORED).all()
                continue
            gtm = e["gtMatches"][:, g]
            expected = np.where(gtm > 0, GroundTruthStatus.MATCHED, GroundTruthStatus.MISSED)
            np.testing.assert_array_equal(table["status"][row], expected)
            np.testing.assert_array_equal(table["matched_dt_id"][row], np.where(gtm > 0, gtm, -1))
    assert seen == len(case.gt_dict["annotations"])


def test_per_image_ap_equals_cocoeval_on_that_image(case: Case) -> None:
    images = case.ours.images
    checked = 0
    for row in range(len(images)):
        image_id = int(images["image_id"][row])
        single = run_cocoeval(case.coco_gt, case.coco_dt, case.iou_type, img_ids=[image_id])
        for column, stat in (("ap", 0), ("ap50", 1)):
            expected = single.stats[stat]
            ours = images[column][row]
            if expected == -1:
                assert np.isnan(ours)
            else:
                assert ours == pytest.approx(expected, abs=1e-12)
        checked += 1
    assert checked == 100


def test_image_counts_add_up(case: Case) -> None:
    images = case.ours.images
    np.testing.assert_array_equal(images["tp"] + images["fn"], images["n_gt"])
    counts = case.ours.image_counts(0.5, 0.0)
    detections = case.ours.detections
    assert counts.tp.sum() == detections["tp"][:, 0].sum()
    assert counts.fp.sum() == detections["fp"][:, 0].sum()


def test_image_counts_of_one_class_add_up_to_its_class_counts(case: Case) -> None:
    ev = case.ours
    classes = ev.class_counts(0.5, 0.3)
    for index, category_id in enumerate(ev.category_ids.tolist()[:12]):
        counts = ev.image_counts(0.5, 0.3, category_id=category_id)
        assert [counts.tp.sum(), counts.fp.sum(), counts.fn.sum()] == [
            classes.tp[index],
            classes.fp[index],
            classes.fn[index],
        ]
    with pytest.raises(ValueError, match="not evaluated"):
        ev.image_counts(category_id=-12345)


def test_adapters_agree(case: Case) -> None:
    via_coco = evaluate(
        ground_truth_from_coco(case.coco_gt), detections_from_coco(case.coco_dt), case.iou_type
    )
    assert via_coco.stats.tolist() == case.ours.stats.tolist()


def test_masks_equal_ann_to_rle() -> None:
    gt_dict = json.loads((VAL2014_100 / "instances_val2014_100.json").read_text())
    coco_gt = quiet_coco(gt_dict)
    anns = gt_dict["annotations"]
    images = {img["id"]: img for img in gt_dict["images"]}
    heights = np.array([images[a["image_id"]]["height"] for a in anns], dtype=np.int64)
    widths = np.array([images[a["image_id"]]["width"] for a in anns], dtype=np.int64)
    ours = to_rles([a["segmentation"] for a in anns], heights, widths)
    assert any(a["iscrowd"] for a in anns)  # uncompressed RLEs are covered too
    for ann, rle in zip(anns, ours, strict=True):
        expected = coco_gt.annToRLE(ann)
        assert rle["counts"] == expected["counts"]
        assert list(rle["size"]) == list(expected["size"])

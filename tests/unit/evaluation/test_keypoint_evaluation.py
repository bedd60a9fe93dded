"""``ds.evaluate(run, iou_type="keypoints")``: COCOeval's keypoint defaults and quirks,
its printed summary, the tables, and clear errors where keypoints are missing."""

from __future__ import annotations

import contextlib
import copy
import io
import warnings
from typing import Any

import numpy as np
import pytest
from pycocotools.cocoeval import COCOeval

import cocowidget as cw
from cocowidget.evaluation import GroundTruthStatus
from cocowidget.views.evaluation_charts import stat_rows

from .reference import load_results, quiet_coco

JOINTS = [f"j{i}" for i in range(17)]


def joints(x: float, y: float, flag: int = 2) -> list[float]:
    out: list[float] = []
    for j in range(17):
        out += [x + j, y + 2 * j, float(flag)]
    return out


def person(id_: int, keypoints: list[float], **fields: Any) -> dict[str, Any]:
    labelled = sum(1 for v in keypoints[2::3] if v > 0)
    return {
        "id": id_,
        "image_id": fields.pop("image_id", 1),
        "category_id": fields.pop("category_id", 1),
        "bbox": fields.pop("bbox", [10.0, 10.0, 40.0, 60.0]),
        "area": fields.pop("area", 2400.0),
        "iscrowd": 0,
        "keypoints": keypoints,
        "num_keypoints": fields.pop("num_keypoints", labelled),
        **fields,
    }


def document(annotations: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "images": [{"id": i, "file_name": f"{i}.jpg", "width": 200, "height": 200} for i in (1, 2)],
        "annotations": annotations,
        "categories": [
            {"id": 1, "name": "person", "keypoints": JOINTS, "skeleton": [[1, 2]]},
            {"id": 2, "name": "dog"},
        ],
    }


def evaluated(
    annotations: list[dict[str, Any]], results: list[dict[str, Any]], **options: Any
) -> tuple[cw.CocoDataset, Any]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ds = cw.CocoDataset.from_coco(document(annotations))
        ds.add_predictions(copy.deepcopy(results), name="pose")
        return ds, ds.evaluate("pose", "keypoints", **options)


def result(keypoints: list[float], score: float = 0.9, **fields: Any) -> dict[str, Any]:
    return {"image_id": 1, "category_id": 1, "score": score, "keypoints": keypoints, **fields}


def test_keypoint_defaults_are_cocoevals() -> None:
    _, ev = evaluated([person(1, joints(10, 10))], [result(joints(10, 10))])
    assert ev.params.max_detections == (20,)
    assert ev.params.area_labels == ("all", "medium", "large")
    assert ev.params.area_ranges == ((0.0, 1e10), (1024.0, 9216.0), (9216.0, 1e10))
    assert len(ev.params.sigma_array()) == 17
    assert ev.stats.tolist()[:3] == pytest.approx([1.0, 1.0, 1.0], abs=1e-12)
    assert ev.detections["matched_iou"][0].tolist() == [1.0] * 10
    # only the categories with keypoints: COCOeval would fail on the dog
    assert ev.category_ids.tolist() == [1]


def test_a_person_without_labelled_joints_is_compared_with_twice_its_box() -> None:
    unlabelled = joints(0, 0, flag=0)
    gt = person(1, unlabelled, num_keypoints=3, bbox=[50.0, 50.0, 20.0, 20.0], area=400.0)
    inside = [v for j in range(17) for v in (40.0 + j, 45.0 + j, 1.0)]  # within [30, 90]²
    outside = [v for j in range(17) for v in (0.0 + j, 45.0 + j, 1.0)]
    _, ev = evaluated([gt], [result(inside), result(outside, score=0.5)])
    oks = ev.detections["iou"]
    assert oks[0] == 1.0
    assert 0.0 <= oks[1] < 1.0
    assert ev.detections["tp"][0].all()


def test_num_keypoints_zero_is_ignored_and_its_match_counts_neither_way() -> None:
    gt = [person(1, joints(10, 10), num_keypoints=0), person(2, joints(100, 100), image_id=2)]
    _, ev = evaluated(gt, [result(joints(10, 10))])
    truth = ev.ground_truth
    assert (truth["status"][0] == GroundTruthStatus.IGNORED).all()
    detections = ev.detections
    assert detections["matched_gt_id"][0, 0] == 1
    assert not detections["tp"][0].any() and not detections["fp"][0].any()
    assert ev.images["n_gt"].tolist() == [0, 1]


def test_summary_prints_what_cocoeval_prints() -> None:
    annotations = [
        person(1, joints(10, 10)),
        person(2, joints(60, 20, flag=1), area=12000.0),
        person(3, joints(100, 100), image_id=2),
    ]
    results = [
        result(joints(10.5, 11)),
        result(joints(63, 20), score=0.6),
        result(joints(120, 100), score=0.3, image_id=2),
    ]
    ds, ev = evaluated(annotations, results)
    coco_gt = quiet_coco(ds.to_dict())
    reference = COCOeval(coco_gt, load_results(coco_gt, results), "keypoints")
    printed = io.StringIO()
    with contextlib.redirect_stdout(io.StringIO()):
        reference.evaluate()
        reference.accumulate()
    with contextlib.redirect_stdout(printed):
        reference.summarize()
    assert ev.stats.tolist() == list(reference.stats)
    assert ev.summary().splitlines() == printed.getvalue().splitlines()
    names = ["AP", "AP50", "AP75", "AP_medium", "AP_large"]
    assert list(ev.stats_dict()) == [*names, *(name.replace("AP", "AR") for name in names)]


def test_results_with_boxes_keep_their_box_area_as_load_res_does() -> None:
    # loadRes' bbox branch: area w * h of the given box, whatever the keypoints' extent
    _, ev = evaluated(
        [person(1, joints(10, 10))],
        [result(joints(10, 10), bbox=[0.0, 0.0, 200.0, 200.0])],
    )
    detections = ev.detections
    assert detections["tp"][0].all()


def test_the_summary_rows_name_keypoint_numbers() -> None:
    _, ev = evaluated([person(1, joints(10, 10))], [result(joints(10, 10))])
    precision, recall = stat_rows(ev)
    assert [s.label for s in precision] == ["AP", "AP50", "AP75", "medium", "large"]
    assert [s.label for s in recall] == ["AR", "AR50", "AR75", "medium", "large"]
    assert "OKS" in precision[0].meaning


def test_a_dataset_without_keypoints_says_so() -> None:
    plain = {
        "images": [{"id": 1, "file_name": "1.jpg", "width": 10, "height": 10}],
        "annotations": [
            {"id": 1, "image_id": 1, "category_id": 1, "bbox": [1, 1, 2, 2], "area": 4}
        ],
        "categories": [{"id": 1, "name": "thing"}],
    }
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ds = cw.CocoDataset.from_coco(plain)
        ds.add_predictions(
            [{"image_id": 1, "category_id": 1, "bbox": [1, 1, 2, 2], "score": 1}], name="boxes"
        )
    with pytest.raises(ValueError, match="has no keypoints"):
        ds.evaluate("boxes", "keypoints")


def test_a_run_without_keypoints_says_so() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ds = cw.CocoDataset.from_coco(document([person(1, joints(10, 10))]))
        ds.add_predictions(
            [{"image_id": 1, "category_id": 1, "bbox": [1, 1, 2, 2], "score": 1}], name="boxes"
        )
    with pytest.raises(ValueError, match="detections of 'boxes' have no keypoints"):
        ds.evaluate("boxes", "keypoints")


def test_sigmas_for_another_skeleton() -> None:
    three = [10.0, 10.0, 2.0, 20.0, 20.0, 2.0, 30.0, 30.0, 2.0]
    data = {
        "images": [{"id": 1, "file_name": "1.jpg", "width": 100, "height": 100}],
        "annotations": [
            {
                "id": 1,
                "image_id": 1,
                "category_id": 1,
                "bbox": [5, 5, 30, 30],
                "area": 900.0,
                "iscrowd": 0,
                "keypoints": three,
                "num_keypoints": 3,
            }
        ],
        "categories": [{"id": 1, "name": "hand", "keypoints": ["a", "b", "c"]}],
    }
    moved = [11.0, 10.0, 1.0, 20.0, 22.0, 1.0, 30.0, 30.0, 1.0]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ds = cw.CocoDataset.from_coco(data)
        ds.add_predictions(
            [{"image_id": 1, "category_id": 1, "score": 1.0, "keypoints": moved}], name="h"
        )
    with pytest.raises(ValueError, match="3 joints, but there are 17 OKS sigmas"):
        ds.evaluate("h", "keypoints")
    sigmas = [0.05, 0.05, 0.1]
    ev = ds.evaluate("h", "keypoints", kpt_oks_sigmas=sigmas)
    coco_gt = quiet_coco(data)
    reference = COCOeval(coco_gt, load_results(coco_gt, ds.predictions_to_list("h")), "keypoints")
    reference.params.kpt_oks_sigmas = np.array(sigmas)
    with contextlib.redirect_stdout(io.StringIO()):
        reference.evaluate()
        reference.accumulate()
        reference.summarize()
    assert ev.stats.tolist() == list(reference.stats)
    assert ev.detections["iou"][0] == reference.ious[(1, 1)][0, 0]

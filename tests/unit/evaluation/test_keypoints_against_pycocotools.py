"""Random person-keypoint datasets: the OKS evaluation equals pycocotools' COCOeval with
``iouType='keypoints'``: its 10 stats, precision/recall arrays, every match and OKS."""

from __future__ import annotations

import contextlib
import copy
import io
import os
import warnings
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pycocotools.cocoeval import COCOeval

import cocowidget as cw
from cocowidget.evaluation import (
    KEYPOINT_STAT_NAMES,
    EvalParams,
    Evaluation,
    detections_from_results,
    evaluate,
    ground_truth_from_dict,
)

from .keypoint_strategies import KeypointScene, keypoint_scenes
from .reference import eval_images_at_area, expected_detection_flags, load_results, quiet_coco

SETTINGS = settings(
    max_examples=int(os.environ.get("COCOWIDGET_EVAL_EXAMPLES", "60")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
#: The issue's bar; the values are in fact equal (the OKS arithmetic is COCOeval's).
TOLERANCE = 1e-12


def reference_keypoints(scene: KeypointScene, img_ids: list[int] | None = None) -> COCOeval:
    coco_gt = quiet_coco(scene.dataset)
    coco_dt = load_results(coco_gt, scene.results)
    evaluator = COCOeval(coco_gt, coco_dt, "keypoints")
    p = evaluator.params
    p.maxDets = list(scene.max_dets)
    if scene.area_ranges is not None:
        p.areaRng = [list(r) for r in scene.area_ranges]
        p.areaRngLbl = list(scene.area_labels or [])
    if scene.sigmas is not None:
        p.kpt_oks_sigmas = np.array(scene.sigmas)
    if img_ids is not None:
        p.imgIds = list(img_ids)
    with contextlib.redirect_stdout(io.StringIO()):
        evaluator.evaluate()
        evaluator.accumulate()
        evaluator.summarize()
    return evaluator


def options(scene: KeypointScene) -> dict[str, Any]:
    out: dict[str, Any] = {"maxDets": scene.max_dets, "kpt_oks_sigmas": scene.sigmas}
    if scene.area_ranges is not None:
        out["areaRng"] = scene.area_ranges
        out["areaRngLbl"] = scene.area_labels
    return out


def ours_from_dicts(scene: KeypointScene) -> Evaluation:
    params = EvalParams.from_coco(iouType="keypoints", **options(scene))
    return evaluate(
        ground_truth_from_dict(scene.dataset),
        detections_from_results(scene.results),
        "keypoints",
        params=params,
    )


def assert_same(reference: COCOeval, ours: Evaluation, n_results: int) -> float:
    """Everything COCOeval computed equals ours; returns the largest difference."""
    assert len(ours.stats) == 10
    differences = [np.abs(ours.stats - reference.stats)]
    for name in ("precision", "recall", "scores"):
        mine, theirs = getattr(ours, name), reference.eval[name]
        assert mine.shape == theirs.shape
        differences.append(np.abs(mine - theirs).reshape(-1))
    matched, tp, fp, evaluated = expected_detection_flags(reference, n_results)
    detections = ours.detections
    np.testing.assert_array_equal(detections["evaluated"], evaluated)
    np.testing.assert_array_equal(detections["matched_gt_id"], matched)
    np.testing.assert_array_equal(detections["tp"], tp)
    np.testing.assert_array_equal(detections["fp"], fp)
    for e in eval_images_at_area(reference, 0):
        key = (e["image_id"], e["category_id"])
        oks = reference.ious[key]
        gt_order = [g["id"] for g in reference._gts[key]]
        for d, det_id in enumerate(e["dtIds"]):
            for t, gt_id in enumerate(e["dtMatches"][:, d].tolist()):
                if gt_id:
                    expected = oks[d, gt_order.index(int(gt_id))]
                    differences.append(
                        np.array([abs(detections["matched_iou"][det_id - 1, t] - expected)])
                    )
    largest = float(max(float(d.max()) for d in differences if d.size))
    assert largest <= TOLERANCE
    return largest


@SETTINGS
@given(keypoint_scenes())
def test_keypoint_evaluation_equals_pycocotools(scene: KeypointScene) -> None:
    assert_same(reference_keypoints(scene), ours_from_dicts(scene), len(scene.results))


def dataset_of(scene: KeypointScene) -> cw.CocoDataset:
    """The scene as a CocoDataset (categories naming their joints) with its run."""
    document = copy.deepcopy(scene.dataset)
    n_joints = len(document["annotations"][0]["keypoints"]) // 3 if document["annotations"] else 0
    n_joints = n_joints or len(scene.results[0]["keypoints"]) // 3
    for category in document["categories"]:
        category["keypoints"] = [f"j{i}" for i in range(n_joints)]
        category["skeleton"] = []
    for image in document["images"]:
        image["file_name"] = f"{image['id']}.jpg"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ds = cw.CocoDataset.from_coco(document)
        ds.add_predictions(copy.deepcopy(scene.results), name="pose")
    return ds


@SETTINGS
@given(keypoint_scenes())
def test_dataset_keypoint_evaluation_equals_pycocotools(scene: KeypointScene) -> None:
    ds = dataset_of(scene)
    ours = ds.evaluate("pose", "keypoints", **options(scene))
    assert_same(reference_keypoints(scene), ours, len(scene.results))
    assert ours.stat_names == KEYPOINT_STAT_NAMES
    assert "pose.keypoints.ap" in ds.images


@SETTINGS
@given(keypoint_scenes(), st.data())
def test_image_ap_equals_cocoeval_restricted_to_the_image(
    scene: KeypointScene, data: st.DataObject
) -> None:
    ours = ours_from_dicts(scene)
    row = data.draw(st.integers(0, len(ours.image_ids) - 1))
    single = reference_keypoints(scene, img_ids=[int(ours.image_ids[row])])
    precision = single.eval["precision"][:, :, :, 0, -1]
    for column, s in (("ap", precision), ("ap50", precision[:1])):
        valid = s[s > -1]
        value = ours.images[column][row]
        if valid.size == 0:
            assert np.isnan(value)
        else:
            assert value == pytest.approx(float(np.mean(valid)), abs=TOLERANCE)

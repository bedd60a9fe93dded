"""Per-slice stats and per-bin AP equal pycocotools' COCOeval on the same part.

Slices (and image-metric bins) are COCOeval with ``imgIds`` = the part's images; an
object-metric bin is COCOeval with the metric written into ``area`` (ground truth and
detections) and the bin as its area range.
"""

from __future__ import annotations

import copy
import dataclasses
import itertools
import os
from typing import Any

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cocowidget.evaluation import (
    EvalParams,
    Evaluation,
    detections_from_results,
    evaluate,
    ground_truth_from_dict,
)

from .keypoint_strategies import KeypointScene, keypoint_scenes
from .reference import eval_images_at_area, load_results, quiet_coco, run_cocoeval
from .strategies import Scene, scenes
from .test_keypoints_against_pycocotools import ours_from_dicts, reference_keypoints

SETTINGS = settings(
    max_examples=int(os.environ.get("COCOWIDGET_EVAL_EXAMPLES", "60")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
METRIC_VALUES = [0.0, 1.0, 2.0, 2.5, 3.0, 4.0, float("nan")]
EDGES = [[0.0, 2.0, 3.0, 4.0], [1.0, 2.5], [0.0, 1.0, 1e10]]


def _ours(scene: Scene) -> Evaluation:
    kwargs: dict[str, Any] = {"max_detections": tuple(scene.max_dets)}
    if scene.area_ranges is not None:
        kwargs["area_ranges"] = tuple(tuple(r) for r in scene.area_ranges)
    return evaluate(
        ground_truth_from_dict(scene.dataset),
        detections_from_results(scene.results),
        "bbox",
        params=EvalParams(**kwargs),
    )


@SETTINGS
@given(scenes(), st.data())
def test_stats_for_images_equal_cocoeval_on_those_images(scene: Scene, data: st.DataObject) -> None:
    ours = _ours(scene)
    all_ids = ours.image_ids.tolist()
    part = data.draw(st.lists(st.sampled_from(all_ids), min_size=1, unique=True))
    coco_gt = quiet_coco(scene.dataset)
    reference = run_cocoeval(
        coco_gt,
        load_results(coco_gt, scene.results),
        "bbox",
        max_dets=scene.max_dets,
        area_ranges=scene.area_ranges,
        img_ids=sorted(part),
    )
    np.testing.assert_allclose(ours.stats_for_images(part), reference.stats, rtol=0, atol=1e-12)


def _metric_reference(
    scene: Scene, gt_values: list[float], dt_values: list[float], edges: list[float]
) -> Any:
    """COCOeval with the metric as ``area`` and the bins as area ranges."""
    dataset = copy.deepcopy(scene.dataset)
    for annotation, value in zip(dataset["annotations"], gt_values, strict=True):
        annotation["area"] = value
    coco_gt = quiet_coco(dataset)
    coco_dt = load_results(coco_gt, scene.results)
    for det_id, value in enumerate(dt_values, start=1):  # loadRes numbers them 1..n
        coco_dt.anns[det_id]["area"] = value
    ranges = [[lo, hi] for lo, hi in itertools.pairwise(edges)]
    padded = [[0, 1e10], *ranges]
    padded += [[0, 1e10]] * (4 - len(padded))  # summarize() looks up four ranges
    return run_cocoeval(coco_gt, coco_dt, "bbox", max_dets=scene.max_dets, area_ranges=padded)


@SETTINGS
@given(scenes(), st.data(), st.sampled_from(EDGES))
def test_object_metric_bins_equal_cocoeval_area_ranges(
    scene: Scene, data: st.DataObject, edges: list[float]
) -> None:
    # COCOeval keeps a NaN area in every range; a bin keeps it in none, so the
    # reference is only asked about finite values.
    finite = st.sampled_from(METRIC_VALUES[:-1])
    gt_values = [data.draw(finite) for _ in scene.dataset["annotations"]]
    dt_values = [data.draw(finite) for _ in scene.results]
    ours = _ours(scene).by_metric(
        np.array(gt_values), edges, kind="object", detection_values=np.array(dt_values)
    )
    reference = _metric_reference(scene, gt_values, dt_values, edges)
    precision = reference.eval["precision"][..., -1]  # (T, R, K, A) at the largest maxDets
    for b in range(len(edges) - 1):
        for column, t_slice in (("ap", slice(None)), ("ap50", slice(0, 1))):
            s = precision[t_slice, :, :, b + 1]
            expected = float(np.mean(s[s > -1])) if (s > -1).any() else -1.0
            assert abs(ours.table[column][b] - expected) <= 1e-12
        _assert_counts(reference, b + 1, ours.table, b, scene)


def _assert_counts(reference: Any, area: int, table: Any, b: int, scene: Scene) -> None:
    """TP / FP / FN at IoU 0.5 and score 0.5 (the default operating point)."""
    score = {i + 1: r["score"] for i, r in enumerate(scene.results)}
    tp = fp = fn = 0
    for e in eval_images_at_area(reference, area):
        for d, det_id in enumerate(e["dtIds"]):
            if score[det_id] < 0.5 or e["dtIgnore"][0, d]:
                continue
            tp += int(e["dtMatches"][0, d] > 0)
            fp += int(e["dtMatches"][0, d] == 0)
        for g, _ in enumerate(e["gtIds"]):
            if not e["gtIgnore"][g]:
                matched = int(e["gtMatches"][0, g])
                fn += int(not (matched and score[matched] >= 0.5))
    assert (table["tp"][b], table["fp"][b], table["fn"][b]) == (tp, fp, fn)


def test_nan_metric_values_are_in_no_bin() -> None:
    scene_gt = {
        "images": [{"id": 1, "height": 10, "width": 10}],
        "annotations": [
            {"id": 1, "image_id": 1, "category_id": 1, "bbox": [0, 0, 4, 4], "area": 16},
            {"id": 2, "image_id": 1, "category_id": 1, "bbox": [5, 5, 4, 4], "area": 16},
        ],
        "categories": [{"id": 1, "name": "a"}],
    }
    results = [{"image_id": 1, "category_id": 1, "bbox": [0, 0, 4, 4], "score": 0.9}]
    ev = evaluate(ground_truth_from_dict(scene_gt), detections_from_results(results))
    bins = ev.by_metric(
        np.array([1.0, np.nan]), [0, 10], kind="object", detection_values=np.array([1.0])
    )
    assert bins.table["count"].tolist() == [1]
    assert abs(bins.table["ap"][0] - 1.0) < 1e-12  # COCOeval's eps: not quite 1
    assert "1 without a finite value left out" in bins.note


@SETTINGS
@given(scenes(masks=True), st.data())
def test_mask_stats_for_images_equal_cocoeval(scene: Scene, data: st.DataObject) -> None:
    ours = evaluate(
        ground_truth_from_dict(scene.dataset),
        detections_from_results(scene.results),
        "segm",
        params=EvalParams(max_detections=tuple(scene.max_dets)),
    )
    part = data.draw(st.lists(st.sampled_from(ours.image_ids.tolist()), min_size=1, unique=True))
    coco_gt = quiet_coco(scene.dataset)
    reference = run_cocoeval(
        coco_gt,
        load_results(coco_gt, scene.results),
        "segm",
        max_dets=scene.max_dets,
        img_ids=sorted(part),
    )
    np.testing.assert_allclose(ours.stats_for_images(part), reference.stats, rtol=0, atol=1e-12)


@SETTINGS
@given(keypoint_scenes(), st.data())
def test_keypoint_parts_equal_cocoeval(scene: KeypointScene, data: st.DataObject) -> None:
    """Slices and area bins of an OKS evaluation: COCO's keypoint ranges are medium and
    large, so binning ``area`` at [32², 96², 1e10] is COCOeval's own two ranges."""
    scene = dataclasses.replace(scene, area_ranges=None, area_labels=None)
    gt = ground_truth_from_dict(scene.dataset)
    dt = detections_from_results(scene.results)
    ours = ours_from_dicts(scene)
    reference = reference_keypoints(scene)
    bins = ours.by_metric(gt.area, [32**2, 96**2, 1e10], kind="object", detection_values=dt.area)
    precision = reference.eval["precision"][..., -1]
    for b in range(2):
        s = precision[..., b + 1]
        expected = float(np.mean(s[s > -1])) if (s > -1).any() else -1.0
        assert abs(bins.table["ap"][b] - expected) <= 1e-12
    part = data.draw(st.lists(st.sampled_from(ours.image_ids.tolist()), min_size=1, unique=True))
    np.testing.assert_allclose(
        ours.stats_for_images(part),
        reference_keypoints(scene, sorted(part)).stats,
        rtol=0,
        atol=1e-12,
    )

"""Random small datasets: every number, flag and match equals pycocotools' COCOeval."""

from __future__ import annotations

import os
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cocowidget.evaluation import (
    EvalParams,
    Evaluation,
    GroundTruthStatus,
    detections_from_results,
    evaluate,
    ground_truth_from_dict,
)

from .reference import (
    eval_images_at_area,
    expected_detection_flags,
    load_results,
    quiet_coco,
    run_cocoeval,
)
from .strategies import SCORES, Scene, scenes

# COCOWIDGET_EVAL_EXAMPLES raises the count for a longer hunt than CI's.
SETTINGS = settings(
    max_examples=int(os.environ.get("COCOWIDGET_EVAL_EXAMPLES", "60")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)


def _params(scene: Scene) -> EvalParams:
    kwargs: dict[str, Any] = {"max_detections": tuple(scene.max_dets)}
    if scene.area_ranges is not None:
        kwargs["area_ranges"] = tuple(tuple(r) for r in scene.area_ranges)
    return EvalParams(**kwargs)


def _both(scene: Scene, iou_type: str) -> tuple[Any, Evaluation]:
    coco_gt = quiet_coco(scene.dataset)
    coco_dt = load_results(coco_gt, scene.results)
    reference = run_cocoeval(
        coco_gt, coco_dt, iou_type, max_dets=scene.max_dets, area_ranges=scene.area_ranges
    )
    ours = evaluate(
        ground_truth_from_dict(scene.dataset),
        detections_from_results(scene.results),
        iou_type,  # type: ignore[arg-type]
        params=_params(scene),
    )
    return reference, ours


def _assert_same(reference: Any, ours: Evaluation, n_results: int) -> None:
    assert ours.stats.tolist() == list(reference.stats)
    np.testing.assert_array_equal(ours.precision, reference.eval["precision"])
    np.testing.assert_array_equal(ours.recall, reference.eval["recall"])
    np.testing.assert_array_equal(ours.scores, reference.eval["scores"])

    matched, tp, fp, evaluated = expected_detection_flags(reference, n_results)
    detections = ours.detections
    np.testing.assert_array_equal(detections["evaluated"], evaluated)
    np.testing.assert_array_equal(detections["matched_gt_id"], matched)
    np.testing.assert_array_equal(detections["tp"], tp)
    np.testing.assert_array_equal(detections["fp"], fp)
    _assert_matched_iou_equals_cocoeval_ious(reference, detections)

    table = ours.ground_truth
    row_of_id = {int(i): r for r, i in enumerate(table["id"].tolist())}
    for e in eval_images_at_area(reference, 0):
        for g, gt_id in enumerate(e["gtIds"]):
            row = row_of_id[gt_id]
            if e["gtIgnore"][g]:
                assert (table["status"][row] == GroundTruthStatus.IGNORED).all()
            else:
                gtm = e["gtMatches"][:, g]
                np.testing.assert_array_equal(
                    table["matched_dt_id"][row], np.where(gtm > 0, gtm, -1)
                )


def _assert_matched_iou_equals_cocoeval_ious(reference: Any, detections: Any) -> None:
    """The IoU of every match, bit for bit, from COCOeval's own ``ious`` matrices."""
    for e in eval_images_at_area(reference, 0):
        key = (e["image_id"], e["category_id"])
        ious = reference.ious[key]
        gt_order = [g["id"] for g in reference._gts[key]]
        for d, det_id in enumerate(e["dtIds"]):
            for t, gt_id in enumerate(e["dtMatches"][:, d].tolist()):
                if gt_id:
                    expected = ious[d, gt_order.index(int(gt_id))]
                    assert detections["matched_iou"][det_id - 1, t] == expected


@SETTINGS
@given(scenes())
def test_boxes_equal_pycocotools(scene: Scene) -> None:
    reference, ours = _both(scene, "bbox")
    _assert_same(reference, ours, len(scene.results))


@SETTINGS
@given(scenes(masks=True))
def test_masks_equal_pycocotools(scene: Scene) -> None:
    reference, ours = _both(scene, "segm")
    _assert_same(reference, ours, len(scene.results))


@SETTINGS
@given(scenes(), st.integers(0, 9), st.sampled_from(SCORES))
def test_operating_point_equals_evaluating_only_confident_detections(
    scene: Scene, t_index: int, score_threshold: float
) -> None:
    """Counts recomputed from stored matches = COCOeval run on the detections >= s."""
    _, ours = _both(scene, "bbox")
    threshold = float(ours.iou_thresholds[t_index])
    counts = ours.image_counts(threshold, score_threshold)

    kept = [r for r in scene.results if r["score"] >= score_threshold]
    image_ids = ours.image_ids.tolist()
    expected_tp = np.zeros(len(image_ids), dtype=np.int64)
    expected_fp = np.zeros(len(image_ids), dtype=np.int64)
    expected_fn = np.zeros(len(image_ids), dtype=np.int64)
    if kept:
        coco_gt = quiet_coco(scene.dataset)
        reference = run_cocoeval(
            coco_gt,
            load_results(coco_gt, kept),
            "bbox",
            max_dets=scene.max_dets,
            area_ranges=scene.area_ranges,
        )
        for e in eval_images_at_area(reference, 0):
            i = image_ids.index(e["image_id"])
            dtm, dt_ignore = e["dtMatches"][t_index], e["dtIgnore"][t_index].astype(bool)
            expected_tp[i] += int(((dtm != 0) & ~dt_ignore).sum())
            expected_fp[i] += int(((dtm == 0) & ~dt_ignore).sum())
            gt_ignore = np.asarray(e["gtIgnore"], dtype=bool)
            expected_fn[i] += int(((e["gtMatches"][t_index] == 0) & ~gt_ignore).sum())
    else:
        expected_fn = ours.images["n_gt"]
    np.testing.assert_array_equal(counts.tp, expected_tp)
    np.testing.assert_array_equal(counts.fp, expected_fp)
    np.testing.assert_array_equal(counts.fn, expected_fn)


@SETTINGS
@given(scenes(), st.data())
def test_image_ap_equals_cocoeval_restricted_to_the_image(
    scene: Scene, data: st.DataObject
) -> None:
    coco_gt = quiet_coco(scene.dataset)
    coco_dt = load_results(coco_gt, scene.results)
    ours = evaluate(
        ground_truth_from_dict(scene.dataset),
        detections_from_results(scene.results),
        "bbox",
        params=_params(scene),
    )
    row = data.draw(st.integers(0, len(ours.image_ids) - 1))
    image_id = int(ours.image_ids[row])
    single = run_cocoeval(
        coco_gt,
        coco_dt,
        "bbox",
        max_dets=scene.max_dets,
        area_ranges=scene.area_ranges,
        img_ids=[image_id],
    )
    # stats[0] and stats[1] for COCO's maxDets; the same reductions at maxDets[-1] here.
    precision = single.eval["precision"][:, :, :, 0, -1]
    for column, s in (("ap", precision), ("ap50", precision[:1])):
        valid = s[s > -1]
        value = ours.images[column][row]
        if valid.size == 0:
            assert np.isnan(value)
        else:
            assert value == pytest.approx(float(np.mean(valid)), abs=1e-12)

"""COCOeval's ``accumulate`` and ``summarize``: precision/recall arrays and the 12 stats."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from cocowidget.evaluation._arrays import BoolArray, FloatArray, IntArray
from cocowidget.evaluation.curves import precision_recall
from cocowidget.evaluation.params import EvalParams


@dataclass(frozen=True, eq=False)
class Accumulated:
    """Arrays shaped as ``COCOeval.eval``: ``precision`` and ``scores`` are
    ``(T, R, K, A, M)``, ``recall`` is ``(T, K, A, M)``; -1 where a category has no ground
    truth in that area range."""

    precision: FloatArray
    recall: FloatArray
    scores: FloatArray


def accumulate(
    *,
    params: EvalParams,
    n_categories: int,
    dt_category: IntArray,
    dt_image: IntArray,
    dt_rank: IntArray,
    dt_score: FloatArray,
    tp: BoolArray,
    fp: BoolArray,
    npig: IntArray,
) -> Accumulated:
    """``tp``/``fp`` are ``(T, A, n_det)`` flags of the evaluated detections; ``npig`` is
    ``(A, K)``, the ground truth not ignored per area range and category."""
    n_thresholds, n_recall = len(params.iou_thresholds), len(params.recall_thresholds)
    n_areas, n_max = len(params.area_ranges), len(params.max_detections)
    shape = (n_thresholds, n_recall, n_categories, n_areas, n_max)
    precision = -np.ones(shape)
    scores = -np.ones(shape)
    recall = -np.ones((n_thresholds, n_categories, n_areas, n_max))

    # COCOeval concatenates a category's detections image by image (each image's already
    # by rank) and then mergesorts by score: ties keep that image/rank order.
    order = np.lexsort((dt_rank, dt_image, -dt_score, dt_category))
    recall_thresholds = params.recall_array()
    for m, max_det in enumerate(params.max_detections):
        chosen = order[dt_rank[order] < max_det]
        lengths = np.bincount(dt_category[chosen], minlength=n_categories).astype(np.int64)
        for a in range(n_areas):
            curves = precision_recall(
                tp=tp[:, a, chosen],
                fp=fp[:, a, chosen],
                scores=dt_score[chosen],
                lengths=lengths,
                npig=npig[a],
                recall_thresholds=recall_thresholds,
            )
            precision[:, :, :, a, m] = curves.precision
            scores[:, :, :, a, m] = curves.scores
            recall[:, :, a, m] = curves.recall
    return Accumulated(precision=precision, recall=recall, scores=scores)


def _summary_value(
    acc: Accumulated,
    params: EvalParams,
    ap: bool,
    iou: float | None = None,
    area: str = "all",
    max_det: int = 100,
) -> float:
    """One number of ``COCOeval.summarize()`` (its ``_summarize``), same arithmetic."""
    aind = [i for i, label in enumerate(params.area_labels) if label == area]
    mind = [i for i, m in enumerate(params.max_detections) if m == max_det]
    s = acc.precision if ap else acc.recall
    if iou is not None:
        s = s[np.where(iou == params.iou_array())[0]]
    s = s[:, :, :, aind, mind] if ap else s[:, :, aind, mind]
    valid = s[s > -1]
    return -1.0 if len(valid) == 0 else float(np.mean(valid))


def summarize_keypoints(acc: Accumulated, params: EvalParams) -> FloatArray:
    """The 10 numbers of ``COCOeval.summarize()`` for keypoints: AP and AR, at .50:.95,
    .50, .75, medium and large, all at 20 detections (COCOeval asks for 20 whatever
    ``maxDets`` holds, so other cuts give -1, as there)."""
    lines = [(None, "all"), (0.5, "all"), (0.75, "all"), (None, "medium"), (None, "large")]
    return np.array(
        [
            _summary_value(acc, params, ap, iou=iou, area=area, max_det=20)
            for ap in (True, False)
            for iou, area in lines
        ]
    )


def summarize(acc: Accumulated, params: EvalParams) -> FloatArray:
    """The 12 numbers of ``COCOeval.summarize()`` for boxes and masks, same arithmetic."""
    max_dets = list(params.max_detections)

    def one(ap: bool, iou: float | None = None, area: str = "all", max_det: int = 100) -> float:
        return _summary_value(acc, params, ap, iou, area, max_det)

    third = max_dets[2] if len(max_dets) > 2 else -1
    return np.array(
        [
            one(True),
            one(True, iou=0.5, max_det=third),
            one(True, iou=0.75, max_det=third),
            one(True, area="small", max_det=third),
            one(True, area="medium", max_det=third),
            one(True, area="large", max_det=third),
            one(False, max_det=max_dets[0]),
            one(False, max_det=max_dets[1] if len(max_dets) > 1 else -1),
            one(False, max_det=third),
            one(False, area="small", max_det=third),
            one(False, area="medium", max_det=third),
            one(False, area="large", max_det=third),
        ]
    )

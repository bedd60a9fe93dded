"""The per-ground-truth table: was each object found, missed, or ignored?

One row per input annotation, in input order. 2-D columns have one column per IoU
threshold; everything is for area range ``'all'`` (``area_ranges[0]``).

Columns
-------
``id``, ``image_id``, ``category_id``, ``area``, ``iscrowd``
    From the input.
``evaluated``
    Its image and category are evaluated.
``ignored``
    COCOeval ignores it: a crowd region, or its ``area`` lies outside ``area_ranges[0]``.
    Ignored objects are never false negatives; detections matched to them are neither TP
    nor FP.
``status`` (N, T)
    A :class:`~cocowidget.evaluation.outcomes.GroundTruthStatus`: ``MATCHED`` (a true
    positive detection claimed it), ``MISSED`` (a false negative), ``IGNORED`` or
    ``NOT_EVALUATED``.
``matched_dt_id``, ``matched_score``, ``matched_iou`` (N, T)
    The true-positive detection that claimed it, its score and IoU; -1, NaN, NaN
    otherwise.
``best_iou``, ``best_dt_id``
    Highest IoU with an evaluated detection of the same category (crowd regions use
    COCO's crowd IoU, intersection over detection area), and that detection's id (the
    highest-scored on ties); 0 and -1 if no detection overlaps.
"""

from __future__ import annotations

import numpy as np

from cocowidget.data.table import Table
from cocowidget.evaluation._arrays import best_per_key, spread_rows, take_or
from cocowidget.evaluation.core import Core
from cocowidget.evaluation.outcomes import GroundTruthStatus


def ground_truth_table(core: Core) -> Table:
    gt, layout, flags = core.gt, core.layout, core.flags
    n, n_thresholds = len(gt), len(core.params.iou_thresholds)
    rows = layout.gt_rows
    n_gt = len(rows)

    tp = flags.tp[:, 0, :]
    claimed_by = np.full((n_thresholds, n_gt), -1, dtype=np.int64)
    t_index, det = np.nonzero(tp)
    claimed_by[t_index, flags.matched_gt[t_index, 0, det]] = det

    gts = np.broadcast_to(np.arange(n_gt), claimed_by.shape)
    matched_iou = np.where(
        claimed_by >= 0,
        core.pairs.lookup(np.maximum(claimed_by, 0).reshape(-1), gts.reshape(-1)).reshape(
            claimed_by.shape
        ),
        np.nan,
    )

    ignored = core.gt_ignore[0]
    status = np.where(claimed_by >= 0, GroundTruthStatus.MATCHED, GroundTruthStatus.MISSED)
    status = np.where(ignored[None, :], GroundTruthStatus.IGNORED, status).astype(np.uint8)

    pairs = core.pairs
    same = core.same_category_pairs
    # Pairs are visited detection-major, detections by (category, rank), so the first
    # best pair of an object is its highest-scored detection among equals.
    best, first = best_per_key(np.where(same, pairs.iou, -np.inf), pairs.gt, n_gt)
    overlaps = best > 0
    best_det = np.where(overlaps, take_or(pairs.det, first, -1), -1)

    def spread(values: np.ndarray, fill: object, dtype: np.dtype) -> np.ndarray:
        return spread_rows(values, rows, n, fill, dtype)

    evaluated = np.zeros(n, dtype=bool)
    evaluated[rows] = True
    return Table(
        {
            "id": gt.ids,
            "image_id": gt.image_id,
            "category_id": gt.category_id,
            "area": gt.area,
            "iscrowd": gt.iscrowd,
            "evaluated": evaluated,
            "ignored": spread(ignored, False, np.dtype(bool)),
            "status": spread(status.T, GroundTruthStatus.NOT_EVALUATED, np.dtype(np.uint8)),
            "matched_dt_id": spread(take_or(core.dt_ids, claimed_by, -1).T, -1, np.dtype(np.int64)),
            "matched_score": spread(
                take_or(core.dt_score, claimed_by, np.nan).T, np.nan, np.dtype(np.float64)
            ),
            "matched_iou": spread(matched_iou.T, np.nan, np.dtype(np.float64)),
            "best_iou": spread(np.where(overlaps, best, 0.0), np.nan, np.dtype(np.float64)),
            "best_dt_id": spread(take_or(core.dt_ids, best_det, -1), -1, np.dtype(np.int64)),
        }
    )

"""The per-detection table: what COCOeval decided for each detection, and why.

One row per input detection, in input order (row i describes detection i of the run).
2-D columns have one column per IoU threshold of ``params.iou_thresholds``; everything is
for area range ``'all'`` (``area_ranges[0]``).

Columns
-------
``id``, ``image_id``, ``category_id``, ``score``
    From the input.
``rank``
    Position among its image's detections of the same category by descending score
    (stable, input order breaks ties), as COCOeval sorts them; -1 if the image or category
    is not evaluated.
``evaluated``
    Image and category are evaluated and ``rank < maxDets[-1]`` (COCOeval drops the rest).
``tp``, ``fp`` (N, T)
    COCOeval's verdict: true positive, false positive. Neither means ignored (matched a
    crowd region, or unmatched and outside the area range) or not evaluated.
``matched_gt_id``, ``matched_iou`` (N, T)
    Ground truth matched by COCOeval's greedy matching (crowd regions included) and the
    IoU with it; -1 and NaN if none.
``iou``, ``best_gt_id``
    Highest IoU with a non-crowd ground-truth object of the same category in the image,
    and that object's id (first in input order on ties); 0 and -1 if none overlaps.
``confusion_iou``, ``confusion_gt_id``, ``confusion_category_id``
    The same for non-crowd ground truth of *other* categories.
``outcome`` (N, T)
    A :class:`~cocowidget.evaluation.outcomes.DetectionOutcome` code. For a false positive
    at threshold ``t`` (compared as COCOeval does, with ``min(t, 1 - 1e-10)``), with ``s``
    = ``iou`` and ``o`` = ``confusion_iou`` and ``b`` = ``background_iou`` (0.1), the
    first rule that holds gives the reason:

    1. ``DUPLICATE``: ``s >= t``. A same-class object overlaps enough, so it had already
       been claimed by a higher-scored detection (otherwise this one would have matched).
    2. ``CONFUSION``: ``o >= t``. Well placed on an object of another class.
    3. ``LOCALISATION``: ``b <= s < t``. Right class, poorly placed.
    4. ``CONFUSION``: ``b <= o < t``. Wrong class and poorly placed.
    5. ``BACKGROUND``: otherwise; it overlaps no object by ``b`` or more.

    This follows TIDE's error kinds (Bolya et al., 2020) on COCOeval's own matches;
    unlike TIDE, a duplicate wins over a confusion, and the class-and-location case
    counts as a confusion.
"""

from __future__ import annotations

import numpy as np

from cocowidget.data.table import Table
from cocowidget.evaluation._arrays import (
    FloatArray,
    IntArray,
    best_per_segment,
    spread_rows,
    take_or,
)
from cocowidget.evaluation.core import Core
from cocowidget.evaluation.outcomes import DetectionOutcome

BACKGROUND_IOU = 0.1


def _best_overlap(core: Core, same_category: bool) -> tuple[FloatArray, IntArray]:
    """Best IoU per evaluated detection with non-crowd ground truth, and its gt index."""
    pairs = core.pairs
    wanted = core.same_category_pairs == same_category
    wanted &= ~core.gt_crowd[pairs.gt]
    values = np.where(wanted, pairs.iou, -np.inf)
    best, first = best_per_segment(values, pairs.det, len(core.layout.dt_rows))
    overlaps = best > 0
    gt_index = np.where(overlaps, take_or(pairs.gt, first, -1), -1)
    return np.where(overlaps, best, 0.0), gt_index


def outcome_codes(
    *,
    tp: np.ndarray,
    fp: np.ndarray,
    iou: FloatArray,
    confusion_iou: FloatArray,
    iou_thresholds: FloatArray,
    background_iou: float = BACKGROUND_IOU,
) -> np.ndarray:
    """Outcome codes ``(T, n)`` for evaluated detections; see the module docstring."""
    limits = np.minimum(iou_thresholds, 1 - 1e-10)[:, None]
    s, o = iou[None, :], confusion_iou[None, :]
    reason = np.select(
        [s >= limits, o >= limits, s >= background_iou, o >= background_iou],
        [
            DetectionOutcome.DUPLICATE,
            DetectionOutcome.CONFUSION,
            DetectionOutcome.LOCALISATION,
            DetectionOutcome.CONFUSION,
        ],
        DetectionOutcome.BACKGROUND,
    )
    ignored = np.full(tp.shape, DetectionOutcome.IGNORED)
    return np.where(tp, DetectionOutcome.TRUE_POSITIVE, np.where(fp, reason, ignored)).astype(
        np.uint8
    )


def detections_table(core: Core, *, background_iou: float = BACKGROUND_IOU) -> Table:
    dt, layout, flags = core.dt, core.layout, core.flags
    n, n_thresholds = len(dt), len(core.params.iou_thresholds)
    rows = layout.dt_rows
    gt_ids = core.gt_ids
    gt_category_ids = layout.category_ids[layout.gt_category]

    iou, best_gt = _best_overlap(core, same_category=True)
    confusion_iou, confusion_gt = _best_overlap(core, same_category=False)
    tp, fp = flags.tp[:, 0, :], flags.fp[:, 0, :]
    codes = outcome_codes(
        tp=tp,
        fp=fp,
        iou=iou,
        confusion_iou=confusion_iou,
        iou_thresholds=core.params.iou_array(),
        background_iou=background_iou,
    )
    matched = flags.matched_gt[:, 0, :]
    dets = np.broadcast_to(np.arange(len(rows)), matched.shape)
    matched_iou = core.pairs.lookup(dets.reshape(-1), matched.reshape(-1)).reshape(matched.shape)

    def spread(values: np.ndarray, fill: object, dtype: np.dtype) -> np.ndarray:
        return spread_rows(values, rows, n, fill, dtype)

    evaluated = np.zeros(n, dtype=bool)
    evaluated[rows] = True
    return Table(
        {
            "id": dt.ids,
            "image_id": dt.image_id,
            "category_id": dt.category_id,
            "score": dt.score,
            "rank": layout.rank_of_row,
            "evaluated": evaluated,
            "tp": spread(tp.T, False, np.dtype(bool)),
            "fp": spread(fp.T, False, np.dtype(bool)),
            "outcome": spread(codes.T, DetectionOutcome.NOT_EVALUATED, np.dtype(np.uint8)),
            "matched_gt_id": spread(
                take_or(gt_ids, matched, -1).T.reshape(len(rows), n_thresholds),
                -1,
                np.dtype(np.int64),
            ),
            "matched_iou": spread(matched_iou.T, np.nan, np.dtype(np.float64)),
            "iou": spread(iou, np.nan, np.dtype(np.float64)),
            "best_gt_id": spread(take_or(gt_ids, best_gt, -1), -1, np.dtype(np.int64)),
            "confusion_iou": spread(confusion_iou, np.nan, np.dtype(np.float64)),
            "confusion_gt_id": spread(take_or(gt_ids, confusion_gt, -1), -1, np.dtype(np.int64)),
            "confusion_category_id": spread(
                take_or(gt_category_ids, confusion_gt, -1), -1, np.dtype(np.int64)
            ),
        }
    )

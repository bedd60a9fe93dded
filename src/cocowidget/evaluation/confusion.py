"""Class confusion matrix from class-agnostic matching.

Per image, the evaluated detections scoring at least the score threshold are visited by
descending score (ties: category, then rank, as COCOeval orders ``useCats=0``) and matched
with COCOeval's greedy rule at one IoU threshold to the image's ground truth *of any
category*: the best free object of IoU >= t, counted objects before ignored ones, crowd
regions never used up. A detection matched to an ignored object (crowd, or outside
``area_ranges[0]``) is left out of the matrix.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from cocowidget.data.table import Table
from cocowidget.evaluation._arrays import IntArray
from cocowidget.evaluation.core import Core
from cocowidget.evaluation.matching import greedy_match


@dataclass(frozen=True, eq=False)
class ConfusionMatrix:
    """``counts[i, j]``: objects of category ``category_ids[i]`` matched by a detection
    labelled ``category_ids[j]``. Row ``K`` (background) counts detections that matched
    nothing; column ``K`` (missed) counts counted objects that no detection matched.
    Correct detections lie on the diagonal."""

    category_ids: IntArray
    counts: IntArray
    iou_threshold: float
    score_threshold: float

    def to_table(self) -> Table:
        """One row per ground-truth category plus a last ``-1`` row for background; the
        2-D ``counts`` column has one column per detected category plus a last one for
        missed objects."""
        return Table(
            {
                "gt_category_id": np.append(self.category_ids, -1),
                "counts": self.counts,
            }
        )


@dataclass(frozen=True, eq=False)
class ConfusionMatches:
    """The matching behind the matrix, per object, in result-table rows:
    ``detection_rows`` (rows of ``evaluation.detections`` that take part: evaluated and
    scoring at least the threshold, in visiting order), ``matched_rows`` (the row of
    ``evaluation.ground_truth`` each matched, -1 for none), and per ground-truth row
    ``counted`` (evaluated and not ignored). The matrix leaves out detections matched to
    an object that does not count (a crowd region, or one outside the area range)."""

    detection_rows: IntArray
    matched_rows: IntArray
    counted: np.ndarray


def confusion_matches(core: Core, iou_threshold: float, score_threshold: float) -> ConfusionMatches:
    dets, matched = _class_agnostic_match(core, iou_threshold, score_threshold)
    layout = core.layout
    counted = np.zeros(len(core.gt), dtype=bool)
    counted[layout.gt_rows[~core.gt_ignore[0]]] = True
    return ConfusionMatches(
        detection_rows=layout.dt_rows[dets].astype(np.int64),
        matched_rows=np.where(matched >= 0, layout.gt_rows[np.maximum(matched, 0)], -1).astype(
            np.int64
        ),
        counted=counted,
    )


def confusion_matrix(core: Core, iou_threshold: float, score_threshold: float) -> ConfusionMatrix:
    layout = core.layout
    n_categories = layout.n_categories
    dets, matched = _class_agnostic_match(core, iou_threshold, score_threshold)
    ignore = core.gt_ignore[0]
    dt_category = layout.dt_category[dets]
    hit = matched >= 0
    on_ignored = np.zeros_like(hit)
    on_ignored[hit] = ignore[matched[hit]]
    real = hit & ~on_ignored
    side = n_categories + 1
    cells = layout.gt_category[matched[real]] * side + dt_category[real]
    background = n_categories * side + dt_category[~hit]
    found = np.zeros(len(layout.gt_rows), dtype=bool)
    found[matched[real]] = True
    missed_objects = ~found & ~ignore
    missed = layout.gt_category[missed_objects] * side + n_categories
    flat = np.bincount(
        np.concatenate([cells, background, missed]).astype(np.int64), minlength=side * side
    )
    return ConfusionMatrix(
        category_ids=layout.category_ids,
        counts=flat.reshape(side, side),
        iou_threshold=float(iou_threshold),
        score_threshold=float(score_threshold),
    )


def _class_agnostic_match(
    core: Core, iou_threshold: float, score_threshold: float
) -> tuple[IntArray, IntArray]:
    """The detections taking part (layout indices, in visiting order) and the layout
    index of the ground-truth object each matched (-1 for none)."""
    layout, pairs = core.layout, core.pairs
    score = core.dt_score
    dets = np.flatnonzero(score >= score_threshold)
    order = np.lexsort(
        (layout.dt_rank[dets], layout.dt_category[dets], -score[dets], layout.dt_image[dets])
    )
    dets = dets[order]
    new_position = np.full(len(score), -1, dtype=np.int64)
    new_position[dets] = np.arange(len(dets))
    kept = new_position[pairs.det] >= 0
    matched = greedy_match(
        det_group=layout.dt_image[dets],
        gt_group=layout.gt_image,
        gt_crowd=core.gt_crowd,
        gt_ignore=core.gt_ignore[:1],
        pair_det=new_position[pairs.det[kept]],
        pair_gt=pairs.gt[kept],
        pair_iou=pairs.iou[kept],
        iou_thresholds=np.array([iou_threshold], dtype=np.float64),
        n_groups=layout.n_images,
    )[0, 0]
    return dets, matched

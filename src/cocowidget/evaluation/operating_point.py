"""TP / FP / FN counts at an IoU and score threshold, recomputed without re-evaluating.

COCOeval matches detections greedily in descending score order, so the matches made by
the detections scoring at least ``s`` are exactly those of the full matching: raising the
score threshold never changes a match, it only drops detections. Counts at any
(IoU threshold, score threshold) therefore follow from the stored matches with a mask and
a ``bincount``: no matching, no loop over images.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from cocowidget.evaluation._arrays import BoolArray, FloatArray, IntArray
from cocowidget.evaluation.core import Core


@dataclass(frozen=True, eq=False)
class Counts:
    """Per group (image or category): true positives, false positives, false negatives."""

    tp: IntArray
    fp: IntArray
    fn: IntArray

    @property
    def precision(self) -> FloatArray:
        """``tp / (tp + fp)``; NaN without detections."""
        found = self.tp + self.fp
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(found > 0, self.tp / np.maximum(found, 1), np.nan)

    @property
    def recall(self) -> FloatArray:
        """``tp / (tp + fn)``; NaN without ground truth to find."""
        wanted = self.tp + self.fn
        return np.where(wanted > 0, self.tp / np.maximum(wanted, 1), np.nan)


@dataclass(frozen=True, eq=False)
class MatchRecord:
    """The compact match data counts are recomputed from (area range ``'all'``).

    Detections: evaluated ones, in layout order. Ground truth: evaluated and not ignored.
    ``gt_credit_score[t, g]`` is the score of the true positive that found object ``g`` at
    threshold ``t`` (``-inf`` if none did).
    """

    dt_image: IntArray
    dt_category: IntArray
    dt_score: FloatArray
    dt_tp: BoolArray  # (T, n_det)
    dt_fp: BoolArray  # (T, n_det)
    gt_image: IntArray
    gt_category: IntArray
    gt_credit_score: FloatArray  # (T, n_gt)

    @classmethod
    def from_core(cls, core: Core) -> MatchRecord:
        layout, flags = core.layout, core.flags
        tp = flags.tp[:, 0, :]
        counted = ~core.gt_ignore[0]
        credit = np.full((tp.shape[0], len(layout.gt_rows)), -np.inf)
        t_index, det = np.nonzero(tp)
        credit[t_index, flags.matched_gt[t_index, 0, det]] = core.dt_score[det]
        return cls(
            dt_image=layout.dt_image,
            dt_category=layout.dt_category,
            dt_score=core.dt_score,
            dt_tp=tp,
            dt_fp=flags.fp[:, 0, :],
            gt_image=layout.gt_image[counted],
            gt_category=layout.gt_category[counted],
            gt_credit_score=credit[:, counted],
        )

    def counts(self, t_index: int, score_threshold: float, *, by: str, n_groups: int) -> Counts:
        """Counts per image (``by="image"``) or per category (``by="category"``)."""
        dt_group = self.dt_image if by == "image" else self.dt_category
        gt_group = self.gt_image if by == "image" else self.gt_category
        kept = self.dt_score >= score_threshold
        missed = ~(self.gt_credit_score[t_index] >= score_threshold)
        return Counts(
            tp=np.bincount(dt_group[self.dt_tp[t_index] & kept], minlength=n_groups),
            fp=np.bincount(dt_group[self.dt_fp[t_index] & kept], minlength=n_groups),
            fn=np.bincount(gt_group[missed], minlength=n_groups),
        )

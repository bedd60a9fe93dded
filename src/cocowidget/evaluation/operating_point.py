"""The operating-point rule: what each detection and ground-truth object is at an IoU and
a score threshold, written once.

COCOeval matches detections greedily in descending score order, so the matches made by
the detections scoring at least ``s`` are exactly those of the full matching: raising the
score threshold never changes a match, it only drops detections. Each object's verdict at
any (evaluated IoU threshold, score threshold) therefore follows from its stored matches:

- a detection scoring below ``s`` is not counted (``BELOW_SCORE``); one COCOeval did not
  evaluate (beyond ``maxDets``, image or class not evaluated) is ``IGNORED``; else it is
  ``TP`` when matched at the threshold, ``IGNORED`` when COCOeval ignored it there (it
  matched a crowd region, or is unmatched outside the area range), and ``FP`` otherwise;
- a ground-truth object COCOeval ignores (crowd, outside the area range, not evaluated) is
  ``IGNORED``; it is ``FOUND`` when a detection scoring at least ``s`` matched it at the
  threshold, and ``FN`` otherwise.

Every count, filter and colour uses these functions; the browser runs the same rule on
the records of :mod:`cocowidget.views.matches` (``js/src/overlay/verdict.ts``), and both
are checked against ``tests/cases/operating_point.json``.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum

import numpy as np

from cocowidget.evaluation._arrays import BoolArray, FloatArray, IntArray
from cocowidget.evaluation.core import Core
from cocowidget.evaluation.flags import MatchFlags


class Verdict(IntEnum):
    """An object's verdict at one operating point (area range ``'all'``)."""

    TP = 0
    FP = 1
    FN = 2
    FOUND = 3
    IGNORED = 4
    BELOW_SCORE = 5

    @property
    def key(self) -> str:
        """The name the browser uses (``"tp"``, ``"fp"``, ...)."""
        return self.name.lower()


#: What a person reads for each verdict (grid status, preview list, legends).
VERDICT_TEXT = {
    Verdict.TP: "TP",
    Verdict.FP: "FP",
    Verdict.FN: "FN",
    Verdict.FOUND: "found",
    Verdict.IGNORED: "ignored",
    Verdict.BELOW_SCORE: "below score",
}


def detection_verdicts(
    tp: BoolArray,
    ignored: BoolArray,
    evaluated: BoolArray,
    score: FloatArray,
    score_threshold: float,
) -> IntArray:
    """Verdict codes of detections; ``tp`` and ``ignored`` are at the chosen IoU
    threshold, all arrays aligned."""
    verdict = np.full(len(score), Verdict.FP, dtype=np.int64)
    verdict[ignored] = Verdict.IGNORED
    verdict[tp] = Verdict.TP
    verdict[~evaluated] = Verdict.IGNORED
    verdict[~(score >= score_threshold)] = Verdict.BELOW_SCORE
    result: IntArray = verdict
    return result


def ground_truth_verdicts(
    matched_score: FloatArray, ignored: BoolArray, score_threshold: float
) -> IntArray:
    """Verdict codes of ground-truth objects; ``matched_score`` is the score of the
    detection that matched each at the chosen IoU threshold (``-inf`` where none did)."""
    verdict = np.where(matched_score >= score_threshold, Verdict.FOUND, Verdict.FN)
    verdict[ignored] = Verdict.IGNORED
    result: IntArray = verdict.astype(np.int64)
    return result


@dataclass(frozen=True, eq=False)
class DetectionMatches:
    """What the rule needs of detections: per IoU threshold ``tp`` and ``ignored``
    ``(T, N)``, and ``evaluated`` and ``score`` ``(N,)``."""

    tp: BoolArray
    ignored: BoolArray
    evaluated: BoolArray
    score: FloatArray

    def verdicts(self, iou_index: int, score_threshold: float) -> IntArray:
        return detection_verdicts(
            self.tp[iou_index], self.ignored[iou_index], self.evaluated, self.score, score_threshold
        )


@dataclass(frozen=True, eq=False)
class GroundTruthMatches:
    """What the rule needs of ground truth: ``matched_score`` ``(T, M)`` (``-inf`` where
    unmatched) and ``ignored`` ``(M,)``."""

    matched_score: FloatArray
    ignored: BoolArray

    def verdicts(self, iou_index: int, score_threshold: float) -> IntArray:
        return ground_truth_verdicts(self.matched_score[iou_index], self.ignored, score_threshold)


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
    """The evaluated objects in layout order with their image and category, from which
    counts at any operating point follow by the rule and a ``bincount``."""

    dt_image: IntArray
    dt_category: IntArray
    detections: DetectionMatches
    gt_image: IntArray
    gt_category: IntArray
    ground_truth: GroundTruthMatches

    @classmethod
    def from_core(cls, core: Core) -> MatchRecord:
        return cls.from_flags(core, core.flags, core.gt_ignore, area=0)

    @classmethod
    def from_flags(
        cls, core: Core, flags: MatchFlags, gt_ignore: BoolArray, *, area: int
    ) -> MatchRecord:
        """The record at range ``area`` of ``flags`` (the core's own, or those of a
        per-bin matching, :mod:`cocowidget.evaluation.subsets`)."""
        layout = core.layout
        tp = flags.tp[:, area, :]
        fp = flags.fp[:, area, :]
        credit = np.full((tp.shape[0], len(layout.gt_rows)), -np.inf)
        t_index, det = np.nonzero(tp)
        credit[t_index, flags.matched_gt[t_index, area, det]] = core.dt_score[det]
        return cls(
            dt_image=layout.dt_image,
            dt_category=layout.dt_category,
            detections=DetectionMatches(
                tp=tp,
                ignored=~tp & ~fp,
                evaluated=np.ones(len(core.dt_score), dtype=bool),
                score=core.dt_score,
            ),
            gt_image=layout.gt_image,
            gt_category=layout.gt_category,
            ground_truth=GroundTruthMatches(matched_score=credit, ignored=gt_ignore[area]),
        )

    def counts(
        self,
        t_index: int,
        score_threshold: float,
        *,
        by: str,
        n_groups: int,
        category: int | None = None,
    ) -> Counts:
        """Counts per image (``by="image"``) or per category (``by="category"``), of
        the objects of one category only if ``category`` (its index in the layout)."""
        dt_group = self.dt_image if by == "image" else self.dt_category
        gt_group = self.gt_image if by == "image" else self.gt_category
        dt = self.detections.verdicts(t_index, score_threshold)
        gt = self.ground_truth.verdicts(t_index, score_threshold)
        if category is not None:
            dt_in, gt_in = self.dt_category == category, self.gt_category == category
            dt_group, dt, gt_group, gt = dt_group[dt_in], dt[dt_in], gt_group[gt_in], gt[gt_in]
        # One bincount per side over (group, verdict) pairs: a grid recolours with this
        # on every slider move, and a pass per verdict cost twice as much.
        per_dt = _per_group(dt_group, dt, n_groups)
        per_gt = _per_group(gt_group, gt, n_groups)
        return Counts(tp=per_dt[:, Verdict.TP], fp=per_dt[:, Verdict.FP], fn=per_gt[:, Verdict.FN])


def _per_group(group: IntArray, verdict: IntArray, n_groups: int) -> IntArray:
    """``(n_groups, len(Verdict))`` counts of each verdict in each group."""
    codes = len(Verdict)
    counts = np.bincount(group * codes + verdict, minlength=n_groups * codes)
    result: IntArray = counts.reshape(n_groups, codes)
    return result

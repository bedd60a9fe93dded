"""Per-object match data for overlays, so the browser recolours without re-evaluating.

COCOeval matches detections greedily in descending score order, so a detection's match
depends only on higher-scored detections: keeping the detections scoring ≥ s after
matching gives exactly the matches of evaluating only those. Each object therefore
carries, per IoU threshold, whether it matched (detections) or the score of the
detection that matched it (ground truth); the front end turns that into TP / FP / missed
for any score threshold and any of the evaluated IoU thresholds.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from cocowidget.protocol.messages import MAX_IOU_THRESHOLDS, DetectionMatch, TruthMatch

if TYPE_CHECKING:
    from cocowidget.evaluation.result import Evaluation


class MatchData:
    """Compact per-object match records of one evaluation, sliced by table rows.

    They carry exactly the inputs of the operating-point rule
    (:mod:`cocowidget.evaluation.operating_point`), which the browser runs on them.
    """

    def __init__(self, evaluation: Evaluation, run: str) -> None:
        self.evaluation = evaluation
        self.run = run
        self.iou_thresholds = [float(t) for t in evaluation.iou_thresholds]
        if len(self.iou_thresholds) > MAX_IOU_THRESHOLDS:
            raise ValueError(
                f"a grid colours matches at up to {MAX_IOU_THRESHOLDS} IoU thresholds; "
                f"the evaluation has {len(self.iou_thresholds)}"
            )
        bits = np.int64(1) << np.arange(len(self.iou_thresholds), dtype=np.int64)
        detections = evaluation.detection_matches
        self._tp_bits = (detections.tp.T * bits).sum(axis=1)
        self._ignored_bits = (detections.ignored.T * bits).sum(axis=1)
        self._evaluated = detections.evaluated
        self._outcomes = evaluation.detections["outcome"].astype(np.int64)
        truth = evaluation.ground_truth_matches
        # -1 stands for "no match" in JSON (which has no -inf); scores are never negative.
        self._matched_scores = np.where(
            np.isfinite(truth.matched_score), truth.matched_score, -1.0
        ).T
        self._gt_ignored = truth.ignored

    def ground_truth(self, rows: slice) -> list[TruthMatch]:
        scores = self._matched_scores[rows].tolist()
        ignored = self._gt_ignored[rows].tolist()
        return [TruthMatch(s, i) for s, i in zip(scores, ignored, strict=True)]

    def detections(self, rows: slice) -> list[DetectionMatch]:
        return [
            DetectionMatch(tp, ign, ev, oc)
            for tp, ign, ev, oc in zip(
                self._tp_bits[rows].tolist(),
                self._ignored_bits[rows].tolist(),
                self._evaluated[rows].tolist(),
                self._outcomes[rows].tolist(),
                strict=True,
            )
        ]

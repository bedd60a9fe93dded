"""Per-object match data for overlays, so the browser recolours without re-evaluating.

COCOeval matches detections greedily in descending score order, so a detection's match
depends only on higher-scored detections: keeping the detections scoring ≥ s after
matching gives exactly the matches of evaluating only those. Each object therefore
carries, per IoU threshold, whether it matched (detections) or the score of the
detection that matched it (ground truth); the front end turns that into TP / FP / missed
for any score threshold and any of the evaluated IoU thresholds.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from cocowidget.evaluation.outcomes import GroundTruthStatus

if TYPE_CHECKING:
    from cocowidget.evaluation.result import Evaluation


class MatchData:
    """Compact per-object match records of one evaluation, sliced by table rows."""

    def __init__(self, evaluation: Evaluation, run: str) -> None:
        self.evaluation = evaluation
        self.run = run
        self.iou_thresholds = [float(t) for t in evaluation.iou_thresholds]
        bits = np.int64(1) << np.arange(len(self.iou_thresholds), dtype=np.int64)
        detections = evaluation.detections
        tp, fp = detections["tp"].astype(bool), detections["fp"].astype(bool)
        evaluated = detections["evaluated"].astype(bool)
        self._tp_bits = (tp * bits).sum(axis=1)
        self._ignored_bits = ((~tp & ~fp & evaluated[:, None]) * bits).sum(axis=1)
        self._evaluated = evaluated
        self._outcomes = detections["outcome"].astype(np.int64)
        truth = evaluation.ground_truth
        scores = np.where(
            truth["status"] == GroundTruthStatus.MATCHED, truth["matched_score"], -1.0
        )
        self._matched_scores = np.nan_to_num(scores, nan=-1.0)
        self._gt_ignored = (truth["status"] == GroundTruthStatus.IGNORED).all(axis=1) | ~truth[
            "evaluated"
        ].astype(bool)

    def ground_truth(self, rows: slice) -> list[dict[str, Any]]:
        scores = self._matched_scores[rows].round(6).tolist()
        ignored = self._gt_ignored[rows].tolist()
        return [{"ms": s, "gi": i} for s, i in zip(scores, ignored, strict=True)]

    def detections(self, rows: slice) -> list[dict[str, Any]]:
        return [
            {"tp": int(tp), "ign": int(ign), "ev": bool(ev), "oc": oc}
            for tp, ign, ev, oc in zip(
                self._tp_bits[rows].tolist(),
                self._ignored_bits[rows].tolist(),
                self._evaluated[rows].tolist(),
                self._outcomes[rows].tolist(),
                strict=True,
            )
        ]

"""The operating-point rule: the shared cases (which the TypeScript rule is tested on
too), and the records the browser gets giving the verdicts of the evaluation's tables."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import cocowidget as cw
from cocowidget.datasets import DemoPaths
from cocowidget.evaluation.operating_point import (
    Verdict,
    detection_verdicts,
    ground_truth_verdicts,
)
from cocowidget.views import evaluation_filters as ef
from cocowidget.views.matches import MatchData

CASES = json.loads((Path(__file__).parents[2] / "cases" / "operating_point.json").read_text())


def _bit(value: int, index: int) -> bool:
    return bool((value >> index) & 1)


def _detection_verdict(match: dict[str, Any], score: float, k: int, threshold: float) -> str:
    code = detection_verdicts(
        np.array([_bit(match["tp"], k)]),
        np.array([_bit(match["ign"], k)]),
        np.array([match["ev"]]),
        np.array([score]),
        threshold,
    )[0]
    return Verdict(code).key


def _truth_verdict(match: dict[str, Any], k: int, threshold: float) -> str:
    # -1 in a record stands for "no match" (JSON has no -inf).
    score = match["ms"][k] if match["ms"][k] >= 0 else -np.inf
    code = ground_truth_verdicts(np.array([score]), np.array([match["gi"]]), threshold)[0]
    return Verdict(code).key


@pytest.mark.parametrize("case", CASES["detections"], ids=lambda c: c["why"])
def test_detection_cases(case: dict[str, Any]) -> None:
    verdict = _detection_verdict(
        case["match"], case["score"], case["iouIndex"], case["scoreThreshold"]
    )
    assert verdict == case["verdict"]


@pytest.mark.parametrize("case", CASES["groundTruth"], ids=lambda c: c["why"])
def test_ground_truth_cases(case: dict[str, Any]) -> None:
    assert (
        _truth_verdict(case["match"], case["iouIndex"], case["scoreThreshold"]) == case["verdict"]
    )


def test_every_verdict_is_covered_by_the_cases() -> None:
    seen = {c["verdict"] for c in CASES["detections"] + CASES["groundTruth"]}
    assert seen == {verdict.key for verdict in Verdict}


def test_browser_records_give_the_tables_verdicts(demo: DemoPaths) -> None:
    """What the browser decides from its records equals the filters' masks and the
    evaluation's counts, at every IoU threshold and several score thresholds."""
    ds = cw.CocoDataset.from_coco(demo.annotations, image_dir=demo.image_dir)
    ds.add_predictions(demo.predictions, name="sim")
    evaluation = ds.evaluate("sim")
    records = MatchData(evaluation, "sim")
    detections = records.detections(slice(None))
    truth = records.ground_truth(slice(None))
    scores = evaluation.detections["score"]
    for k, iou in enumerate(evaluation.iou_thresholds.tolist()):
        for threshold in (0.0, 0.3, 0.5, float(np.median(scores))):
            by_record = np.array(
                [
                    _detection_verdict(
                        {"tp": m.tp, "ign": m.ign, "ev": m.ev}, float(s), k, threshold
                    )
                    for m, s in zip(detections, scores.tolist(), strict=True)
                ]
            )
            point = {"iou_threshold": iou, "score_threshold": threshold}
            assert np.array_equal(by_record == "tp", ef.true_positive_mask(evaluation, **point))
            assert np.array_equal(by_record == "fp", ef.false_positive_mask(evaluation, **point))
            found = np.array(
                [_truth_verdict({"ms": m.ms, "gi": m.gi}, k, threshold) for m in truth]
            )
            assert np.array_equal(found == "fn", ef.missed_mask(evaluation, **point))
            assert np.array_equal(found == "found", ef.found_mask(evaluation, **point))
            counts = evaluation.image_counts(iou, threshold)
            assert counts.tp.sum() == (by_record == "tp").sum()
            assert counts.fp.sum() == (by_record == "fp").sum()
            assert counts.fn.sum() == (found == "fn").sum()

"""Evaluation results as columns of the dataset's own tables.

After ``ds.evaluate("frcnn")`` a grid can sort images by ``"frcnn.ap"`` and an explorer
can chart ``"frcnn.fp"``, because the per-image results are image columns; the run's
detections gain their verdict at IoU 0.5 and the annotations whether that run found them.
Column names carry the run (and ``segm`` for mask evaluation) so several evaluations
live side by side.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from cocowidget.evaluation.outcomes import DetectionOutcome, GroundTruthStatus

if TYPE_CHECKING:
    from cocowidget.data.dataset import CocoDataset
    from cocowidget.evaluation.result import Evaluation

IMAGE_COLUMNS = ("ap", "ap50", "tp", "fp", "fn", "precision", "recall")


def column_prefix(run: str, iou_type: str) -> str:
    return f"{run}." if iou_type == "bbox" else f"{run}.{iou_type}."


def attach_columns(ds: CocoDataset, run: str, evaluation: Evaluation) -> list[str]:
    """Add the evaluation's per-image, per-detection and per-object results as columns;
    returns the image column names added."""
    prefix = column_prefix(run, evaluation.iou_type)
    images = evaluation.images
    rows = ds.image_rows(images["image_id"])
    known = rows >= 0
    added = []
    for name in IMAGE_COLUMNS:
        values = images[name]
        fill = np.nan if values.dtype.kind == "f" else -1
        column = np.full(len(ds.images), fill, dtype=values.dtype)
        column[rows[known]] = values[known]
        ds.images[prefix + name] = column
        added.append(prefix + name)

    at_half = int(np.argmin(np.abs(evaluation.iou_thresholds - 0.5)))
    detections = ds.predictions[run]
    verdicts = evaluation.detections
    outcome = verdicts["outcome"][:, at_half]
    labels = np.array([DetectionOutcome(code).label for code in range(len(DetectionOutcome))])
    suffix = "" if evaluation.iou_type == "bbox" else "_segm"
    detections[f"tp50{suffix}"] = verdicts["tp"][:, at_half]
    detections[f"outcome50{suffix}"] = labels[outcome]
    detections[f"iou{suffix}"] = verdicts["iou"]

    status = evaluation.ground_truth["status"][:, at_half]
    ds.annotations[f"{prefix}found50"] = status == GroundTruthStatus.MATCHED
    ds.annotations[f"{prefix}missed50"] = status == GroundTruthStatus.MISSED
    return added

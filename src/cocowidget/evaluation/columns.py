"""Evaluation results as columns of the dataset's own tables.

After ``ds.evaluate("frcnn")`` a grid can sort images by ``"frcnn.ap"`` and an explorer
can chart ``"frcnn.fp"``, because the per-image results are image columns; the
categories gain the per-class metrics (``"frcnn.ap"``, ``"frcnn.ap_small"``, ...,
``"frcnn.fn"``); the run's detections gain their verdict at IoU 0.5 and the annotations
whether that run found them. Counts (TP, FP, FN, precision, recall) are at the
evaluation's operating point (``iou_threshold``, ``score_threshold``).
Column names carry the run (and ``segm`` for mask evaluation) so several evaluations
live side by side.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from cocowidget.evaluation.outcomes import DetectionOutcome, GroundTruthStatus

if TYPE_CHECKING:
    from cocowidget.data.dataset import CocoDataset
    from cocowidget.data.table import Table
    from cocowidget.evaluation.result import Evaluation

IMAGE_COLUMNS = ("ap", "ap50", "tp", "fp", "fn", "precision", "recall")
#: Per-class columns that are the run's own (not ``category_id`` or ``name``).
_CLASS_KEYS = ("category_id", "name")


def column_prefix(run: str, iou_type: str) -> str:
    return f"{run}." if iou_type == "bbox" else f"{run}.{iou_type}."


def attach_columns(ds: CocoDataset, run: str, evaluation: Evaluation) -> list[str]:
    """Add the evaluation's per-image, per-detection and per-object results as columns;
    returns the image column names added."""
    prefix = column_prefix(run, evaluation.iou_type)
    images = evaluation.images
    image_columns = {name: images[name] for name in IMAGE_COLUMNS}
    spread_onto(ds.images, ds.image_rows(images["image_id"]), image_columns, prefix)
    classes = evaluation.classes
    class_columns = {name: classes[name] for name in classes.columns if name not in _CLASS_KEYS}
    spread_onto(ds.categories, category_rows(ds, classes["category_id"]), class_columns, prefix)

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
    return [prefix + name for name in IMAGE_COLUMNS]


def category_rows(ds: CocoDataset, category_ids: np.ndarray) -> np.ndarray:
    """Rows of ``ds.categories`` for those ids (-1 where the dataset has none)."""
    row_of = {int(i): row for row, i in enumerate(ds.categories["id"].tolist())}
    return np.array([row_of.get(int(i), -1) for i in category_ids], dtype=np.int64)


def spread_onto(
    table: Table, rows: np.ndarray, columns: dict[str, np.ndarray], prefix: str
) -> None:
    """Set ``prefix + name`` columns of ``table`` from values for its ``rows`` (rows -1
    are not in ``table`` and skipped); the other rows get NaN, or -1 for integers."""
    known = rows >= 0
    for name, values in columns.items():
        fill = np.nan if values.dtype.kind == "f" else -1
        column = np.full(len(table), fill, dtype=values.dtype)
        column[rows[known]] = values[known]
        table[prefix + name] = column

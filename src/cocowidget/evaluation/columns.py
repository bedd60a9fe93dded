"""Evaluation results as derived columns of the dataset's tables.

After ``ds.evaluate("frcnn")`` a grid can sort images by ``"frcnn.ap"`` and an explorer
can chart ``"frcnn.fp"``, because the per-image results are attached to the images (and
the per-class metrics to the categories, the run's verdicts to its detections, whether
the run found each object to the annotations) through the dataset's registry of derived
columns (:mod:`cocowidget.data.derived`). One name scheme: ``"<key>.<name>"``, the key
being the run (``"frcnn"``) or, for masks, ``"frcnn.segm"``; evaluating again replaces
them, removing the run removes them, and ``to_pandas()`` leaves them out unless asked.
Counts (TP, FP, FN, precision, recall) are at the evaluation's operating point.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from cocowidget.data.derived import Producer, run_table
from cocowidget.evaluation.outcomes import DetectionOutcome, GroundTruthStatus

if TYPE_CHECKING:
    from cocowidget.data.dataset import CocoData
    from cocowidget.evaluation.result import Evaluation

IMAGE_COLUMNS = ("ap", "ap50", "tp", "fp", "fn", "precision", "recall")
#: Per-class columns that are the run's own (not ``category_id`` or ``name``).
_CLASS_KEYS = ("category_id", "name")


def evaluation_key(run: str, iou_type: str, rules: str = "coco") -> str:
    """The columns' key: ``"<run>"`` for boxes, ``"<run>.<iou_type>"`` otherwise, and
    ``".lvis"`` after either by LVIS rules (so both evaluations' columns coexist)."""
    key = run if iou_type == "bbox" else f"{run}.{iou_type}"
    return key if rules == "coco" else f"{key}.{rules}"


def column_prefix(run: str, iou_type: str, rules: str = "coco") -> str:
    return evaluation_key(run, iou_type, rules) + "."


def evaluation_producer(run: str, iou_type: str, rules: str = "coco") -> Producer:
    return Producer("evaluation", evaluation_key(run, iou_type, rules), (run,))


def attach_columns(ds: CocoData, run: str, evaluation: Evaluation) -> list[str]:
    """Attach the evaluation's per-image, per-class, per-detection and per-object
    results; returns the image column names."""
    producer = evaluation_producer(run, evaluation.iou_type, evaluation.rules)
    images = evaluation.images
    image_rows = ds.image_rows(images["image_id"])
    names = ds.derived.attach(
        producer,
        "images",
        spread({name: images[name] for name in IMAGE_COLUMNS}, image_rows, len(ds.images)),
    )
    classes = evaluation.classes
    class_columns = {name: classes[name] for name in classes.columns if name not in _CLASS_KEYS}
    rows = category_rows(ds, classes["category_id"])
    ds.derived.attach(producer, "categories", spread(class_columns, rows, len(ds.categories)))

    # At IoU 0.5, whatever the score: what COCOeval's matching itself decided.
    at_half = int(np.argmin(np.abs(evaluation.iou_thresholds - 0.5)))
    labels = np.array([DetectionOutcome(code).label for code in range(len(DetectionOutcome))])
    detections = evaluation.detections
    ds.derived.attach(
        producer,
        run_table(run),
        {
            "tp50": evaluation.detection_matches.tp[at_half],
            "outcome50": labels[detections["outcome"][:, at_half]],
            "iou": detections["iou"],
        },
    )
    status = evaluation.ground_truth["status"][:, at_half]
    ds.derived.attach(
        producer,
        "annotations",
        {
            "found50": status == GroundTruthStatus.MATCHED,
            "missed50": status == GroundTruthStatus.MISSED,
        },
    )
    return names


def category_rows(ds: CocoData, category_ids: np.ndarray) -> np.ndarray:
    """Rows of ``ds.categories`` for those ids (-1 where the dataset has none)."""
    row_of = {int(i): row for row, i in enumerate(ds.categories["id"].tolist())}
    return np.array([row_of.get(int(i), -1) for i in category_ids], dtype=np.int64)


def spread(columns: dict[str, np.ndarray], rows: np.ndarray, length: int) -> dict[str, np.ndarray]:
    """Columns of a table of ``length`` rows from values for its ``rows`` (rows -1 are
    not in the table and skipped); the other rows get NaN, or -1 for integers."""
    known = rows >= 0
    spread_columns = {}
    for name, values in columns.items():
        fill = np.nan if values.dtype.kind == "f" else -1
        column = np.full(length, fill, dtype=values.dtype)
        column[rows[known]] = values[known]
        spread_columns[name] = column
    return spread_columns

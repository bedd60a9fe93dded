"""Two runs on one dataset, side by side: per-image and per-class differences as columns."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from cocowidget._arguments import checked_keywords
from cocowidget.data.table import Table
from cocowidget.evaluation.columns import IMAGE_COLUMNS
from cocowidget.evaluation.result import Evaluation

_CLASS_COUNT_COLUMNS = ("n_dt", "tp", "fp", "fn", "precision", "recall")


@dataclass(frozen=True, eq=False)
class RunComparison:
    """``images`` and ``classes`` hold, for each compared column ``c``, ``c_a`` (first
    run), ``c_b`` (second run) and ``c_delta = c_b - c_a`` (positive: the second run is
    higher). ``stats_delta`` is the difference of the 12 COCO stats."""

    images: Table
    classes: Table
    stats_delta: np.ndarray


def _side_by_side(key: str, a: Table, b: Table, columns: tuple[str, ...]) -> Table:
    out: dict[str, np.ndarray] = {key: a[key]}
    if "name" in a:
        out["name"] = a["name"]
    for column in columns:
        if column not in a or column not in b:
            continue
        out[f"{column}_a"] = a[column]
        out[f"{column}_b"] = b[column]
        out[f"{column}_delta"] = b[column] - a[column]
    return Table(out)


@checked_keywords
def compare_runs(
    a: Evaluation,
    b: Evaluation,
    *,
    iou_threshold: float | None = None,
    score_threshold: float | None = None,
) -> RunComparison:
    """Compare two evaluations of the same images and categories (and IoU type), with
    the TP/FP/FN columns of both at the same operating point (default: ``a``'s)."""
    if not np.array_equal(a.image_ids, b.image_ids):
        raise ValueError("the two evaluations cover different images")
    if not np.array_equal(a.category_ids, b.category_ids):
        raise ValueError("the two evaluations cover different categories")
    iou = a.iou_threshold if iou_threshold is None else iou_threshold
    score = a.score_threshold if score_threshold is None else score_threshold
    images = _side_by_side(
        "image_id", a.image_table(iou, score), b.image_table(iou, score), IMAGE_COLUMNS
    )
    classes_a, classes_b = a.class_table(iou, score), b.class_table(iou, score)
    metric_columns = tuple(
        c for c in classes_a.columns if c.startswith(("ap", "ar")) and c not in _CLASS_COUNT_COLUMNS
    )
    classes = _side_by_side(
        "category_id", classes_a, classes_b, metric_columns + _CLASS_COUNT_COLUMNS
    )
    return RunComparison(images=images, classes=classes, stats_delta=b.stats - a.stats)

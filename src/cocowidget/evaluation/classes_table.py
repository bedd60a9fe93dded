"""The per-class table, and precision–recall curves per class.

One row per evaluated category (``params.category_ids``, or all categories of the ground
truth), in ascending category id. Metric columns are reductions of COCOeval's
``eval['precision']`` (``T x R x K x A x M``) and ``eval['recall']`` (``T x K x A x M``)
for that category, at ``maxDets[-1]`` detections; NaN where COCOeval has -1 (no counted
ground truth of that category in that area range).

Columns
-------
``category_id``, ``name`` (if names were given)
``ap``
    Mean precision over IoU thresholds and recall thresholds, area ``'all'``.
``ap50``, ``ap75``
    The same at IoU .50 / .75 (present when those thresholds are evaluated).
``ap_small``, ``ap_medium``, ``ap_large``
    ``ap`` in the other area ranges, one column per ``area_labels[1:]``.
``ar1``, ``ar10``, ``ar100``
    Mean recall over IoU thresholds, area ``'all'``, one column per ``maxDets`` value.
``n_gt``, ``n_ignored``, ``n_dt``
    Counted ground truth, ignored ground truth, evaluated detections.
``tp``, ``fp``, ``fn``, ``precision``, ``recall``
    At the operating point, as in the per-image table.
"""

from __future__ import annotations

import numpy as np

from cocowidget.data.table import Table
from cocowidget.evaluation._arrays import FloatArray
from cocowidget.evaluation.core import Core
from cocowidget.evaluation.operating_point import Counts


def _mean_valid(values: FloatArray, axes: tuple[int, ...]) -> FloatArray:
    # COCOeval fills a whole (category, area, maxDet) slice or none of it, so a slice is
    # either all -1 or all valid.
    valid = (values > -1).all(axis=axes)
    return np.where(valid, values.mean(axis=axes), np.nan)


def class_metric_columns(core: Core) -> dict[str, np.ndarray]:
    params = core.params
    precision = core.accumulated.precision
    recall = core.accumulated.recall
    last = len(params.max_detections) - 1
    thresholds = params.iou_array()
    columns: dict[str, np.ndarray] = {"ap": _mean_valid(precision[:, :, :, 0, last], (0, 1))}
    for value, name in ((0.5, "ap50"), (0.75, "ap75")):
        hit = np.flatnonzero(np.isclose(thresholds, value, rtol=0, atol=1e-12))
        if hit.size:
            columns[name] = _mean_valid(precision[hit[0], :, :, 0, last], (0,))
    for a, label in enumerate(params.area_labels[1:], start=1):
        columns[f"ap_{label}"] = _mean_valid(precision[:, :, :, a, last], (0, 1))
    for m, max_det in enumerate(params.max_detections):
        columns[f"ar{max_det}"] = _mean_valid(recall[:, :, 0, m], (0,))
    return columns


def classes_table(
    core: Core, metrics: dict[str, np.ndarray], counts: Counts, names: list[str] | None
) -> Table:
    layout = core.layout
    k = layout.n_categories
    ignored = core.gt_ignore[0]
    columns: dict[str, np.ndarray] = {"category_id": layout.category_ids}
    if names is not None:
        columns["name"] = np.asarray(names, dtype=object)
    columns.update(metrics)
    columns.update(
        {
            "n_gt": np.bincount(layout.gt_category[~ignored], minlength=k),
            "n_ignored": np.bincount(layout.gt_category[ignored], minlength=k),
            "n_dt": np.bincount(layout.dt_category, minlength=k),
            "tp": counts.tp,
            "fp": counts.fp,
            "fn": counts.fn,
            "precision": counts.precision,
            "recall": counts.recall,
        }
    )
    return Table(columns)


def pr_curves_table(core: Core) -> Table:
    """Per category: interpolated precision and the score reached at each recall
    threshold, ``(K, T, R)`` columns (area ``'all'``, ``maxDets[-1]``); -1 where the
    category has no counted ground truth, as in COCOeval."""
    acc = core.accumulated
    return Table(
        {
            "category_id": core.layout.category_ids,
            "precision": acc.precision[:, :, :, 0, -1].transpose(2, 0, 1),
            "score": acc.scores[:, :, :, 0, -1].transpose(2, 0, 1),
            "recall": acc.recall[:, :, 0, -1].T,
        }
    )

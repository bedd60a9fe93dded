"""Per-class error breakdown at one operating point, in TIDE's error kinds.

One row per evaluated category (aligned with ``evaluation.category_ids``): the true
positives, the counted false positives split by their reason (the detection table's
``outcome`` at the operating point's IoU threshold: duplicate, localisation, confusion,
background; see :mod:`cocowidget.evaluation.detections_table`), and the counted ground
truth that no detection found (``missed``). The verdicts are the operating-point rule's
(``detection_matches`` / ``ground_truth_matches``), so ``duplicate + localisation +
confusion + background`` is the class table's ``fp`` and ``missed`` its ``fn``.

TIDE (Bolya et al., 2020) also reports how much AP each kind costs by fixing it and
evaluating again; this table counts, it does not re-evaluate.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from cocowidget.data.table import Table
from cocowidget.evaluation.operating_point import Verdict
from cocowidget.evaluation.outcomes import FALSE_POSITIVE_REASONS

if TYPE_CHECKING:
    from cocowidget.evaluation.evaluated import Judged

#: The kinds of error, in the order the columns and the stacked bars have them.
ERROR_KINDS: tuple[str, ...] = (*(code.label for code in FALSE_POSITIVE_REASONS), "missed")


def error_breakdown(
    evaluation: Judged, iou_threshold: float | None = None, score_threshold: float | None = None
) -> Table:
    """Columns ``category_id``, ``name`` (if classes have names), ``ap``, ``n_gt``,
    ``tp``, then one count column per :data:`ERROR_KINDS`, and ``errors`` (their sum)."""
    iou = evaluation.iou_threshold if iou_threshold is None else float(iou_threshold)
    score = evaluation.score_threshold if score_threshold is None else float(score_threshold)
    t = evaluation.params.iou_index(iou)
    category_ids = np.asarray(evaluation.category_ids, dtype=np.int64)
    n = len(category_ids)
    detections, truth = evaluation.detections, evaluation.ground_truth

    dt_verdict = evaluation.detection_matches.verdicts(t, score)
    dt_class = _class_index(evaluation, detections["category_id"])
    wrong = dt_verdict == Verdict.FP
    reasons = detections["outcome"][:, t]
    columns: dict[str, np.ndarray] = {}
    for code in FALSE_POSITIVE_REASONS:
        columns[code.label] = np.bincount(dt_class[wrong & (reasons == code)], minlength=n)
    gt_verdict = evaluation.ground_truth_matches.verdicts(t, score)
    gt_class = _class_index(evaluation, truth["category_id"])
    columns["missed"] = np.bincount(gt_class[gt_verdict == Verdict.FN], minlength=n)
    tp = np.bincount(dt_class[dt_verdict == Verdict.TP], minlength=n)

    classes = evaluation.classes
    head: dict[str, np.ndarray] = {"category_id": category_ids}
    if "name" in classes:
        head["name"] = classes["name"]
    head |= {"ap": classes["ap"], "n_gt": classes["n_gt"], "tp": tp.astype(np.int64)}
    counts = {kind: columns[kind].astype(np.int64) for kind in ERROR_KINDS}
    errors = np.sum(list(counts.values()), axis=0).astype(np.int64)
    return Table({**head, **counts, "errors": errors})


def _class_index(evaluation: Judged, category_ids: np.ndarray) -> np.ndarray:
    """Each row's index among the evaluated categories. Rows of other categories are never
    TP, FP or FN, so where they land does not matter; with ``useCats=0`` every row is the
    one class's."""
    if not evaluation.params.use_categories:
        return np.zeros(len(category_ids), dtype=np.int64)
    evaluated = np.asarray(evaluation.category_ids, dtype=np.int64)
    index = np.searchsorted(evaluated, category_ids)
    return np.minimum(index, len(evaluated) - 1).astype(np.int64)

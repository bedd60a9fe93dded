"""Two runs compared, as columns of the dataset's own tables.

After ``compare_columns(ds, ev_a, ev_b)`` a grid sorts images by how much the second run
gained or lost there (``sort_by="frcnn-vs-detr.ap_delta"``), an explorer charts the
deltas, and an ``ObjectGrid`` shows the objects only one of the runs finds. With runs
``a`` and ``b`` the prefix is ``"<a>-vs-<b>."`` (``"<a>-vs-<b>.segm."`` for masks):

- image columns ``<prefix><c>_delta`` (float) for each column ``c`` of
  :data:`~cocowidget.evaluation.columns.IMAGE_COLUMNS` (``b - a``: positive where the
  second run is higher), and ``<prefix>gained`` / ``<prefix>lost`` (int): how many of
  the image's objects ``b`` finds and ``a`` misses / ``a`` finds and ``b`` misses;
- annotation columns ``<prefix>gained`` / ``<prefix>lost`` (bool) for those objects;
- category columns ``<prefix><m>_delta`` (float) for the per-class metrics (``ap``, ``ap50``,
  …, ``ar100``) and ``tp``, ``fp``, ``fn``, ``precision``, ``recall``.

Counts are at one operating point for both runs (default: the first evaluation's IoU
and score thresholds). Images and categories the evaluations do not cover get NaN (-1
for the counts). Data-layer code: no widget imports.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from cocowidget._arguments import checked_keywords
from cocowidget.data.derived import Producer
from cocowidget.evaluation.columns import category_rows, evaluation_key, spread
from cocowidget.evaluation.compare import RunComparison, compare_runs
from cocowidget.evaluation.dataset_adapter import run_name
from cocowidget.evaluation.operating_point import Verdict

if TYPE_CHECKING:
    from cocowidget.data.dataset import CocoData
    from cocowidget.data.table import Table
    from cocowidget.evaluation.result import Evaluation


def comparison_key(run_a: str, run_b: str, iou_type: str = "bbox") -> str:
    """``"<a>-vs-<b>"`` (``"<a>-vs-<b>.segm"`` for masks): the comparison columns' key."""
    return evaluation_key(f"{run_a}-vs-{run_b}", iou_type)


def comparison_prefix(run_a: str, run_b: str, iou_type: str = "bbox") -> str:
    return comparison_key(run_a, run_b, iou_type) + "."


def found_objects(
    evaluation: Evaluation, iou_threshold: float, score_threshold: float
) -> np.ndarray:
    """Per row of ``evaluation.ground_truth``: counted and claimed by a true positive
    scoring at least ``score_threshold`` at ``iou_threshold`` (the operating-point rule's
    ``FOUND``)."""
    t = evaluation.params.iou_index(iou_threshold)
    found: np.ndarray = (
        evaluation.ground_truth_matches.verdicts(t, score_threshold) == Verdict.FOUND
    )
    return found


@checked_keywords
def compare_columns(
    ds: CocoData,
    a: Evaluation,
    b: Evaluation,
    *,
    runs: tuple[str, str] | None = None,
    iou_threshold: float | None = None,
    score_threshold: float | None = None,
) -> RunComparison:
    """Add the comparison of two evaluations of ``ds`` as columns (see the module
    docstring) and return :func:`~cocowidget.evaluation.compare.compare_runs`' tables.

    ``runs`` names the two prediction runs; by default each evaluation's run is found
    among ``ds.predictions`` (:func:`run_name`).
    """
    if a.iou_type != b.iou_type:
        raise ValueError(f"cannot compare a {a.iou_type} evaluation with a {b.iou_type} one")
    run_a, run_b = runs if runs is not None else (run_name(ds, a), run_name(ds, b))
    iou = a.iou_threshold if iou_threshold is None else float(iou_threshold)
    score = a.score_threshold if score_threshold is None else float(score_threshold)
    comparison = compare_runs(a, b, iou_threshold=iou, score_threshold=score)
    producer = Producer("comparison", comparison_key(run_a, run_b, a.iou_type), (run_a, run_b))

    _check_annotations(ds, a, b)
    found_a, found_b = found_objects(a, iou, score), found_objects(b, iou, score)
    gained, lost = found_b & ~found_a, found_a & ~found_b
    ds.derived.attach(producer, "annotations", {"gained": gained, "lost": lost})

    images = comparison.images
    image_columns = _deltas(images)
    truth_images = a.ground_truth["image_id"]
    for name, flags in (("gained", gained), ("lost", lost)):
        counts = np.bincount(
            np.searchsorted(images["image_id"], truth_images[flags]), minlength=len(images)
        )
        image_columns[name] = counts.astype(np.int64)
    rows = ds.image_rows(images["image_id"])
    ds.derived.attach(producer, "images", spread(image_columns, rows, len(ds.images)))

    classes = comparison.classes
    rows = category_rows(ds, classes["category_id"])
    ds.derived.attach(producer, "categories", spread(_deltas(classes), rows, len(ds.categories)))
    return comparison


def _check_annotations(ds: CocoData, a: Evaluation, b: Evaluation) -> None:
    ids = ds.annotations["id"]
    for evaluation in (a, b):
        if not np.array_equal(evaluation.ground_truth["id"], ids):
            raise ValueError("the evaluations must be of this dataset's annotations")


def _deltas(table: Table) -> dict[str, np.ndarray]:
    # Float throughout: a count delta of -1 is a value, so "unknown" has to be NaN.
    return {
        name: table[name].astype(np.float64) for name in table.columns if name.endswith("_delta")
    }

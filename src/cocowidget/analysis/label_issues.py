"""``ds.label_issues(run)``: candidate label mistakes, found by a run's detections.

Which label a model disagrees with, and how: a confident detection with no label
(``missing_label``), a label of another class under a confident detection
(``wrong_class``), a label the model's box overlaps poorly (``badly_located``), two labels
of one object (``duplicate_label``), a label where the model sees nothing
(``spurious_label``). :mod:`cocowidget.analysis.issue_kinds` says exactly when each is a
candidate and how it is scored. The result is one table of candidates, most likely
mistakes first, each with its suggested fix; the best score and kind per annotation (and
per detection, for missing labels) are attached to the dataset's tables as derived
columns (``"<run>.issues.score"``, ``"<run>.issues.kind"``; ``"<run>.segm.issues.*"``
for masks), so grids sort by them and explorers chart them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

import numpy as np

from cocowidget._arguments import checked_keywords
from cocowidget.analysis.issue_kinds import (
    DEFAULTS,
    FINDERS,
    FIXES,
    KINDS,
    Candidates,
    Evidence,
)
from cocowidget.analysis.overlaps import IouType, Objects, gather, overlaps
from cocowidget.data.derived import Producer, run_table
from cocowidget.data.table import Table

if TYPE_CHECKING:
    from cocowidget.data.dataset import CocoData

#: The table's columns, in order.
COLUMNS = (
    "kind",
    "score",
    "image_id",
    "annotation_id",
    "annotation_row",
    "detection_id",
    "detection_row",
    "category_id",
    "detection_category_id",
    "other_annotation_id",
    "other_annotation_row",
    "other_category_id",
    "iou",
    "detection_score",
    "fix",
    "fix_category_id",
    "fix_bbox",
)


def issues_key(run: str, iou_type: str) -> str:
    """The derived columns' key: ``"<run>.issues"``, ``"<run>.segm.issues"`` for masks."""
    return f"{run}.issues" if iou_type == "bbox" else f"{run}.{iou_type}.issues"


@checked_keywords
def label_issues(
    ds: CocoData,
    run: str,
    iou_type: IouType = "bbox",
    *,
    min_score: float | None = None,
    missing_iou: float | None = None,
    class_iou: float | None = None,
    location_iou: tuple[float, float] | None = None,
    duplicate_iou: float | None = None,
    spurious_iou: float | None = None,
    kinds: Sequence[str] | None = None,
) -> Table:
    """Candidate label mistakes of the ground truth that run ``run`` points at.

    One row per candidate, highest ``score`` (in [0, 1]: how likely a real mistake)
    first: ``kind``, ``score``, ``image_id``, the annotation (``annotation_id`` /
    ``annotation_row`` of :attr:`annotations`, -1 for a missing label), the detection
    (``detection_id`` / ``detection_row`` of ``predictions[run]``, -1 for duplicates and
    spurious labels), the classes (``category_id``, ``detection_category_id``), for a
    duplicate the annotation it duplicates (``other_annotation_id`` / ``_row``,
    ``other_category_id``), the overlap the decision rests on (``iou``), the detection's
    ``detection_score``, and the suggested fix: ``fix`` (``add_label``,
    ``change_class``, ``replace_box``, ``remove_label``), ``fix_category_id`` and
    ``fix_bbox`` (x, y, w, h; NaN where the fix keeps the box).

    ``iou_type``: ``"bbox"`` or ``"segm"`` (mask overlaps). A detection is confident from
    ``min_score``; ``missing_iou``, ``class_iou``, ``location_iou`` (low, high),
    ``duplicate_iou`` and ``spurious_iou`` are the overlaps each kind is decided by
    (:mod:`cocowidget.analysis.issue_kinds`). ``None`` takes the measured default of
    the IoU type (``DEFAULTS``: for boxes ``min_score=0.5, missing_iou=0.2,
    class_iou=0.5, location_iou=(0.1, 0.5), duplicate_iou=0.8, spurious_iou=0.1``; masks
    ``location_iou=(0.05, 0.4), duplicate_iou=0.7``). ``kinds`` limits the kinds looked
    for.
    """
    if iou_type not in ("bbox", "segm"):
        raise ValueError(f"iou_type must be 'bbox' or 'segm', not {iou_type!r}")
    wanted = _kinds(kinds)
    defaults = DEFAULTS[iou_type]
    thresholds = replace(
        defaults,
        min_score=defaults.min_score if min_score is None else min_score,
        missing_iou=defaults.missing_iou if missing_iou is None else missing_iou,
        class_iou=defaults.class_iou if class_iou is None else class_iou,
        location_iou=(
            defaults.location_iou
            if location_iou is None
            else (float(location_iou[0]), float(location_iou[1]))
        ),
        duplicate_iou=defaults.duplicate_iou if duplicate_iou is None else duplicate_iou,
        spurious_iou=defaults.spurious_iou if spurious_iou is None else spurious_iou,
    )
    _check_run(ds, run)
    objects = gather(ds, run)
    evidence = Evidence(objects, overlaps(ds, run, objects, iou_type), thresholds)
    found = [FINDERS[kind](evidence) for kind in wanted]
    table = _table(ds, run, objects, found)
    _attach(ds, run, iou_type, table)
    return table


def _kinds(kinds: Sequence[str] | None) -> tuple[str, ...]:
    if kinds is None:
        return KINDS
    if isinstance(kinds, str):
        kinds = (kinds,)
    unknown = [k for k in kinds if k not in KINDS]
    if unknown:
        raise ValueError(f"unknown issue kinds {unknown}; the kinds are {list(KINDS)}")
    return tuple(k for k in KINDS if k in kinds)


def _check_run(ds: CocoData, run: str) -> None:
    """A clear error for a run that cannot point at label mistakes."""
    if run not in ds.predictions:
        known = ", ".join(map(repr, ds.predictions)) or "none"
        raise KeyError(f"no prediction run {run!r}; runs are: {known}")
    detections = ds.predictions[run]
    if len(detections) == 0:
        raise ValueError(
            f"prediction run {run!r} has no detections: label issues are found where a "
            "model's detections and the labels disagree"
        )
    if not np.isfinite(detections["score"]).any():
        raise ValueError(
            f"prediction run {run!r} has no scores: those of its {len(detections):,} "
            "detections are all NaN or infinite, and label issues weigh each detection "
            "by the model's confidence"
        )


def _table(ds: CocoData, run: str, objects: Objects, found: list[Candidates]) -> Table:
    kind = np.concatenate([np.full(len(c), c.kind, dtype="<U15") for c in found])
    score = np.concatenate([c.score for c in found])
    gt = np.concatenate([c.gt for c in found])
    det = np.concatenate([c.det for c in found])
    other = np.concatenate([c.other for c in found])
    iou = np.concatenate([c.iou for c in found])
    # Most likely first; equal scores in kind order, then by object.
    kind_rank = np.array([KINDS.index(k) for k in kind.tolist()], dtype=np.int64)
    order = np.lexsort((det, gt, kind_rank, -score))
    kind, score, gt, det, other, iou = (v[order] for v in (kind, score, gt, det, other, iou))

    annotations, detections = ds.annotations, ds.predictions[run]
    ann_row = _values(objects.gt_rows, gt, -1)
    other_row = _values(objects.gt_rows, other, -1)
    det_row = _values(objects.dt_rows, det, -1)
    image_row = np.where(
        gt >= 0, _values(objects.gt_image, gt, -1), _values(objects.dt_image, det, -1)
    )
    det_category = _values(detections["category_id"], det_row, -1)
    fix = np.array([FIXES[k] for k in kind.tolist()], dtype="<U12")
    fix_category = np.where(
        np.isin(kind, ("missing_label", "wrong_class")), det_category, -1
    ).astype(np.int64)
    fix_bbox = np.full((len(kind), 4), np.nan)
    boxed = np.isin(kind, ("missing_label", "badly_located"))
    fix_bbox[boxed] = detections["bbox"][det_row[boxed]]
    return Table(
        {
            "kind": kind,
            "score": score,
            "image_id": ds.images["id"][image_row].astype(np.int64),
            "annotation_id": _values(annotations["id"], ann_row, -1),
            "annotation_row": ann_row,
            "detection_id": _values(detections["id"], det_row, -1),
            "detection_row": det_row,
            "category_id": _values(annotations["category_id"], ann_row, -1),
            "detection_category_id": det_category,
            "other_annotation_id": _values(annotations["id"], other_row, -1),
            "other_annotation_row": other_row,
            "other_category_id": _values(annotations["category_id"], other_row, -1),
            "iou": iou,
            "detection_score": _values(detections["score"], det_row, np.nan),
            "fix": fix,
            "fix_category_id": fix_category,
            "fix_bbox": fix_bbox,
        }
    )


def _values(column: np.ndarray, rows: np.ndarray, fill: float) -> np.ndarray:
    """``column[rows]``, ``fill`` where a row is -1 (in the column's dtype)."""
    if len(column) == 0:
        return np.full(len(rows), fill, dtype=column.dtype)
    values = column[np.maximum(rows, 0)]
    return np.where(rows >= 0, values, fill).astype(column.dtype)


def _attach(ds: CocoData, run: str, iou_type: str, table: Table) -> None:
    """Each annotation's (and, for missing labels, each detection's) best candidate as
    derived columns: ``score`` (NaN where none) and ``kind`` ("" where none)."""
    producer = Producer("label_issues", issues_key(run, iou_type), (run,))
    missing = table["kind"] == "missing_label"
    for name, rows, n in (
        ("annotations", table["annotation_row"], len(ds.annotations)),
        (run_table(run), np.where(missing, table["detection_row"], -1), len(ds.predictions[run])),
    ):
        score = np.full(n, np.nan)
        kind = np.full(n, "", dtype="<U15")
        # The table is sorted by score: a row's first candidate is its best.
        candidates = np.flatnonzero(rows >= 0)
        _, first = np.unique(rows[candidates], return_index=True)
        best = candidates[first]
        score[rows[best]] = table["score"][best]
        kind[rows[best]] = table["kind"][best]
        ds.derived.attach(producer, name, {"score": score, "kind": kind})

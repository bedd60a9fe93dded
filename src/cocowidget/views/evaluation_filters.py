"""Which images and objects show a given kind of error, from an evaluation's tables.

Everything is at an *operating point*: one of the evaluated IoU thresholds ``t`` and a
score threshold ``s`` (defaults: the evaluation's own, ``iou_threshold`` and
``score_threshold``), the way the grid colours its overlays:

- a detection *counts* when COCOeval evaluated it (``evaluated``) and it scores ``>= s``;
  a counted detection is a false positive when COCOeval's ``fp`` is set at ``t``, and the
  reason is its ``outcome`` at ``t`` (duplicate, localisation, confusion, background;
  see :mod:`cocowidget.evaluation.detections_table`). COCOeval matches in descending
  score order, so dropping the detections below ``s`` changes no match and no reason.
- a ground-truth object is *missed* when COCOeval counts it (evaluated, not ignored: not
  a crowd region, area inside ``area_ranges[0]``) and no true positive scoring ``>= s``
  claimed it at ``t``.

Sizes are COCO's area ranges of the evaluation (``params.area_labels``, e.g. ``"small"``:
area in ``[0, 32²]``, bounds included as COCOeval includes them), on the ``area`` field.

The cells of the confusion matrix (:func:`confusion_cell`) come from its own,
class-agnostic matching at the same operating point (see
:mod:`cocowidget.evaluation.confusion`).

Image ids come back unique and ascending, object ids in table order (the order of
``ds.predictions[run]`` and ``ds.annotations`` for an evaluation made by
``ds.evaluate``). Pure numpy over :class:`~cocowidget.evaluation.Evaluation` tables: no
widget code, usable from a script.

Over 400 lines because every error filter (by kind, class, size, confusion cell) is
defined at the same operating point, and keeping them beside each other keeps them alike.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal, TypedDict

import numpy as np
import numpy.typing as npt

from cocowidget.evaluation.operating_point import Verdict
from cocowidget.evaluation.outcomes import FALSE_POSITIVE_REASONS, DetectionOutcome

if TYPE_CHECKING:
    from typing_extensions import Unpack

    from cocowidget.evaluation.result import Evaluation

BoolArray = npt.NDArray[np.bool_]
IdArray = npt.NDArray[np.int64]

Reason = Literal["duplicate", "localisation", "confusion", "background"]
#: What a class filter shows: every image with the class, or only those where the class
#: has false positives, or missed objects.
ImageFilter = Literal["all", "false_positives", "missed"]
IMAGE_FILTERS: tuple[ImageFilter, ...] = ("all", "false_positives", "missed")
REASONS: tuple[Reason, ...] = ("duplicate", "localisation", "confusion", "background")
#: One reason or several, by name or code.
Reasons = Reason | DetectionOutcome | Collection[Reason | DetectionOutcome]

_REASONS: dict[str, DetectionOutcome] = {code.label: code for code in FALSE_POSITIVE_REASONS}


@dataclass(frozen=True)
class OperatingPoint:
    """An evaluated IoU threshold (and its index among them) and a score threshold."""

    iou_threshold: float
    iou_index: int
    score_threshold: float

    @classmethod
    def of(
        cls,
        evaluation: Evaluation,
        iou_threshold: float | None = None,
        score_threshold: float | None = None,
    ) -> OperatingPoint:
        iou = evaluation.iou_threshold if iou_threshold is None else float(iou_threshold)
        score = evaluation.score_threshold if score_threshold is None else float(score_threshold)
        return cls(iou, evaluation.params.iou_index(iou), score)


# -- object masks ----------------------------------------------------------------------------
def false_positive_mask(
    evaluation: Evaluation,
    *,
    category_id: int | None = None,
    reason: Reasons | None = None,
    confused_with: int | None = None,
    iou_threshold: float | None = None,
    score_threshold: float | None = None,
) -> BoolArray:
    """Rows of ``evaluation.detections`` that are counted false positives.

    ``category_id``: only detections labelled with that class. ``reason``: one reason or
    several. ``confused_with``: only false positives lying on an object of that
    (ground-truth) class, i.e. the class the detector mistook for ``category_id``; the
    overlap is the detection's best with another class (``confusion_category_id``), so
    this keeps confusions and poorly placed hits on that class.
    """
    point = OperatingPoint.of(evaluation, iou_threshold, score_threshold)
    detections = evaluation.detections
    mask = _detection_verdicts(evaluation, point) == Verdict.FP
    if category_id is not None:
        mask &= detections["category_id"] == _known_category(evaluation, category_id)
    if reason is not None:
        codes = _reason_codes(reason)
        mask &= np.isin(detections["outcome"][:, point.iou_index], codes)
    if confused_with is not None:
        wanted = _known_category(evaluation, confused_with)
        mask &= detections["confusion_category_id"] == wanted
    result: BoolArray = mask
    return result


def missed_mask(
    evaluation: Evaluation,
    *,
    category_id: int | None = None,
    size: str | None = None,
    iou_threshold: float | None = None,
    score_threshold: float | None = None,
) -> BoolArray:
    """Rows of ``evaluation.ground_truth`` that are counted and missed; ``size`` is an area
    label of the evaluation (``"small"``, ``"medium"``, ``"large"``)."""
    point = OperatingPoint.of(evaluation, iou_threshold, score_threshold)
    truth = evaluation.ground_truth
    mask = _truth_verdicts(evaluation, point) == Verdict.FN
    if category_id is not None:
        mask &= truth["category_id"] == _known_category(evaluation, category_id)
    if size is not None:
        lo, hi = _area_range(evaluation, size)
        area = truth["area"]
        mask &= (area >= lo) & (area <= hi)
    result: BoolArray = mask
    return result


def true_positive_mask(
    evaluation: Evaluation,
    *,
    iou_threshold: float | None = None,
    score_threshold: float | None = None,
) -> BoolArray:
    """Rows of ``evaluation.detections`` that are counted true positives."""
    point = OperatingPoint.of(evaluation, iou_threshold, score_threshold)
    result: BoolArray = _detection_verdicts(evaluation, point) == Verdict.TP
    return result


def found_mask(
    evaluation: Evaluation,
    *,
    iou_threshold: float | None = None,
    score_threshold: float | None = None,
) -> BoolArray:
    """Rows of ``evaluation.ground_truth`` that are counted and found (the complement of
    :func:`missed_mask` among counted objects)."""
    point = OperatingPoint.of(evaluation, iou_threshold, score_threshold)
    result: BoolArray = _truth_verdicts(evaluation, point) == Verdict.FOUND
    return result


def class_detection_mask(
    evaluation: Evaluation, category_id: int, *, score_threshold: float | None = None
) -> BoolArray:
    """Rows of ``evaluation.detections`` labelled ``category_id`` that count."""
    point = OperatingPoint.of(evaluation, None, score_threshold)
    detections = evaluation.detections
    wanted = _known_category(evaluation, category_id)
    result: BoolArray = _counted_detections(evaluation, point) & (
        detections["category_id"] == wanted
    )
    return result


def class_truth_mask(evaluation: Evaluation, category_id: int) -> BoolArray:
    """Rows of ``evaluation.ground_truth`` of class ``category_id`` in evaluated images,
    crowd regions included (an image with a crowd of people shows people)."""
    truth = evaluation.ground_truth
    wanted = _known_category(evaluation, category_id)
    result: BoolArray = truth["evaluated"].astype(bool) & (truth["category_id"] == wanted)
    return result


class PointQuery(TypedDict, total=False):
    """An operating point as keywords (``None``: the evaluation's own threshold)."""

    iou_threshold: float | None
    score_threshold: float | None


class FalsePositiveQuery(PointQuery, total=False):
    """The keywords of :func:`false_positive_mask`, which the id and image functions of
    false positives take too."""

    category_id: int | None
    reason: Reasons | None
    confused_with: int | None


class MissedQuery(PointQuery, total=False):
    """The keywords of :func:`missed_mask`, which the id and image functions of missed
    objects take too."""

    category_id: int | None
    size: str | None


# -- object ids ------------------------------------------------------------------------------
def false_positive_ids(evaluation: Evaluation, **query: Unpack[FalsePositiveQuery]) -> IdArray:
    """Detection ids of the false positives :func:`false_positive_mask` selects (for an
    ``ObjectGrid(ds, run=...)``)."""
    return _ids(evaluation.detections["id"], false_positive_mask(evaluation, **query))


def missed_ids(evaluation: Evaluation, **query: Unpack[MissedQuery]) -> IdArray:
    """Annotation ids of the missed objects :func:`missed_mask` selects (for an
    ``ObjectGrid(ds)`` of annotations)."""
    return _ids(evaluation.ground_truth["id"], missed_mask(evaluation, **query))


# -- image ids -------------------------------------------------------------------------------
def images_with_false_positives(
    evaluation: Evaluation, **query: Unpack[FalsePositiveQuery]
) -> IdArray:
    """Ids of the images with at least one false positive as :func:`false_positive_mask`
    selects them."""
    mask = false_positive_mask(evaluation, **query)
    return _unique_ids(evaluation.detections["image_id"], mask)


def images_with_missed(evaluation: Evaluation, **query: Unpack[MissedQuery]) -> IdArray:
    """Ids of the images with at least one missed object as :func:`missed_mask` selects
    them."""
    return _unique_ids(evaluation.ground_truth["image_id"], missed_mask(evaluation, **query))


def images_with_class(
    evaluation: Evaluation,
    category_id: int,
    *,
    ground_truth: bool = True,
    detections: bool = True,
    score_threshold: float | None = None,
) -> IdArray:
    """Ids of the images holding an object of the class (:func:`class_truth_mask`) or a
    counted detection of it (:func:`class_detection_mask`), or either (the default)."""
    parts = [np.empty(0, dtype=np.int64)]
    if ground_truth:
        truth = evaluation.ground_truth
        parts.append(truth["image_id"][class_truth_mask(evaluation, category_id)])
    if detections:
        found = class_detection_mask(evaluation, category_id, score_threshold=score_threshold)
        parts.append(evaluation.detections["image_id"][found])
    return np.unique(np.concatenate(parts).astype(np.int64))


def class_images(
    evaluation: Evaluation,
    category_id: int | None,
    image_filter: ImageFilter = "all",
    *,
    reason: Reason | None = None,
    size: str | None = None,
    iou_threshold: float | None = None,
    score_threshold: float | None = None,
) -> IdArray | None:
    """What a class filter shows: with ``"all"``, the images with the class (``None``
    when no class is chosen: every image); with ``"false_positives"`` (of one ``reason``
    if given) or ``"missed"`` (objects of one ``size`` if given), the images where the
    class (any class if ``None``) has such errors."""
    if image_filter == "all":
        if category_id is None:
            return None
        return images_with_class(evaluation, category_id, score_threshold=score_threshold)
    point = PointQuery(iou_threshold=iou_threshold, score_threshold=score_threshold)
    if image_filter == "false_positives":
        return images_with_false_positives(
            evaluation, category_id=category_id, reason=reason, **point
        )
    if image_filter == "missed":
        return images_with_missed(evaluation, category_id=category_id, size=size, **point)
    raise ValueError(f"image_filter must be one of {IMAGE_FILTERS}, not {image_filter!r}")


@dataclass(frozen=True)
class ErrorCounts:
    """False positives by reason and missed objects by size (the evaluation's area
    labels after ``"all"``), at one operating point."""

    false_positives: dict[str, int]
    missed: dict[str, int]


def error_counts(
    evaluation: Evaluation,
    category_id: int | None = None,
    *,
    iou_threshold: float | None = None,
    score_threshold: float | None = None,
) -> ErrorCounts:
    """How many false positives of each reason and missed objects of each size the class
    (every class if ``None``) has."""
    point = OperatingPoint.of(evaluation, iou_threshold, score_threshold)
    iou, score = point.iou_threshold, point.score_threshold
    wrong = false_positive_mask(
        evaluation, category_id=category_id, iou_threshold=iou, score_threshold=score
    )
    reasons = evaluation.detections["outcome"][:, point.iou_index]
    missed = missed_mask(
        evaluation, category_id=category_id, iou_threshold=iou, score_threshold=score
    )
    area = evaluation.ground_truth["area"]
    params = evaluation.params
    by_size = {}
    for label, (lo, hi) in zip(params.area_labels[1:], params.area_ranges[1:], strict=True):
        by_size[label] = int((missed & (area >= lo) & (area <= hi)).sum())
    return ErrorCounts(
        false_positives={
            name: int((wrong & (reasons == code)).sum()) for name, code in _REASONS.items()
        },
        missed=by_size,
    )


# -- confusion matrix cells ------------------------------------------------------------------
@dataclass(frozen=True)
class ConfusionCell:
    """What one cell of ``evaluation.confusion_matrix(t, s)`` counts.

    The row is ``true_category_id`` (``None``: background, detections that matched no
    object), the column ``predicted_category_id`` (``None``: missed, objects that no
    detection matched). ``detection_ids`` (in the order of ``evaluation.detections``) and
    ``annotation_ids`` are the matched pairs, aligned: ``detection_ids[k]`` matched
    ``annotation_ids[k]``. Background has detections and no objects, missed objects and
    no detections; the cell's count is the length of the one that is not empty.
    ``image_ids``: the images they lie in, unique and ascending.
    """

    true_category_id: int | None
    predicted_category_id: int | None
    detection_ids: IdArray
    annotation_ids: IdArray
    image_ids: IdArray

    @property
    def count(self) -> int:
        return max(len(self.detection_ids), len(self.annotation_ids))


def confusion_cell(
    evaluation: Evaluation,
    true_category_id: int | None,
    predicted_category_id: int | None,
    **point: Unpack[PointQuery],
) -> ConfusionCell:
    """The detections and objects behind one cell of the confusion matrix at the
    operating point: for two classes, objects of ``true_category_id`` matched by a
    detection labelled ``predicted_category_id`` (on the diagonal: correct detections).
    Matching is the matrix's class-agnostic one, so the cell's count is exactly what
    ``evaluation.confusion_matrix`` counts there."""
    at = OperatingPoint.of(evaluation, point.get("iou_threshold"), point.get("score_threshold"))
    truth_class = _category_or_none(evaluation, true_category_id)
    predicted_class = _category_or_none(evaluation, predicted_category_id)
    detections, truth = evaluation.detections, evaluation.ground_truth
    det_rows, gt_rows, found, counted = _class_agnostic_matches(evaluation, at)
    none = np.empty(0, dtype=np.int64)
    labelled = detections["category_id"][det_rows] == predicted_class
    if predicted_class is None:  # the missed column (empty against background)
        missed = counted & ~found & (truth["category_id"] == truth_class)
        cell_dets, cell_objects = none, none if truth_class is None else np.flatnonzero(missed)
    elif truth_class is None:  # the background row
        cell_dets, cell_objects = np.sort(det_rows[labelled & (gt_rows < 0)]), none
    else:
        on = np.maximum(gt_rows, 0)
        hit = labelled & (gt_rows >= 0) & counted[on] & (truth["category_id"][on] == truth_class)
        order = np.argsort(det_rows[hit], kind="stable")  # table order
        cell_dets, cell_objects = det_rows[hit][order], gt_rows[hit][order]
    images = np.concatenate(
        [detections["image_id"][cell_dets], truth["image_id"][cell_objects]]
    ).astype(np.int64)
    return ConfusionCell(
        true_category_id=truth_class,
        predicted_category_id=predicted_class,
        detection_ids=np.asarray(detections["id"][cell_dets], dtype=np.int64),
        annotation_ids=np.asarray(truth["id"][cell_objects], dtype=np.int64),
        image_ids=np.unique(images),
    )


def _class_agnostic_matches(
    evaluation: Evaluation, point: OperatingPoint
) -> tuple[IdArray, IdArray, BoolArray, BoolArray]:
    """The confusion matrix's matching: detection rows taking part, the ground-truth row
    each matched (-1: none), and per ground-truth row whether a detection matched it and
    whether it counts."""
    matches = evaluation.confusion_matches(point.iou_threshold, point.score_threshold)
    found = np.zeros(len(matches.counted), dtype=bool)
    found[matches.matched_rows[matches.matched_rows >= 0]] = True
    return matches.detection_rows, matches.matched_rows, found, matches.counted


# -- helpers ---------------------------------------------------------------------------------
def _truth_verdicts(evaluation: Evaluation, point: OperatingPoint) -> IdArray:
    return evaluation.ground_truth_matches.verdicts(point.iou_index, point.score_threshold)


def _detection_verdicts(evaluation: Evaluation, point: OperatingPoint) -> IdArray:
    return evaluation.detection_matches.verdicts(point.iou_index, point.score_threshold)


def _counted_detections(evaluation: Evaluation, point: OperatingPoint) -> BoolArray:
    """Detections that take part at this point (TP, FP or ignored; not below the score)."""
    matches = evaluation.detection_matches
    result: BoolArray = matches.evaluated & (matches.score >= point.score_threshold)
    return result


def _known_category(evaluation: Evaluation, category_id: int) -> int:
    value = int(category_id)
    if value not in set(evaluation.category_ids.tolist()):
        raise KeyError(f"category {value} was not evaluated")
    return value


def _category_or_none(evaluation: Evaluation, category_id: int | None) -> int | None:
    return None if category_id is None else _known_category(evaluation, category_id)


def _reason_codes(reason: Reasons) -> list[int]:
    items = [reason] if isinstance(reason, str | DetectionOutcome) else list(reason)
    codes = []
    for item in items:
        if isinstance(item, DetectionOutcome) and item in FALSE_POSITIVE_REASONS:
            codes.append(int(item))
        elif isinstance(item, str) and item in _REASONS:
            codes.append(int(_REASONS[item]))
        else:
            raise ValueError(
                f"unknown false-positive reason {item!r}; reasons are: {', '.join(_REASONS)}"
            )
    return codes


def _area_range(evaluation: Evaluation, size: str) -> tuple[float, float]:
    params = evaluation.params
    if size not in params.area_labels:
        raise ValueError(f"unknown size {size!r}; sizes are: {', '.join(params.area_labels)}")
    lo, hi = params.area_ranges[params.area_labels.index(size)]
    return float(lo), float(hi)


def _ids(ids: np.ndarray, mask: BoolArray) -> IdArray:
    return np.asarray(ids[mask], dtype=np.int64)


def _unique_ids(image_ids: np.ndarray, mask: BoolArray) -> IdArray:
    return np.unique(np.asarray(image_ids[mask], dtype=np.int64))

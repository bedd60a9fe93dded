"""A panoptic evaluation's results: the summary ``pq_compute`` returns, per image, per
class and per segment, and the derived columns it attaches to the dataset's tables.

``summary`` has ``pq_compute``'s shape: ``{"All": {"pq", "sq", "rq", "n"}, "Things": ...,
"Stuff": ..., "per_class": {category_id: {"pq", "sq", "rq"}}}``, averaged as
``PQStat.pq_average`` averages (over the categories in file order, those with no
TP, FP or FN left out of the mean and given 0.0 in ``per_class``). Where panopticapi
would divide by zero (no thing class, say), the mean is NaN with ``n`` 0.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from cocowidget.data.derived import Producer, run_table
from cocowidget.data.table import Table

if TYPE_CHECKING:
    from cocowidget.data.dataset import CocoData

IOU_TYPE = "panoptic"
#: What a ground-truth segment turned out to be.
GT_STATUS = {
    "matched": 0,
    "missed": 1,
    "crowd": 2,  # never matched; its category's predictions over it are not FPs
    "shadowed": 3,  # its id is listed again later in the image (the last one counts)
    "not_evaluated": 4,
}
#: What a predicted segment turned out to be.
PRED_STATUS = {
    "tp": 0,
    "fp": 1,
    "ignored": 2,  # unmatched, but more than half void or crowd
    "shadowed": 3,
    "not_in_png": 4,
    "not_evaluated": 5,
}
GT_LABELS = np.array(list(GT_STATUS), dtype=object)
PRED_LABELS = np.array(list(PRED_STATUS), dtype=object)


@dataclass
class ImageResult:
    """What one image contributed: per class and per row."""

    image_row: int
    note: str | None = None  # why it was left out, or what was assumed
    evaluated: bool = True
    stats: dict[int, ClassStats] = field(default_factory=dict)
    gt_status: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int8))
    gt_iou: np.ndarray = field(default_factory=lambda: np.zeros(0))
    pred_status: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int8))
    pred_iou: np.ndarray = field(default_factory=lambda: np.zeros(0))


@dataclass
class ClassStats:
    """panopticapi's PQStatCat: matched IoU sum and counts."""

    iou: float = 0.0
    tp: int = 0
    fp: int = 0
    fn: int = 0

    def add(self, other: ClassStats) -> None:
        self.iou += other.iou
        self.tp += other.tp
        self.fp += other.fp
        self.fn += other.fn


@dataclass
class PanopticEvaluation:
    """``ds.evaluate(run, iou_type="panoptic")``: PQ, SQ and RQ as ``pq_compute`` gives
    them (:attr:`summary`), per image (:attr:`images`), per class (:attr:`classes`), per
    ground-truth segment (:attr:`ground_truth`, row-aligned with ``ds.annotations``) and
    per predicted segment (:attr:`predictions`, row-aligned with the run's table)."""

    run: str
    summary: dict[str, Any]
    images: Table
    classes: Table
    ground_truth: Table
    predictions: Table
    #: Images left out or evaluated with an assumption, and why: (image_id, note).
    notes: list[tuple[int, str]] = field(default_factory=list)
    iou_type: str = IOU_TYPE

    @property
    def pq(self) -> float:
        return float(self.summary["All"]["pq"])

    def __repr__(self) -> str:
        lines = [f"PanopticEvaluation(run {self.run!r}, {len(self.images)} images)"]
        lines.append(f"{'':10s}| {'PQ':>5s}  {'SQ':>5s}  {'RQ':>5s} {'N':>5s}")
        for name in ("All", "Things", "Stuff"):
            row = self.summary[name]
            lines.append(
                f"{name:10s}| {100 * row['pq']:5.1f}  {100 * row['sq']:5.1f}  "
                f"{100 * row['rq']:5.1f} {row['n']:5d}"
            )
        if self.notes:
            lines.append(f"{len(self.notes)} images with a note (see .notes)")
        return "\n".join(lines)


def pq_average(
    stats: dict[int, ClassStats], categories: dict[int, bool], isthing: bool | None
) -> tuple[dict[str, Any], dict[int, dict[str, float]]]:
    """PQStat.pq_average, line by line (Python floats, the same order of operations)."""
    pq, sq, rq, n = 0.0, 0.0, 0.0, 0
    per_class: dict[int, dict[str, float]] = {}
    for label, label_isthing in categories.items():
        if isthing is not None and isthing != label_isthing:
            continue
        found = stats.get(label, ClassStats())
        iou, tp, fp, fn = found.iou, found.tp, found.fp, found.fn
        if tp + fp + fn == 0:
            per_class[label] = {"pq": 0.0, "sq": 0.0, "rq": 0.0}
            continue
        n += 1
        pq_class = iou / (tp + 0.5 * fp + 0.5 * fn)
        sq_class = iou / tp if tp != 0 else 0
        rq_class = tp / (tp + 0.5 * fp + 0.5 * fn)
        per_class[label] = {"pq": pq_class, "sq": float(sq_class), "rq": rq_class}
        pq += pq_class
        sq += sq_class
        rq += rq_class
    if n == 0:
        return {"pq": np.nan, "sq": np.nan, "rq": np.nan, "n": 0}, per_class
    return {"pq": pq / n, "sq": sq / n, "rq": rq / n, "n": n}, per_class


def _categories(ds: CocoData) -> dict[int, bool]:
    """Category id -> isthing, in file order, the last of a repeated id winning (as
    ``{el['id']: el for el in categories}``)."""
    categories = ds.categories
    order = np.argsort(categories["file_index"], kind="stable")
    ids = categories["id"][order].tolist()
    isthing = categories["isthing"][order].tolist()
    result: dict[int, bool] = {}
    for category_id, thing in zip(ids, isthing, strict=True):
        result[category_id] = bool(thing)
    return result


def build_evaluation(ds: CocoData, run: str, results: list[ImageResult]) -> PanopticEvaluation:
    total: dict[int, ClassStats] = {}
    for result in results:
        for category_id, stats in result.stats.items():
            total.setdefault(category_id, ClassStats()).add(stats)
    categories = _categories(ds)
    summary: dict[str, Any] = {}
    for name, isthing in (("All", None), ("Things", True), ("Stuff", False)):
        summary[name], per_class = pq_average(total, categories, isthing)
        if name == "All":
            summary["per_class"] = per_class
    objects = ds.runs[run].objects.table
    gt_status = np.full(len(ds.annotations), GT_STATUS["not_evaluated"], np.int8)
    gt_iou = np.full(len(ds.annotations), np.nan)
    pred_status = np.full(len(objects), PRED_STATUS["not_evaluated"], np.int8)
    pred_iou = np.full(len(objects), np.nan)
    gt_offsets = image_offsets(ds.annotations, len(ds.images))
    pred_offsets = image_offsets(objects, len(ds.images))
    for result in results:
        row = result.image_row
        gt_rows = slice(int(gt_offsets[row]), int(gt_offsets[row + 1]))
        pred_rows = slice(int(pred_offsets[row]), int(pred_offsets[row + 1]))
        gt_status[gt_rows], gt_iou[gt_rows] = result.gt_status, result.gt_iou
        pred_status[pred_rows], pred_iou[pred_rows] = result.pred_status, result.pred_iou
    image_ids = ds.images["id"]
    notes = [(int(image_ids[r.image_row]), r.note) for r in results if r.note is not None]
    return PanopticEvaluation(
        run,
        summary,
        _image_table(image_ids, results),
        _class_table(ds, total, summary["per_class"], categories),
        Table({"status": GT_LABELS[gt_status], "iou": gt_iou}),
        Table({"status": PRED_LABELS[pred_status], "iou": pred_iou}),
        notes,
    )


def image_offsets(objects: Table, n_images: int) -> np.ndarray:
    """Where each image's rows start (objects are grouped by image, unknown ones last)."""
    image_index = objects["image_index"]
    counts = np.bincount(image_index[image_index >= 0], minlength=n_images)
    offsets = np.zeros(n_images + 1, dtype=np.int64)
    np.cumsum(counts, out=offsets[1:])
    return offsets


def _image_table(image_ids: np.ndarray, results: list[ImageResult]) -> Table:
    """Per image: pooled over its segments, PQ = ΣIoU / (TP + FP/2 + FN/2)."""
    n = len(results)
    tp, fp, fn = (np.zeros(n, np.int64) for _ in range(3))
    iou = np.zeros(n)
    for i, result in enumerate(results):
        for stats in result.stats.values():
            tp[i] += stats.tp
            fp[i] += stats.fp
            fn[i] += stats.fn
            iou[i] += stats.iou
    evaluated = np.array([r.evaluated for r in results], dtype=bool)
    with np.errstate(divide="ignore", invalid="ignore"):
        weight = tp + 0.5 * fp + 0.5 * fn
        pq = np.where(evaluated & (weight > 0), iou / weight, np.nan)
        sq = np.where(evaluated & (tp > 0), iou / tp, np.nan)
        rq = np.where(evaluated & (weight > 0), tp / weight, np.nan)
    rows = np.array([r.image_row for r in results], dtype=np.int64)
    return Table(
        {
            "image_id": image_ids[rows] if n else np.zeros(0, np.int64),
            "image_row": rows,
            "pq": pq,
            "sq": sq,
            "rq": rq,
            "tp": np.where(evaluated, tp, -1),
            "fp": np.where(evaluated, fp, -1),
            "fn": np.where(evaluated, fn, -1),
            "iou": np.where(evaluated, iou, np.nan),
        }
    )


def _class_table(
    ds: CocoData,
    total: dict[int, ClassStats],
    per_class: dict[int, dict[str, float]],
    categories: dict[int, bool],
) -> Table:
    ids = list(categories)
    names = dict(zip(ds.categories["id"].tolist(), ds.categories["name"].tolist(), strict=True))
    stats = [total.get(i, ClassStats()) for i in ids]
    return Table(
        {
            "category_id": np.array(ids, dtype=np.int64),
            "name": np.array([names.get(i) for i in ids], dtype=object),
            "isthing": np.array([categories[i] for i in ids], dtype=bool),
            "pq": np.array([per_class[i]["pq"] for i in ids], dtype=np.float64),
            "sq": np.array([per_class[i]["sq"] for i in ids], dtype=np.float64),
            "rq": np.array([per_class[i]["rq"] for i in ids], dtype=np.float64),
            "tp": np.array([s.tp for s in stats], dtype=np.int64),
            "fp": np.array([s.fp for s in stats], dtype=np.int64),
            "fn": np.array([s.fn for s in stats], dtype=np.int64),
        }
    )


IMAGE_COLUMNS = ("pq", "sq", "rq", "tp", "fp", "fn")


def attach_panoptic_columns(ds: CocoData, evaluation: PanopticEvaluation) -> list[str]:
    """Per image ``"<run>.panoptic.pq"`` (``sq``, ``rq``, ``tp``, ``fp``, ``fn``; NaN or
    -1 for images not evaluated), per class the same, per segment ``status`` and ``iou``
    on the annotations and on the run's table. Returns the image column names."""
    run = evaluation.run
    producer = Producer("evaluation", f"{run}.{IOU_TYPE}", (run,))
    images = evaluation.images
    columns: dict[str, np.ndarray] = {}
    for name in IMAGE_COLUMNS:
        values = images[name]
        column = np.full(len(ds.images), np.nan if values.dtype.kind == "f" else -1, values.dtype)
        column[images["image_row"]] = values
        columns[name] = column
    names = ds.derived.attach(producer, "images", columns)
    classes = evaluation.classes
    row_of = {int(i): row for row, i in enumerate(ds.categories["id"].tolist())}
    rows = np.array([row_of[int(i)] for i in classes["category_id"].tolist()], dtype=np.int64)
    class_columns = {}
    for name in IMAGE_COLUMNS:
        values = classes[name]
        column = np.full(len(ds.categories), np.nan if values.dtype.kind == "f" else -1)
        column = column.astype(values.dtype)
        column[rows] = values
        class_columns[name] = column
    ds.derived.attach(producer, "categories", class_columns)
    segment_columns = {
        "status": evaluation.ground_truth["status"],
        "iou": evaluation.ground_truth["iou"],
    }
    ds.derived.attach(producer, "annotations", segment_columns)
    ds.derived.attach(
        producer,
        run_table(run),
        {"status": evaluation.predictions["status"], "iou": evaluation.predictions["iou"]},
    )
    return names

"""Performance by metric: count, TP/FP/FN, precision, recall and COCO AP per bin of a column.

An image column bins the images: a bin's AP is COCOeval's with ``imgIds`` = the bin's
images (bins are half-open, ``[low, high)``, the last one closed, as ``numpy.histogram``).
An object column bins the objects the way COCOeval's area ranges do (closed ranges;
ground truth outside ignored, unmatched detections outside ignored: see
:mod:`cocowidget.evaluation.subsets`), so ``by_metric("area", bins=[0, 32**2, 96**2,
1e10])`` gives ``stats[3:6]`` (APs, APm, APl) exactly. TP/FP/FN follow the operating-point
rule at the evaluation's IoU and score thresholds.

Column names are looked up in the dataset the evaluation came from (``ds.images``, then
``ds.annotations`` and the run's detections), so this reads data-layer tables as
:mod:`~cocowidget.evaluation.dataset_adapter` does; arrays work without a dataset.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from cocowidget.data.table import Table
from cocowidget.evaluation._arrays import FloatArray
from cocowidget.evaluation.layout import positions
from cocowidget.evaluation.metric_bins import MetricBins, MetricKind
from cocowidget.evaluation.subsets import binned_objects, image_part_ap

if TYPE_CHECKING:
    from cocowidget.data.dataset import CocoData
    from cocowidget.evaluation.core import Core
    from cocowidget.evaluation.evaluated import Evaluated

Bins = int | Sequence[float]


def by_metric(
    evaluation: Evaluated,
    core: Core,
    column: str | npt.ArrayLike,
    bins: Bins = 5,
    *,
    kind: MetricKind | None = None,
    detection_values: npt.ArrayLike | None = None,
) -> MetricBins:
    name = column if isinstance(column, str) else "values"
    kind, values, dt_values = _resolve(evaluation, core, column, kind, detection_values)
    edges, note = _edges(values, bins, name)
    if edges is None:
        return MetricBins(name, kind, np.zeros(0), _table([]), note)
    if kind == "image":
        rows, inside = _image_rows(evaluation, core, values, edges)
        images = tuple(core.layout.image_ids[i] for i in inside)
        return MetricBins(name, kind, edges, _table(rows), note, images)
    assert dt_values is not None
    rows, inside = _object_rows(evaluation, core, values, dt_values, edges)
    gt_image_ids = core.layout.image_ids[core.layout.gt_image]
    images = tuple(np.unique(gt_image_ids[i]) for i in inside)
    objects = tuple(core.gt_ids[i] for i in inside)
    return MetricBins(name, kind, edges, _table(rows), note, images, objects)


def _resolve(
    evaluation: Evaluated,
    core: Core,
    column: str | npt.ArrayLike,
    kind: MetricKind | None,
    detection_values: npt.ArrayLike | None,
) -> tuple[MetricKind, FloatArray, FloatArray | None]:
    """Values in layout order: images (``layout.image_ids``), or ground truth and
    detections (``layout.gt_rows`` / ``dt_rows``)."""
    layout = core.layout
    dt_given = None if detection_values is None else _floats(detection_values, "detection_values")
    if not isinstance(column, str):
        values = _floats(column, "values")
        if kind is None:
            raise ValueError("by_metric(values): say kind='image' or kind='object'")
        if kind == "image":
            return kind, _aligned(values, layout.n_images, "evaluated images"), None
        if dt_given is None:
            raise ValueError("an object metric as values needs detection_values too")
        gt = _aligned(values, len(core.gt), "ground-truth rows")[layout.gt_rows]
        return kind, gt, _aligned(dt_given, len(core.dt), "detections")[layout.dt_rows]
    ds = evaluation.dataset
    if ds is None:
        raise ValueError(
            f"by_metric({column!r}): this evaluation has no dataset (it was made outside "
            "one, or the dataset is gone), so no columns: pass the values as an array"
        )
    if kind in (None, "image") and column in ds.images:
        image_values = _floats(ds.images[column], column)
        rows = positions(layout.image_ids, np.sort(ds.images["id"]))
        by_sorted = image_values[np.argsort(ds.images["id"], kind="stable")]
        return "image", np.where(rows >= 0, by_sorted[np.maximum(rows, 0)], np.nan), None
    if kind in (None, "object") and column in ds.annotations:
        gt = _floats(ds.annotations[column], column)[layout.gt_rows]
        if dt_given is None:
            dt_given = _detection_column(evaluation, ds, column)
        return "object", gt, _aligned(dt_given, len(core.dt), "detections")[layout.dt_rows]
    where = "image or annotation" if kind is None else kind
    raise KeyError(f"no {where} column {column!r}")


def _detection_column(evaluation: Evaluated, ds: CocoData, column: str) -> FloatArray:
    origin = evaluation.origin
    run = None if origin is None else origin.name_in(ds.runs)
    table = None if run is None else ds.predictions[run]
    if table is None or column not in table:
        raise KeyError(
            f"the run's detections have no column {column!r}: a detection outside a bin is "
            "ignored only when unmatched, so each needs its own value; pass "
            "detection_values= (aligned with the run's detections)"
        )
    return _floats(table[column], column)


def _floats(values: npt.ArrayLike, name: str) -> FloatArray:
    array = np.asarray(values)
    if array.ndim != 1 or not np.issubdtype(array.dtype, np.number):
        raise TypeError(f"{name!r} is not a column of numbers (dtype {array.dtype})")
    return array.astype(np.float64)


def _aligned(values: FloatArray, n: int, what: str) -> FloatArray:
    if len(values) != n:
        raise ValueError(f"{len(values)} values for {n} {what}")
    return values


def _edges(values: FloatArray, bins: Bins, name: str) -> tuple[FloatArray | None, str]:
    finite = values[np.isfinite(values)]
    left_out = len(values) - len(finite)
    note = f"{left_out:,} without a finite value left out" if left_out else ""
    if isinstance(bins, int):
        if len(finite) == 0:
            return None, f"{name!r} has no values (all NaN or infinite): nothing to bin"
        if bins < 1:
            raise ValueError("bins must be at least 1")
        low, high = float(finite.min()), float(finite.max())
        if low == high:
            constant = f"{name!r} is constant ({low:g}): one bin, nothing to compare"
            return np.array([low, high]), "; ".join(filter(None, [constant, note]))
        # Equal-count bins: metrics such as area are heavy-tailed.
        edges = np.unique(np.quantile(finite, np.linspace(0.0, 1.0, bins + 1)))
        return edges.astype(np.float64), note
    edges = np.asarray(bins, dtype=np.float64)
    if edges.ndim != 1 or len(edges) < 2 or np.any(np.diff(edges) <= 0):
        raise ValueError("bins must be a count or at least two increasing edges")
    if len(finite) == 0:
        note = f"{name!r} has no values (all NaN or infinite): every bin is empty"
    return edges, note


def _image_rows(
    evaluation: Evaluated, core: Core, values: FloatArray, edges: FloatArray
) -> tuple[list[dict[str, object]], list[np.ndarray]]:
    """The bins' rows, and each bin's images as a mask in layout order."""
    counts = evaluation.image_counts()
    last = len(edges) - 2
    rows, members = [], []
    with np.errstate(invalid="ignore"):
        for b in range(len(edges) - 1):
            lo, hi = edges[b], edges[b + 1]
            inside = (values >= lo) & ((values <= hi) if b == last else (values < hi))
            n = int(inside.sum())
            ap, ap50 = image_part_ap(core, inside) if n else (-1.0, -1.0)
            tp, fp, fn = (int(c[inside].sum()) for c in (counts.tp, counts.fp, counts.fn))
            note = "" if n else "no images in this bin"
            rows.append(_row(lo, hi, n, tp, fp, fn, ap, ap50, note, b == last))
            members.append(inside)
    return rows, members


def _object_rows(
    evaluation: Evaluated,
    core: Core,
    gt_values: FloatArray,
    dt_values: FloatArray,
    edges: FloatArray,
) -> tuple[list[dict[str, object]], list[np.ndarray]]:
    """The bins' rows, and each bin's counted ground truth as a mask in layout order."""
    ranges = np.stack([edges[:-1], edges[1:]], axis=1)
    binned = binned_objects(core, gt_values, dt_values, ranges)
    ap, ap50 = binned.average_precision(core), binned.average_precision(core, 0.5)
    t = core.params.iou_index(evaluation.iou_threshold)
    rows = []
    for b in range(len(ranges)):
        n = int((~binned.gt_ignore[b]).sum())
        c = binned.counts(core, b, t, evaluation.score_threshold)
        tp, fp, fn = int(c.tp.sum()), int(c.fp.sum()), int(c.fn.sum())
        note = "" if n or tp + fp else "no objects in this bin"
        rows.append(_row(edges[b], edges[b + 1], n, tp, fp, fn, ap[b], ap50[b], note, True))
    return rows, [~binned.gt_ignore[b] for b in range(len(ranges))]


def _row(
    lo: float,
    hi: float,
    n: int,
    tp: int,
    fp: int,
    fn: int,
    ap: float,
    ap50: float,
    note: str,
    closed: bool,
) -> dict[str, object]:
    return {
        "bin": f"[{lo:g}, {hi:g}{']' if closed else ')'}",
        "low": float(lo),
        "high": float(hi),
        "count": n,
        "tp": tp,
        "fp": fp,
        "fn": fn,
        "precision": tp / (tp + fp) if tp + fp else np.nan,
        "recall": tp / (tp + fn) if tp + fn else np.nan,
        "ap": float(ap),
        "ap50": float(ap50),
        "note": note,
    }


_COLUMNS = ("bin", "low", "high", "count", "tp", "fp", "fn", "precision", "recall", "ap", "ap50")


def _table(rows: list[dict[str, object]]) -> Table:
    numeric = {"low", "high", "precision", "recall", "ap", "ap50"}
    columns: dict[str, np.ndarray] = {}
    for name in (*_COLUMNS, "note"):
        values = [row[name] for row in rows]
        if name in ("bin", "note"):
            columns[name] = np.array(values, dtype=object)
        elif name in numeric:
            columns[name] = np.array(values, dtype=np.float64)
        else:
            columns[name] = np.array(values, dtype=np.int64)
    return Table(columns)

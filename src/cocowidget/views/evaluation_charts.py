"""What the evaluation charts draw, shaped from an evaluation's numbers (no widget code).

- :func:`stat_rows`: COCO's 12 summary numbers (10 for keypoints) as two labelled rows
  (AP, AR);
- :func:`class_labels`: one distinct axis label per class;
- :func:`precision_curves`: interpolated precision–recall curves per class, at one IoU
  threshold or averaged over all of them, and their mean (the curve COCO's AP integrates);
- :func:`confusion_view`: the confusion matrix cut to the classes most involved in
  mix-ups, with background and missed kept, counts or shares of the true class.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

import numpy as np
import numpy.typing as npt

if TYPE_CHECKING:
    from cocowidget.evaluation.confusion import ConfusionMatrix
    from cocowidget.evaluation.result import Evaluation

FloatArray = npt.NDArray[np.float64]

BACKGROUND_LABEL = "(background)"
MISSED_LABEL = "(missed)"


@dataclass(frozen=True)
class Stat:
    """One summary number: a short label, what it measures, and its value (NaN where
    COCOeval reports -1, nothing to measure)."""

    label: str
    meaning: str
    value: float


def stat_rows(evaluation: Evaluation) -> tuple[list[Stat], list[Stat]]:
    """``COCOeval.stats`` as an average-precision row and an average-recall row."""
    params = evaluation.params
    values = [np.nan if v < 0 else float(v) for v in evaluation.stats.tolist()]
    first, last = params.iou_thresholds[0], params.iou_thresholds[-1]
    ious = f"IoU {first:.2f}:{last:.2f}"
    if evaluation.iou_type == "keypoints":
        return _keypoint_rows(values, f"OKS {first:.2f}:{last:.2f}")
    if evaluation.rules == "lvis":
        return _lvis_rows(values, ious, params.max_detections[-1])
    most = params.max_detections[-1]
    dets = [params.max_detections[min(m, len(params.max_detections) - 1)] for m in range(3)]
    precision = [
        Stat("AP", f"{ious}, all sizes", values[0]),
        Stat("AP50", "IoU 0.50, all sizes", values[1]),
        Stat("AP75", "IoU 0.75, all sizes", values[2]),
        Stat("small", f"{ious}, area < 32²", values[3]),
        Stat("medium", f"{ious}, 32² < area < 96²", values[4]),
        Stat("large", f"{ious}, area > 96²", values[5]),
    ]
    recall = [
        Stat(f"AR{dets[0]}", f"{ious}, {dets[0]} detection per image", values[6]),
        Stat(f"AR{dets[1]}", f"{ious}, {dets[1]} detections per image", values[7]),
        Stat(f"AR{dets[2]}", f"{ious}, {dets[2]} detections per image", values[8]),
        Stat("small", f"{ious}, area < 32², {most} detections", values[9]),
        Stat("medium", f"{ious}, 32² < area < 96², {most} detections", values[10]),
        Stat("large", f"{ious}, area > 96², {most} detections", values[11]),
    ]
    return precision, recall


def _lvis_rows(values: list[float], ious: str, most: int) -> tuple[list[Stat], list[Stat]]:
    """``LVISEval.get_results()``: AP (all, 50, 75, by size, by frequency) and AR."""
    sizes = (("small", "area < 32²"), ("medium", "32² < area < 96²"), ("large", "area > 96²"))
    groups = (("rare", "rare"), ("common", "common"), ("frequent", "frequent"))
    precision = [
        Stat("AP", f"{ious}, all sizes and classes", values[0]),
        Stat("AP50", "IoU 0.50, all sizes and classes", values[1]),
        Stat("AP75", "IoU 0.75, all sizes and classes", values[2]),
        *(Stat(label, f"{ious}, {area}", values[3 + i]) for i, (label, area) in enumerate(sizes)),
        *(
            Stat(label, f"{ious}, the {group} classes (LVIS frequency)", values[6 + i])
            for i, (label, group) in enumerate(groups)
        ),
    ]
    recall = [
        Stat(f"AR{most}", f"{ious}, {most} detections per image", values[9]),
        *(
            Stat(label, f"{ious}, {area}, {most} detections", values[10 + i])
            for i, (label, area) in enumerate(sizes)
        ),
    ]
    return precision, recall


def _keypoint_rows(values: list[float], ious: str) -> tuple[list[Stat], list[Stat]]:
    """COCOeval's 10 keypoint numbers: AP and AR at OKS .50:.95, .50, .75, medium, large,
    all at 20 detections per image."""
    rows: list[list[Stat]] = []
    for start, short in ((0, "AP"), (5, "AR")):
        rows.append(
            [
                Stat(short, f"{ious}, all sizes, 20 detections", values[start]),
                Stat(f"{short}50", "OKS 0.50, all sizes, 20 detections", values[start + 1]),
                Stat(f"{short}75", "OKS 0.75, all sizes, 20 detections", values[start + 2]),
                Stat("medium", f"{ious}, 32² < area < 96²", values[start + 3]),
                Stat("large", f"{ious}, area > 96²", values[start + 4]),
            ]
        )
    return rows[0], rows[1]


def class_labels(category_ids: npt.ArrayLike, names: npt.ArrayLike | None) -> list[str]:
    """A label per class for a chart axis: its name, with the id added where two classes
    share a name (an ordinal axis needs distinct labels); the id where there is no name."""
    ids = [int(i) for i in np.asarray(category_ids).tolist()]
    if names is None:
        return [str(i) for i in ids]
    texts = [str(n) for n in np.asarray(names, dtype=object).tolist()]
    seen: dict[str, int] = {}
    for text in texts:
        seen[text] = seen.get(text, 0) + 1
    return [
        f"{text} ({i})".strip() if seen[text] > 1 or not text else text
        for text, i in zip(texts, ids, strict=True)
    ]


@dataclass(frozen=True)
class PrecisionCurves:
    """``precision[k]`` over ``recall`` for each evaluated class (NaN rows for classes
    without ground truth), ``mean`` over the classes that have some, and ``ap[k]``, the
    mean of each curve: the class's AP at this IoU (or AP@[.50:.95] averaged)."""

    recall: FloatArray
    precision: FloatArray
    mean: FloatArray
    ap: FloatArray

    @property
    def has_truth(self) -> npt.NDArray[np.bool_]:
        return np.asarray(~np.isnan(self.precision).any(axis=1), dtype=bool)


def precision_curves(evaluation: Evaluation, iou_threshold: float | None) -> PrecisionCurves:
    """Curves at one evaluated IoU threshold, or averaged over all (``None``); area
    ``'all'`` and the most detections, as COCO's AP."""
    precision = evaluation.pr_curves["precision"]  # (K, T, R), -1 without ground truth
    if iou_threshold is None:
        chosen = precision
    else:
        t = evaluation.params.iou_index(iou_threshold)
        chosen = precision[:, t : t + 1, :]
    missing = (chosen < 0).any(axis=(1, 2))
    curves = chosen.mean(axis=1)
    curves[missing] = np.nan
    recall = evaluation.recall_thresholds.astype(np.float64)
    with_truth = curves[~missing]
    mean = with_truth.mean(axis=0) if len(with_truth) else np.full(len(recall), np.nan)
    return PrecisionCurves(recall=recall, precision=curves, mean=mean, ap=curves.mean(axis=1))


ConfusionMode = Literal["errors", "counts", "shares"]


@dataclass(frozen=True)
class ConfusionView:
    """Rows: true classes (then background, if ``with_background``); columns: predicted
    classes (then missed).

    ``values`` is what to colour (NaN where nothing is drawn), ``counts`` the objects,
    ``row_totals`` each true class's objects (detections, for background)."""

    rows: list[str]
    columns: list[str]
    category_ids: list[int]
    values: FloatArray
    counts: npt.NDArray[np.int64]
    row_totals: npt.NDArray[np.int64]
    classes_total: int
    with_background: bool


def confusion_view(
    matrix: ConfusionMatrix,
    labels: list[str],
    *,
    mode: ConfusionMode = "errors",
    max_classes: int = 20,
) -> ConfusionView:
    """The classes most involved in mix-ups (objects of one class detected as another,
    counted both ways), at most ``max_classes``, in their original order.

    ``mode``: ``"errors"`` shows only the mix-ups between classes (no diagonal, no
    background row or missed column, whose counts would drown them); ``"counts"`` every
    count; ``"shares"`` each row divided by the true class's objects (or background's
    detections)."""
    if mode not in ("errors", "counts", "shares"):
        raise ValueError(f"mode must be 'errors', 'counts' or 'shares', not {mode!r}")
    counts = matrix.counts
    k = len(matrix.category_ids)
    between = counts[:k, :k].copy()
    np.fill_diagonal(between, 0)
    involvement = between.sum(axis=0) + between.sum(axis=1)
    if k > max_classes:
        keep = np.sort(np.argsort(-involvement, kind="stable")[:max_classes])
    else:
        keep = np.arange(k)
    with_background = mode != "errors"
    index = np.append(keep, k) if with_background else keep
    shown = counts[np.ix_(index, index)]
    totals = counts[index].sum(axis=1)
    values = shown.astype(np.float64)
    if mode == "errors":
        np.fill_diagonal(values, np.nan)
    elif mode == "shares":
        with np.errstate(invalid="ignore", divide="ignore"):
            values = values / totals[:, None]
    values[values == 0] = np.nan  # empty cells stay blank, so the eye finds the others
    names = [labels[i] for i in keep.tolist()]
    extra_row = [BACKGROUND_LABEL] if with_background else []
    extra_column = [MISSED_LABEL] if with_background else []
    return ConfusionView(
        rows=[*names, *extra_row],
        columns=[*names, *extra_column],
        category_ids=[int(matrix.category_ids[i]) for i in keep.tolist()],
        values=values,
        counts=shown.astype(np.int64),
        row_totals=totals.astype(np.int64),
        classes_total=k,
        with_background=with_background,
    )

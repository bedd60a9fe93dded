"""Evaluation by LVIS rules, exact to the ``lvis`` package's ``LVISEval`` (v0.5.3).

``LVISEval`` is COCOeval with these differences, and only these (read from its source),
so the COCOeval engine (:func:`~cocowidget.evaluation.core.run_core`) runs with them as
per-row rules (:class:`~cocowidget.evaluation.core.RowRules`) and LVIS's summary:

- **300 detections per image**, across categories: ``LVISResults`` keeps each image's
  top 300 by score (a stable sort, so file order breaks ties) before anything else;
  there is no per-category cut (``maxDets`` is one cut of 300 here, which no
  (image, category) group reaches).
- **Areas**: objects and detections with an area that is not in (0, ∞) are left out
  (``get_ann_ids`` filters ``0 < area < inf``), so a zero-area box is no false positive.
- **Federated**: a detection counts only where its category is in the image's positive
  set (the categories of its ground truth, those areas filtered) or its
  ``neg_category_ids``; others are left out. An *unmatched* detection of a category in
  the image's ``not_exhaustive_category_ids`` is ignored, as one outside an area range.
- **No crowds**: IoUs are plain (``iscrowd`` all 0); ground truth is ignored by its own
  ``ignore`` field, and is used up by a match like any other.
- **Stats**: AP, AP50, AP75, APs, APm, APl over all categories, APr / APc / APf over
  the categories of each ``frequency``, and AR@300 with its three area ranges. The
  area ranges, IoU and recall thresholds, matching and precision interpolation (the
  running maximum from the right, read at the first recall reaching each threshold)
  are COCOeval's.

Images and areas are per image and per range, so a part of the images (a slice, an
image-column bin) and object-column bins stay exact by the same rules.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from cocowidget.data.lvis import FREQUENCIES, CategorySets, LvisFields
from cocowidget.evaluation._arrays import BoolArray, FloatArray, IntArray
from cocowidget.evaluation.accumulate import Accumulated
from cocowidget.evaluation.core import RowRules, run_core
from cocowidget.evaluation.dataset_adapter import (
    detections_from_dataset,
    ground_truth_from_dataset,
    warn_without_masks,
)
from cocowidget.evaluation.detections_table import BACKGROUND_IOU
from cocowidget.evaluation.engine import paused_gc, warn_id_zero
from cocowidget.evaluation.inputs import Detections, GroundTruth
from cocowidget.evaluation.mask_pairs import start_worker
from cocowidget.evaluation.origin import RunOrigin
from cocowidget.evaluation.params import EvalParams
from cocowidget.evaluation.result import Evaluation
from cocowidget.progress import stages

if TYPE_CHECKING:
    from typing import Literal

    from cocowidget.data.dataset import CocoData

#: ``LVISResults``' ``max_dets``: detections kept per image, across categories.
LVIS_MAX_DETECTIONS = 300
#: The keys of ``LVISEval.get_results()``, in its order.
LVIS_RESULT_NAMES = (
    "AP",
    "AP50",
    "AP75",
    "APs",
    "APm",
    "APl",
    "APr",
    "APc",
    "APf",
    f"AR@{LVIS_MAX_DETECTIONS}",
    f"ARs@{LVIS_MAX_DETECTIONS}",
    f"ARm@{LVIS_MAX_DETECTIONS}",
    f"ARl@{LVIS_MAX_DETECTIONS}",
)
LVIS_IOU_TYPES = ("bbox", "segm")


def lvis_params() -> EvalParams:
    """``LVISEval``'s ``Params``: COCOeval's thresholds and area ranges, one cut of 300."""
    return EvalParams(max_detections=(LVIS_MAX_DETECTIONS,))


def top_per_image(image_id: IntArray, score: FloatArray, keep: int) -> BoolArray:
    """Each image's ``keep`` highest-scored rows (``LVISResults.limit_dets_per_image``:
    a stable descending sort, so the earlier of equal scores stays)."""
    n = len(image_id)
    order = np.lexsort((np.arange(n), -score, image_id))
    grouped = image_id[order]
    starts = np.flatnonzero(np.r_[True, grouped[1:] != grouped[:-1]]) if n else np.zeros(0, int)
    lengths = np.diff(np.r_[starts, n])
    rank = np.arange(n) - np.repeat(starts, lengths)
    kept = np.zeros(n, dtype=bool)
    kept[order] = rank < keep
    return kept


def _rows_of(values: IntArray, ids: IntArray) -> IntArray:
    """Row of each value in ``ids`` (any order), -1 where absent."""
    if len(ids) == 0:
        return np.full(len(values), -1, dtype=np.int64)
    sorter = np.argsort(ids, kind="stable")
    index = np.minimum(np.searchsorted(ids, values, sorter=sorter), len(ids) - 1)
    rows = sorter[index]
    return np.where(ids[rows] == values, rows, -1).astype(np.int64)


def _within(area: FloatArray) -> BoolArray:
    """``get_ann_ids``' area filter: ``0 < area < inf`` (NaN is outside)."""
    with np.errstate(invalid="ignore"):
        inside: BoolArray = (area > 0) & (area < np.inf)
    return inside


def lvis_row_rules(gt: GroundTruth, dt: Detections, fields: LvisFields) -> RowRules:
    """LVIS's per-row decisions (module docstring) over ``gt`` / ``dt`` rows; ``fields``
    are aligned with ``gt.image_ids``, ``gt.category_ids`` and the ``gt`` rows."""
    n_categories = len(gt.category_ids) + 1  # keys: (image row, category row)

    def keys(image_row: IntArray, category_id: IntArray) -> IntArray:
        category_row = _rows_of(category_id, gt.category_ids)
        known = (image_row >= 0) & (category_row >= 0)
        return np.where(known, image_row * n_categories + category_row, -1)

    def set_keys(sets: CategorySets) -> IntArray:
        return keys(sets.image_of, sets.ids)

    gt_evaluated = _within(gt.area)
    gt_keys = keys(_rows_of(gt.image_id, gt.image_ids), gt.category_id)
    positive = gt_keys[gt_evaluated & (gt_keys >= 0)]
    dt_keys = keys(_rows_of(dt.image_id, gt.image_ids), dt.category_id)
    verified = np.isin(dt_keys, np.concatenate([positive, set_keys(fields.negative)]))
    dt_evaluated = (
        top_per_image(dt.image_id, dt.score, LVIS_MAX_DETECTIONS)
        & _within(dt.area)
        & verified
        & (dt_keys >= 0)
    )
    not_exhaustive = np.isin(dt_keys, set_keys(fields.not_exhaustive)) & (dt_keys >= 0)
    return RowRules(
        gt_evaluated=gt_evaluated,
        dt_evaluated=dt_evaluated,
        gt_ignored=np.asarray(fields.ignore, dtype=bool),
        dt_ignored_unmatched=not_exhaustive,
    )


class LvisSummary:
    """``LVISEval.summarize()``: the stats of :data:`LVIS_RESULT_NAMES` from the
    accumulated arrays (its ``_summarize``, same indexing, so the same means).
    ``frequency_groups`` are the evaluated categories' positions in each frequency."""

    def __init__(self, frequency_groups: tuple[IntArray, ...]) -> None:
        self.frequency_groups = frequency_groups

    def __call__(self, accumulated: Accumulated, params: EvalParams) -> FloatArray:
        precision = accumulated.precision[..., -1]  # (T, R, K, A): one cut, 300
        recall = accumulated.recall[..., -1]  # (T, K, A)
        thresholds = params.iou_array()

        def areas(label: str) -> list[int]:
            return [i for i, name in enumerate(params.area_labels) if name == label]

        def ap(iou: float | None = None, area: str = "all", group: int | None = None) -> float:
            s = precision if iou is None else precision[np.where(iou == thresholds)[0]]
            if group is None:
                return _mean_defined(s[:, :, :, areas(area)])
            return _mean_defined(s[:, :, self.frequency_groups[group], areas(area)])

        def ar(area: str = "all") -> float:
            return _mean_defined(recall[:, :, areas(area)])

        return np.array(
            [
                ap(),
                ap(iou=0.5),
                ap(iou=0.75),
                ap(area="small"),
                ap(area="medium"),
                ap(area="large"),
                *(ap(group=g) for g in range(len(FREQUENCIES))),
                ar(),
                ar("small"),
                ar("medium"),
                ar("large"),
            ]
        )


def _mean_defined(values: FloatArray) -> float:
    defined = values[values > -1]
    return -1.0 if len(defined) == 0 else float(np.mean(defined))


def frequency_groups(gt: GroundTruth, frequency: np.ndarray) -> tuple[IntArray, ...]:
    """Per frequency, the positions among the evaluated (sorted) categories of those in
    it (``LVISEval._prepare_freq_group``)."""
    _, first = np.unique(gt.category_ids, return_index=True)
    of_sorted = np.asarray(frequency)[first]
    return tuple(np.flatnonzero(of_sorted == name).astype(np.int64) for name in FREQUENCIES)


class LvisEvaluation(Evaluation):
    """An evaluation by LVIS rules: :attr:`results` is ``LVISEval.get_results()``, and
    :attr:`stats` its values (names in :attr:`stat_names`). Tables, curves, parts of the
    data and operating points are those of :class:`Evaluation`, by LVIS rules:
    detections LVIS leaves out (past an image's 300, outside the federated sets, of no
    area) are not evaluated; unmatched ones of categories not exhaustively labelled are
    ignored."""

    rules = "lvis"

    @property
    def results(self) -> dict[str, float]:
        """``LVISEval.get_results()``: AP, AP50, AP75, APs, APm, APl, APr, APc, APf,
        AR@300, ARs@300, ARm@300, ARl@300 (-1 where undefined)."""
        return dict(zip(LVIS_RESULT_NAMES, self.stats.tolist(), strict=True))

    @property
    def stat_names(self) -> tuple[str, ...]:
        return LVIS_RESULT_NAMES

    def summary(self) -> str:
        """The lines ``LVISEval.print_results()`` prints."""
        thresholds = self.params.iou_thresholds
        lines = []
        for key, value in self.results.items():
            precision = "AP" in key
            title = "Average Precision" if precision else "Average Recall"
            kind = "(AP)" if precision else "(AR)"
            iou = (
                f"{float(key[2:]) / 100:0.2f}"
                if len(key) > 2 and key[2].isdigit()
                else f"{thresholds[0]:0.2f}:{thresholds[-1]:0.2f}"
            )
            group = key[2] if len(key) > 2 and key[2] in FREQUENCIES else "all"
            area = key[2] if len(key) > 2 and key[2] in "sml" else "all"
            lines.append(
                f" {title:<18} {kind} @[ IoU={iou:<9} | area={area:>6s} | "
                f"maxDets={LVIS_MAX_DETECTIONS:>3d} catIds={group:>3s}] = {value:0.3f}"
            )
        return "\n".join(lines)

    def __repr__(self) -> str:
        r = self.results
        return (
            f"LvisEvaluation({self.iou_type}, {len(self.image_ids)} images, "
            f"{len(self.category_ids)} categories, AP={r['AP']:.3f}, APr={r['APr']:.3f}, "
            f"APc={r['APc']:.3f}, APf={r['APf']:.3f})"
        )


def evaluate_lvis(
    gt: GroundTruth,
    dt: Detections,
    iou_type: Literal["bbox", "segm"],
    fields: LvisFields,
    *,
    iou_threshold: float | None = None,
    score_threshold: float = 0.5,
    background_iou: float = BACKGROUND_IOU,
) -> LvisEvaluation:
    """Evaluate ``dt`` against ``gt`` as ``LVISEval(gt, dt, iou_type).run()`` does;
    ``fields`` (:func:`cocowidget.data.lvis.lvis_fields`) aligned with ``gt``. The
    operating point of the tables is :func:`~cocowidget.evaluation.evaluate`'s."""
    if iou_type not in LVIS_IOU_TYPES:
        raise ValueError(f"LVIS rules evaluate 'bbox' or 'segm', not {iou_type!r}")
    params = lvis_params()
    warn_id_zero(gt)
    with paused_gc():
        core = run_core(
            gt,
            dt,
            iou_type,
            params,
            lvis_row_rules(gt, dt, fields),
            LvisSummary(frequency_groups(gt, fields.frequency)),
        )
    return LvisEvaluation(
        core,
        iou_threshold=0.5 if iou_threshold is None else iou_threshold,
        score_threshold=score_threshold,
        background_iou=background_iou,
    )


def evaluate_lvis_dataset(
    ds: CocoData,
    run: str,
    iou_type: Literal["bbox", "segm"],
    fields: LvisFields,
    *,
    iou_threshold: float | None = None,
    score_threshold: float = 0.5,
    background_iou: float = BACKGROUND_IOU,
) -> LvisEvaluation:
    """:func:`evaluate_lvis` of prediction run ``run`` of ``ds`` (tables row-aligned with
    ``ds.annotations`` and ``ds.predictions[run]``)."""
    masks = iou_type == "segm"
    if masks:
        start_worker()  # it starts while the inputs are gathered
    without: list[str] = []
    with stages(f"Evaluating {run} ({iou_type}, LVIS rules)", ("gathering", "matching")) as stage:
        stage("gathering")
        with paused_gc():
            gt = ground_truth_from_dataset(ds, with_masks=masks, without_masks=without)
            dt = detections_from_dataset(ds, run, with_masks=masks, without_masks=without)
        warn_without_masks(without)
        stage("matching")
        evaluation = evaluate_lvis(
            gt,
            dt,
            iou_type,
            fields,
            iou_threshold=iou_threshold,
            score_threshold=score_threshold,
            background_iou=background_iou,
        )
    evaluation.origin = RunOrigin(ds.runs, run, ds)
    return evaluation

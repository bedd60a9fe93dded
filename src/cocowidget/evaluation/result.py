"""The result of evaluating one run: COCO stats, tables, curves, confusion matrix."""

from __future__ import annotations

from collections.abc import Sequence
from functools import cached_property
from typing import TYPE_CHECKING, Literal

import numpy as np
import numpy.typing as npt

from cocowidget._arguments import checked_methods
from cocowidget.data.table import Table
from cocowidget.evaluation._arrays import FloatArray
from cocowidget.evaluation.classes_table import (
    class_metric_columns,
    classes_table,
    pr_curves_table,
)
from cocowidget.evaluation.confusion import (
    ConfusionMatches,
    ConfusionMatrix,
    confusion_matches,
    confusion_matrix,
)
from cocowidget.evaluation.core import Core
from cocowidget.evaluation.detections_table import BACKGROUND_IOU, detections_table
from cocowidget.evaluation.ground_truth_table import ground_truth_table
from cocowidget.evaluation.images_table import image_average_precision, images_table
from cocowidget.evaluation.metric_bins import MetricBins
from cocowidget.evaluation.operating_point import (
    Counts,
    DetectionMatches,
    GroundTruthMatches,
    MatchRecord,
)
from cocowidget.evaluation.origin import RunOrigin
from cocowidget.evaluation.outcomes import GroundTruthStatus
from cocowidget.evaluation.params import EvalParams, IouType
from cocowidget.evaluation.subsets import image_part_stats

if TYPE_CHECKING:
    from cocowidget.data.dataset import CocoData
    from cocowidget.evaluation.importance_options import ImportanceOptions

STAT_NAMES = (
    "AP",
    "AP50",
    "AP75",
    "AP_small",
    "AP_medium",
    "AP_large",
    "AR1",
    "AR10",
    "AR100",
    "AR_small",
    "AR_medium",
    "AR_large",
)

#: The names of the 10 ``COCOeval.stats`` of a keypoint evaluation (all at 20 detections).
KEYPOINT_STAT_NAMES = (
    "AP",
    "AP50",
    "AP75",
    "AP_medium",
    "AP_large",
    "AR",
    "AR50",
    "AR75",
    "AR_medium",
    "AR_large",
)
_KEYPOINT_STAT_LINES = tuple(
    (ap, iou, area)
    for ap in (True, False)
    for iou, area in ((None, "all"), (0.5, "all"), (0.75, "all"), (None, "medium"), (None, "large"))
)

_STAT_LINES = (
    (True, None, "all", 2),
    (True, 0.5, "all", 2),
    (True, 0.75, "all", 2),
    (True, None, "small", 2),
    (True, None, "medium", 2),
    (True, None, "large", 2),
    (False, None, "all", 0),
    (False, None, "all", 1),
    (False, None, "all", 2),
    (False, None, "small", 2),
    (False, None, "medium", 2),
    (False, None, "large", 2),
)


@checked_methods
class Evaluation:
    """COCO evaluation of one run of detections against the ground truth.

    ``stats``, ``precision``, ``recall`` and ``scores`` equal pycocotools' ``COCOeval``
    (``stats`` and ``eval[...]``). Tables (:class:`~cocowidget.data.table.Table`) describe
    images, classes, detections and ground-truth objects; see the modules
    ``images_table``, ``classes_table``, ``detections_table`` and ``ground_truth_table``
    for their columns. ``images`` and ``classes`` are at the default operating point
    (``iou_threshold``, ``score_threshold``); :meth:`image_table`, :meth:`class_table`
    and :meth:`image_counts` give them at any other without re-evaluating.

    ``origin`` is the prediction run evaluated (a :class:`RunOrigin`: the dataset's
    :class:`~cocowidget.data.runs.Run` itself) when the evaluation came from
    ``CocoDataset.evaluate``, and ``run`` its name, which follows a rename; both are
    ``None`` for detections handed in directly (``cocowidget.evaluation.evaluate``).
    """

    origin: RunOrigin | None = None
    #: The protocol's rules: ``"coco"`` (COCOeval's), or ``"lvis"`` (a subclass's).
    rules: str = "coco"

    def __init__(
        self,
        core: Core,
        *,
        iou_threshold: float = 0.5,
        score_threshold: float = 0.5,
        background_iou: float = BACKGROUND_IOU,
    ) -> None:
        self._core = core
        self.iou_threshold = float(iou_threshold)
        self.score_threshold = float(score_threshold)
        self.background_iou = float(background_iou)
        core.params.iou_index(self.iou_threshold)  # fail early on a threshold not evaluated
        self._record = MatchRecord.from_core(core)

    @property
    def dataset(self) -> CocoData | None:
        """The dataset evaluated (``None`` for detections handed in directly, or once the
        dataset is gone)."""
        return None if self.origin is None else self.origin.dataset

    @property
    def run(self) -> str | None:
        """The name of the prediction run evaluated, as the dataset calls it now."""
        return None if self.origin is None else self.origin.name

    # -- COCOeval's numbers -----------------------------------------------------------
    @property
    def params(self) -> EvalParams:
        return self._core.params

    @property
    def iou_type(self) -> IouType:
        return self._core.iou_type

    @property
    def stats(self) -> FloatArray:
        """The numbers of ``COCOeval.stats``: 12 for boxes and masks (names in
        :data:`STAT_NAMES`), 10 for keypoints (:data:`KEYPOINT_STAT_NAMES`)."""
        return self._core.stats

    @property
    def stat_names(self) -> tuple[str, ...]:
        """The name of each of :attr:`stats`."""
        return KEYPOINT_STAT_NAMES if self.iou_type == "keypoints" else STAT_NAMES

    @property
    def precision(self) -> FloatArray:
        """``COCOeval.eval['precision']``: ``(T, R, K, A, M)``, -1 where undefined."""
        return self._core.accumulated.precision

    @property
    def recall(self) -> FloatArray:
        """``COCOeval.eval['recall']``: ``(T, K, A, M)``."""
        return self._core.accumulated.recall

    @property
    def scores(self) -> FloatArray:
        """``COCOeval.eval['scores']``: score reached at each recall threshold."""
        return self._core.accumulated.scores

    @property
    def image_ids(self) -> np.ndarray:
        return self._core.layout.image_ids

    @property
    def category_ids(self) -> np.ndarray:
        return self._core.layout.category_ids

    def stats_dict(self) -> dict[str, float]:
        return dict(zip(self.stat_names, self.stats.tolist(), strict=True))

    def summary(self) -> str:
        """The lines ``COCOeval.summarize()`` prints."""
        p = self.params
        lines = []
        stats = self.stats.tolist()
        if self.iou_type == "keypoints":
            return "\n".join(
                _summary_line(ap, iou, area, 20, value, p)
                for value, (ap, iou, area) in zip(stats, _KEYPOINT_STAT_LINES, strict=True)
            )
        for index, (value, (ap, iou, area, m)) in enumerate(zip(stats, _STAT_LINES, strict=True)):
            # As COCOeval: the first line is at 100 detections whatever maxDets holds.
            max_det = 100 if index == 0 else _max_det_or_minus_one(p.max_detections, m)
            lines.append(_summary_line(ap, iou, area, max_det, value, p))
        return "\n".join(lines)

    # -- tables -----------------------------------------------------------------------
    @cached_property
    def _image_ap(self) -> tuple[FloatArray, FloatArray]:
        return image_average_precision(self._core)

    @cached_property
    def _class_metrics(self) -> dict[str, np.ndarray]:
        return class_metric_columns(self._core)

    @cached_property
    def images(self) -> Table:
        """Per-image table at the default operating point."""
        return self.image_table()

    @cached_property
    def classes(self) -> Table:
        """Per-class table at the default operating point."""
        return self.class_table()

    @cached_property
    def detections(self) -> Table:
        """Per-detection table, one row per input detection in input order."""
        return detections_table(self._core, background_iou=self.background_iou)

    @cached_property
    def ground_truth(self) -> Table:
        """Per-ground-truth table, one row per input annotation in input order."""
        return ground_truth_table(self._core)

    @cached_property
    def detection_matches(self) -> DetectionMatches:
        """The operating-point rule's input for :attr:`detections` (row-aligned)."""
        detections = self.detections
        tp = detections["tp"].astype(bool).T
        fp = detections["fp"].astype(bool).T
        evaluated = detections["evaluated"].astype(bool)
        return DetectionMatches(
            tp=tp, ignored=~tp & ~fp, evaluated=evaluated, score=detections["score"]
        )

    @cached_property
    def ground_truth_matches(self) -> GroundTruthMatches:
        """The operating-point rule's input for :attr:`ground_truth` (row-aligned)."""
        truth = self.ground_truth
        status = truth["status"].T
        matched = status == GroundTruthStatus.MATCHED
        counted = matched | (status == GroundTruthStatus.MISSED)
        score = np.where(matched, np.nan_to_num(truth["matched_score"].T, nan=-np.inf), -np.inf)
        return GroundTruthMatches(matched_score=score, ignored=~counted.any(axis=0))

    @cached_property
    def pr_curves(self) -> Table:
        """Per-class precision–recall curves; recall axis: :attr:`recall_thresholds`."""
        return pr_curves_table(self._core)

    @property
    def recall_thresholds(self) -> FloatArray:
        return self.params.recall_array()

    @property
    def iou_thresholds(self) -> FloatArray:
        return self.params.iou_array()

    def image_counts(
        self,
        iou_threshold: float | None = None,
        score_threshold: float | None = None,
        *,
        category_id: int | None = None,
    ) -> Counts:
        """TP / FP / FN per image (aligned with :attr:`image_ids`) at an operating point,
        from the stored matches: a few vectorised passes, no re-evaluation. With
        ``category_id``, of that evaluated class's objects only."""
        t, s = self._operating_point(iou_threshold, score_threshold)
        category = None if category_id is None else self._category_index(category_id)
        return self._record.counts(
            t, s, by="image", n_groups=self._core.layout.n_images, category=category
        )

    def class_counts(
        self, iou_threshold: float | None = None, score_threshold: float | None = None
    ) -> Counts:
        """TP / FP / FN per category (aligned with :attr:`category_ids`)."""
        t, s = self._operating_point(iou_threshold, score_threshold)
        return self._record.counts(t, s, by="category", n_groups=self._core.layout.n_categories)

    def image_table(
        self, iou_threshold: float | None = None, score_threshold: float | None = None
    ) -> Table:
        ap, ap50 = self._image_ap
        counts = self.image_counts(iou_threshold, score_threshold)
        return images_table(self._core, ap, ap50, counts)

    def class_table(
        self, iou_threshold: float | None = None, score_threshold: float | None = None
    ) -> Table:
        counts = self.class_counts(iou_threshold, score_threshold)
        return classes_table(self._core, self._class_metrics, counts, self._category_names())

    def confusion_matrix(
        self, iou_threshold: float = 0.5, score_threshold: float | None = None
    ) -> ConfusionMatrix:
        """Class confusion from class-agnostic matching (see ``confusion`` module); any
        IoU threshold works, since this matches afresh from the stored IoUs."""
        score = self.score_threshold if score_threshold is None else float(score_threshold)
        return confusion_matrix(self._core, iou_threshold, score)

    def confusion_matches(
        self, iou_threshold: float = 0.5, score_threshold: float | None = None
    ) -> ConfusionMatches:
        """The per-object matching that :meth:`confusion_matrix` counts: which detection
        matched which ground-truth object, as rows of the result tables."""
        score = self.score_threshold if score_threshold is None else float(score_threshold)
        return confusion_matches(self._core, iou_threshold, score)

    def error_breakdown(
        self, iou_threshold: float | None = None, score_threshold: float | None = None
    ) -> Table:
        """Per class: AP, TP, and the errors by kind at an operating point (false
        positives as duplicate, localisation, confusion, background; ``missed`` objects),
        the counts behind TIDE-style stacked bars. See
        :mod:`cocowidget.evaluation.error_breakdown`."""
        from cocowidget.evaluation.error_breakdown import error_breakdown  # it reads self

        return error_breakdown(self, iou_threshold, score_threshold)

    def metric_importance(
        self,
        columns: Sequence[str] | None = None,
        *,
        options: ImportanceOptions | None = None,
    ) -> Table:
        """How strongly each image and object metric goes with finding an object and with
        a detection being right, at this operating point: Spearman's correlation and a
        classifier's permutation importance, each with a bootstrap interval (association,
        not cause). Needs the ``insight`` extra. See
        :mod:`cocowidget.evaluation.metric_importance`."""
        from cocowidget.evaluation.metric_importance import metric_importance

        return metric_importance(self, columns, options=options)

    # -- parts of the data -------------------------------------------------------------
    def stats_for_images(self, image_ids: npt.ArrayLike) -> FloatArray:
        """:attr:`stats` of COCOeval run with ``imgIds = image_ids`` (of the images
        evaluated here), exactly, from this evaluation's matches: nothing is matched
        again. No images: every stat -1, as COCOeval gives."""
        ids = np.asarray(image_ids, dtype=np.int64).reshape(-1)
        unknown = np.setdiff1d(ids, self.image_ids)
        if len(unknown):
            raise ValueError(
                f"{len(unknown):,} of the images were not evaluated here "
                f"(first: {unknown[0]}); evaluate them, or leave them out"
            )
        return image_part_stats(self._core, np.isin(self.image_ids, ids))

    def by_slice(self, names: Sequence[str] | None = None) -> Table:
        """All COCO stats per slice of ``ds.slices`` (``names``: which; all by default),
        each exact to COCOeval on the slice's images alone: columns ``slice`` (the name,
        text), ``images``, ``note`` and :attr:`stat_names`. An empty slice has stats -1
        (COCOeval's) and a note; images this evaluation did not cover are left out."""
        from cocowidget.evaluation.slice_stats import slice_stats  # it reads the evaluation

        return slice_stats(self, names)

    def by_metric(
        self,
        column: str | npt.ArrayLike,
        bins: int | Sequence[float] = 5,
        *,
        kind: Literal["image", "object"] | None = None,
        detection_values: npt.ArrayLike | None = None,
    ) -> MetricBins:
        """Count, TP/FP/FN (at this operating point), precision, recall, AP and AP50
        (at the largest ``maxDets``) per bin of ``column``: an image column of the
        dataset (images binned; COCOeval on each bin's images), an annotation column
        (objects binned as COCOeval's area ranges: ``"area"`` with ``[0, 32**2, 96**2,
        1e10]`` is APs/APm/APl exactly; the run's detections need the column too, or
        ``detection_values``), or an array with ``kind``. ``bins``: a count of
        equal-count bins, or the edges. See :mod:`cocowidget.evaluation.by_metric`."""
        from cocowidget.evaluation.by_metric import by_metric  # it reads the evaluation

        return by_metric(
            self, self._core, column, bins, kind=kind, detection_values=detection_values
        )

    # -- helpers ----------------------------------------------------------------------
    def _operating_point(
        self, iou_threshold: float | None, score_threshold: float | None
    ) -> tuple[int, float]:
        iou = self.iou_threshold if iou_threshold is None else float(iou_threshold)
        score = self.score_threshold if score_threshold is None else float(score_threshold)
        return self.params.iou_index(iou), score

    def _category_index(self, category_id: int) -> int:
        ids = self.category_ids.tolist()
        if int(category_id) not in ids:
            raise ValueError(f"category {category_id} was not evaluated")
        return int(ids.index(int(category_id)))

    def _category_names(self) -> list[str] | None:
        gt = self._core.gt
        if gt.category_names is None:
            return None
        if not self.params.use_categories:
            return ["all categories"]  # useCats=0: the one row, category id -1
        by_id = dict(zip(gt.category_ids.tolist(), gt.category_names, strict=True))
        return [str(by_id.get(i, "")) for i in self.category_ids.tolist()]

    def __repr__(self) -> str:
        s = self.stats
        return (
            f"Evaluation({self.iou_type}, {len(self.image_ids)} images, "
            f"{len(self.category_ids)} categories, AP={s[0]:.3f}, AP50={s[1]:.3f})"
        )


def _summary_line(
    ap: bool, iou: float | None, area: str, max_det: int, value: float, p: EvalParams
) -> str:
    """One line as ``COCOeval._summarize`` prints it."""
    title = "Average Precision  (AP)" if ap else "Average Recall     (AR)"
    iou_text = f"{p.iou_thresholds[0]:0.2f}:{p.iou_thresholds[-1]:0.2f}"
    if iou is not None:
        iou_text = f"{iou:0.2f}"
    return (
        f" {title} @[ IoU={iou_text:<9} | area={area:>6s} | maxDets={max_det:>3d} ] = {value:0.3f}"
    )


def _max_det_or_minus_one(max_detections: tuple[int, ...], m: int) -> int:
    """``maxDets[m]``; -1 where there is none (COCOeval fails; the stat is -1 here)."""
    return max_detections[m] if m < len(max_detections) else -1

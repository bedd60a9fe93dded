"""What the analyses of an evaluation (by metric, by slice, error breakdown, metric
importance) read of it.

A protocol, not the :class:`~cocowidget.evaluation.result.Evaluation` class itself:
``Evaluation.by_metric``, ``by_slice``, ``error_breakdown`` and ``metric_importance``
call these analyses, so importing the class back would make an import circle.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

import numpy as np
import numpy.typing as npt

from cocowidget.evaluation._arrays import FloatArray
from cocowidget.evaluation.origin import RunOrigin

if TYPE_CHECKING:
    from cocowidget.data.dataset import CocoData
    from cocowidget.data.table import Table
    from cocowidget.evaluation.operating_point import (
        Counts,
        DetectionMatches,
        GroundTruthMatches,
    )
    from cocowidget.evaluation.params import EvalParams


class Evaluated(Protocol):
    origin: RunOrigin | None
    iou_threshold: float
    score_threshold: float

    @property
    def dataset(self) -> CocoData | None: ...

    @property
    def image_ids(self) -> np.ndarray: ...

    @property
    def stat_names(self) -> tuple[str, ...]: ...

    def image_counts(
        self,
        iou_threshold: float | None = None,
        score_threshold: float | None = None,
        *,
        category_id: int | None = None,
    ) -> Counts: ...

    def stats_for_images(self, image_ids: npt.ArrayLike) -> FloatArray: ...


class Judged(Evaluated, Protocol):
    """An evaluation with its per-object verdicts and tables (error breakdown, metric
    importance)."""

    @property
    def run(self) -> str | None: ...

    @property
    def params(self) -> EvalParams: ...

    @property
    def category_ids(self) -> np.ndarray: ...

    @property
    def classes(self) -> Table: ...

    @property
    def detections(self) -> Table: ...

    @property
    def ground_truth(self) -> Table: ...

    @property
    def detection_matches(self) -> DetectionMatches: ...

    @property
    def ground_truth_matches(self) -> GroundTruthMatches: ...

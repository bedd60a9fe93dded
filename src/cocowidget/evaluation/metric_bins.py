"""MetricBins: what :meth:`~cocowidget.evaluation.result.Evaluation.by_metric` returns.

Apart from the computation (:mod:`cocowidget.evaluation.by_metric`, which reads the
evaluation), so that the result type alone is what ``result.py`` imports at module level.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import numpy as np

from cocowidget.data.table import Table
from cocowidget.evaluation._arrays import FloatArray

MetricKind = Literal["image", "object"]


@dataclass(frozen=True, eq=False)
class MetricBins:
    """The result of :meth:`Evaluation.by_metric`: one ``table`` row per bin (``bin``,
    ``low``, ``high``, ``count`` of images or ground-truth objects, ``tp``, ``fp``, ``fn``,
    ``precision``, ``recall``, ``ap``, ``ap50``, ``note``) and a ``note`` on the column as a
    whole (all NaN, constant, values left out). AP is -1 where COCOeval's is undefined (no
    ground truth in the bin); precision and recall are NaN without detections / objects.

    ``image_ids[b]`` are the images of bin ``b`` (an image metric), or the images holding
    its counted objects (an object metric), whose ids are ``annotation_ids[b]``."""

    column: str
    kind: MetricKind
    edges: FloatArray
    table: Table
    note: str
    image_ids: tuple[np.ndarray, ...] = field(default=())
    annotation_ids: tuple[np.ndarray, ...] = field(default=())

    def __repr__(self) -> str:
        note = f"; {self.note}" if self.note else ""
        return f"MetricBins({self.column!r}, {self.kind}, {len(self.table)} bins{note})"

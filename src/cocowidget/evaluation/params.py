"""Evaluation parameters, with COCOeval's defaults for boxes and masks."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import numpy as np

from cocowidget.evaluation._arrays import FloatArray, IntArray

IouType = Literal["bbox", "segm"]


def _coco_iou_thresholds() -> tuple[float, ...]:
    # Same expression as pycocotools' Params: np.arange would drift by an ulp.
    values = np.linspace(0.5, 0.95, int(np.round((0.95 - 0.5) / 0.05)) + 1, endpoint=True)
    return tuple(float(v) for v in values)


def _coco_recall_thresholds() -> tuple[float, ...]:
    values = np.linspace(0.0, 1.00, int(np.round((1.00 - 0.0) / 0.01)) + 1, endpoint=True)
    return tuple(float(v) for v in values)


@dataclass(frozen=True)
class EvalParams:
    """What to evaluate, as in ``pycocotools.cocoeval.Params`` (``useCats=1``).

    ``image_ids`` / ``category_ids`` of ``None`` mean every image / category of the ground
    truth. ``area_ranges[0]`` is the range the per-image, per-detection and per-ground-truth
    tables use (COCO's ``'all'``).
    """

    iou_thresholds: tuple[float, ...] = field(default_factory=_coco_iou_thresholds)
    recall_thresholds: tuple[float, ...] = field(default_factory=_coco_recall_thresholds)
    max_detections: tuple[int, ...] = (1, 10, 100)
    area_ranges: tuple[tuple[float, float], ...] = (
        (0.0**2, 1e5**2),
        (0.0**2, 32.0**2),
        (32.0**2, 96.0**2),
        (96.0**2, 1e5**2),
    )
    area_labels: tuple[str, ...] = ("all", "small", "medium", "large")
    image_ids: tuple[int, ...] | None = None
    category_ids: tuple[int, ...] | None = None

    def __post_init__(self) -> None:
        if len(self.area_ranges) != len(self.area_labels):
            raise ValueError("area_ranges and area_labels must have the same length")
        if not self.iou_thresholds or not self.recall_thresholds:
            raise ValueError("iou_thresholds and recall_thresholds must not be empty")
        if not self.max_detections or min(self.max_detections) < 1:
            raise ValueError("max_detections must hold positive counts")
        if not self.area_ranges:
            raise ValueError("area_ranges must not be empty")
        # COCOeval sorts maxDets before evaluating; keep the same order everywhere.
        object.__setattr__(self, "max_detections", tuple(sorted(self.max_detections)))

    @property
    def max_detections_evaluated(self) -> int:
        """Detections kept per image and category (COCOeval's ``maxDets[-1]``)."""
        return self.max_detections[-1]

    def iou_array(self) -> FloatArray:
        return np.asarray(self.iou_thresholds, dtype=np.float64)

    def recall_array(self) -> FloatArray:
        return np.asarray(self.recall_thresholds, dtype=np.float64)

    def area_array(self) -> FloatArray:
        return np.asarray(self.area_ranges, dtype=np.float64).reshape(-1, 2)

    def iou_index(self, iou_threshold: float) -> int:
        """Index of ``iou_threshold`` among the evaluated thresholds (matches are stored
        only for those)."""
        thresholds = self.iou_array()
        hits = np.flatnonzero(np.isclose(thresholds, iou_threshold, rtol=0.0, atol=1e-9))
        if hits.size == 0:
            known = ", ".join(f"{t:.2f}" for t in thresholds)
            raise ValueError(f"IoU threshold {iou_threshold} was not evaluated; use one of {known}")
        return int(hits[0])

    def selected_ids(self, ids: IntArray, chosen: tuple[int, ...] | None) -> IntArray:
        """Sorted unique ids to evaluate (COCOeval applies ``np.unique``)."""
        return np.unique(ids if chosen is None else np.asarray(chosen, dtype=np.int64))

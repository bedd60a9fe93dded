"""Evaluation parameters, with COCOeval's defaults for boxes and masks, and for keypoints."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np

from cocowidget._arguments import checked_keywords
from cocowidget.evaluation._arrays import FloatArray, IntArray

IouType = Literal["bbox", "segm", "keypoints"]
IOU_TYPES: tuple[IouType, ...] = ("bbox", "segm", "keypoints")


def _coco_iou_thresholds() -> tuple[float, ...]:
    # Same expression as pycocotools' Params: np.arange would drift by an ulp.
    values = np.linspace(0.5, 0.95, int(np.round((0.95 - 0.5) / 0.05)) + 1, endpoint=True)
    return tuple(float(v) for v in values)


def _coco_recall_thresholds() -> tuple[float, ...]:
    values = np.linspace(0.0, 1.00, int(np.round((1.00 - 0.0) / 0.01)) + 1, endpoint=True)
    return tuple(float(v) for v in values)


#: COCOeval's defaults for boxes and masks (``Params.setDetParams``).
COCO_MAX_DETECTIONS = (1, 10, 100)
COCO_AREA_RANGES = ((0.0**2, 1e5**2), (0.0**2, 32.0**2), (32.0**2, 96.0**2), (96.0**2, 1e5**2))
COCO_AREA_LABELS = ("all", "small", "medium", "large")
#: COCOeval's defaults for keypoints (``Params.setKpParams``): one cut of 20 detections,
#: no "small" range (people that small carry no keypoints in COCO), its 17 joints' sigmas.
COCO_KEYPOINT_MAX_DETECTIONS = (20,)
COCO_KEYPOINT_AREA_RANGES = ((0.0**2, 1e5**2), (32.0**2, 96.0**2), (96.0**2, 1e5**2))
COCO_KEYPOINT_AREA_LABELS = ("all", "medium", "large")
# The same expression as pycocotools (a division of each value by 10.0), so the doubles
# are its doubles.
COCO_KEYPOINT_SIGMAS = tuple(
    float(s)
    for s in np.array(
        [
            *(0.26, 0.25, 0.25, 0.35, 0.35, 0.79, 0.79, 0.72, 0.72),
            *(0.62, 0.62, 1.07, 1.07, 0.87, 0.87, 0.89, 0.89),
        ]
    )
    / 10.0
)
#: pycocotools' name of each field (``COCOeval.params.<name>``).
COCO_NAMES = {
    "iou_thresholds": "iouThrs",
    "recall_thresholds": "recThrs",
    "max_detections": "maxDets",
    "area_ranges": "areaRng",
    "area_labels": "areaRngLbl",
    "use_categories": "useCats",
    "image_ids": "imgIds",
    "category_ids": "catIds",
    "keypoint_sigmas": "kpt_oks_sigmas",
}


@dataclass(frozen=True)
class EvalParams:
    """What to evaluate, as in ``pycocotools.cocoeval.Params`` (field names in
    :data:`COCO_NAMES`; :meth:`from_coco` takes pycocotools' own).

    ``image_ids`` / ``category_ids`` of ``None`` mean every image / category of the ground
    truth. ``area_ranges[0]`` is the range the per-image, per-detection and per-ground-truth
    tables use (COCO's ``'all'``). ``use_categories=False`` is COCOeval's ``useCats=0``:
    detections match objects of any category (as in proposal scoring), and the per-class
    results have one row, category id -1, for the evaluated categories together.
    ``keypoint_sigmas`` (``kpt_oks_sigmas``: one per joint; ``None``: COCO's 17) scale
    each joint's distance in OKS. The field defaults are those for boxes and masks;
    :meth:`from_coco` with ``iouType="keypoints"`` (or :meth:`for_keypoints`) gives
    COCOeval's keypoint defaults.
    """

    iou_thresholds: tuple[float, ...] = field(default_factory=_coco_iou_thresholds)
    recall_thresholds: tuple[float, ...] = field(default_factory=_coco_recall_thresholds)
    max_detections: tuple[int, ...] = COCO_MAX_DETECTIONS
    area_ranges: tuple[tuple[float, float], ...] = COCO_AREA_RANGES
    area_labels: tuple[str, ...] = COCO_AREA_LABELS
    image_ids: tuple[int, ...] | None = None
    category_ids: tuple[int, ...] | None = None
    use_categories: bool = True
    keypoint_sigmas: tuple[float, ...] | None = None

    @classmethod
    def for_keypoints(cls) -> EvalParams:
        """COCOeval's keypoint defaults (``Params(iouType="keypoints")``)."""
        return cls.from_coco(iouType="keypoints")

    @classmethod
    @checked_keywords
    def from_coco(
        cls,
        *,
        iouThrs: Sequence[float] | None = None,  # noqa: N803 (pycocotools' names)
        recThrs: Sequence[float] | None = None,  # noqa: N803
        maxDets: Sequence[int] | None = None,  # noqa: N803
        areaRng: Sequence[Sequence[float]] | None = None,  # noqa: N803
        areaRngLbl: Sequence[str] | None = None,  # noqa: N803
        useCats: bool | int = 1,  # noqa: N803
        imgIds: Sequence[int] | None = None,  # noqa: N803
        catIds: Sequence[int] | None = None,  # noqa: N803
        kpt_oks_sigmas: Sequence[float] | None = None,
        iouType: str = "bbox",  # noqa: N803
    ) -> EvalParams:
        """The parameters named as ``pycocotools.cocoeval.Params`` fields. ``None`` is
        COCOeval's default for ``iouType`` (``Params(iouType)``): for ``maxDets``,
        ``areaRng`` and ``areaRngLbl``, those of boxes and masks or of keypoints
        (``[20]``; all, medium, large); for ``iouThrs`` / ``recThrs``: .50:.05:.95 and
        0:.01:1; for ``imgIds`` / ``catIds``: all of the ground truth's; for
        ``kpt_oks_sigmas``: COCO's 17 joints'."""
        if iouType not in IOU_TYPES:
            raise ValueError(f"iouType must be one of {IOU_TYPES}, not {iouType!r}")
        keypoints = iouType == "keypoints"
        default_max = COCO_KEYPOINT_MAX_DETECTIONS if keypoints else COCO_MAX_DETECTIONS
        default_ranges = COCO_KEYPOINT_AREA_RANGES if keypoints else COCO_AREA_RANGES
        default_labels = COCO_KEYPOINT_AREA_LABELS if keypoints else COCO_AREA_LABELS
        max_dets = default_max if maxDets is None else maxDets
        labels = default_labels if areaRngLbl is None else areaRngLbl
        ranges = tuple(_area_range(r) for r in (default_ranges if areaRng is None else areaRng))
        return cls(
            iou_thresholds=_coco_iou_thresholds() if iouThrs is None else _floats(iouThrs),
            recall_thresholds=_coco_recall_thresholds() if recThrs is None else _floats(recThrs),
            max_detections=tuple(int(m) for m in np.asarray(max_dets).reshape(-1).tolist()),
            area_ranges=ranges,
            area_labels=tuple(str(label) for label in labels),
            use_categories=bool(useCats),
            image_ids=None if imgIds is None else _ints(imgIds),
            category_ids=None if catIds is None else _ints(catIds),
            keypoint_sigmas=None if kpt_oks_sigmas is None else _floats(kpt_oks_sigmas),
        )

    def __post_init__(self) -> None:
        if len(self.area_ranges) != len(self.area_labels):
            raise ValueError("area_ranges and area_labels must have the same length")
        if not self.iou_thresholds or not self.recall_thresholds:
            raise ValueError("iou_thresholds and recall_thresholds must not be empty")
        if not self.max_detections or min(self.max_detections) < 1:
            raise ValueError("max_detections must hold positive counts")
        if not self.area_ranges:
            raise ValueError("area_ranges must not be empty")
        if self.keypoint_sigmas is not None and not self.keypoint_sigmas:
            raise ValueError("keypoint_sigmas must hold one sigma per joint")
        # COCOeval sorts maxDets before evaluating; keep the same order everywhere.
        object.__setattr__(self, "max_detections", tuple(sorted(self.max_detections)))

    @property
    def max_detections_evaluated(self) -> int:
        """Detections kept per image and category (COCOeval's ``maxDets[-1]``)."""
        return self.max_detections[-1]

    def sigma_array(self) -> FloatArray:
        """The joints' OKS sigmas (COCO's 17 unless ``keypoint_sigmas`` says otherwise)."""
        sigmas = COCO_KEYPOINT_SIGMAS if self.keypoint_sigmas is None else self.keypoint_sigmas
        return np.asarray(sigmas, dtype=np.float64)

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


# A mistyped field (EvalParams(max_detection=...)) names the right one.
EvalParams.__init__ = checked_keywords(EvalParams.__init__)  # type: ignore[method-assign]


def _floats(values: Sequence[float]) -> tuple[float, ...]:
    return tuple(float(v) for v in np.asarray(values, dtype=np.float64).reshape(-1).tolist())


def _ints(values: Sequence[int]) -> tuple[int, ...]:
    return tuple(int(v) for v in np.asarray(values).reshape(-1).tolist())


def _area_range(value: Sequence[float]) -> tuple[float, float]:
    bounds = _floats(value)
    if len(bounds) != 2:
        raise ValueError(f"an area range is [low, high], not {value!r}")
    return bounds[0], bounds[1]

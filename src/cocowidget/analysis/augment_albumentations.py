"""Running an Albumentations ``Compose`` so that every label can be followed.

Imported only when a check is given an Albumentations transform: the package never
imports Albumentations otherwise (it is the optional ``augment`` extra).

The user's ``Compose`` is not touched. Each batch of images works on its own deep copy
(a ``Compose`` keeps state during a call: its random generators, the label encoders, the
parameters of the last call, so threads must not share one), in which

- the box processor gets one more label field, :data:`INDEX_FIELD`: the annotation's
  index in the image. Albumentations carries it with each box through every transform
  and filter, mirrored copies included, so the boxes it returns say which label each is,
  and a label whose index is missing was dropped;
- the box processor is a :class:`RecordingBboxProcessor`, which runs Albumentations' own
  filter unchanged and records, for each row, its area before and after clipping to the
  frame and the first of the filter's tests it failed (``min_area``,
  ``min_visibility``, ...). The boxes returned are exactly those the user's ``Compose``
  returns.

The user's own label fields each get the annotations' category ids. A ``Compose`` with
``keypoint_params`` gets each labelled joint (``v > 0``) of the dataset's keypoints as a
point, its ``x, y`` first (other columns of its format zero), with one more label field,
:data:`KEYPOINT_FIELD`: ``annotation index * K + joint``, so the points returned say whose
joint each is; the user's keypoint label fields get the annotations' category ids.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

import albumentations
import numpy as np
from albumentations.core.bbox_utils import (
    BboxProcessor,
    calculate_bbox_areas_in_pixels,
    clip_bboxes,
    denormalize_bboxes,
)

from cocowidget.analysis.augment_labels import FILTER_EPSILON, StepLog

#: The label field that carries each box's annotation index.
INDEX_FIELD = "cocowidget_annotation_index"
#: The keypoint label field that carries each point's annotation and joint.
KEYPOINT_FIELD = "cocowidget_keypoint_index"


class RecordingBboxProcessor(BboxProcessor):  # type: ignore[misc]  # untyped base
    """Albumentations' box processor that also writes what its filter decided to
    ``self.log`` (set before each call)."""

    log: StepLog | None = None

    def filter(self, data: np.ndarray, shape: Any) -> np.ndarray:
        kept: np.ndarray = super().filter(data, shape)
        if self.log is not None and len(data):
            self.log.record(*_decisions(data, shape, self.params))
        return kept


def _decisions(
    data: np.ndarray, shape: Any, params: Any
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The tests of ``albumentations.core.bbox_utils.filter_bboxes``, one reason per row,
    in its order (the first failed is named)."""
    labels = np.rint(data[:, -1]).astype(np.int64)  # INDEX_FIELD is the last label field
    area = calculate_bbox_areas_in_pixels(data, shape)
    clipped = clip_bboxes(data, shape)
    clipped_area = calculate_bbox_areas_in_pixels(clipped, shape)
    pixels = denormalize_bboxes(clipped[:, :4], shape)
    widths, heights = pixels[:, 2] - pixels[:, 0], pixels[:, 3] - pixels[:, 1]
    tests = [
        ("zero area", area >= FILTER_EPSILON),
        ("min_area", clipped_area >= params.min_area - FILTER_EPSILON),
        (
            "min_visibility",
            clipped_area / (area + FILTER_EPSILON) >= params.min_visibility,
        ),
        ("min_width", widths >= params.min_width - FILTER_EPSILON),
        ("min_height", heights >= params.min_height - FILTER_EPSILON),
    ]
    if params.max_accept_ratio is not None:
        ratio = np.maximum(widths / (heights + FILTER_EPSILON), heights / (widths + FILTER_EPSILON))
        tests.append(("max_accept_ratio", ratio <= params.max_accept_ratio))
    reasons = np.full(len(data), "", dtype=object)
    for name, passed in reversed(tests):
        reasons[~passed] = name
    return labels, area, clipped_area, reasons


def is_compose(transform: object) -> bool:
    return isinstance(transform, albumentations.Compose)


def checked_compose(transform: Any) -> Any:
    """``transform`` if it is a ``Compose`` with COCO box parameters, else a clear error."""
    if not isinstance(transform, albumentations.Compose):
        raise TypeError(
            f"{type(transform).__name__} is a single Albumentations transform; wrap it as "
            "A.Compose([...], bbox_params=A.BboxParams(format='coco', label_fields=[...]))"
        )
    processor = transform.processors.get("bboxes")
    if processor is None:
        raise ValueError(
            "the Compose has no bbox_params, so it would not move the boxes: give it "
            "bbox_params=A.BboxParams(format='coco', label_fields=[...])"
        )
    if processor.params.format != "coco":
        raise ValueError(
            f"the Compose's bbox_params have format={processor.params.format!r}; the "
            "check passes COCO boxes, so it needs format='coco'"
        )
    if INDEX_FIELD in (processor.params.label_fields or []):
        raise ValueError(f"the label field {INDEX_FIELD!r} is the check's own; rename yours")
    return transform


@dataclass
class Output:
    """What one call returned, in the check's terms."""

    image: np.ndarray
    boxes: np.ndarray  # (M, 4) COCO xywh as Albumentations returned them
    labels: np.ndarray  # (M,) annotation index of each box
    masks: np.ndarray | None  # (N, H, W), one per input label
    log: StepLog
    keypoints: np.ndarray | None = None  # (P, 2) the points returned, x and y
    keypoint_index: np.ndarray | None = None  # (P,) annotation index * K + joint


class Session:
    """A private, instrumented copy of a ``Compose`` for one batch of images."""

    def __init__(self, transform: Any) -> None:
        self.compose = copy.deepcopy(transform)
        processor = self.compose.processors["bboxes"]
        processor.__class__ = RecordingBboxProcessor
        self.user_fields = list(processor.params.label_fields or [])
        processor.params.label_fields = [*self.user_fields, INDEX_FIELD]
        # A strict Compose refuses keys it was not built with.
        self.compose._available_keys.add(INDEX_FIELD)
        self.processor: RecordingBboxProcessor = processor
        keypoints = self.compose.processors.get("keypoints")
        self.keypoint_fields = list(keypoints.params.label_fields or []) if keypoints else None
        self.keypoint_width = len(keypoints.params.format) if keypoints else 0
        if keypoints is not None:
            keypoints.params.label_fields = [*(self.keypoint_fields or []), KEYPOINT_FIELD]
            self.compose._available_keys.add(KEYPOINT_FIELD)

    def __call__(
        self,
        image: np.ndarray,
        boxes: np.ndarray,
        category_ids: np.ndarray,
        masks: list[np.ndarray],
        seed: int,
        keypoints: np.ndarray | None = None,
    ) -> Output:
        count = len(boxes)
        data: dict[str, Any] = {"image": image, "bboxes": boxes}
        for name in self.user_fields:
            data[name] = category_ids
        data[INDEX_FIELD] = np.arange(count, dtype=np.int64)
        if count:
            data["masks"] = masks
        if self.keypoint_fields is not None:
            points, index = _labelled_points(keypoints, self.keypoint_width)
            data["keypoints"] = points
            joints = 0 if keypoints is None else keypoints.shape[1]
            for name in self.keypoint_fields:
                data[name] = category_ids[index // max(joints, 1)]
            data[KEYPOINT_FIELD] = index
        log = StepLog()
        self.processor.log = log
        self.compose.set_random_seed(seed)
        try:
            result = self.compose(**data)
        finally:
            self.processor.log = None
        out_boxes = np.asarray(result["bboxes"], dtype=np.float64).reshape(-1, 4)
        labels = np.rint(np.asarray(result[INDEX_FIELD], dtype=np.float64)).astype(np.int64)
        out_masks = None
        if count:
            out_masks = np.asarray(result["masks"])
        output = Output(np.asarray(result["image"]), out_boxes, labels, out_masks, log)
        if self.keypoint_fields is not None:
            returned = np.asarray(result["keypoints"], dtype=np.float64)
            output.keypoints = returned.reshape(-1, max(self.keypoint_width, 2))[:, :2]
            output.keypoint_index = np.rint(
                np.asarray(result[KEYPOINT_FIELD], dtype=np.float64)
            ).astype(np.int64)
        return output


def _labelled_points(keypoints: np.ndarray | None, width: int) -> tuple[np.ndarray, np.ndarray]:
    """The labelled joints of ``keypoints`` (N, K, 3) as rows of ``width`` (x, y, zeros)
    and each one's ``annotation * K + joint``."""
    if keypoints is None or not keypoints.size:
        return np.zeros((0, width), dtype=np.float32), np.zeros(0, dtype=np.int64)
    labelled = np.isfinite(keypoints).all(axis=2) & (keypoints[:, :, 2] > 0)
    annotation, joint = np.nonzero(labelled)
    points = np.zeros((len(annotation), width), dtype=np.float32)
    points[:, :2] = keypoints[annotation, joint, :2]
    return points, annotation * keypoints.shape[1] + joint

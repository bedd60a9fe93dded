"""Columnar inputs of the evaluation engine: ground truth and one run of detections.

The engine takes plain numpy columns so any front end (``CocoData``, a pycocotools
``COCO`` object, a model's raw outputs) can feed it without going through JSON dicts.
Row order matters exactly as it does in pycocotools: it breaks ties between equal scores.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
from pycocotools import mask as mask_utils

from cocowidget._arguments import checked_methods
from cocowidget.evaluation._arrays import BoolArray, FloatArray, IntArray


def _ints(values: npt.ArrayLike) -> IntArray:
    return np.asarray(values, dtype=np.int64).reshape(-1)


def _floats(values: npt.ArrayLike) -> FloatArray:
    # float64 throughout: pycocotools reads JSON numbers as doubles, and IoUs must agree
    # with its C code bit for bit.
    return np.asarray(values, dtype=np.float64).reshape(-1)


def _boxes(values: npt.ArrayLike | None, n: int) -> FloatArray:
    if values is None:
        return np.zeros((n, 4), dtype=np.float64)
    boxes = np.asarray(values, dtype=np.float64)
    if boxes.size == 0:
        return np.zeros((0, 4), dtype=np.float64)
    return boxes.reshape(-1, 4)


def keypoint_array(values: Any, n: int) -> FloatArray:
    """Keypoints as an ``(n, K, 3)`` float64 array: from ``(n, K, 3)``, from ``(n, 3K)``
    rows, or from a list of flat lists of any lengths (padded with NaN; ``None`` for an
    object without keypoints is all NaN)."""
    if isinstance(values, np.ndarray) and values.dtype != object:
        array = np.asarray(values, dtype=np.float64)
        return array.reshape(n, -1, 3) if array.size else np.zeros((n, 0, 3))
    rows = list(values)
    lengths = [0 if row is None else len(row) for row in rows]
    width = max(lengths, default=0)
    out = np.full((len(rows), width), np.nan)
    for i, row in enumerate(rows):
        if row is not None and len(row):
            out[i, : len(row)] = np.asarray(row, dtype=np.float64).reshape(-1)
    return out.reshape(len(rows), -1, 3)


def _check_lengths(kind: str, n: int, **columns: Any) -> None:
    for name, column in columns.items():
        if column is not None and len(column) != n:
            raise ValueError(f"{kind}.{name} has {len(column)} rows; expected {n}")


@checked_methods
@dataclass(frozen=True, eq=False)
class GroundTruth:
    """Ground-truth annotations of a dataset, one row per annotation.

    ``image_ids`` lists every image of the dataset (images without annotations count:
    their detections are false positives). ``image_height`` / ``image_width`` align with
    ``image_ids`` and are needed for ``iou_type="segm"`` (polygons are rasterised at the
    image size, as ``COCO.annToRLE`` does). ``area`` is the annotation's ``area`` field,
    which COCO's area ranges use. ``segmentation`` holds, per annotation, what pycocotools
    accepts: a polygon list, an uncompressed RLE dict or a compressed RLE dict.
    ``category_names``, aligned with ``category_ids``, label the per-class results.
    ``keypoints`` (``(N, K, 3)``: ``x, y, v`` per joint, NaN for an object without) and
    ``num_keypoints`` (COCO's field; -1 where absent, read as 0) are needed for
    ``iou_type="keypoints"``; ``num_keypoints`` defaults to the count of ``v > 0``.
    """

    image_ids: IntArray
    category_ids: IntArray
    ids: IntArray
    image_id: IntArray
    category_id: IntArray
    bbox: FloatArray
    area: FloatArray
    iscrowd: BoolArray
    segmentation: Sequence[Any] | None = None
    image_height: IntArray | None = None
    image_width: IntArray | None = None
    category_names: Sequence[str] | None = None
    keypoints: FloatArray | None = None
    num_keypoints: IntArray | None = None

    def __post_init__(self) -> None:
        set_ = object.__setattr__
        set_(self, "image_ids", _ints(self.image_ids))
        set_(self, "category_ids", _ints(self.category_ids))
        if self.category_names is not None and len(self.category_names) != len(self.category_ids):
            raise ValueError("GroundTruth.category_names must align with category_ids")
        set_(self, "ids", _ints(self.ids))
        n = len(self.ids)
        set_(self, "image_id", _ints(self.image_id))
        set_(self, "category_id", _ints(self.category_id))
        set_(self, "bbox", _boxes(self.bbox, n))
        set_(self, "area", _floats(self.area))
        set_(self, "iscrowd", np.asarray(self.iscrowd).astype(bool).reshape(-1))
        if self.image_height is not None:
            set_(self, "image_height", _ints(self.image_height))
        if self.image_width is not None:
            set_(self, "image_width", _ints(self.image_width))
        if self.keypoints is not None:
            set_(self, "keypoints", keypoint_array(self.keypoints, n))
        if self.num_keypoints is not None:
            set_(self, "num_keypoints", _ints(self.num_keypoints))
        _check_lengths(
            "GroundTruth",
            n,
            keypoints=self.keypoints,
            num_keypoints=self.num_keypoints,
            image_id=self.image_id,
            category_id=self.category_id,
            bbox=self.bbox,
            area=self.area,
            iscrowd=self.iscrowd,
            segmentation=self.segmentation,
        )
        _check_lengths(
            "GroundTruth image column",
            len(self.image_ids),
            image_height=self.image_height,
            image_width=self.image_width,
        )

    def __len__(self) -> int:
        return len(self.ids)


@checked_methods
@dataclass(frozen=True, eq=False)
class Detections:
    """One run of detections, one row per detection.

    ``ids`` label the rows in result tables. ``area`` is what COCO's area ranges test for
    unmatched detections; :meth:`from_results` fills it (and a missing ``bbox`` or
    ``segmentation``) exactly as ``COCO.loadRes`` does. ``keypoints`` (``(N, K, 3)``)
    are needed for ``iou_type="keypoints"``.
    """

    ids: IntArray
    image_id: IntArray
    category_id: IntArray
    score: FloatArray
    bbox: FloatArray
    area: FloatArray
    segmentation: Sequence[Any] | None = None
    keypoints: FloatArray | None = None

    def __post_init__(self) -> None:
        set_ = object.__setattr__
        set_(self, "ids", _ints(self.ids))
        n = len(self.ids)
        set_(self, "image_id", _ints(self.image_id))
        set_(self, "category_id", _ints(self.category_id))
        set_(self, "score", _floats(self.score))
        set_(self, "bbox", _boxes(self.bbox, n))
        set_(self, "area", _floats(self.area))
        if self.keypoints is not None:
            set_(self, "keypoints", keypoint_array(self.keypoints, n))
        _check_lengths(
            "Detections",
            n,
            keypoints=self.keypoints,
            image_id=self.image_id,
            category_id=self.category_id,
            score=self.score,
            bbox=self.bbox,
            area=self.area,
            segmentation=self.segmentation,
        )

    def __len__(self) -> int:
        return len(self.ids)

    @classmethod
    def from_results(
        cls,
        image_id: npt.ArrayLike,
        category_id: npt.ArrayLike,
        score: npt.ArrayLike,
        *,
        bbox: npt.ArrayLike | None = None,
        segmentation: Sequence[Any] | None = None,
        keypoints: Any = None,
        ids: npt.ArrayLike | None = None,
    ) -> Detections:
        """Detections in COCO results format, completed as ``COCO.loadRes`` completes them.

        With boxes, ``area`` is ``w * h`` (even when masks or keypoints are given too)
        and a missing mask (``None``) becomes the box's polygon; with masks only
        (compressed RLEs), ``area`` is the mask area and ``bbox`` its bounding box; with
        keypoints only, ``bbox`` is the extent of every keypoint (unlabelled ones
        included) and ``area`` its ``w * h``. ``ids`` default to ``1..N`` as in loadRes.
        """
        image_ids = _ints(image_id)
        n = len(image_ids)
        row_ids = np.arange(1, n + 1, dtype=np.int64) if ids is None else _ints(ids)
        if bbox is not None:
            boxes = _boxes(bbox, n)
            area = boxes[:, 2] * boxes[:, 3]
            given = [None] * n if segmentation is None else list(segmentation)
            segmentation = [
                box_polygon(box) if mask is None else mask
                for mask, box in zip(given, boxes.tolist(), strict=True)
            ]
        elif segmentation is None and keypoints is not None:
            boxes = keypoint_extent(keypoint_array(keypoints, n))
            area = boxes[:, 2] * boxes[:, 3]
        elif segmentation is not None:
            # One object per call, as loadRes does (the list form of pycocotools' area()
            # overflows a uint8 counter past 255 objects).
            rles = list(segmentation)
            area = np.array([float(mask_utils.area(rle)) for rle in rles], dtype=np.float64)
            boxes = _boxes([mask_utils.toBbox(rle) for rle in rles], n)
        else:
            raise ValueError("detections need a bbox or a segmentation")
        return cls(
            ids=row_ids,
            image_id=image_ids,
            category_id=_ints(category_id),
            score=_floats(score),
            bbox=boxes,
            area=area,
            segmentation=segmentation,
            keypoints=keypoints,
        )


def keypoint_extent(keypoints: FloatArray) -> FloatArray:
    """``[x0, y0, x1 - x0, y1 - y0]`` over every joint of each object, as loadRes
    computes a keypoint result's box (NaN padding past an object's joints is skipped)."""
    x, y = keypoints[:, :, 0], keypoints[:, :, 1]
    with np.errstate(invalid="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # an object without keypoints
        x0, x1 = np.nanmin(x, axis=1), np.nanmax(x, axis=1)
        y0, y1 = np.nanmin(y, axis=1), np.nanmax(y, axis=1)
    return np.stack([x0, y0, x1 - x0, y1 - y0], axis=1)


def box_polygon(box: list[float]) -> list[list[float]]:
    """The polygon loadRes gives a box result that has no mask."""
    x, y, w, h = box
    x2, y2 = x + w, y + h
    return [[x, y, x, y2, x2, y2, x2, y]]

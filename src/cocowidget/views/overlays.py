"""Overlay geometry for the browser: JSON records plus two flat binary arrays.

Polygons become float32 (x, y) pairs in image pixels, keypoints float32 (x, y, v)
triplets in the same array; uncompressed RLE (crowd regions) becomes uint32 run lengths;
compressed RLE strings travel as they are (they are already the most compact form) and
the front end decodes them when it draws. Nothing here decodes a mask, so answering a
batch of thumbnails stays cheap. A keypoint category's names and bones travel once per
image overlay (``Overlay.skeletons``). The records are the structs of
:mod:`cocowidget.protocol.messages` (``Overlay``, ``OverlayObject``).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from cocowidget.data.segments import drawable_box
from cocowidget.data.table import Table
from cocowidget.protocol.messages import (
    DetectionMatch,
    Overlay,
    OverlayObject,
    RleRecord,
    SkeletonRecord,
    TruthMatch,
)


@dataclass(frozen=True)
class ObjectLayer:
    """One image's objects from one source (ground truth or a prediction run)."""

    source: int  # 0 = ground truth, k = k-th prediction run
    rows: np.ndarray  # rows of the objects in their table (ds.annotations or the run's)
    category_ids: np.ndarray
    bboxes: np.ndarray  # (N, 4) x, y, w, h
    areas: np.ndarray
    iscrowd: np.ndarray
    segmentations: Sequence[Any]  # as read: polygon list, RLE dict, or None
    scores: np.ndarray | None = None
    matches: Sequence[DetectionMatch | TruthMatch] | None = None  # views/matches.py
    keypoints: np.ndarray | None = None  # (N, K, 3), NaN where an object has none

    def select(self, keep: np.ndarray) -> ObjectLayer:
        """The layer of the objects at positions ``keep``."""
        return ObjectLayer(
            source=self.source,
            rows=self.rows[keep],
            category_ids=self.category_ids[keep],
            bboxes=self.bboxes[keep],
            areas=self.areas[keep],
            iscrowd=self.iscrowd[keep],
            segmentations=[self.segmentations[int(k)] for k in keep],
            scores=None if self.scores is None else self.scores[keep],
            matches=None if self.matches is None else [self.matches[int(k)] for k in keep],
            keypoints=None if self.keypoints is None else self.keypoints[keep],
        )


def skeleton_records(categories: Table, category_ids: np.ndarray) -> list[SkeletonRecord] | None:
    """The skeletons of the given categories that name joints (None if none does)."""
    if "num_joints" not in categories or not len(category_ids):
        return None
    records = []
    ids = categories["id"].tolist()
    for category in sorted({int(c) for c in np.asarray(category_ids).tolist()}):
        if category not in ids:
            continue
        row = ids.index(category)
        joints = int(categories["num_joints"][row])
        if joints <= 0:
            continue
        names = categories["keypoint_names"][row]
        bones = categories["skeleton"][row]
        records.append(
            SkeletonRecord(
                category=category,
                names=[str(n) for n in names]
                if names is not None
                else [str(j + 1) for j in range(joints)],
                bones=[] if bones is None else [int(b) for b in bones.reshape(-1).tolist()],
            )
        )
    return records or None


@dataclass
class OverlayBatch:
    """Accumulates overlays of several images into shared coordinate and run arrays."""

    coords: list[np.ndarray] = field(default_factory=list)
    counts: list[np.ndarray] = field(default_factory=list)
    _coord_length: int = 0
    _count_length: int = 0

    def add(
        self,
        width: int,
        height: int,
        layers: Sequence[ObjectLayer],
        categories: Table | None = None,
    ) -> Overlay:
        """One image's overlay; with ``categories``, the skeletons of those among the
        objects that have keypoints."""
        objects = [
            self._object(layer, i, height, width)
            for layer in layers
            for i in range(len(layer.rows))
        ]
        skeletons = None
        if categories is not None and any(o.kp is not None for o in objects):
            shown = np.array([o.category for o in objects if o.kp is not None], dtype=np.int64)
            skeletons = skeleton_records(categories, shown)
        return Overlay(int(width), int(height), objects, skeletons=skeletons)

    def buffers(self) -> tuple[bytes, bytes]:
        coords = np.concatenate(self.coords) if self.coords else np.empty(0, np.float32)
        counts = np.concatenate(self.counts) if self.counts else np.empty(0, np.uint32)
        return coords.astype("<f4").tobytes(), counts.astype("<u4").tobytes()

    def _object(self, layer: ObjectLayer, i: int, height: int, width: int) -> OverlayObject:
        segmentation = layer.segmentations[i] if i < len(layer.segmentations) else None
        # NaN or Infinity kept as read from the file: a stand-in box, marked as one.
        (x, y, w, h), stand_in = drawable_box(layer.bboxes[i], segmentation)
        area = float(layer.areas[i])
        poly = None
        rle = None
        if isinstance(segmentation, list) and segmentation:
            poly = self._add_polygons(segmentation)
        elif isinstance(segmentation, dict):
            rle = self._add_rle(segmentation, height, width)
        return OverlayObject(
            row=int(layer.rows[i]),
            source=layer.source,
            category=int(layer.category_ids[i]),
            bbox=(x, y, w, h),
            crowd=bool(layer.iscrowd[i]),
            score=None if layer.scores is None else float(layer.scores[i]),
            area=area if math.isfinite(area) else 0.0,
            poly=poly,
            rle=rle,
            m=None if layer.matches is None else layer.matches[i],
            stand_in=stand_in,
            kp=None if layer.keypoints is None else self._add_keypoints(layer.keypoints[i]),
        )

    def _add_keypoints(self, triplets: np.ndarray) -> tuple[int, int] | None:
        """An object's joints (x, y, v) into the coords array; unusable joints (NaN) are
        sent with v = 0, so they are not drawn; None for an object without any."""
        points = np.asarray(triplets, dtype=np.float32).reshape(-1, 3)
        usable = np.asarray(np.isfinite(points).all(axis=1), dtype=bool)
        if not usable.any():
            return None
        points = np.where(usable[:, None], points, np.float32(0))
        start = self._coord_length
        self.coords.append(points.ravel())
        self._coord_length += points.size
        return (start, len(points))

    def _add_polygons(self, polygons: list[Any]) -> list[int] | None:
        rings: list[np.ndarray] = []
        for ring in polygons:
            points = np.asarray(ring, dtype=np.float32).ravel()
            if points.size >= 6 and points.size % 2 == 0 and np.isfinite(points).all():
                rings.append(points)
        if not rings:
            return None
        start = self._coord_length
        self.coords.extend(rings)
        self._coord_length += sum(r.size for r in rings)
        return [start, *(r.size // 2 for r in rings)]

    def _add_rle(self, rle: dict[str, Any], height: int, width: int) -> RleRecord | None:
        size = rle.get("size") or [height, width]
        if not (isinstance(size, list) and len(size) == 2):
            return None
        shape = (int(size[0]), int(size[1]))
        counts = rle.get("counts")
        if isinstance(counts, bytes):
            counts = counts.decode("ascii", errors="replace")
        if isinstance(counts, str):
            return RleRecord(shape, None, counts)
        if isinstance(counts, list):
            runs = np.asarray(counts, dtype=np.uint32)
            record = RleRecord(shape, (self._count_length, int(runs.size)), None)
            self.counts.append(runs)
            self._count_length += runs.size
            return record
        return None

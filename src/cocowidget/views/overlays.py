"""Overlay geometry for the browser: JSON records plus two flat binary arrays.

Polygons become float32 (x, y) pairs in image pixels and every RLE (compressed string,
uncompressed list, crowd) becomes uncompressed uint32 run lengths, so the front end
draws any segmentation without a COCO decoder of its own. See js/src/overlay/types.ts.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from pycocotools import mask as mask_utils


@dataclass(frozen=True)
class ObjectLayer:
    """One image's objects from one source (ground truth or a prediction run)."""

    source: int  # 0 = ground truth, k = k-th prediction run
    ids: np.ndarray
    category_ids: np.ndarray
    bboxes: np.ndarray  # (N, 4) x, y, w, h
    areas: np.ndarray
    iscrowd: np.ndarray
    segmentations: Sequence[Any]  # as read: polygon list, RLE dict, or None
    scores: np.ndarray | None = None
    statuses: Sequence[str | None] | None = None


@dataclass
class OverlayBatch:
    """Accumulates overlays of several images into shared coordinate and run arrays."""

    coords: list[np.ndarray] = field(default_factory=list)
    counts: list[np.ndarray] = field(default_factory=list)
    _coord_length: int = 0
    _count_length: int = 0

    def add(self, width: int, height: int, layers: Sequence[ObjectLayer]) -> dict[str, Any]:
        objects: list[dict[str, Any]] = []
        for layer in layers:
            for i in range(len(layer.ids)):
                objects.append(self._object(layer, i, height, width))
        return {"width": int(width), "height": int(height), "objects": objects}

    def buffers(self) -> tuple[bytes, bytes]:
        coords = np.concatenate(self.coords) if self.coords else np.empty(0, np.float32)
        counts = np.concatenate(self.counts) if self.counts else np.empty(0, np.uint32)
        return coords.astype("<f4").tobytes(), counts.astype("<u4").tobytes()

    def _object(self, layer: ObjectLayer, i: int, height: int, width: int) -> dict[str, Any]:
        x, y, w, h = (float(v) for v in layer.bboxes[i])
        record: dict[str, Any] = {
            "id": int(layer.ids[i]),
            "source": layer.source,
            "category": int(layer.category_ids[i]),
            "bbox": [x, y, w, h],
            "crowd": bool(layer.iscrowd[i]),
            "score": None if layer.scores is None else float(layer.scores[i]),
            "area": float(layer.areas[i]),
            "poly": None,
            "rle": None,
            "status": None if layer.statuses is None else layer.statuses[i],
        }
        segmentation = layer.segmentations[i] if i < len(layer.segmentations) else None
        if isinstance(segmentation, list) and segmentation:
            record["poly"] = self._add_polygons(segmentation)
        elif isinstance(segmentation, dict):
            record["rle"] = self._add_rle(segmentation, height, width)
        return record

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

    def _add_rle(self, rle: dict[str, Any], height: int, width: int) -> list[int] | None:
        runs = rle_runs(rle, height, width)
        if runs is None:
            return None
        size = rle.get("size") or [height, width]
        start = self._count_length
        self.counts.append(runs)
        self._count_length += runs.size
        return [start, int(runs.size), int(size[0]), int(size[1])]


def rle_runs(rle: dict[str, Any], height: int, width: int) -> np.ndarray | None:
    """Uncompressed COCO run lengths (column-major, starting with zeros) of any RLE."""
    counts = rle.get("counts")
    if isinstance(counts, list):
        return np.asarray(counts, dtype=np.uint32)
    if not isinstance(counts, str | bytes):
        return None
    size = rle.get("size") or [height, width]
    try:
        mask = mask_utils.decode({"size": list(size), "counts": counts})
    except Exception:  # a broken RLE is a quality problem, not an overlay
        return None
    flat = np.asarray(mask, dtype=np.uint8).ravel(order="F")
    changes = np.flatnonzero(np.diff(flat)) + 1
    edges = np.concatenate(([0], changes, [flat.size]))
    runs = np.diff(edges)
    if flat.size and flat[0] == 1:
        runs = np.concatenate(([0], runs))
    return runs.astype(np.uint32)

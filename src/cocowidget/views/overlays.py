"""Overlay geometry for the browser: JSON records plus two flat binary arrays.

Polygons become float32 (x, y) pairs in image pixels; uncompressed RLE (crowd regions)
becomes uint32 run lengths; compressed RLE strings travel as they are (they are already
the most compact form) and the front end decodes them when it draws. Nothing here decodes
a mask, so answering a batch of thumbnails stays cheap. See js/src/overlay/types.ts.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np


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
    matches: Sequence[dict[str, Any]] | None = None  # see views/matches.py


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
            # A string: the browser only matches it to emphasis keys, and a JavaScript
            # number would merge ids above 2**53.
            "id": str(int(layer.ids[i])),
            "source": layer.source,
            "category": int(layer.category_ids[i]),
            "bbox": [x, y, w, h],
            "crowd": bool(layer.iscrowd[i]),
            "score": None if layer.scores is None else float(layer.scores[i]),
            "area": float(layer.areas[i]),
            "poly": None,
            "rle": None,
            "m": None if layer.matches is None else layer.matches[i],
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

    def _add_rle(self, rle: dict[str, Any], height: int, width: int) -> dict[str, Any] | None:
        size = rle.get("size") or [height, width]
        if not (isinstance(size, list) and len(size) == 2):
            return None
        record: dict[str, Any] = {
            "size": [int(size[0]), int(size[1])],
            "runs": None,
            "string": None,
        }
        counts = rle.get("counts")
        if isinstance(counts, bytes):
            counts = counts.decode("ascii", errors="replace")
        if isinstance(counts, str):
            record["string"] = counts
        elif isinstance(counts, list):
            runs = np.asarray(counts, dtype=np.uint32)
            record["runs"] = [self._count_length, int(runs.size)]
            self.counts.append(runs)
            self._count_length += runs.size
        else:
            return None
        return record

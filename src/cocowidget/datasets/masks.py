"""Mask helpers on top of pycocotools: COCO's own rasterisation, set difference, and
the uncompressed RLE that COCO uses for crowd regions."""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt
from pycocotools import mask as mask_utils

from cocowidget.datasets import shapes

Rle = dict[str, Any]  # pycocotools' {"size": [h, w], "counts": bytes}


def polygon_rle(parts: shapes.Parts, height: int, width: int) -> Rle:
    """COCO's rasterisation of a (multi-part) polygon: the union of its parts."""
    rles = mask_utils.frPyObjects(shapes.to_coco(parts), height, width)
    merged: Rle = mask_utils.merge(rles)
    return merged


def area(rle: Rle) -> int:
    return int(mask_utils.area(rle))


def overlap(a: Rle, b: Rle) -> int:
    """Pixels in both."""
    return area(mask_utils.merge([a, b], intersect=True))


def union(a: Rle | None, b: Rle) -> Rle:
    if a is None:
        return b
    merged: Rle = mask_utils.merge([a, b])
    return merged


def difference(a: Rle, b: Rle) -> Rle:
    """Pixels in `a` but not in `b` (pycocotools has no such operation on RLE)."""
    keep = mask_utils.decode(a) & ~mask_utils.decode(b).astype(bool)
    result: Rle = mask_utils.encode(np.asfortranarray(keep.astype(np.uint8)))
    return result


def uncompressed_rle(mask: npt.NDArray[np.uint8]) -> dict[str, list[int]]:
    """COCO's uncompressed RLE: run lengths in column-major order, starting with zeros."""
    flat = mask.ravel(order="F").astype(bool)
    change = np.flatnonzero(flat[1:] != flat[:-1]) + 1
    runs = np.diff(np.concatenate(([0], change, [flat.size])))
    if flat.size and flat[0]:
        runs = np.concatenate(([0], runs))
    return {"counts": runs.tolist(), "size": [int(mask.shape[0]), int(mask.shape[1])]}

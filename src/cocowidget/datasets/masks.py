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
    """Pixels in `a` but not in `b`: `a` intersected with `b`'s complement, all in RLE
    (pycocotools has no difference, and decoding two full masks costs far more)."""
    runs = counts(b)
    flipped = runs[1:] if runs[0] == 0 else np.concatenate(([0], runs))
    height, width = b["size"]
    not_b = mask_utils.frPyObjects(
        {"counts": flipped.tolist(), "size": [height, width]}, height, width
    )
    result: Rle = mask_utils.merge([a, not_b], intersect=True)
    return result


def counts(rle: Rle) -> npt.NDArray[np.int64]:
    """Run lengths of a compressed RLE (column-major, zeros first), decoded from
    pycocotools' string format without expanding the mask: each count is a signed
    LEB128-like number in 5-bit chunks offset by 48, and counts past the second are
    stored as differences to the count two places before."""
    chars = np.frombuffer(rle["counts"], dtype=np.uint8).astype(np.int64) - 48
    if not len(chars):
        return np.zeros(0, dtype=np.int64)
    last = np.flatnonzero((chars & 0x20) == 0)  # a chunk without "more" ends a number
    first = np.concatenate(([0], last[:-1] + 1))
    chunk = np.arange(len(chars)) - np.repeat(first, last - first + 1)
    values = np.add.reduceat((chars & 0x1F) << (5 * chunk), first)
    negative = (chars[last] & 0x10) != 0
    values = np.where(negative, values - (1 << (5 * (last - first + 1))), values)
    values[1::2] = np.cumsum(values[1::2])
    values[2::2] = np.cumsum(values[2::2])
    return values


def decode_box(rle: Rle, x: int, y: int, w: int, h: int) -> npt.NDArray[np.bool_]:
    """The mask inside the box (x, y, w, h) that contains all of it (its `toBbox`),
    expanding only the runs in the box's columns rather than the whole image."""
    height = int(rle["size"][0])
    runs = counts(rle)
    ends = np.cumsum(runs)
    first, stop = x * height, (x + w) * height  # the box's columns, column-major
    lo = int(np.searchsorted(ends, first, side="right"))
    hi = int(np.searchsorted(ends, stop, side="left")) + 1
    lengths = runs[lo:hi].copy()
    lengths[0] = ends[lo] - first
    lengths[-1] -= ends[hi - 1] - stop
    ones = (np.arange(lo, hi) & 1).astype(bool)  # runs alternate, zeros first
    columns = np.repeat(ones, lengths).reshape(w, height)
    box: npt.NDArray[np.bool_] = np.ascontiguousarray(columns.T[y : y + h])
    return box


def uncompressed(rle: Rle) -> dict[str, Any]:
    """COCO's uncompressed RLE (as crowd annotations use): counts as a list of ints."""
    return {"counts": counts(rle).tolist(), "size": list(rle["size"])}

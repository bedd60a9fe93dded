"""Segmentations to RLE masks, exactly as ``COCO.annToRLE`` converts them.

Polygons are rasterised with ``frPyObjects`` at the image size and an object's parts are
merged; uncompressed RLEs are compressed; compressed RLEs pass through. Polygon objects
of one image size are converted in one ``frPyObjects`` call, which gives the same masks as
one call per object and saves most of the per-call cost on large datasets.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from pycocotools import mask as mask_utils

from cocowidget.evaluation._arrays import IntArray

Rle = dict[str, Any]


def _is_batchable_polygon(segmentation: Any) -> bool:
    # frPyObjects decides per call from the first element: a first part of exactly four
    # numbers makes it read every part as a box. Such objects keep their own call.
    return (
        isinstance(segmentation, list)
        and len(segmentation) > 0
        and isinstance(segmentation[0], list)
        and len(segmentation[0]) > 4
    )


def to_rles(segmentations: Sequence[Any], heights: IntArray, widths: IntArray) -> list[Rle]:
    """One RLE per segmentation, rasterised at the given image height and width."""
    rles: list[Rle | None] = [None] * len(segmentations)
    batches: dict[tuple[int, int], list[int]] = defaultdict(list)
    for i, segmentation in enumerate(segmentations):
        h, w = int(heights[i]), int(widths[i])
        if _is_batchable_polygon(segmentation):
            batches[(h, w)].append(i)
        elif segmentation is None:
            raise ValueError(f"object {i} has no segmentation to evaluate as a mask")
        elif isinstance(segmentation, list):
            rles[i] = mask_utils.merge(mask_utils.frPyObjects(segmentation, h, w))
        elif isinstance(segmentation["counts"], list):
            rles[i] = mask_utils.frPyObjects(segmentation, h, w)
        else:
            rles[i] = segmentation
    for (h, w), members in batches.items():
        parts = [part for i in members for part in segmentations[i]]
        encoded = mask_utils.frPyObjects(parts, h, w)
        start = 0
        for i in members:
            n_parts = len(segmentations[i])
            pieces = encoded[start : start + n_parts]
            start += n_parts
            rles[i] = pieces[0] if n_parts == 1 else mask_utils.merge(pieces)
    return [rle for rle in rles if rle is not None]

"""Whole-table passes over raw segmentations: validity checks and mask areas.

Segmentations are parsed in chunks with one typed msgspec call per chunk (a malformed
one makes only its chunk fall back to one-by-one parsing, and only the malformed record
to the precise checker that names the JSON path of the problem).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np
from pycocotools import mask as mask_api

from cocowidget.data import segments
from cocowidget.data.grouping import ObjectTable
from cocowidget.data.segments import RleRecord, SegmentationIssue
from cocowidget.data.statistics import image_sizes_of
from cocowidget.data.table import Table

CHUNK = 20_000


def _parsed(objects: ObjectTable) -> Iterator[tuple[int, Any]]:
    """(row, parsed segmentation) for rows that have one; a value that is not valid
    typed JSON comes as plain Python values (or a ``ValueError`` if not JSON at all)."""
    rows = np.flatnonzero(
        np.fromiter((s is not None for s in objects.segmentation), bool, len(objects))
    )
    for start in range(0, len(rows), CHUNK):
        chunk = rows[start : start + CHUNK]
        raws = [objects.segmentation[row] for row in chunk]
        values = segments.decode_typed_chunk(raws)
        if values is not None:
            yield from zip(chunk.tolist(), values, strict=True)
            continue
        for row, raw in zip(chunk.tolist(), raws, strict=True):
            value = segments.decode_typed_one(raw)
            if value is None:
                try:
                    value = segments.parse(raw)
                except ValueError as error:
                    value = error
            yield row, value


def _typed_issue(value: Any, height: int, width: int) -> SegmentationIssue | None:
    """Checks for values the typed decoder accepted (polygons of floats, or RLE with a
    valid size and counts types)."""
    if isinstance(value, RleRecord):
        return segments.rle_values_issue(value.size[0], value.size[1], value.counts, height, width)
    if isinstance(value, list):
        for polygon in value:
            n = len(polygon)
            if n < 6 or n % 2:
                return segments.check_segmentation(value, height, width)
        return None if value else segments.check_segmentation(value, height, width)
    if isinstance(value, ValueError):
        return SegmentationIssue("invalid_segmentation", "", f"not valid JSON: {value}")
    return segments.check_segmentation(value, height, width)


def scan_segmentations(objects: ObjectTable, images: Table) -> list[tuple[int, SegmentationIssue]]:
    """Every segmentation's first problem, as (row, issue); cached per object table."""
    cached = objects.cache.get("segmentation_issues")
    if cached is not None:
        return list(cached)
    widths, heights = image_sizes_of(objects.table, images)
    issues = []
    for row, value in _parsed(objects):
        issue = _typed_issue(value, int(heights[row]), int(widths[row]))
        if issue is not None:
            issues.append((row, issue))
    objects.cache["segmentation_issues"] = issues
    return list(issues)


def _plain(value: Any) -> Any:
    if isinstance(value, RleRecord):
        return {"size": list(value.size), "counts": value.counts}
    return value


def mask_areas(objects: ObjectTable, images: Table) -> np.ndarray:
    """Pixel area of each object's mask as ``pycocotools`` rasterises it (NaN where there
    is no usable segmentation or the image size is unknown)."""
    areas = np.full(len(objects), np.nan)
    widths, heights = image_sizes_of(objects.table, images)
    for row, value in _parsed(objects):
        height, width = int(heights[row]), int(widths[row])
        issue = _typed_issue(value, 0, 0)
        if issue is not None:
            if issue.kind == "empty_segmentation":
                areas[row] = 0.0
            continue
        plain = _plain(value)
        if height == 0 and isinstance(plain, list):
            continue  # polygons are rasterised on the image, whose size is unknown
        areas[row] = float(mask_api.area(segments.to_rle(plain, height, width)))
    return areas

"""Whole-table passes over raw segmentations: validity checks and mask areas.

Segmentations are parsed in chunks with one typed msgspec call per chunk (a malformed
one makes only its chunk fall back to one-by-one parsing, and only the malformed record
to the precise checker that names the JSON path of the problem).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator, Sequence
from concurrent.futures import Executor, Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import numpy as np
from msgspec import Raw
from pycocotools import mask as mask_api

from cocowidget.data import segments
from cocowidget.data.grouping import ObjectTable
from cocowidget.data.segments import RleRecord, SegmentationIssue
from cocowidget.data.statistics import image_sizes_of
from cocowidget.data.table import Table
from cocowidget.progress import progress

CHUNK = 20_000


def _rows_with_segmentation(objects: ObjectTable) -> np.ndarray:
    present = np.fromiter((s is not None for s in objects.segmentation), bool, len(objects))
    return np.flatnonzero(present)


@dataclass(frozen=True, slots=True)
class Untyped:
    """A segmentation the typed decoder refused, as plain Python values: it may hold
    anything, so only the full checker may judge it."""

    value: Any


def _parse_chunk(raws: Sequence[Raw | bytes]) -> list[Any]:
    """Parsed segmentations: typed in one msgspec call when all are valid, else one by
    one; one the typed decoder refuses comes as :class:`Untyped` (or a ``ValueError`` if
    it is not JSON)."""
    values = segments.decode_typed_chunk(raws)
    if values is not None:
        return values
    parsed: list[Any] = []
    for raw in raws:
        value = segments.decode_typed_one(raw)
        if value is None:
            try:
                value = Untyped(segments.parse(raw))
            except ValueError as error:
                value = error
        parsed.append(value)
    return parsed


def _parsed(objects: ObjectTable) -> Iterator[tuple[int, Any]]:
    """(row, parsed segmentation) for rows that have one."""
    rows = _rows_with_segmentation(objects)
    for start in range(0, len(rows), CHUNK):
        chunk = rows[start : start + CHUNK]
        values = _parse_chunk([objects.segmentation[row] for row in chunk])
        yield from zip(chunk.tolist(), values, strict=True)


def _typed_issue(value: Any, height: int, width: int) -> SegmentationIssue | None:
    """Checks for values the typed decoder accepted (polygons of floats, or RLE with a
    valid size and counts types)."""
    if isinstance(value, RleRecord):
        return segments.rle_values_issue(value.size[0], value.size[1], value.counts, height, width)
    if isinstance(value, list):
        for polygon in value:
            n = len(polygon)
            # (Coordinates beyond pycocotools' reach failed the typed decode already.)
            if n < 6 or n % 2:
                return segments.check_segmentation(value, height, width)
        return None if value else segments.check_segmentation(value, height, width)
    if isinstance(value, ValueError):
        return SegmentationIssue("invalid_segmentation", "", f"not valid JSON: {value}")
    if isinstance(value, Untyped):
        return segments.check_segmentation(value.value, height, width)
    return segments.check_segmentation(value, height, width)


def _scan_chunk(task: tuple[list[int], list[bytes], list[int], list[int]]) -> list[Any]:
    """Issues of one chunk (a task that can run in another process)."""
    rows, raws, heights, widths = task
    issues = []
    for row, value, height, width in zip(rows, _parse_chunk(raws), heights, widths, strict=True):
        issue = _typed_issue(value, height, width)
        if issue is not None:
            issues.append((row, issue))
    return issues


def scan_segmentations(
    objects: ObjectTable, images: Table, executor: Executor | None = None
) -> list[tuple[int, SegmentationIssue]]:
    """Every segmentation's first problem, as (row, issue); cached per object table.

    Parsing is CPU-bound Python, so threads would not help: with a process-based (or
    distributed) ``executor`` chunks are scanned there, a few at a time.
    """
    cached = objects.cache.get("segmentation_issues")
    if cached is not None:
        return list(cached)
    widths, heights = image_sizes_of(objects.table, images)
    rows = _rows_with_segmentation(objects)
    tasks = (
        (
            chunk.tolist(),
            [bytes(objects.segmentation[row]) for row in chunk],
            heights[chunk].tolist(),
            widths[chunk].tolist(),
        )
        for chunk in (rows[i : i + CHUNK] for i in range(0, len(rows), CHUNK))
    )
    issues: list[tuple[int, SegmentationIssue]] = []
    with progress(len(rows), "Checking segmentations", "objects") as advance:
        if executor is None or isinstance(executor, ThreadPoolExecutor):
            for task in tasks:
                issues += _scan_chunk(task)
                advance(len(task[0]))
        else:
            # A bounded window of chunks in flight: their bytes are copies.
            pending: deque[tuple[int, Future[list[Any]]]] = deque()
            for task in tasks:
                pending.append((len(task[0]), executor.submit(_scan_chunk, task)))
                if len(pending) >= 4:
                    size, future = pending.popleft()
                    issues += future.result()
                    advance(size)
            while pending:
                size, future = pending.popleft()
                issues += future.result()
                advance(size)
    objects.cache["segmentation_issues"] = issues
    return list(issues)


def _plain(value: Any) -> Any:
    if isinstance(value, Untyped):
        return value.value
    if isinstance(value, RleRecord):
        return {"size": list(value.size), "counts": value.counts}
    return value


def segmentation_values(objects: ObjectTable) -> list[Any]:
    """Every row's segmentation as read (polygon lists or RLE dicts), in bulk; ``None``
    where a row has none or it is malformed. Row by row this is
    ``masks.segmentation_value``; parsing in typed chunks makes it several times faster."""
    values: list[Any] = [None] * len(objects)
    for row, value in _parsed(objects):
        # Inline checks for the common valid shapes; anything else takes the full checker.
        if isinstance(value, RleRecord):
            counts = value.counts
            if isinstance(counts, str) and segments.RLE_STRING.fullmatch(counts) is not None:
                values[row] = {"size": list(value.size), "counts": counts}
                continue
        elif isinstance(value, list) and value and all(_even_polygon(p) for p in value):
            values[row] = value
            continue
        if _typed_issue(value, 0, 0) is None:
            values[row] = _plain(value)
    return values


def _even_polygon(polygon: list[float]) -> bool:
    n = len(polygon)
    return n >= 6 and not n % 2


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

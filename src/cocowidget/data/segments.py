"""Segmentations as read: parsing raw JSON on demand, checking it, turning it into RLE.

A COCO segmentation is one of
- polygons: ``[[x1, y1, x2, y2, ...], ...]`` in image pixel coordinates;
- uncompressed RLE: ``{"size": [h, w], "counts": [n0, n1, ...]}`` (crowd annotations);
- compressed RLE: ``{"size": [h, w], "counts": "<LEB128 string>"}`` (results, some crowds).
They are kept as ``msgspec.Raw`` (the original JSON bytes) until needed; RLE conversion
follows ``pycocotools.coco.COCO.annToRLE`` exactly so decoded masks equal ``annToMask``.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Annotated, Any

import msgspec
import numpy as np
from msgspec import Meta, Raw
from pycocotools import mask as mask_api

from cocowidget.data.values import describe

NONE = 0
POLYGON = 1
RLE_UNCOMPRESSED = 2
RLE_COMPRESSED = 3
INVALID = -1
KIND_NAMES = {
    NONE: "none",
    POLYGON: "polygon",
    RLE_UNCOMPRESSED: "rle",
    RLE_COMPRESSED: "compressed_rle",
    INVALID: "invalid",
}

Count = Annotated[int, Meta(ge=0, le=2**32 - 1)]
Side = Annotated[int, Meta(ge=0, le=2**31 - 1)]


class RleRecord(msgspec.Struct, gc=False, forbid_unknown_fields=True):
    size: tuple[Side, Side]
    counts: str | list[Count]


#: Polygon coordinates pycocotools can rasterise (see MAX_COORDINATE); the typed decoder
#: refuses the others at C speed, and the precise checker then names them.
Coordinate = Annotated[float, Meta(ge=-1e6, le=1e6)]
Polygons = list[list[Coordinate]]
TypedSegmentation = Polygons | RleRecord
_typed_chunk = msgspec.json.Decoder(list[TypedSegmentation])
_typed_one = msgspec.json.Decoder(TypedSegmentation)


def parse(raw: Raw | bytes) -> Any:
    """The JSON value as plain Python values (NaN literals allowed, as Python's json);
    ``ValueError`` if it is not JSON."""
    try:
        return msgspec.json.decode(raw)
    except (msgspec.DecodeError, UnicodeDecodeError, RecursionError):
        # NaN/Infinity literals, numbers beyond float range (msgspec refuses both), or
        # broken bytes, which Python's json reports in its own words.
        pass
    try:
        return json.loads(bytes(raw))
    except RecursionError as error:
        raise ValueError("the JSON is nested too deeply") from error


@dataclass(frozen=True, slots=True)
class SegmentationIssue:
    """What is wrong with one segmentation; ``subpath`` continues the JSON path."""

    kind: str  # "invalid_segmentation" | "empty_segmentation" | "rle_size_mismatch"
    subpath: str
    reason: str


def segmentation_kind(value: Any) -> int:
    if value is None:
        return NONE
    if isinstance(value, list):
        return POLYGON
    if isinstance(value, dict):
        return RLE_COMPRESSED if isinstance(value.get("counts"), str | bytes) else RLE_UNCOMPRESSED
    return INVALID


def check_segmentation(value: Any, height: int, width: int) -> SegmentationIssue | None:
    """The first thing wrong with a parsed segmentation on an image of the given size
    (``height == width == 0`` means the image size is unknown: sizes are not compared)."""
    if isinstance(value, list):
        return _check_polygons(value)
    if isinstance(value, dict):
        return _check_rle(value, height, width)
    return SegmentationIssue(
        "invalid_segmentation",
        "",
        f"expected polygons (an array of arrays of numbers) or an RLE object "
        f"{{size, counts}}, got {describe(value)}",
    )


def _check_polygons(polygons: list[Any]) -> SegmentationIssue | None:
    if not polygons:
        return SegmentationIssue("empty_segmentation", "", "the segmentation is an empty array")
    if all(isinstance(p, list) and not p for p in polygons):
        return SegmentationIssue("empty_segmentation", "", "every polygon is empty")
    for i, polygon in enumerate(polygons):
        if not isinstance(polygon, list):
            return SegmentationIssue(
                "invalid_segmentation",
                f"[{i}]",
                f"expected a polygon (an array of numbers), got {describe(polygon)}",
            )
        for j, number in enumerate(polygon):
            finite = (
                isinstance(number, int | float)
                and not isinstance(number, bool)
                and math.isfinite(number)
            )
            if not finite:
                return SegmentationIssue(
                    "invalid_segmentation",
                    f"[{i}][{j}]",
                    f"expected a finite number, got {describe(number)}",
                )
            if abs(number) > MAX_COORDINATE:
                return SegmentationIssue(
                    "invalid_segmentation",
                    f"[{i}][{j}]",
                    f"coordinate {number:g} is beyond ±{MAX_COORDINATE:g} pixels: the mask "
                    "cannot be drawn (pycocotools would run out of memory)",
                )
        issue = _polygon_length_issue(i, len(polygon))
        if issue is not None:
            return issue
    return None


def _polygon_length_issue(i: int, n: int) -> SegmentationIssue | None:
    if n % 2:
        return SegmentationIssue(
            "invalid_segmentation",
            f"[{i}]",
            f"a polygon needs x, y pairs; polygon {i} has an odd number of coordinates ({n})",
        )
    if n < 6:
        return SegmentationIssue(
            "invalid_segmentation",
            f"[{i}]",
            f"a polygon needs at least 3 points (6 numbers); polygon {i} has {n} numbers",
        )
    return None


def _check_rle(rle: dict[str, Any], height: int, width: int) -> SegmentationIssue | None:
    for key in ("size", "counts"):
        if key not in rle:
            return SegmentationIssue(
                "invalid_segmentation",
                "",
                f"an RLE object needs 'size' and 'counts'; '{key}' is missing",
            )
    size = rle["size"]
    valid_size = (
        isinstance(size, list)
        and len(size) == 2
        and all(isinstance(s, int) and not isinstance(s, bool) and s >= 0 for s in size)
    )
    if not valid_size:
        return SegmentationIssue(
            "invalid_segmentation", ".size", f"expected [height, width], got {describe(size)}"
        )
    counts = rle["counts"]
    if isinstance(counts, list):
        for j, count in enumerate(counts):
            if not (isinstance(count, int) and not isinstance(count, bool) and 0 <= count < 2**32):
                return SegmentationIssue(
                    "invalid_segmentation",
                    f".counts[{j}]",
                    f"expected a non-negative run length, got {describe(count)}",
                )
    elif not isinstance(counts, str):
        return SegmentationIssue(
            "invalid_segmentation",
            ".counts",
            f"expected run lengths (an array) or a compressed RLE string, got {describe(counts)}",
        )
    return rle_values_issue(size[0], size[1], counts, height, width)


RLE_STRING = re.compile("[0-o]*")  # LEB128-like digits: characters 48 ('0') .. 111 ('o')


def rle_values_issue(
    rle_height: int, rle_width: int, counts: str | list[int], height: int, width: int
) -> SegmentationIssue | None:
    """Checks of an RLE whose types are right: counts cover the size, the size is the
    image's (unless the image size is unknown, 0x0)."""
    if isinstance(counts, list):
        total = sum(counts)
        if total != rle_height * rle_width:
            return SegmentationIssue(
                "invalid_segmentation",
                ".counts",
                f"run lengths add up to {total} pixels; size {rle_height}x{rle_width} "
                f"has {rle_height * rle_width}",
            )
    elif RLE_STRING.fullmatch(counts) is None:
        bad = next(c for c in counts if not 48 <= ord(c) < 112)
        return SegmentationIssue(
            "invalid_segmentation",
            ".counts",
            f"compressed RLE counts may only use characters '0'..'o', found {bad!r}",
        )
    if (height or width) and (rle_height, rle_width) != (height, width):
        return SegmentationIssue(
            "rle_size_mismatch",
            ".size",
            f"RLE size is {rle_height}x{rle_width} (height x width); the image is {height}x{width}",
        )
    return None


#: pycocotools does not raise on some input, it takes the process down: a mask size it
#: cannot allocate, or polygon coordinates that are not finite or very far away (it
#: walks every edge pixel by pixel: one vertex at 1e10 exhausts the memory). Such input
#: never reaches it; a coordinate within a million pixels of the origin does.
MAX_MASK_PIXELS = 1 << 30
MAX_COORDINATE = 1e6  # the bound of Coordinate, above


def _check_rasterisable(value: Any, height: Any, width: Any) -> None:
    if not (isinstance(height, int) and isinstance(width, int)) or isinstance(height, bool):
        raise ValueError(f"mask size {height!r}x{width!r} is not two integers")
    if height <= 0 or width <= 0 or height * width > MAX_MASK_PIXELS:
        raise ValueError(f"mask size {height}x{width} cannot be rasterised")
    if isinstance(value, list):
        for polygon in value:
            if isinstance(polygon, list) and not all(
                isinstance(c, int | float) and abs(c) <= MAX_COORDINATE for c in polygon
            ):
                raise ValueError(
                    f"polygon coordinates must be finite numbers within ±{MAX_COORDINATE:g}"
                )


def to_rle(value: Any, height: int, width: int) -> dict[str, Any]:
    """Compressed RLE of a *valid* segmentation, exactly as ``COCO.annToRLE``;
    ``ValueError`` for input pycocotools cannot rasterise (it would crash)."""
    size = (height, width) if isinstance(value, list) else tuple(value["size"])
    _check_rasterisable(value, *size)
    if isinstance(value, list):
        return dict(mask_api.merge(mask_api.frPyObjects(value, height, width)))
    counts = value["counts"]
    if isinstance(counts, list):
        return dict(mask_api.frPyObjects(value, value["size"][0], value["size"][1]))
    if isinstance(counts, str):
        return {"size": list(value["size"]), "counts": counts.encode("ascii")}
    return dict(value)


def box_rle(bbox: Sequence[float], height: int, width: int) -> dict[str, Any]:
    """RLE of a box, for detections without a segmentation: the box as the polygon that
    ``COCO.loadRes`` gives such detections, so masks agree with ``annToMask``."""
    x1, y1 = float(bbox[0]), float(bbox[1])
    x2, y2 = x1 + float(bbox[2]), y1 + float(bbox[3])
    return to_rle([[x1, y1, x1, y2, x2, y2, x2, y1]], height, width)


def polygon_extent(polygons: list[list[float]]) -> tuple[float, float, float, float] | None:
    """``[x, y, w, h]`` spanned by polygon vertices (how COCO's boxes were made)."""
    xs = [c for p in polygons for c in p[0::2]]
    ys = [c for p in polygons for c in p[1::2]]
    if not xs or not ys:
        return None
    return min(xs), min(ys), max(xs) - min(xs), max(ys) - min(ys)


def drawable_box(bbox: Any, segmentation: Any) -> tuple[tuple[float, float, float, float], bool]:
    """The box to draw: the box itself when its four numbers are finite; else a stand-in
    (the extent of the segmentation's polygons, or an empty box), with True. The box as
    read stays in the data; this is only for drawing."""
    x, y, w, h = (float(v) for v in bbox)
    if all(math.isfinite(v) for v in (x, y, w, h)):
        return (x, y, w, h), False
    stand_in = None
    if isinstance(segmentation, list) and all(isinstance(p, list) for p in segmentation):
        finite = [
            [c for c in p if isinstance(c, int | float) and math.isfinite(c)] for p in segmentation
        ]
        stand_in = polygon_extent([p[: len(p) // 2 * 2] for p in finite])
    return (stand_in or (0.0, 0.0, 0.0, 0.0)), True


def bbox_and_area(value: Any) -> tuple[tuple[float, float, float, float], float] | None:
    """Box and mask area of a valid segmentation, without knowing the image size.

    Polygons are rasterised on a canvas just large enough to hold them, so the area is
    what ``pycocotools`` gives unless the polygon leaves the image.
    """
    try:
        if isinstance(value, list):
            extent = polygon_extent(value)
            if extent is None or not all(math.isfinite(v) for v in extent):
                return None
            x, y, w, h = extent
            rle = to_rle(value, math.ceil(y + h) + 1, math.ceil(x + w) + 1)
            return extent, float(mask_api.area(rle))
        height, width = value["size"]
        rle = to_rle(value, height, width)
    except (ValueError, TypeError, OverflowError):
        return None  # not rasterisable (reported by the segmentation checks)
    box = mask_api.toBbox(rle)
    return (float(box[0]), float(box[1]), float(box[2]), float(box[3])), float(mask_api.area(rle))


def resize_nearest(mask: np.ndarray, height: int, width: int) -> np.ndarray:
    """Nearest-neighbour resampling of a 2-D mask (pixel centres)."""
    if mask.shape == (height, width):
        return mask
    source_h, source_w = mask.shape
    rows = np.minimum(
        ((np.arange(height) + 0.5) * source_h / max(height, 1)).astype(np.int64),
        max(source_h - 1, 0),
    )
    cols = np.minimum(
        ((np.arange(width) + 0.5) * source_w / max(width, 1)).astype(np.int64), max(source_w - 1, 0)
    )
    if source_h == 0 or source_w == 0:
        return np.zeros((height, width), dtype=mask.dtype)
    resized: np.ndarray = mask[rows[:, None], cols[None, :]]
    return resized


def decode_typed_chunk(raws: Sequence[Raw | bytes]) -> list[Any] | None:
    """Parse many segmentations in one msgspec call (None when any is malformed)."""
    if not raws:
        return []
    try:
        result: list[Any] = _typed_chunk.decode(b"[" + b",".join(raws) + b"]")
    except (msgspec.DecodeError, UnicodeDecodeError, RecursionError):
        return None
    return result


def decode_typed_one(raw: Raw | bytes) -> Any | None:
    try:
        return _typed_one.decode(raw)
    except (msgspec.DecodeError, UnicodeDecodeError, RecursionError):
        return None

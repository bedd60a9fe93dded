"""A COCO panoptic JSON read into checked records, each problem at its JSON path.

The file has ``images`` and ``categories`` as an instances file has them (categories with
``isthing`` and ``color``), and one ``annotations`` record per image: ``image_id``,
``file_name`` (its PNG) and ``segments_info``, a list of segments (``id`` = the colour
in the PNG, ``category_id``, ``area``, ``bbox``, ``iscrowd``). Records and segments that
cannot be used are dropped with a problem; missing values get a stand-in (the PNG's area
and box, ``iscrowd`` 0), also with a problem; the rest is read as it is.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from typing import Any

import msgspec

from cocowidget.data.json_bytes import Source, read_source
from cocowidget.data.problems import WARNING, ProblemLog

#: Top-level sections read here; any other is kept as read (info, licenses, ...).
SECTIONS = ("images", "annotations", "categories")


@dataclass
class Segment:
    index: int  # in its record's segments_info
    id: int  # the PNG colour's id
    category_id: int
    iscrowd: int
    area: float | None  # None: not in the file (the PNG's is used)
    bbox: tuple[float, float, float, float] | None
    #: Other fields as read (a prediction's score, ...), JSON-encodable.
    extras: dict[str, Any] = field(default_factory=dict)


@dataclass
class PanopticRecord:
    index: int  # in annotations
    image_id: int
    file_name: str | None  # the PNG; None: the record names none
    segments: list[Segment]

    def path(self, segment: Segment | None = None) -> str:
        base = f"annotations[{self.index}]"
        return base if segment is None else f"{base}.segments_info[{segment.index}]"


@dataclass
class PanopticDocument:
    source: Source
    #: The top-level values other than annotations, as Python values.
    sections: dict[str, Any]
    records: list[PanopticRecord]


def read_document(source: Any, log: ProblemLog) -> PanopticDocument | None:
    """The panoptic file, or None (reported) where it is no JSON object at all."""
    data = read_source(source)
    log.file = data.name
    value = data.python if data.python is not None else _decode(data.data or b"", log)
    if value is None:
        return None
    if not isinstance(value, dict):
        log.format_error(
            "invalid_structure",
            "",
            f"expected a JSON object with images, annotations and categories, got a "
            f"{type(value).__name__}",
            "nothing was loaded",
        )
        return None
    annotations = value.get("annotations")
    if not isinstance(annotations, list):
        log.format_error(
            "invalid_structure",
            "annotations",
            "missing 'annotations'" if annotations is None else "'annotations' is not a list",
            "the dataset has no segments",
        )
        annotations = []
    records = [
        record
        for index, item in enumerate(annotations)
        if (record := _record(index, item, log)) is not None
    ]
    sections = {name: item for name, item in value.items() if name != "annotations"}
    return PanopticDocument(data, sections, records)


def _decode(data: bytes, log: ProblemLog) -> Any:
    try:
        return msgspec.json.decode(data)
    except msgspec.DecodeError:
        pass
    try:  # NaN and Infinity, as Python's json writes them
        return json.loads(data)
    except (ValueError, UnicodeDecodeError) as error:
        log.format_error("malformed_json", "", f"not valid JSON ({error})", "nothing was loaded")
        return None


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and -(2**63) <= value < 2**63


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _record(index: int, item: Any, log: ProblemLog) -> PanopticRecord | None:
    path = f"annotations[{index}]"
    if not isinstance(item, dict):
        log.format_error(
            "invalid_structure",
            path,
            f"expected an object, got {type(item).__name__}",
            "the record was dropped",
        )
        return None
    image_id: Any = item.get("image_id")
    if not _is_int(image_id):
        log.format_error(
            "invalid_field",
            f"{path}.image_id",
            f"expected an integer image_id, got {image_id!r}",
            "the record was dropped",
        )
        return None
    file_name = item.get("file_name")
    if not isinstance(file_name, str) or not file_name:
        log.format_error(
            "invalid_field",
            f"{path}.file_name",
            f"expected the PNG's file name, got {file_name!r}",
            "its segments have no masks",
            image_id=image_id,
        )
        file_name = None
    segments_info = item.get("segments_info")
    if not isinstance(segments_info, list):
        log.format_error(
            "invalid_field",
            f"{path}.segments_info",
            "missing 'segments_info'"
            if segments_info is None
            else f"expected a list of segments, got {type(segments_info).__name__}",
            "the image has no segments",
            image_id=image_id,
        )
        segments_info = []
    record = PanopticRecord(index, image_id, file_name, [])
    for position, segment in enumerate(segments_info):
        read = _segment(record, position, segment, log)
        if read is not None:
            record.segments.append(read)
    return record


def _segment(record: PanopticRecord, index: int, item: Any, log: ProblemLog) -> Segment | None:
    path = f"{record.path()}.segments_info[{index}]"
    ids = {"image_id": record.image_id}
    if not isinstance(item, dict):
        log.format_error(
            "invalid_structure",
            path,
            f"expected an object, got {type(item).__name__}",
            "the segment was dropped",
            ids=ids,
        )
        return None
    for name in ("id", "category_id"):
        if not _is_int(item.get(name)):
            log.format_error(
                "invalid_field",
                f"{path}.{name}",
                f"expected an integer {name}, got {item.get(name)!r}",
                "the segment was dropped",
                ids=ids,
            )
            return None
    segment_id, category_id = int(item["id"]), int(item["category_id"])
    ids["category_id"] = category_id
    iscrowd = item.get("iscrowd", 0)
    if "iscrowd" not in item:
        log.format_error(
            "invalid_field",
            path,
            "missing required field 'iscrowd'",
            "read as 0 (not a crowd)",
            severity=WARNING,
            ids=ids,
        )
    elif not _is_int(iscrowd) or iscrowd not in (0, 1):
        log.format_error(
            "invalid_field",
            f"{path}.iscrowd",
            f"expected 0 or 1, got {iscrowd!r}",
            "only 1 is a crowd (as panopticapi reads it)",
            ids=ids,
        )
        iscrowd = int(iscrowd) if _is_int(iscrowd) else 0
    area = item.get("area")
    if area is not None and not (_is_number(area) and math.isfinite(area)):
        log.format_error(
            "invalid_field",
            f"{path}.area",
            f"expected a number, got {area!r}",
            "the PNG's area is used",
            ids=ids,
        )
        area = None
    bbox = item.get("bbox")
    box: tuple[float, float, float, float] | None = None
    if isinstance(bbox, list) and len(bbox) == 4 and all(_is_number(v) for v in bbox):
        box = (float(bbox[0]), float(bbox[1]), float(bbox[2]), float(bbox[3]))
    elif bbox is not None:
        log.format_error(
            "invalid_field",
            f"{path}.bbox",
            f"expected [x, y, width, height], got {bbox!r}",
            "the PNG's box is used",
            ids=ids,
        )
    missing = [name for name in ("area", "bbox") if name not in item]
    if missing and not log.run:  # a prediction's come from its PNG anyway
        log.format_error(
            "invalid_field",
            path,
            f"missing {' and '.join(repr(m) for m in missing)}",
            "the PNG's values are used",
            ids=ids,
        )
    known = {"id", "category_id", "iscrowd", "area", "bbox"}
    extras = {name: value for name, value in item.items() if name not in known}
    return Segment(index, segment_id, category_id, int(iscrowd), _area(area), box, extras)


def _area(value: Any) -> float | None:
    return None if value is None else float(value)


def last_per_image(records: list[PanopticRecord], log: ProblemLog) -> list[PanopticRecord]:
    """One record per image, the last (an image has one PNG; panopticapi keeps the
    last prediction of an image too)."""
    last = {record.image_id: record for record in records}
    for record in records:
        if last[record.image_id] is not record:
            log.format_error(
                "duplicate_panoptic_record",
                record.path(),
                f"image {record.image_id} has another record, {last[record.image_id].path()}",
                "this one was dropped",
                image_id=record.image_id,
            )
    return [record for record in records if last[record.image_id] is record]

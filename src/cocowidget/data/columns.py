"""Typed records → numpy columns, plus the value checks that are cheap as whole columns.

Records arrive already type-checked (by msgspec or by the precise validators); what is
left are value ranges (a width of -5, an iscrowd of 2), checked vectorised here and
repaired with a reported problem.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from operator import attrgetter
from typing import Any

import msgspec
import numpy as np
from msgspec import UNSET, Raw

from cocowidget.data import segments
from cocowidget.data.loading import Section, raw_values
from cocowidget.data.problems import ERROR, NO_ID, WARNING, ProblemLog
from cocowidget.data.table import Table
from cocowidget.data.validation import CROWD_ACTION, PENDING_ID


@dataclass
class Columns:
    """A section as a table; fields that stay raw JSON are object arrays of
    ``msgspec.Raw`` (or None where absent), aligned with the table's rows."""

    table: Table
    segmentation: np.ndarray
    extras: dict[str, np.ndarray]
    #: Rows whose record lacks a field the table has a column for (area), by field.
    missing: dict[str, np.ndarray] = field(default_factory=dict)

    def take(self, rows: np.ndarray) -> Columns:
        return Columns(
            self.table.take(rows),
            self.segmentation[rows],
            {name: values[rows] for name, values in self.extras.items()},
        )


def _ints(records: list[Any], name: str) -> np.ndarray:
    return np.fromiter(map(attrgetter(name), records), dtype=np.int64, count=len(records))


def _floats(records: list[Any], name: str) -> np.ndarray:
    return np.fromiter(map(attrgetter(name), records), dtype=np.float64, count=len(records))


def _objects(values: Any, n: int) -> np.ndarray:
    # fromiter stores the objects as they are; assigning a list would let numpy look
    # into Raw values (they are buffers) and take seconds.
    return np.fromiter(values, dtype=object, count=n)


def _optional(records: list[Any], name: str, missing: Any, dtype: Any) -> np.ndarray:
    """An optional attribute as a column, ``missing`` where it is UNSET."""
    values = list(map(attrgetter(name), records))
    if values.count(UNSET):
        values = [missing if value is UNSET else value for value in values]
    return np.fromiter(values, dtype=dtype, count=len(values))


def raw_column(records: list[Any], attribute: str) -> np.ndarray:
    column = raw_values(records, attribute)
    return column if column is not None else np.full(len(records), None, dtype=object)


def extras_columns(section: Section) -> dict[str, np.ndarray]:
    """Extra fields that occur in at least one record."""
    columns = {}
    for name, attribute in section.record_type.extra_items():
        column = raw_values(section.records, attribute)
        if column is not None:
            columns[name] = column
    return columns


def image_columns(section: Section, log: ProblemLog) -> Columns:
    records = section.records
    n = len(records)
    table = Table(
        {
            "id": _ints(records, "id"),
            "file_name": _objects(map(attrgetter("file_name"), records), n),
            "width": _ints(records, "width"),
            "height": _ints(records, "height"),
            "file_index": section.file_index,
        }
    )
    for name in ("width", "height"):
        values = table[name]
        for row in np.flatnonzero(values <= 0).tolist():
            if row in section.originals:
                continue  # read by the precise validator, which reported it
            log.format_error(
                "invalid_field",
                f"{section.path(int(section.file_index[row]))}.{name}",
                f"expected a positive {name}, got {int(values[row])}",
                "the size is unknown (0)",
                image_id=int(table["id"][row]),
            )
            keep_original(section, row)
            values[row] = 0
    return Columns(table, np.full(n, None, dtype=object), extras_columns(section))


def category_columns(section: Section) -> Columns:
    records = section.records
    n = len(records)
    table = Table(
        {
            "id": _ints(records, "id"),
            "name": _objects(map(attrgetter("name"), records), n),
            "supercategory": _optional(records, "supercategory", None, object),  # None: absent
            "file_index": section.file_index,
        }
    )
    return Columns(table, np.full(n, None, dtype=object), extras_columns(section))


def _bbox(records: list[Any], *, required: bool) -> np.ndarray:
    n = len(records)
    bbox = np.empty((n, 4), dtype=np.float64)
    boxes = list(map(attrgetter("bbox"), records))
    if required or not boxes.count(UNSET):
        for column, name in enumerate("xywh"):
            bbox[:, column] = np.fromiter(map(attrgetter(name), boxes), dtype=np.float64, count=n)
        return bbox
    nan4 = (np.nan, np.nan, np.nan, np.nan)
    bbox[:] = [nan4 if box is UNSET else (box.x, box.y, box.w, box.h) for box in boxes]
    return bbox


def annotation_columns(section: Section, log: ProblemLog, *, raw: bool = True) -> Columns:
    """Ground-truth annotations. A missing iscrowd is read as 0; a missing area is NaN
    until :func:`repair_missing_areas` (it needs the segmentations). ``raw=False``
    leaves out the raw fields (segmentation, extras), to be read with
    :func:`~cocowidget.data.loading.reread_raw_fields`."""
    records = section.records
    table = Table(
        {
            "id": _ints(records, "id"),
            "image_id": _ints(records, "image_id"),
            "category_id": _ints(records, "category_id"),
            "bbox": _bbox(records, required=True),
            "area": _optional(records, "area", np.nan, np.float64),
            "iscrowd": _optional(records, "iscrowd", -1, np.int64),
            "file_index": section.file_index,
        }
    )
    missing = np.flatnonzero(table["iscrowd"] < 0)
    for row in missing.tolist():
        _typed_omission(section, row, "iscrowd")
    if len(missing):
        report_missing(section, table, missing, "iscrowd", "read as 0 (not a crowd)", WARNING, log)
        table["iscrowd"][missing] = 0
    _check_ground_truth_iscrowd(table, section, log)
    absent = _unset_rows(records, "area")
    if not raw:
        return Columns(table, np.full(len(records), None, dtype=object), {}, absent)
    return Columns(table, raw_column(records, "segmentation"), extras_columns(section), absent)


def keep_original(section: Section, row: int) -> None:
    """Keep a typed record as read, for export (its struct encodes to the same JSON
    values); a record read by the precise validator keeps its bytes already."""
    if not isinstance(section.originals.get(row), Raw):
        section.originals[row] = Raw(msgspec.json.encode(section.records[row]))


def _typed_omission(section: Section, row: int, name: str) -> None:
    """Note that a typed record lacks ``name``, so export leaves the stand-in out (a
    record kept as read is written as read anyway)."""
    original = section.originals.get(row)
    if not isinstance(original, Raw):
        section.originals[row] = (*(original or ()), name)


def _unset_rows(records: list[Any], name: str) -> dict[str, np.ndarray]:
    values = list(map(attrgetter(name), records))
    if not values.count(UNSET):
        return {}
    return {name: np.array([i for i, v in enumerate(values) if v is UNSET], dtype=np.int64)}


def _check_ground_truth_iscrowd(table: Table, section: Section, log: ProblemLog) -> None:
    """iscrowd other than 0/1 is kept (pycocotools treats any non-zero as a crowd); the
    int8 column keeps a big value non-zero, and such a record is kept as read."""
    iscrowd = table["iscrowd"]
    for row in np.flatnonzero((iscrowd != 0) & (iscrowd != 1)).tolist():
        if row in section.originals and isinstance(section.originals[row], Raw):
            continue  # read by the precise validator, which reported it
        log.format_error(
            "invalid_field",
            f"{section.path(int(section.file_index[row]))}.iscrowd",
            f"expected 0 or 1, got {int(iscrowd[row])}",
            CROWD_ACTION,
            annotation_id=int(table["id"][row]),
            image_id=int(table["image_id"][row]),
        )
        if not -128 <= int(iscrowd[row]) <= 127:
            keep_original(section, row)
    table["iscrowd"] = np.clip(iscrowd, -128, 127).astype(np.int8)


#: ``file_id`` of a detection whose record had no ``id`` (any other int64 is an id).
NO_FILE_ID = -(2**63)


def result_columns(section: Section, log: ProblemLog) -> Columns:
    """Detections. Optional fields come back as NaN (bbox, area), -1 (iscrowd) or
    :data:`NO_FILE_ID` (id) where the record had none, to be completed like
    ``COCO.loadRes`` does (see :mod:`cocowidget.data.predictions`). A detection's
    iscrowd is never evaluated (loadRes sets it to 0), so any value is kept as read."""
    records = section.records
    table = Table(
        {
            "id": _optional(records, "id", NO_FILE_ID, np.int64),
            "image_id": _ints(records, "image_id"),
            "category_id": _ints(records, "category_id"),
            "bbox": _bbox(records, required=False),
            "area": _optional(records, "area", np.nan, np.float64),
            "iscrowd": _optional(records, "iscrowd", -1, np.int64),
            "score": _floats(records, "score"),
            "file_index": section.file_index,
        }
    )
    return Columns(table, raw_column(records, "segmentation"), extras_columns(section))


def _check_iscrowd(table: Table, section: Section, log: ProblemLog) -> None:
    iscrowd = table["iscrowd"]
    for row in np.flatnonzero((iscrowd != 0) & (iscrowd != 1)):
        log.format_error(
            "invalid_field",
            f"{section.path(int(section.file_index[row]))}.iscrowd",
            f"expected 0 or 1, got {int(iscrowd[row])}",
            "read as 0",
            annotation_id=int(table["id"][row]),
            image_id=int(table["image_id"][row]),
        )
        iscrowd[row] = 0
    table["iscrowd"] = iscrowd.astype(np.int8)


#: Above this many, a problem common to many records is reported once, with a count.
MAX_LISTED = 20


def report_missing(
    section: Section,
    table: Table,
    rows: np.ndarray,
    field: str,
    action: str,
    severity: str,
    log: ProblemLog,
) -> None:
    """Records lacking a field: one problem each, or one summary when there are many
    (a converter that leaves a field out leaves it out everywhere)."""
    reason = f"missing required field '{field}'"
    if len(rows) <= MAX_LISTED:
        for row in rows.tolist():
            log.format_error(
                "invalid_field",
                section.path(int(table["file_index"][row])),
                reason,
                action,
                severity=severity,
                annotation_id=_known(int(table["id"][row])),
                image_id=_known(int(table["image_id"][row])),
            )
        return
    first = [section.path(int(i)) for i in table["file_index"][rows[:3]].tolist()]
    log.format_error(
        "invalid_field",
        first[0],
        f"{reason} in {len(rows):,} of {len(table):,} records ({', '.join(first)}, ...)",
        action,
        severity=severity,
    )


def _known(id_: int) -> int:
    """An id for a problem, NO_ID where it is still pending (see identity.py)."""
    return NO_ID if id_ == PENDING_ID else id_


def repair_missing_areas(columns: Columns, section: Section, log: ProblemLog) -> None:
    """Give records without an area a stand-in: the mask area of the segmentation (as
    pycocotools rasterises it), or the box area where there is no usable segmentation.
    Export leaves it out again. (An area the file has, even NaN, stays as read.)"""
    area = columns.table["area"]
    missing = columns.missing.get("area", np.zeros(0, dtype=np.int64))
    if not len(missing):
        return
    from_mask = 0
    for row in missing.tolist():
        derived = None
        raw = columns.segmentation[row]
        if raw is not None:
            try:
                value = segments.parse(raw)
            except ValueError:
                value = None
            if value is not None and segments.check_segmentation(value, 0, 0) is None:
                derived = segments.bbox_and_area(value)
        if derived is not None:
            area[row] = derived[1]
            from_mask += 1
        else:
            w, h = columns.table["bbox"][row, 2:4]
            area[row] = w * h
    if from_mask == len(missing):
        action = "the area used is computed from the segmentation"
    elif from_mask == 0:
        action = "the area used is computed from the bbox (width x height)"
    else:
        action = "the area used is computed from the segmentation, or the bbox where there is none"
    for row in missing.tolist():
        _typed_omission(section, row, "area")
    report_missing(section, columns.table, missing, "area", action, ERROR, log)

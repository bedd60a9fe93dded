"""The slow, precise path: one record that the typed decoder refused, field by field.

Each validator reads a record's fields as plain values, reports every problem with its
JSON path, repairs what can be repaired (saying how) and returns a record of the same
msgspec type the fast path produces, or ``None`` when the record is dropped.

Over 400 lines because it holds one validator per record kind (image, annotation,
category, detection) over shared field readers; they change together.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
from msgspec import UNSET

from cocowidget.data import segments
from cocowidget.data.problems import WARNING, ProblemLog
from cocowidget.data.record_fields import RecordFields
from cocowidget.data.records import BBox, RecordType
from cocowidget.data.values import (
    describe,
    is_non_finite,
    read_bbox,
    read_id,
    read_int,
    read_iscrowd,
    read_number,
    read_str,
)

#: Placeholder id of an annotation whose id must be assigned once all ids are known.
PENDING_ID = -(2**63)


def _missing(name: str) -> str:
    return f"missing required field '{name}'"


def _read(
    record: RecordFields,
    name: str,
    reader: Callable[[Any], tuple[Any, str | None]],
    log: ProblemLog,
    drop_action: str | None,
    ids: dict[str, int] | None = None,
) -> tuple[Any, bool]:
    """(value, ok). A repaired value is returned with ok=True after reporting; a missing
    or unusable one gives (None, False) and is reported with ``drop_action`` if given."""
    path = f"{record.path}.{name}"
    if name not in record.values:
        if drop_action is not None:
            log.format_error("invalid_field", record.path, _missing(name), drop_action, ids=ids)
        return None, False
    value, reason = reader(record.values[name])
    if value is None:
        if drop_action is not None:
            log.format_error("invalid_field", path, reason or "invalid", drop_action, ids=ids)
        return None, False
    if reason is not None:
        log.format_error("invalid_field", path, reason, "", ids=ids)
    return value, True


def _extras(record: RecordFields, record_type: RecordType) -> dict[str, Any]:
    known = set(record_type.base_names)
    for name in record.raw:
        if name not in known and name not in record_type.extras:
            record_type.add_extra(name)
    extras: dict[str, Any] = {}
    for name, attribute in record_type.extra_items():
        if name in record.raw:
            extras[attribute] = record.raw[name]
    return extras


def validate_image(
    record: RecordFields, record_type: RecordType, log: ProblemLog, pending: list[Any]
) -> Any:
    image_id = _id(record, "id", log, pending, "the image keeps it")
    ids = {"image_id": image_id} if image_id != PENDING_ID else {}
    file_name = _value(record, "file_name", read_str, log, "", "the file name is unknown", ids)
    sizes = []
    for name in ("width", "height"):
        size = _value(record, name, read_int, log, 0, "the size is unknown (0)", ids)
        if size <= 0 and name in record.values:
            reason = f"expected a positive {name}, got {size}"
            _report(log, f"{record.path}.{name}", reason, "the size is unknown (0)", ids)
            size = 0
        sizes.append(size)
    extras = _extras(record, record_type)  # may add fields: before the type is taken
    return record_type.type(
        id=image_id,
        file_name=file_name,
        width=sizes[0],
        height=sizes[1],
        **extras,
    )


#: An absent field, as a pending id's original value.
MISSING: Any = type("Missing", (), {"__repr__": lambda self: "MISSING"})()

_KEPT = "kept as read; written back as read"


def _report(
    log: ProblemLog, path: str, reason: str, action: str, ids: Mapping[str, int] | None
) -> None:
    """Report a problem once: a path already reported (a NaN found while parsing) is not
    reported again by the field's reader."""
    if not log.reported(path):
        log.format_error("invalid_field", path, reason, action, ids=ids)


def _value(
    record: RecordFields,
    name: str,
    reader: Callable[[Any], tuple[Any, str | None]],
    log: ProblemLog,
    stand_in: Any,
    action: str,
    ids: Mapping[str, int] | None,
) -> Any:
    """A field's value, or ``stand_in`` (reported with ``action``) where it is missing or
    unusable; a repaired value (``"42"`` read as 42) is reported and used."""
    if name not in record.values:
        _report(log, record.path, _missing(name), action, ids)
        return stand_in
    value, reason = reader(record.values[name])
    if value is None:
        _report(log, f"{record.path}.{name}", reason or "invalid", action, ids)
        return stand_in
    if reason is not None:
        _report(log, f"{record.path}.{name}", reason, f"read as {value!r}", ids)
    return value


def _id(record: RecordFields, name: str, log: ProblemLog, pending: list[Any], keeps: str) -> int:
    """An id or reference: usable ints as they are; anything else (a string, a number
    beyond 64 bits, null, missing) keeps its identity: it is reported, and it is
    ``PENDING_ID`` until an internal id is given to it (see identity.py)."""
    path = f"{record.path}.{name}"
    if name not in record.values:
        _report(log, record.path, _missing(name), f"{keeps} missing", None)
        pending.append((name, MISSING))
        return PENDING_ID
    original = record.values[name]
    value, reason = read_id(original)
    if value is not None:
        if reason is not None:
            _report(log, path, reason, f"{keeps} as read ({value} as an integer)", None)
        return value
    _report(log, path, reason or "invalid id", f"{keeps} as read", None)
    pending.append((name, original))
    return PENDING_ID


def _segmentation(record: RecordFields) -> Any:
    raw = record.raw.get("segmentation")
    if raw is None:
        return None
    try:
        value = segments.parse(raw)
    except ValueError:
        return None
    if segments.check_segmentation(value, 0, 0) is not None:
        return None
    return value


def validate_annotation(
    record: RecordFields, record_type: RecordType, log: ProblemLog, pending: list[Any]
) -> Any:
    """Every annotation is kept: unusable ids keep their identity, an unusable box is
    NaN (non-finite numbers are kept as read), an unusable area gets a stand-in."""
    annotation_id = _id(record, "id", log, pending, "the annotation keeps it")
    image_id = _id(record, "image_id", log, pending, "the annotation keeps it")
    category_id = _id(record, "category_id", log, pending, "the annotation keeps it")
    ids = {
        name: value
        for name, value in (
            ("annotation_id", annotation_id),
            ("image_id", image_id),
            ("category_id", category_id),
        )
        if value != PENDING_ID
    }
    bbox = _ground_truth_box(record, log, ids)
    area: Any = UNSET  # a missing one is repaired with the column (columns.py)
    if "area" in record.values:
        area = _ground_truth_area(record, bbox, log, ids)
    iscrowd: Any = UNSET  # a missing one is reported with the column (columns.py)
    if "iscrowd" in record.values:
        iscrowd = _ground_truth_iscrowd(record, log, ids)
    if record.not_object:  # reported as a whole already
        area, iscrowd = math.nan, 0
    extras = _extras(record, record_type)  # may add fields: before the type is taken
    return record_type.type(
        id=annotation_id,
        image_id=image_id,
        category_id=category_id,
        bbox=BBox(*bbox),
        area=area,
        iscrowd=iscrowd,
        segmentation=record.raw.get("segmentation", UNSET),
        **extras,
    )


_NAN4 = (math.nan, math.nan, math.nan, math.nan)


def _ground_truth_box(
    record: RecordFields, log: ProblemLog, ids: Mapping[str, int]
) -> tuple[float, float, float, float]:
    """Four numbers as read (NaN and Infinity included: pycocotools uses them as they
    are); NaN x 4 where there are not four numbers."""
    path = f"{record.path}.bbox"
    if "bbox" not in record.values:
        _report(log, record.path, _missing("bbox"), "the box is unknown (NaN)", ids)
        return _NAN4
    value = record.values["bbox"]
    if isinstance(value, list | tuple) and len(value) == 4:
        numbers = []
        for i, item in enumerate(value):
            if is_non_finite(item):
                _report(
                    log,
                    f"{path}[{i}]",
                    f"expected a finite number, got {describe(item)}",
                    _KEPT,
                    ids,
                )
                numbers.append(float(item))
                continue
            number, reason = read_number(item)
            if number is None:
                break
            if reason is not None:
                _report(log, f"{path}[{i}]", reason, f"read as {number!r}", ids)
            numbers.append(number)
        else:
            return (numbers[0], numbers[1], numbers[2], numbers[3])
    reason = read_bbox(value)[1] or "invalid"
    _report(log, path, reason, "the box is unknown (NaN)", ids)
    return _NAN4


def _ground_truth_area(
    record: RecordFields, bbox: tuple[float, ...], log: ProblemLog, ids: Mapping[str, int]
) -> float:
    path = f"{record.path}.area"
    value = record.values["area"]
    if is_non_finite(value):
        _report(log, path, f"expected a finite number, got {describe(value)}", _KEPT, ids)
        return float(value)
    area, reason = read_number(value)
    if area is not None:
        if reason is not None:
            _report(log, path, reason, f"read as {area!r}", ids)
        return area
    segmentation = _segmentation(record)
    derived = segments.bbox_and_area(segmentation) if segmentation is not None else None
    if derived is not None:
        area = derived[1]
        action = f"the area used is computed from the segmentation ({area:g})"
    else:
        area = float(bbox[2] * bbox[3])
        action = f"the area used is computed from the bbox ({area:g})"
    _report(log, path, reason or "", action, ids)
    return area


def _ground_truth_iscrowd(record: RecordFields, log: ProblemLog, ids: Mapping[str, int]) -> int:
    """Any integer as read (pycocotools treats every non-zero iscrowd as a crowd);
    ``true``/``false`` as 1/0; anything else 0. The column is int8: a big value is kept
    non-zero. Reported unless 0 or 1."""
    path = f"{record.path}.iscrowd"
    value = record.values["iscrowd"]
    if isinstance(value, bool):
        _report(log, path, f"expected 0 or 1, got {describe(value)}", f"read as {int(value)}", ids)
        return int(value)
    number, _ = read_id(value)
    if number is None:
        _report(log, path, f"expected 0 or 1, got {describe(value)}", "read as 0", ids)
        return 0
    if number not in (0, 1):
        _report(log, path, f"expected 0 or 1, got {describe(value)}", CROWD_ACTION, ids)
    return int(np.clip(number, -128, 127))


CROWD_ACTION = "kept as read; a crowd, as pycocotools treats every non-zero iscrowd"


def _iscrowd(
    record: RecordFields, log: ProblemLog, ids: dict[str, int], missing_severity: str
) -> int:
    if "iscrowd" not in record.values:
        log.format_error(
            "invalid_field",
            record.path,
            _missing("iscrowd"),
            "read as 0 (not a crowd)",
            severity=missing_severity,
            ids=ids,
        )
        return 0
    value, reason = read_iscrowd(record.values["iscrowd"])
    if value is None:
        log.format_error(
            "invalid_field", f"{record.path}.iscrowd", reason or "", "read as 0", ids=ids
        )
        return 0
    if reason is not None:
        log.format_error("invalid_field", f"{record.path}.iscrowd", reason, "", ids=ids)
    return value


def _box_and_area(
    record: RecordFields, log: ProblemLog, ids: dict[str, int], *, allow_missing_bbox: bool
) -> tuple[Any, Any, bool]:
    """bbox and area, repaired from the segmentation where they are missing or invalid.
    For detections (``allow_missing_bbox``) a missing bbox/area stays UNSET, to be
    derived like ``COCO.loadRes`` does."""
    what = "the detection was dropped" if allow_missing_bbox else "the annotation was dropped"
    path = f"{record.path}.bbox"
    bbox: Any = UNSET
    derived = None
    if "bbox" in record.values:
        bbox, reason = read_bbox(record.values["bbox"])
        if bbox is None:
            segmentation = _segmentation(record)
            if segmentation is not None and (derived := segments.bbox_and_area(segmentation)):
                bbox = derived[0]
                log.format_error(
                    "invalid_field",
                    path,
                    reason or "",
                    "the bbox was computed from the segmentation",
                    ids=ids,
                )
            elif allow_missing_bbox and "segmentation" in record.raw:
                bbox = UNSET
                log.format_error(
                    "invalid_field", path, reason or "", "the bbox was ignored", ids=ids
                )
            else:
                log.format_error("invalid_field", path, reason or "", what, ids=ids)
                return None, None, False
    elif not allow_missing_bbox:
        segmentation = _segmentation(record)
        if segmentation is not None and (derived := segments.bbox_and_area(segmentation)):
            bbox = derived[0]
            log.format_error(
                "invalid_field",
                record.path,
                _missing("bbox"),
                "the bbox was computed from the segmentation",
                ids=ids,
            )
        else:
            log.format_error("invalid_field", record.path, _missing("bbox"), what, ids=ids)
            return None, None, False
    area: Any = UNSET
    if "area" in record.values:
        area, reason = read_number(record.values["area"])
        if area is None:
            area = UNSET
            if allow_missing_bbox:
                log.format_error(
                    "invalid_field",
                    f"{record.path}.area",
                    reason or "",
                    "the area was ignored",
                    ids=ids,
                )
        elif reason is not None:
            log.format_error("invalid_field", f"{record.path}.area", reason, "", ids=ids)
    if area is UNSET and not allow_missing_bbox and "area" in record.values:
        area_reason = read_number(record.values["area"])[1]
        segmentation = _segmentation(record)
        if derived is None and segmentation is not None:
            derived = segments.bbox_and_area(segmentation)
        if derived is not None:
            area = derived[1]
            action = f"the area was computed from the segmentation ({area:g})"
        else:
            area = float(bbox[2] * bbox[3])
            action = f"the area was computed from the bbox ({area:g})"
        log.format_error("invalid_field", f"{record.path}.area", area_reason or "", action, ids=ids)
    return bbox, area, True


_NON_FINITE = (("NaN", math.nan), ("-Infinity", -math.inf), ("Infinity", math.inf))


def _score(record: RecordFields, log: ProblemLog, ids: dict[str, int]) -> float | None:
    """A detection's score; NaN and Infinity are kept (pycocotools sorts them as numpy
    does: NaN after every other score) and flagged. None (reported) drops the record."""
    path = f"{record.path}.score"
    value = record.values.get("score")
    # The loader reported a NaN or Infinity literal at this place already; the problem
    # below replaces that report (each problem is said once).
    literal = next(
        (p for p in reversed(log.problems) if p.json_path == path and p.kind == "invalid_number"),
        None,
    )
    if literal is not None:
        log.problems.remove(literal)
        if value is None and "score" in record.values:  # a source that read it as null
            written = literal.message.split(": ")[-1]
            value = next(
                (number for text, number in _NON_FINITE if written.startswith(text)), math.nan
            )
    if isinstance(value, float) and not math.isfinite(value):
        log.format_error(
            "non_finite_score",
            path,
            f"the score is {describe(value)}",
            "the detection was kept and is evaluated as pycocotools does"
            + (" (after every scored detection)" if math.isnan(value) else ""),
            severity=WARNING,
            ids=ids,
        )
        return value
    score, ok = _read(record, "score", read_number, log, "the detection was dropped", ids=ids)
    return score if ok else None


def validate_result(
    record: RecordFields, record_type: RecordType, log: ProblemLog, _: list[Any]
) -> Any:
    what = "the detection was dropped"
    image_id, ok = _read(record, "image_id", read_int, log, what)
    if not ok:
        return None
    ids = {"image_id": image_id}
    category_id, ok = _read(record, "category_id", read_int, log, what, ids=ids)
    if not ok:
        return None
    ids["category_id"] = category_id
    score = _score(record, log, ids)
    if score is None:
        return None
    if not ("bbox" in record.values or "segmentation" in record.raw or "keypoints" in record.raw):
        log.format_error(
            "invalid_field",
            record.path,
            "a detection needs a 'bbox' or a 'segmentation'",
            what,
            ids=ids,
        )
        return None
    bbox, area, ok = _box_and_area(record, log, ids, allow_missing_bbox=True)
    if not ok:
        return None
    annotation_id: Any = UNSET
    if "id" in record.values:
        annotation_id, reason = read_int(record.values["id"])
        if annotation_id is None:
            annotation_id = UNSET
            log.format_error(
                "invalid_field", f"{record.path}.id", reason or "", "a new id was assigned", **ids
            )
        elif reason is not None:
            log.format_error("invalid_field", f"{record.path}.id", reason, "", ids=ids)
    iscrowd: Any = UNSET
    if "iscrowd" in record.values:
        iscrowd = _iscrowd(record, log, ids, missing_severity=WARNING)
    extras = _extras(record, record_type)  # may add fields: before the type is taken
    return record_type.type(
        image_id=image_id,
        category_id=category_id,
        score=score,
        bbox=bbox if bbox is UNSET else BBox(*bbox),
        segmentation=record.raw.get("segmentation", UNSET),
        id=annotation_id,
        area=area,
        iscrowd=iscrowd,
        **extras,
    )


def validate_category(
    record: RecordFields, record_type: RecordType, log: ProblemLog, pending: list[Any]
) -> Any:
    category_id = _id(record, "id", log, pending, "the category keeps it")
    ids = {"category_id": category_id} if category_id != PENDING_ID else {}
    original_id = record.values.get("id")
    shown = str(category_id) if category_id != PENDING_ID else str(original_id)
    name = _value(record, "name", read_str, log, shown, f"the name shown is '{shown}'", ids)
    supercategory: Any = UNSET
    if "supercategory" in record.values:
        supercategory = _value(
            record, "supercategory", read_str, log, UNSET, "the supercategory is unknown", ids
        )
    extras = _extras(record, record_type)  # may add fields: before the type is taken
    return record_type.type(id=category_id, name=name, supercategory=supercategory, **extras)


Validator = Callable[[RecordFields, RecordType, ProblemLog, list[Any]], Any]

VALIDATORS: dict[str, Validator] = {
    "image": validate_image,
    "annotation": validate_annotation,
    "result": validate_result,
    "category": validate_category,
}

__all__ = ["MISSING", "PENDING_ID", "VALIDATORS"]

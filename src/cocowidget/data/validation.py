"""The slow, precise path: one record that the typed decoder refused, field by field.

Each validator reads a record's fields as plain values, reports every problem with its
JSON path, repairs what can be repaired (saying how) and returns a record of the same
msgspec type the fast path produces, or ``None`` when the record is dropped.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import msgspec
from msgspec import UNSET, Raw

from cocowidget.data import segments
from cocowidget.data.problems import WARNING, ProblemLog
from cocowidget.data.records import BBox, RecordType
from cocowidget.data.values import (
    describe,
    read_bbox,
    read_int,
    read_iscrowd,
    read_number,
    read_str,
)

_fields_decoder = msgspec.json.Decoder(dict[str, Raw])

#: Placeholder id of an annotation whose id must be assigned once all ids are known.
PENDING_ID = -(2**63)


def encode_json(value: Any) -> bytes:
    """JSON bytes of a Python value; numpy scalars and arrays are accepted."""
    return msgspec.json.encode(value, enc_hook=_numpy_hook)


def _numpy_hook(value: Any) -> Any:
    tolist = getattr(value, "tolist", None)
    if callable(tolist) and type(value).__module__ == "numpy":
        return tolist()
    raise NotImplementedError(f"objects of type {type(value).__name__} are not JSON")


@dataclass
class RecordFields:
    """One record's fields: plain values for the fields cocowidget reads, raw JSON for
    the rest (segmentation and extras), so they are written back exactly as read."""

    path: str
    values: dict[str, Any]
    raw: dict[str, Raw]
    problems: list[tuple[str, str]] = field(default_factory=list)  # (path, reason)

    def has(self, name: str) -> bool:
        return name in self.values or name in self.raw


def record_fields(
    item: Raw | None,
    python_record: Any,
    path: str,
    value_names: frozenset[str],
    log: ProblemLog,
    what: str,
) -> RecordFields | None:
    """Split a record into plain values (``value_names``) and raw JSON (everything else,
    kept byte for byte); None (reported) if the record is not an object.

    ``python_record`` is the original Python value when the source was Python objects
    (it knows about NaN, which JSON bytes cannot express); ``item`` the record's JSON.
    """
    if python_record is not None or item is None:
        if not isinstance(python_record, Mapping):
            log.format_error(
                "invalid_structure",
                path,
                f"expected an object, got {describe(python_record)}",
                f"the {what} was dropped",
            )
            return None
        values: dict[str, Any] = {}
        raw: dict[str, Raw] = {}
        for key, value in python_record.items():
            name = str(key)
            if name in value_names:
                values[name] = value
                continue
            try:
                raw[name] = Raw(encode_json(value))
            except (TypeError, NotImplementedError, OverflowError) as error:
                log.format_error(
                    "invalid_field",
                    f"{path}.{name}",
                    f"not representable as JSON: {error}",
                    "the field was ignored",
                )
        return RecordFields(path, values, raw)
    try:
        fields_raw = _fields_decoder.decode(item)
    except (msgspec.ValidationError, msgspec.DecodeError):
        log.format_error(
            "invalid_structure",
            path,
            f"expected an object, got {describe(segments.parse(item))}",
            f"the {what} was dropped",
        )
        return None
    values = {}
    raw = {}
    for name, value in fields_raw.items():
        if name in value_names:
            values[name] = segments.parse(value)
        else:
            raw[name] = value
    return RecordFields(path, values, raw)


Validator = Callable[[RecordFields, RecordType, ProblemLog, list[Any]], Any]


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
    record: RecordFields, record_type: RecordType, log: ProblemLog, _: list[Any]
) -> Any:
    image_id, ok = _read(record, "id", read_int, log, "the image was dropped")
    if not ok:
        return None
    ids = {"image_id": image_id}
    file_name, ok = _read(
        record, "file_name", read_str, log, "the file name was left empty", ids=ids
    )
    if not ok:
        file_name = ""
    sizes = []
    for name in ("width", "height"):
        value, ok = _read(
            record, name, read_int, log, f"the {name} was set to 0 (unknown)", ids=ids
        )
        sizes.append(value if ok else 0)
    return record_type.type(
        id=image_id,
        file_name=file_name,
        width=sizes[0],
        height=sizes[1],
        **_extras(record, record_type),
    )


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
    record: RecordFields, record_type: RecordType, log: ProblemLog, pending_ids: list[Any]
) -> Any:
    what = "the annotation was dropped"
    annotation_id, id_ok = _read(record, "id", read_int, log, None)
    ids = {"annotation_id": annotation_id} if id_ok else {}
    image_id, ok = _read(record, "image_id", read_int, log, what, ids=ids)
    if not ok:
        return None
    ids["image_id"] = image_id
    category_id, ok = _read(record, "category_id", read_int, log, what, ids=ids)
    if not ok:
        return None
    ids["category_id"] = category_id
    bbox, area, ok = _box_and_area(record, log, ids, allow_missing_bbox=False)
    if not ok:
        return None
    iscrowd: Any = UNSET  # a missing one is reported with the column (columns.py)
    if "iscrowd" in record.values:
        iscrowd = _iscrowd(record, log, ids, missing_severity=WARNING)
    if not id_ok:
        reason = _missing("id") if "id" not in record.values else read_int(record.values["id"])[1]
        if log.strict:
            log.format_error("invalid_field", f"{record.path}.id", reason or "invalid id", "")
        pending_ids.append((record.path, reason))
        annotation_id = PENDING_ID
    segmentation = record.raw.get("segmentation", UNSET)
    return record_type.type(
        id=annotation_id,
        image_id=image_id,
        category_id=category_id,
        bbox=BBox(*bbox),
        area=area,
        iscrowd=iscrowd,
        segmentation=segmentation,
        **_extras(record, record_type),
    )


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
    if value is None and "score" in record.values:
        # A NaN or Infinity literal in a file was read as null and reported as such.
        literal = next(
            (
                p
                for p in reversed(log.problems)
                if p.json_path == path and p.kind == "invalid_number"
            ),
            None,
        )
        if literal is not None:
            log.problems.remove(literal)  # replaced by the problem below
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
    # Extras first: a field seen here for the first time rebuilds the record type.
    extras = _extras(record, record_type)
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
    record: RecordFields, record_type: RecordType, log: ProblemLog, _: list[Any]
) -> Any:
    category_id, ok = _read(record, "id", read_int, log, "the category was dropped")
    if not ok:
        return None
    ids = {"category_id": category_id}
    name, ok = _read(record, "name", read_str, log, f"the name was set to '{category_id}'", ids=ids)
    if not ok:
        name = str(category_id)
    supercategory: Any = UNSET
    if "supercategory" in record.values:
        supercategory, reason = read_str(record.values["supercategory"])
        if supercategory is None:
            supercategory = UNSET
            log.format_error(
                "invalid_field",
                f"{record.path}.supercategory",
                reason or "",
                "the supercategory was ignored",
                ids=ids,
            )
    return record_type.type(
        id=category_id, name=name, supercategory=supercategory, **_extras(record, record_type)
    )


VALIDATORS: dict[str, Validator] = {
    "image": validate_image,
    "annotation": validate_annotation,
    "result": validate_result,
    "category": validate_category,
}

__all__ = ["PENDING_ID", "VALIDATORS", "RecordFields", "encode_json", "record_fields"]

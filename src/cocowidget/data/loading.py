"""Decoding COCO JSON into typed records, fast when the file is valid, precise when not.

The fast path is one msgspec decode of the whole document into compact structs (bbox as
four floats, segmentation as raw JSON bytes). Anything msgspec refuses narrows the work:
an unknown field is added to the record type and decoding resumes; a wrongly typed value
switches that one section to per-record decoding, and only the refused records go
through the precise validators (:mod:`cocowidget.data.validation`), which report the JSON
path and what is wrong, and repair or drop the record.

Over 400 lines because the fast path and its fallbacks (unknown fields, per-record
decoding) share one decode state; split, each part would need the others' internals.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from operator import attrgetter
from types import GenericAlias
from typing import Any

import msgspec
import numpy as np
from msgspec import UNSET, Raw, UnsetType

from cocowidget.data.json_bytes import (
    RESULTS_LIST,
    NonFinite,
    Source,
    _first_byte,
    _prepared,
    _python_fallback,
    read_source,
)
from cocowidget.data.json_encoding import encode_json, encode_json_as_read
from cocowidget.data.problems import ProblemLog
from cocowidget.data.record_fields import empty_fields, record_fields
from cocowidget.data.records import RecordType
from cocowidget.data.validation import VALIDATORS
from cocowidget.data.values import describe

GROUND_TRUTH_LAYOUT = {"images": "image", "annotations": "annotation", "categories": "category"}
RESULTS_DICT_LAYOUT = {"images": "image", "annotations": "result", "categories": "category"}
KNOWN_TOP_EXTRAS = ("info", "licenses")

_ERROR_PATH = re.compile(r" - at `\$(.*)`$")
_UNKNOWN_FIELD = re.compile(r"^Object contains unknown field `(.*)`$")
_SECTION_PATH = re.compile(r"^\.([A-Za-z_][A-Za-z0-9_]*)(.*)$")
_RECORD_PATH = re.compile(r"^\[(\d+)\]$")
_MAX_DISCOVERIES = 16
_NOUN = {
    "image": "image",
    "annotation": "annotation",
    "result": "detection",
    "category": "category",
}


@dataclass
class Section:
    """The valid (or repaired) records of one top-level array, in file order."""

    name: str
    record_type: RecordType
    records: list[Any] = field(default_factory=list)
    file_index: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    present: bool = True
    #: Records that could not be used as read, by row: the original record (``Raw``,
    #: written back verbatim by export), or the names of fields the file lacked that
    #: the columns give a stand-in for (a tuple; export leaves them out).
    originals: dict[int, Any] = field(default_factory=dict)
    #: Ids and references that are not usable int64s, kept by identity until
    #: :mod:`cocowidget.data.identity` gives them internal ids: (row, field, original).
    pending: list[tuple[int, str, Any]] = field(default_factory=list)
    #: The section's value as read when it is not an array (written back as read).
    as_read: Raw | None = None

    def path(self, index: int) -> str:
        return f"{self.name}[{index}]"


@dataclass
class Document:
    sections: dict[str, Section]
    top_extras: dict[str, Raw]
    is_results_list: bool = False
    #: False when nothing could be read at all (malformed JSON, wrong top-level type).
    readable: bool = True
    #: The JSON decoded, and the sections whose records are exactly its array items
    #: (decoded in the single typed pass), which :func:`reread_raw_fields` can re-read.
    data: bytes | None = None
    rereadable: frozenset[str] = frozenset()


class _MalformedJsonError(Exception):
    """msgspec found the bytes malformed; Python's json gets a second look."""


def load_document(source: Source, layout: dict[str, str] | None, log: ProblemLog) -> Document:
    """Decode a source. ``layout`` maps section names to record kinds; ``None`` accepts a
    results list or a COCO dict with scores (predictions)."""
    data, python = _prepared(source, log)
    if data is None and python is None:
        return _empty(layout or GROUND_TRUTH_LAYOUT)
    reported = len(log.problems)
    try:
        return _load(data, python, layout, log, {})
    except _MalformedJsonError:
        del log.problems[reported:]
    assert data is not None
    data, python, non_finite = _python_fallback(data, log)
    if data is None and python is None:
        return _empty(layout or GROUND_TRUTH_LAYOUT)
    return _load(data, python, layout, log, non_finite)


def _decode(data: bytes, type: Any) -> Any:
    try:
        return msgspec.json.decode(data, type=type)
    except msgspec.ValidationError:
        raise  # (a subclass of DecodeError) well-formed JSON of an unexpected shape
    except (msgspec.DecodeError, RecursionError, UnicodeDecodeError) as error:
        raise _MalformedJsonError(str(error)) from error


def _load(
    data: bytes | None,
    python: Any,
    layout: dict[str, str] | None,
    log: ProblemLog,
    non_finite: NonFinite,
) -> Document:
    top_kind = _top_kind(data, python)
    if layout is None:
        layout = {RESULTS_LIST: "result"} if top_kind == "array" else RESULTS_DICT_LAYOUT
    if RESULTS_LIST in layout:
        if top_kind != "array":
            log.format_error(
                "invalid_structure",
                "",
                f"expected a list of detections, got {_top_description(top_kind)}",
                "nothing was loaded",
            )
            return _empty(layout)
        section = _decode_section(
            Section(RESULTS_LIST, RecordType("result")),
            data,
            python,
            log,
            non_finite.get(RESULTS_LIST, set()),
        )
        return Document({RESULTS_LIST: section}, {}, is_results_list=True)
    if top_kind != "object":
        hint = " (a results list? use add_predictions)" if top_kind == "array" else ""
        log.format_error(
            "invalid_structure",
            "",
            f"expected a COCO object with images, annotations and categories, "
            f"got {_top_description(top_kind)}{hint}",
            "nothing was loaded",
        )
        return _empty(layout)
    return _decode_object(data, python, layout, log, non_finite)


def _top_description(kind: str) -> str:
    return {"array": "an array", "object": "an object"}.get(kind, kind)


def _empty(layout: dict[str, str]) -> Document:
    return Document(
        {name: Section(name, RecordType(kind), present=False) for name, kind in layout.items()},
        {},
        readable=False,
    )


def _top_kind(data: bytes | None, python: Any) -> str:
    if python is not None:
        value = python
    else:
        assert data is not None
        first = _first_byte(data)
        if first in (b"{", b"["):
            return "object" if first == b"{" else "array"
        value = _decode(data, Any)
    if isinstance(value, dict):
        return "object"
    if isinstance(value, list):
        return "array"
    return describe(value)


# -- top level -----------------------------------------------------------------------------
def _split_error(error: Exception) -> tuple[str, str]:
    """(message, path after ``$``) of a msgspec ValidationError."""
    text = str(error)
    match = _ERROR_PATH.search(text)
    if match is None:
        return text, ""
    return text[: match.start()], match.group(1)


def _decode_object(
    data: bytes | None,
    python: Any,
    layout: dict[str, str],
    log: ProblemLog,
    non_finite: NonFinite,
) -> Document:
    record_types = {name: RecordType(kind) for name, kind in layout.items()}
    # Sections with NaN or Infinity are read record by record, those records from Python.
    typed = {name: name not in non_finite for name in layout}
    top_extras = list(KNOWN_TOP_EXTRAS)
    discoveries = dict.fromkeys(layout, 0)
    top: Any = None
    if data is not None:
        for _ in range(4 * _MAX_DISCOVERIES + len(layout) + 1):
            top_type = _top_type(layout, record_types, typed, top_extras)
            try:
                top = _decode(data, top_type)
                break
            except msgspec.ValidationError as error:
                message, path = _split_error(error)
                unknown = _UNKNOWN_FIELD.match(message)
                in_section = _SECTION_PATH.match(path)
                if path == "" and unknown:
                    top_extras.append(unknown.group(1))
                elif in_section and typed.get(in_section.group(1)):
                    name, rest = in_section.group(1), in_section.group(2)
                    if (
                        unknown
                        and _RECORD_PATH.match(rest)
                        and discoveries[name] < _MAX_DISCOVERIES
                    ):
                        record_types[name].add_extra(unknown.group(1))
                        discoveries[name] += 1
                    else:
                        typed[name] = False  # decoded record by record below
                else:
                    typed = dict.fromkeys(layout, False)
                    top_extras = []
                    top = None
                    break
    sections: dict[str, Section] = {}
    extras: dict[str, Raw] = {}
    if top is None:
        # Only Python objects (not all JSON-encodable) or an unexpected decode failure:
        # go key by key.
        top_python = python if isinstance(python, dict) else msgspec.json.decode(data or b"{}")
        for name in layout:
            section = Section(name, record_types[name])
            if name not in top_python:
                section.present = False
                sections[name] = section
                continue
            value = top_python[name]
            raw = _try_encode(value)
            sections[name] = _decode_section(section, raw, value, log, non_finite.get(name, set()))
        for key, value in top_python.items():
            if key not in layout:
                raw = _try_encode(value, as_read=str(key) in non_finite)
                if raw is None:
                    log.format_error(
                        "invalid_field",
                        str(key),
                        "not representable as JSON",
                        "the field was ignored",
                    )
                else:
                    extras[str(key)] = Raw(raw)
        return Document(sections, extras)
    for name in layout:
        value = getattr(top, name)
        section = Section(name, record_types[name])
        if value is UNSET:
            section.present = False
        elif typed[name]:
            section.records = value
            section.file_index = np.arange(len(value), dtype=np.int64)
        else:
            py_value = python.get(name) if isinstance(python, dict) else None
            section = _decode_section(section, value, py_value, log, non_finite.get(name, set()))
        sections[name] = section
    for i, key in enumerate(top_extras):
        value = getattr(top, f"extra_{i}")
        if value is not UNSET:
            if key in non_finite and isinstance(python, dict):
                value = Raw(encode_json_as_read(python[key]))
            extras[key] = value
    rereadable = frozenset(
        name for name, is_typed in typed.items() if is_typed and sections[name].present
    )
    return Document(sections, extras, data=data, rereadable=rereadable)


def reread_raw_fields(document: Document, name: str) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """The segmentation and extra fields of a section's records, decoded again on their
    own. Loading reads every field in one pass; the raw fields' objects then lie among
    millions of freed ones and pin their memory. Read afresh, they are compact and the
    first pass's memory returns to the system."""
    assert document.data is not None and name in document.rereadable
    section = document.sections[name]
    record_type = section.record_type
    fields: list[tuple[str, Any, Any]] = [("segmentation", Raw | UnsetType, UNSET)]
    rename = {}
    extras = record_type.extra_items()
    for json_name, attribute in extras:
        fields.append((attribute, Raw | UnsetType, UNSET))
        rename[attribute] = json_name
    raw_type = msgspec.defstruct("CocoRawFields", fields, rename=rename, gc=False)
    top_type = msgspec.defstruct("CocoRawSection", [(name, _list_of(raw_type))], gc=False)
    records = getattr(_decode(document.data, top_type), name)
    segmentation = raw_values(records, "segmentation")
    extra_columns = {}
    for json_name, attribute in extras:
        column = raw_values(records, attribute)
        if column is not None:
            extra_columns[json_name] = column
    if segmentation is None:
        segmentation = np.full(len(records), None, dtype=object)
    return segmentation, extra_columns


def raw_values(records: list[Any], attribute: str) -> np.ndarray | None:
    """An attribute of all records as an object array, None where UNSET; None if it is
    UNSET everywhere. (Records decoded before an extra field was discovered lack it.)"""
    try:
        values = list(map(attrgetter(attribute), records))
    except AttributeError:
        values = [getattr(record, attribute, UNSET) for record in records]
    unset = values.count(UNSET)
    if unset == len(values) and values:
        return None
    if unset:
        values = [None if value is UNSET else value for value in values]
    # fromiter stores the objects as they are; assigning a list would let numpy look
    # into Raw values (they are buffers) and take seconds.
    return np.fromiter(values, dtype=object, count=len(values))


def _try_encode(value: Any, *, as_read: bool = False) -> bytes | None:
    try:
        return encode_json_as_read(value) if as_read else encode_json(value)
    except (TypeError, NotImplementedError, OverflowError, ValueError):
        return None


def _top_type(
    layout: dict[str, str],
    record_types: dict[str, RecordType],
    typed: dict[str, bool],
    extras: list[str],
) -> Any:
    fields: list[tuple[str, Any, Any]] = []
    for name in layout:
        section_type = _list_of(record_types[name].type) if typed[name] else Raw
        fields.append((name, section_type | UnsetType, UNSET))
    rename = {}
    for i, key in enumerate(extras):
        fields.append((f"extra_{i}", Raw | UnsetType, UNSET))
        rename[f"extra_{i}"] = key
    return msgspec.defstruct(
        "CocoDocument", fields, rename=rename, forbid_unknown_fields=True, gc=False
    )


# -- one section ---------------------------------------------------------------------------
def _list_of(item_type: Any) -> Any:
    """``list[item_type]`` for a record type built at run time."""
    return GenericAlias(list, (item_type,))


def _decode_section(
    section: Section,
    data: bytes | Raw | None,
    python: Any,
    log: ProblemLog,
    non_finite: set[int] | None = None,
) -> Section:
    """Records of one top-level array: typed in one go if possible, else one by one
    (always for a section with NaN or Infinity: its bytes say null instead)."""
    non_finite = non_finite or set()
    record_type = section.record_type
    label = section.name or "the file"
    if (python is not None and not isinstance(python, list)) or (python is None and data is None):
        log.format_error(
            "invalid_structure",
            section.name,
            f"expected an array of {_NOUN[record_type.kind]} records, got {describe(python)}",
            f"{label} was ignored",
        )
        section.present = python is not None
        if python is not None:
            value_as_read = _try_encode(python, as_read=True)
            section.as_read = Raw(value_as_read) if value_as_read is not None else None
        return section
    if data is not None:
        for _ in range(0 if non_finite else _MAX_DISCOVERIES):
            try:
                records = _decode(data, _list_of(record_type.type))
            except msgspec.ValidationError as error:
                message, path = _split_error(error)
                unknown = _UNKNOWN_FIELD.match(message)
                if unknown and _RECORD_PATH.match(path):
                    record_type.add_extra(unknown.group(1))
                    continue
                break
            section.records = records
            section.file_index = np.arange(len(records), dtype=np.int64)
            return section
        try:
            items: list[Raw | None] = _decode(data, list[Raw])
        except msgspec.ValidationError:
            log.format_error(
                "invalid_structure",
                section.name,
                f"expected an array of {_NOUN[record_type.kind]} records, "
                f"got {describe(msgspec.json.decode(data))}",
                f"{label} was ignored",
            )
            section.as_read = Raw(bytes(data))
            return section
    else:
        encoded = [_try_encode(item) for item in python or ()]
        items = [Raw(item) if item is not None else None for item in encoded]
    python_items = python if isinstance(python, list) and len(python) == len(items) else None
    return _records_one_by_one(section, items, python_items, log, non_finite)


def _records_one_by_one(
    section: Section,
    items: list[Raw | None],
    python_items: list[Any] | None,
    log: ProblemLog,
    non_finite: set[int],
) -> Section:
    """Each item typed where it can be; the others through the precise validator. Ground
    truth keeps every record (a stand-in row for one that is not even an object) and
    its original for export; detections may still drop records."""
    record_type = section.record_type
    kind = record_type.kind
    keep_all = kind != "result"
    validator = VALIDATORS[kind]
    value_names = frozenset(record_type.base_names) - {"segmentation"}
    decoder = msgspec.json.Decoder(record_type.type)
    records: list[Any] = []
    kept: list[int] = []
    decoder_type = record_type.type
    for index, item in enumerate(items):
        record = None
        if record_type.type is not decoder_type:  # a validator found a new extra field
            decoder_type = record_type.type
            decoder = msgspec.json.Decoder(decoder_type)
        if item is not None and index not in non_finite:
            while True:
                try:
                    record = decoder.decode(item)
                except msgspec.ValidationError as error:
                    message, path = _split_error(error)
                    unknown = _UNKNOWN_FIELD.match(message)
                    if unknown and path == "":
                        record_type.add_extra(unknown.group(1))
                        decoder_type = record_type.type
                        decoder = msgspec.json.Decoder(decoder_type)
                        continue
                    record = None
                break
        if record is None:
            python_record = python_items[index] if python_items is not None else None
            path = section.path(index)
            action = "kept as a row of stand-ins; written back as read" if keep_all else None
            fields = record_fields(item, python_record, path, value_names, log, _NOUN[kind], action)
            if fields is None and keep_all:
                fields = empty_fields(path)
            if fields is not None:
                pending: list[Any] = []
                record = validator(fields, record_type, log, pending)
                if keep_all:
                    row = len(records)
                    section.pending += [(row, name, value) for name, value in pending]
                    original = _original(item, python_record, index in non_finite)
                    if original is not None:
                        section.originals[row] = original
                elif index in non_finite and record is not None:
                    # A detection with NaN or Infinity (a score, say) is written back with
                    # them; JSON proper has no such numbers. Keyed by its file index.
                    original = _original(item, python_record, True)
                    if original is not None:
                        section.originals[index] = original
        if record is not None:
            records.append(record)
            kept.append(index)
    section.records = records
    section.file_index = np.asarray(kept, dtype=np.int64)
    return section


def _original(item: Raw | None, python_record: Any, has_non_finite: bool) -> Raw | None:
    """A record as the file has it: its bytes, or (read from Python objects, or holding
    NaN) its JSON with NaN and Infinity as Python's json writes them."""
    if item is not None and not has_non_finite and python_record is None:
        return item
    try:
        return Raw(encode_json_as_read(python_record))
    except (TypeError, ValueError, OverflowError):
        return item


__all__ = [
    "GROUND_TRUTH_LAYOUT",
    "RESULTS_LIST",
    "Document",
    "Section",
    "Source",
    "load_document",
    "read_source",
]

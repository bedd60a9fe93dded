"""One record's fields as plain values (the ones cocowidget reads) and raw JSON (the
rest), for the precise validators; the path names the record in messages."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import msgspec
from msgspec import Raw

from cocowidget.data import segments
from cocowidget.data.json_encoding import encode_json_as_read
from cocowidget.data.problems import ProblemLog
from cocowidget.data.values import describe

_fields_decoder = msgspec.json.Decoder(dict[str, Raw])


@dataclass
class RecordFields:
    """One record's fields: plain values for the fields cocowidget reads, raw JSON for
    the rest (segmentation and extras), so they are written back exactly as read."""

    path: str
    values: dict[str, Any]
    raw: dict[str, Raw]
    problems: list[tuple[str, str]] = field(default_factory=list)  # (path, reason)
    #: The record is not an object: every field is a stand-in, reported once.
    not_object: bool = False

    def has(self, name: str) -> bool:
        return name in self.values or name in self.raw


def record_fields(
    item: Raw | None,
    python_record: Any,
    path: str,
    value_names: frozenset[str],
    log: ProblemLog,
    what: str,
    not_object_action: str | None = None,
) -> RecordFields | None:
    """Split a record into plain values (``value_names``) and raw JSON (everything else,
    kept byte for byte); None (reported) if the record is not an object.

    ``python_record`` is the original Python value when the source was Python objects
    (it knows about NaN, which JSON bytes cannot express); ``item`` the record's JSON.
    ``not_object_action`` says what becomes of a record that is not an object.
    """
    action = not_object_action or f"the {what} was dropped"
    if python_record is not None or item is None:
        if not isinstance(python_record, Mapping):
            log.format_error(
                "invalid_structure",
                path,
                f"expected an object, got {describe(python_record)}",
                action,
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
                raw[name] = Raw(encode_json_as_read(value))
            except (TypeError, NotImplementedError, OverflowError, ValueError) as error:
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
            action,
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


def empty_fields(path: str) -> RecordFields:
    """The fields of a record that is not an object: none (every field gets a stand-in;
    the record is written back as read)."""
    return RecordFields(path, {}, {}, not_object=True)


__all__ = ["RecordFields", "empty_fields", "record_fields"]

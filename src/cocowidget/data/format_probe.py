"""Telling a COCO panoptic file from an instances file before reading it as one.

A panoptic file's annotations are one record per image (``file_name`` of its PNG and
``segments_info``), with no ``category_id`` or ``bbox``: read as instances, every record
would be a "missing field" problem. :func:`without_panoptic_annotations` says once what
the file is and what to call instead, and leaves the annotations out so the images and
categories still load.
"""

from __future__ import annotations

from typing import Any

import msgspec
from msgspec import Raw

from cocowidget.data.json_bytes import Source
from cocowidget.data.problems import ProblemLog

_MARK = b'"segments_info"'
INSTEAD = (
    "it is a COCO panoptic file (annotations with segments_info and a PNG each): load it "
    "with CocoDataset.from_coco_panoptic(json, png_dir, image_dir=...)"
)


class _Record(msgspec.Struct):
    segments_info: Raw = Raw(b"")  # empty: the record has none (Raw takes no None)


class _Document(msgspec.Struct):
    annotations: list[_Record] | None = None


def is_panoptic(source: Source) -> bool:
    """The source's first annotation has ``segments_info``."""
    if source.python is not None:
        annotations = source.python.get("annotations") if isinstance(source.python, dict) else None
        first = annotations[0] if isinstance(annotations, list) and annotations else None
        return isinstance(first, dict) and "segments_info" in first
    data = source.data or b""
    if _MARK not in data:  # a fast scan keeps instances files from a second decode
        return False
    try:
        document = msgspec.json.decode(data, type=_Document)
    except (msgspec.DecodeError, msgspec.ValidationError):
        return False
    annotations = document.annotations or []
    return bool(annotations) and len(annotations[0].segments_info) > 0


def without_panoptic_annotations(source: Source, log: ProblemLog) -> Source:
    """``source`` as it is, or, for a panoptic file, reported (strict mode raises) and
    with an empty annotations array."""
    if not is_panoptic(source):
        return source
    log.format_error("panoptic_file", "annotations", INSTEAD, "its annotations were not loaded")
    if source.python is not None:
        return Source(source.name, python={**source.python, "annotations": []})
    sections: dict[str, Any] = msgspec.json.decode(source.data or b"", type=dict[str, Raw])
    sections["annotations"] = Raw(b"[]")
    return Source(source.name, msgspec.json.encode(sections))

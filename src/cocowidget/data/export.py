"""Writing datasets and prediction runs back to COCO JSON.

Records are rebuilt from the columns; segmentations and extra fields are written back as
the raw JSON they were read as (``msgspec.Raw`` is emitted verbatim), so export loses
nothing that was loaded, and a load → write → load round trip gives equal tables.
Annotations are written in their original file order. Big arrays are built and written
in chunks, so writing a million annotations never holds a million dicts.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import msgspec
import numpy as np
from msgspec import Raw

from cocowidget.data.grouping import ObjectTable
from cocowidget.data.table import Table

CHUNK = 50_000

#: A record as a dict, or as the raw JSON it was read as (``msgspec.Raw``).
Records = list[Any]

#: Records kept as read, by file index: the original JSON (``msgspec.Raw``, written
#: verbatim), or the fields the file lacked that the columns hold stand-ins for.
Originals = Mapping[int, Any]


@dataclass(frozen=True)
class KeptAsRead:
    """Where export writes records as read rather than from the columns (``repaired``
    export writes the columns, stand-ins included)."""

    originals: Originals
    file_index: np.ndarray


def _records(
    fields: dict[str, np.ndarray],
    extras: dict[str, np.ndarray],
    rows: np.ndarray,
    kept: KeptAsRead | None,
) -> Records:
    """One dict per row in ``rows``: ``fields`` maps output keys to columns; extra
    (raw) fields are added where present; records kept as read are written so."""
    columns = [values[rows].tolist() for values in fields.values()]
    keys = list(fields)
    records: Records = [
        dict(zip(keys, values, strict=True)) for values in zip(*columns, strict=True)
    ]
    for key, values in extras.items():
        for record, value in zip(records, values[rows].tolist(), strict=True):
            if value is not None:
                record[key] = value
    if kept is not None and kept.originals:
        for i, file_index in enumerate(kept.file_index[rows].tolist()):
            original = kept.originals.get(file_index)
            if isinstance(original, Raw):
                records[i] = original
            elif original is not None:
                for name in original:
                    records[i].pop(name, None)
    return records


def _chunks(
    fields: dict[str, np.ndarray],
    extras: dict[str, np.ndarray],
    order: np.ndarray,
    kept: KeptAsRead | None = None,
) -> Iterator[Records]:
    for start in range(0, len(order), CHUNK):
        yield _records(fields, extras, order[start : start + CHUNK], kept)


def _kept(table: Table, originals: Originals | None) -> KeptAsRead | None:
    return KeptAsRead(originals, table["file_index"]) if originals else None


def image_chunks(
    images: Table, extras: dict[str, np.ndarray], originals: Originals | None = None
) -> Iterator[Records]:
    fields = {name: images[name] for name in ("id", "file_name", "width", "height")}
    return _chunks(fields, extras, np.arange(len(images)), _kept(images, originals))


def category_chunks(
    categories: Table, extras: dict[str, np.ndarray], originals: Originals | None = None
) -> Iterator[Records]:
    fields = {name: categories[name] for name in ("id", "name")}
    supercategory = categories["supercategory"]  # None where the file has none
    order = np.argsort(categories["file_index"], kind="stable")
    kept = _kept(categories, originals)
    return _chunks(fields, {"supercategory": supercategory, **extras}, order, kept)


def object_chunks(
    objects: ObjectTable, *, with_score: bool, originals: Originals | None = None
) -> Iterator[Records]:
    """Annotations (or detections) in original file order."""
    table = objects.table
    names = ["id", "image_id", "category_id", "bbox", "area", "iscrowd"]
    if with_score:
        names.append("score")
    fields = {name: table[name] for name in names}
    extras = {"segmentation": objects.segmentation, **objects.extras}
    order = np.argsort(table["file_index"], kind="stable")
    return _chunks(fields, extras, order, _kept(table, originals))


def result_chunks(objects: ObjectTable) -> Iterator[Records]:
    """Detections in original file order, each record with the fields it was read with
    and the values it had (``file_id``, ``file_bbox``, ``file_area``, ``file_iscrowd``;
    not the ones completed as ``COCO.loadRes`` completes them)."""
    table = objects.table
    order = np.argsort(table["file_index"], kind="stable")
    given = {
        "id": table["file_id"] != np.iinfo(np.int64).min,
        "bbox": ~np.isnan(table["file_bbox"]).any(axis=1),
        "area": ~np.isnan(table["file_area"]),
        "iscrowd": table["file_iscrowd"] >= 0,
    }
    values = {
        "id": table["file_id"],
        "bbox": table["file_bbox"],
        "area": table["file_area"],
        "iscrowd": table["file_iscrowd"],
    }
    always = {name: table[name] for name in ("image_id", "category_id", "score")}
    extras = {"segmentation": objects.segmentation, **objects.extras}
    for start in range(0, len(order), CHUNK):
        rows = order[start : start + CHUNK]
        records = _records(always, extras, rows, None)
        for name, present in given.items():
            column = values[name][rows].tolist()
            for record, value, here in zip(records, column, present[rows].tolist(), strict=True):
                if here:
                    record[name] = value
        if objects.originals:  # records with NaN or Infinity: as the file has them
            file_index = table["file_index"][rows].tolist()
            records = [
                objects.originals.get(i, r) for i, r in zip(file_index, records, strict=True)
            ]
        yield records


def dataset_sections(
    images: Iterator[Records],
    annotations: Iterator[Records],
    categories: Iterator[Records],
    top_extras: dict[str, Any],
    as_read: Mapping[str, Any] | None = None,
) -> list[tuple[str, Any]]:
    """(key, value) of the top-level object in COCO's usual order; arrays as chunks.
    ``as_read`` replaces a section by what the file had instead of an array (``Raw``),
    or leaves it out (``None``: the file had none)."""
    as_read = as_read or {}
    sections: list[tuple[str, Any]] = [
        (key, top_extras[key]) for key in ("info", "licenses") if key in top_extras
    ]
    arrays = (("images", images), ("annotations", annotations), ("categories", categories))
    for key, chunks in arrays:
        if key not in as_read:
            sections.append((key, chunks))
        elif as_read[key] is not None:
            sections.append((key, as_read[key]))
    sections += [(k, v) for k, v in top_extras.items() if k not in ("info", "licenses")]
    return sections


def _array(chunks: Iterable[Records]) -> Iterator[bytes]:
    yield b"["
    first = True
    for chunk in chunks:
        if not chunk:
            continue
        if not first:
            yield b","
        yield msgspec.json.encode(chunk)[1:-1]
        first = False
    yield b"]"


def _write(path: str | os.PathLike[str], pieces: Iterable[bytes]) -> Path:
    """Write to a temporary file, then replace: a failed export never leaves half a
    file where a dataset was (the source file may be the destination)."""
    out = Path(path)
    temporary = out.with_name(f".{out.name}.{os.getpid()}.partial")
    try:
        with temporary.open("wb") as file:
            file.writelines(pieces)
        temporary.replace(out)
    finally:
        temporary.unlink(missing_ok=True)
    return out


def _object(sections: list[tuple[str, Any]]) -> Iterator[bytes]:
    yield b"{"
    for i, (key, value) in enumerate(sections):
        yield (b"," if i else b"") + msgspec.json.encode(key) + b":"
        if isinstance(value, Iterator):
            yield from _array(value)
        else:
            yield msgspec.json.encode(value)
    yield b"}"


def write_object(sections: list[tuple[str, Any]], path: str | os.PathLike[str]) -> Path:
    """Write a JSON object whose values may be chunk iterators (arrays)."""
    return _write(path, _object(sections))


def write_array(chunks: Iterator[Records], path: str | os.PathLike[str]) -> Path:
    return _write(path, _array(chunks))


def _as_python(value: Any) -> Any:
    encoded = msgspec.json.encode(value)
    try:
        return msgspec.json.decode(encoded)
    except msgspec.DecodeError:
        # Records kept as read may hold NaN or Infinity, as Python's json writes them.
        return json.loads(encoded)


def records_as_python(chunks: Iterable[Records]) -> list[Any]:
    """Records with their raw JSON parts parsed into plain Python values."""
    records: list[Any] = []
    for chunk in chunks:
        records += _as_python(chunk)
    return records


def sections_as_python(sections: list[tuple[str, Any]]) -> dict[str, Any]:
    return {
        key: records_as_python(value) if isinstance(value, Iterator) else _as_python(value)
        for key, value in sections
    }


def coco_sections(
    images: Table,
    image_extras: dict[str, np.ndarray],
    annotations: ObjectTable,
    categories: Table,
    category_extras: dict[str, np.ndarray],
    top_extras: dict[str, Any],
    *,
    originals: dict[str, Originals],
    sections_as_read: dict[str, Any],
) -> list[tuple[str, Any]]:
    """A dataset's sections to write: records as read where ``originals`` has them, and a
    section the file had as something other than an array (or not at all) as read while
    its table is empty."""
    lengths = {
        "images": len(images),
        "annotations": len(annotations),
        "categories": len(categories),
    }
    as_read = {name: value for name, value in sections_as_read.items() if lengths[name] == 0}
    return dataset_sections(
        image_chunks(images, image_extras, originals.get("images")),
        object_chunks(annotations, with_score=False, originals=originals.get("annotations")),
        category_chunks(categories, category_extras, originals.get("categories")),
        top_extras,
        as_read,
    )

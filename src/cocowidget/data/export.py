"""Writing datasets and prediction runs back to COCO JSON.

Records are rebuilt from the columns; segmentations and extra fields are written back as
the raw JSON they were read as (``msgspec.Raw`` is emitted verbatim), so export loses
nothing that was loaded, and a load → write → load round trip gives equal tables.
Annotations are written in their original file order. Big arrays are built and written
in chunks, so writing a million annotations never holds a million dicts.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import msgspec
import numpy as np

from cocowidget.data.grouping import ObjectTable
from cocowidget.data.table import Table

CHUNK = 50_000

Records = list[dict[str, Any]]


def _records(
    fields: dict[str, np.ndarray], extras: dict[str, np.ndarray], rows: np.ndarray
) -> Records:
    """One dict per row in ``rows``: ``fields`` maps output keys to columns; extra
    (raw) fields are added where present."""
    columns = [values[rows].tolist() for values in fields.values()]
    keys = list(fields)
    records = [dict(zip(keys, values, strict=True)) for values in zip(*columns, strict=True)]
    for key, values in extras.items():
        for record, value in zip(records, values[rows].tolist(), strict=True):
            if value is not None:
                record[key] = value
    return records


def _chunks(
    fields: dict[str, np.ndarray], extras: dict[str, np.ndarray], order: np.ndarray
) -> Iterator[Records]:
    for start in range(0, len(order), CHUNK):
        yield _records(fields, extras, order[start : start + CHUNK])


def image_chunks(images: Table, extras: dict[str, np.ndarray]) -> Iterator[Records]:
    fields = {name: images[name] for name in ("id", "file_name", "width", "height")}
    return _chunks(fields, extras, np.arange(len(images)))


def category_chunks(categories: Table, extras: dict[str, np.ndarray]) -> Iterator[Records]:
    fields = {name: categories[name] for name in ("id", "name")}
    # An empty supercategory is one the file did not have.
    supercategory = categories["supercategory"].copy()
    supercategory[supercategory == ""] = None
    order = np.argsort(categories["file_index"], kind="stable")
    return _chunks(fields, {"supercategory": supercategory, **extras}, order)


def object_chunks(objects: ObjectTable, *, with_score: bool) -> Iterator[Records]:
    """Annotations (or detections) in original file order."""
    table = objects.table
    names = ["id", "image_id", "category_id", "bbox", "area", "iscrowd"]
    if with_score:
        names.append("score")
    fields = {name: table[name] for name in names}
    extras = {"segmentation": objects.segmentation, **objects.extras}
    return _chunks(fields, extras, np.argsort(table["file_index"], kind="stable"))


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
        records = _records(always, extras, rows)
        for name, present in given.items():
            column = values[name][rows].tolist()
            for record, value, here in zip(records, column, present[rows].tolist(), strict=True):
                if here:
                    record[name] = value
        yield records


def dataset_sections(
    images: Iterator[Records],
    annotations: Iterator[Records],
    categories: Iterator[Records],
    top_extras: dict[str, Any],
) -> list[tuple[str, Any]]:
    """(key, value) of the top-level object in COCO's usual order; arrays as chunks."""
    sections: list[tuple[str, Any]] = [
        (key, top_extras[key]) for key in ("info", "licenses") if key in top_extras
    ]
    sections += [("images", images), ("annotations", annotations), ("categories", categories)]
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


def records_as_python(chunks: Iterable[Records]) -> list[Any]:
    """Records with their raw JSON parts parsed into plain Python values."""
    records: list[Any] = []
    for chunk in chunks:
        records += msgspec.json.decode(msgspec.json.encode(chunk))
    return records


def sections_as_python(sections: list[tuple[str, Any]]) -> dict[str, Any]:
    return {
        key: records_as_python(value)
        if isinstance(value, Iterator)
        else msgspec.json.decode(msgspec.json.encode(value))
        for key, value in sections
    }

"""Writing datasets and prediction runs back to COCO JSON.

Records are rebuilt from the columns; segmentations and extra fields are written back as
the raw JSON they were read as (``msgspec.Raw`` is emitted verbatim), so export loses
nothing that was loaded, and a load → write → load round trip gives equal tables.
Annotations are written in their original file order.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import msgspec
import numpy as np

from cocowidget.data.grouping import ObjectTable
from cocowidget.data.table import Table


def _records(
    table: Table, fields: dict[str, Any], extras: dict[str, np.ndarray], order: np.ndarray
) -> list[dict[str, Any]]:
    """One dict per row (in ``order``): ``fields`` maps output keys to column values."""
    columns = {key: values[order].tolist() for key, values in fields.items()}
    extra_columns = {key: values[order].tolist() for key, values in extras.items()}
    keys = list(columns)
    records = [
        dict(zip(keys, values, strict=True)) for values in zip(*columns.values(), strict=True)
    ]
    for key, values in extra_columns.items():
        for record, value in zip(records, values, strict=True):
            if value is not None:
                record[key] = value
    del table
    return records


def image_records(images: Table, extras: dict[str, np.ndarray]) -> list[dict[str, Any]]:
    order = np.arange(len(images))
    fields = {name: images[name] for name in ("id", "file_name", "width", "height")}
    return _records(images, fields, extras, order)


def category_records(categories: Table, extras: dict[str, np.ndarray]) -> list[dict[str, Any]]:
    order = np.argsort(categories["file_index"], kind="stable")
    fields = {name: categories[name] for name in ("id", "name")}
    records = _records(categories, fields, extras, order)
    for record, supercategory in zip(
        records, categories["supercategory"][order].tolist(), strict=True
    ):
        if supercategory:
            record["supercategory"] = supercategory
    return records


def object_records(objects: ObjectTable, *, with_score: bool) -> list[dict[str, Any]]:
    """Annotations (or detections) in original file order."""
    table = objects.table
    order = np.argsort(table["file_index"], kind="stable")
    fields: dict[str, Any] = {name: table[name] for name in ("id", "image_id", "category_id")}
    fields["bbox"] = table["bbox"]
    fields["area"] = table["area"]
    fields["iscrowd"] = table["iscrowd"]
    if with_score:
        fields["score"] = table["score"]
    extras = dict(objects.extras)
    extras["segmentation"] = objects.segmentation
    return _records(table, fields, extras, order)


def dataset_document(
    images: list[dict[str, Any]],
    annotations: list[dict[str, Any]],
    categories: list[dict[str, Any]],
    top_extras: dict[str, Any],
) -> dict[str, Any]:
    document: dict[str, Any] = {}
    for key in ("info", "licenses"):
        if key in top_extras:
            document[key] = top_extras[key]
    document["images"] = images
    document["annotations"] = annotations
    document["categories"] = categories
    for key, value in top_extras.items():
        document.setdefault(key, value)
    return document


def write_json(document: Any, path: str | os.PathLike[str]) -> Path:
    out = Path(path)
    out.write_bytes(msgspec.json.encode(document))
    return out


def as_python(document: Any) -> Any:
    """The document with raw JSON parts parsed into plain Python values."""
    return msgspec.json.decode(msgspec.json.encode(document))

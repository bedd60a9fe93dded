"""Which columns of a table are metrics of the data: what analyses relate and compare.

A metric is a one-dimensional numeric (or boolean) column that describes an image or an
object. Ids, file positions and the model's scores are not; nor are results computed
from runs, tags or slices, whose names have a ``.`` (``"frcnn.ap"``, ``"tags.night"``).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from cocowidget.data.table import Table

#: Columns that name, count or order records, or are the model's own output.
NOT_METRICS = frozenset(
    {
        "id",
        "image_id",
        "category_id",
        "iscrowd",
        "score",
        "file_index",
        "file_id",
        "file_area",
        "file_iscrowd",
        "category_index",
        "image_index",
        "bbox_x",
        "bbox_y",
    }
)


def is_numeric(values: np.ndarray) -> bool:
    array = np.asarray(values)
    return array.ndim == 1 and (
        np.issubdtype(array.dtype, np.number) or np.issubdtype(array.dtype, np.bool_)
    )


def metric_columns(table: Table) -> list[str]:
    """The table's metrics, in its column order."""
    return [
        name
        for name in table
        if "." not in name and name not in NOT_METRICS and is_numeric(table[name])
    ]


def chosen_metrics(
    images: Table, annotations: Table, columns: Sequence[str] | None
) -> tuple[list[str], list[str]]:
    """(image metrics, object metrics): ``columns`` looked up in the image table, then the
    annotation table (each must be numeric and one-dimensional), or every metric of both."""
    if columns is None:
        return metric_columns(images), metric_columns(annotations)
    image_metrics, object_metrics = [], []
    for name in columns:
        if name in images and is_numeric(images[name]):
            image_metrics.append(name)
        elif name in annotations and is_numeric(annotations[name]):
            object_metrics.append(name)
        elif name in images or name in annotations:
            raise TypeError(f"column {name!r} is not one-dimensional and numeric")
        else:
            raise KeyError(f"no image or annotation column {name!r}")
    return image_metrics, object_metrics

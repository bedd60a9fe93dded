"""Which objects an image grid draws at full strength (the others of their images dimmed).

The browser names an object as overlays do, ``"source:row"``: the source is 0 for the
ground truth and the run's number for a run's detections (never reused, so a removed
run's objects can never be taken for another's), the row is the object's row in its
table. The grid sends them grouped by image row, so a cell looks up only its own.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

if TYPE_CHECKING:
    from cocowidget.data.dataset import CocoData

GROUND_TRUTH = 0
#: Objects are emphasised in at most this many images (the first shown): enough for any
#: scroll position a user reaches, small enough to send at every pick.
EMPHASIS_LIMIT = 2000

Emphasis = dict[str, list[str]]  # image row (as text: a JSON key) -> "source:row" keys


def emphasis_keys(
    ds: CocoData,
    annotation_rows: npt.ArrayLike | None,
    detection_rows: Mapping[str, npt.ArrayLike] | None = None,
) -> Emphasis:
    """The wire form of annotation rows and, per run name, detection rows."""
    emphasis: Emphasis = {}
    sources = [(GROUND_TRUTH, ds.annotations["image_index"], annotation_rows)]
    for run, rows in (detection_rows or {}).items():
        sources.append((ds.runs[run].number, ds.predictions[run]["image_index"], rows))
    for source, image_index, given in sources:
        rows = np.zeros(0, np.int64) if given is None else np.asarray(given, np.int64)
        for image_row, row in zip(image_index[rows].tolist(), rows.tolist(), strict=True):
            emphasis.setdefault(str(image_row), []).append(f"{source}:{row}")
    return emphasis


def emphasized_ids(ds: CocoData, emphasis: Emphasis, source: int) -> dict[int, list[int]]:
    """Image id -> ids of the emphasised objects of one source (0: ground truth)."""
    if source == GROUND_TRUTH:
        table = ds.annotations
    else:
        run = ds.runs.by_number(source)
        if run is None:  # removed since: nothing of it is drawn any more
            return {}
        table = run.objects.table
    image_ids, ids = ds.images["id"], table["id"]
    found: dict[int, list[int]] = {}
    prefix = f"{source}:"
    for image_row, keys in emphasis.items():
        rows = [int(key[len(prefix) :]) for key in keys if key.startswith(prefix)]
        if rows:
            found[int(image_ids[int(image_row)])] = ids[rows].tolist()
    return found


def objects_of_class(
    ds: CocoData, category_id: int, image_rows: npt.ArrayLike
) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Rows of the ground truth and of each run's detections of one class, in the given
    image rows: what picking a class emphasises."""
    wanted = np.asarray(image_rows, np.int64)

    def rows_of(table_image_index: np.ndarray, table_category: np.ndarray) -> np.ndarray:
        mask = (table_category == category_id) & np.isin(table_image_index, wanted)
        return np.flatnonzero(mask)

    annotations = ds.annotations
    truth = rows_of(annotations["image_index"], annotations["category_id"])
    detections = {
        run: rows_of(table["image_index"], table["category_id"])
        for run, table in ds.predictions.items()
    }
    return truth, detections

"""``ev.by_slice()``: COCO stats per named slice of the dataset, one table row each.

Each row is COCOeval with ``imgIds`` = the slice's images, accumulated again from the
evaluation's matches (:func:`~cocowidget.evaluation.subsets.image_part_stats`), so ten
slices cost ten accumulations, not ten evaluations.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from cocowidget.data.table import Table

if TYPE_CHECKING:
    from cocowidget.evaluation.evaluated import Evaluated


def slice_stats(evaluation: Evaluated, names: Sequence[str] | None = None) -> Table:
    ds = evaluation.dataset
    if ds is None:
        raise ValueError(
            "by_slice: this evaluation has no dataset (it was made outside one, or the "
            "dataset is gone), so no slices; use stats_for_images(ids)"
        )
    if evaluation.origin is not None:
        evaluation.origin.name_in(ds.runs)  # a removed or replaced run is a clear error
    chosen = list(ds.slices) if names is None else [str(n) for n in names]
    evaluated = evaluation.image_ids
    stat_names = evaluation.stat_names
    stats = np.full((len(chosen), len(stat_names)), -1.0)
    sizes = np.zeros(len(chosen), dtype=np.int64)
    notes: list[str] = []
    for row, name in enumerate(chosen):
        members = ds.slices[name]
        inside = np.intersect1d(members, evaluated)
        sizes[row] = len(inside)
        note = []
        if len(inside) < len(members):
            note.append(f"{len(members) - len(inside):,} images not evaluated, left out")
        if len(inside) == 0:
            note.append("no images: stats -1, as COCOeval gives")
        else:
            stats[row] = evaluation.stats_for_images(inside)
        notes.append("; ".join(note))
    columns: dict[str, np.ndarray] = {
        "slice": np.array(chosen, dtype=object),
        "images": sizes,
        "note": np.array(notes, dtype=object),
    }
    for index, stat in enumerate(stat_names):
        columns[stat] = stats[:, index]
    return Table(columns)

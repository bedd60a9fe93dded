"""Reductions of pair values per group (a detection's pairs, an annotation's pairs)."""

from __future__ import annotations

import numpy as np

from cocowidget.evaluation._arrays import FloatArray, IntArray


def group_max(values: FloatArray, groups: IntArray, n_groups: int, fill: float = 0.0) -> FloatArray:
    """The largest value of each group; ``fill`` for a group without values (and where
    every value is smaller than ``fill``)."""
    best = np.full(n_groups, fill, dtype=np.float64)
    np.maximum.at(best, groups, values)
    return best


def group_argmax(values: FloatArray, groups: IntArray, n_groups: int) -> IntArray:
    """The index (into ``values``) of each group's largest value, the first of equal
    ones; -1 for a group without values. NaN values never win."""
    best = np.full(n_groups, -1, dtype=np.int64)
    usable = np.flatnonzero(~np.isnan(values))
    if len(usable) == 0:
        return best
    # Sorted by group, then value, then reversed position: each group's last entry is
    # its largest value, at its first position.
    order = usable[np.lexsort((-usable, values[usable], groups[usable]))]
    sorted_groups = groups[order]
    last = np.r_[sorted_groups[1:] != sorted_groups[:-1], True]
    best[sorted_groups[last]] = order[last]
    return best

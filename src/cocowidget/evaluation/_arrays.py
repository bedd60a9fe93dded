"""Array type aliases shared by the evaluation modules."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]


def segment_starts(lengths: IntArray) -> IntArray:
    """Start offset of each contiguous segment, given the segment lengths."""
    starts = np.zeros(len(lengths), dtype=np.int64)
    np.cumsum(lengths[:-1], out=starts[1:])
    return starts


def position_in_segment(segment_of_row: IntArray, n_segments: int) -> IntArray:
    """0-based position of each row inside its segment; rows must be grouped by segment."""
    lengths = np.bincount(segment_of_row, minlength=n_segments).astype(np.int64)
    starts = segment_starts(lengths)
    return np.arange(len(segment_of_row), dtype=np.int64) - starts[segment_of_row]


def best_per_segment(
    values: FloatArray, segment: IntArray, n_segments: int
) -> tuple[FloatArray, IntArray]:
    """Maximum of ``values`` per segment and the row of its first occurrence.

    ``segment`` must be sorted (rows of a segment contiguous). Empty segments, and
    segments whose values are all ``-inf``, give ``-inf`` and row -1.
    """
    best = np.full(n_segments, -np.inf)
    first = np.full(n_segments, -1, dtype=np.int64)
    if len(values) == 0:
        return best, first
    counts = np.bincount(segment, minlength=n_segments)
    present = np.flatnonzero(counts)
    starts = segment_starts(counts.astype(np.int64))[present]
    best[present] = np.maximum.reduceat(values, starts)
    rows = np.arange(len(values), dtype=np.int64)
    at_best = (values == best[segment]) & (values > -np.inf)
    candidate = np.where(at_best, rows, len(values))
    first_rows = np.minimum.reduceat(candidate, starts)
    first[present] = np.where(first_rows < len(values), first_rows, -1)
    return best, first


def best_per_key(values: FloatArray, key: IntArray, n_keys: int) -> tuple[FloatArray, IntArray]:
    """As :func:`best_per_segment` for rows in any order: per key, the maximum and the
    first row holding it."""
    order = np.argsort(key, kind="stable")
    best, first = best_per_segment(values[order], key[order], n_keys)
    return best, take_or(order, first, -1)


def take_or(values: np.ndarray, index: IntArray, fill: float) -> np.ndarray:
    """``values[index]`` where ``index >= 0``, ``fill`` elsewhere (also for empty values)."""
    if len(values) == 0:
        return np.full(index.shape, fill)
    taken: np.ndarray = np.where(index >= 0, values[np.maximum(index, 0)], fill)
    return taken


def spread_rows(
    values: np.ndarray, rows: IntArray, n: int, fill: object, dtype: np.dtype
) -> np.ndarray:
    """An ``n``-row array holding ``values`` at ``rows`` and ``fill`` elsewhere (results of
    the evaluated objects, spread back over every input object)."""
    out = np.full((n, *values.shape[1:]), fill, dtype=dtype)
    out[rows] = values
    return out

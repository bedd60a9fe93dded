"""Histogram bins chosen once per column, readable for long-tailed data.

- Small-integer columns (object counts) get one bin per integer, centred on it.
- A column whose positive values span more than two orders of magnitude (areas, relative
  areas, box aspect ratios) gets log-spaced bins, drawn on a log axis. The span is taken
  between the 1st and 99th percentile, so a single outlier does not switch the scale, and
  only when nearly every value is positive (zero has no place on a log axis).
- Anything else gets equal-width bins; integer columns get integer-wide ones, so no bin
  holds more distinct values than its neighbours.

The number of bins follows the Rice rule (2·n^⅓), between 10 and 60. Values that have no
bin (NaN, infinities, non-positive values on a log axis) are counted apart, never
dropped silently.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

import numpy as np

Scale = Literal["linear", "log"]

MIN_BINS = 10
MAX_BINS = 60
#: Positive values spanning more than this ratio (1st to 99th percentile) get a log axis.
LOG_SPAN = 100.0
#: Share of finite values that must be positive for a log axis.
LOG_POSITIVE_SHARE = 0.95


@dataclass(frozen=True)
class Bins:
    edges: np.ndarray  # ascending, len = count + 1
    scale: Scale
    integer: bool  # one bin per integer, centred on it

    @property
    def count(self) -> int:
        return len(self.edges) - 1

    @property
    def centers(self) -> np.ndarray:
        low, high = self.edges[:-1], self.edges[1:]
        centers: np.ndarray = np.sqrt(low * high) if self.scale == "log" else (low + high) / 2
        return centers

    def index(self, values: np.ndarray) -> np.ndarray:
        """Bin of each value as int32; ``count`` for values without a bin.

        Bins are half-open ``[edge, next edge)`` except the last, which includes its
        upper edge, as in ``numpy.histogram``.
        """
        n = self.count
        index = np.searchsorted(self.edges, values, side="right").astype(np.int32) - 1
        index[values == self.edges[-1]] = n - 1
        outside = (index < 0) | (index >= n) | ~np.isfinite(values)
        index[outside] = n
        return index


def choose_bins(values: np.ndarray, *, integral: bool | None = None) -> Bins:
    """Bins for a numeric column (any NaN or infinity is ignored when choosing)."""
    finite = values[np.isfinite(values)]
    if finite.size == 0:
        return Bins(np.array([0.0, 1.0]), "linear", integer=False)
    if integral is None:
        integral = bool(np.all(finite == np.round(finite)))
    lo, hi = float(finite.min()), float(finite.max())
    wanted = int(np.clip(math.ceil(2 * finite.size ** (1 / 3)), MIN_BINS, MAX_BINS))
    if integral and hi - lo + 1 <= MAX_BINS:
        return _unit_bins(lo, hi)
    if _wants_log(finite):
        positive = finite[finite > 0]
        low, high = float(positive.min()), float(positive.max())
        return Bins(np.geomspace(low, high, wanted + 1), "log", integer=False)
    if integral:
        width = math.ceil((hi - lo + 1) / wanted)
        count = math.ceil((hi - lo + 1) / width)
        return Bins(lo - 0.5 + width * np.arange(count + 1, dtype=np.float64), "linear", False)
    if lo == hi:
        return Bins(np.array([lo - 0.5, hi + 0.5]), "linear", integer=False)
    return Bins(np.linspace(lo, hi, wanted + 1), "linear", integer=False)


def _unit_bins(lo: float, hi: float) -> Bins:
    # At least three bins, so a constant column still draws a bar between two empty ones.
    first, last = lo, max(hi, lo + 2)
    if hi == lo:
        first, last = lo - 1, lo + 1
    return Bins(np.arange(first - 0.5, last + 1.0, 1.0), "linear", integer=True)


def _wants_log(finite: np.ndarray) -> bool:
    positive = finite[finite > 0]
    if positive.size < 2 or positive.size < LOG_POSITIVE_SHARE * finite.size:
        return False
    low, high = np.percentile(positive, [1, 99])
    return bool(high / low > LOG_SPAN)


@dataclass(frozen=True)
class Ticks:
    values: np.ndarray
    format: str  # a d3-format specifier


def axis_ticks(bins: Bins, target: int = 5) -> Ticks:
    """Round tick values inside the bins' range, and how to print them.

    Linear axes step by 1, 2 or 5 × 10ᵏ; log axes put ticks at powers of ten, adding 2×
    and 5× (or else 3×) while that keeps them to about ``target`` (a chart two to a
    row has room for no more labels like "0.005").
    """
    low, high = float(bins.edges[0]), float(bins.edges[-1])
    if bins.scale == "log":
        first, last = math.floor(math.log10(low)), math.ceil(math.log10(high))
        for mantissas in ((1.0, 2.0, 5.0), (1.0, 3.0), (1.0,)):
            candidates = [m * 10.0**k for k in range(first, last + 1) for m in mantissas]
            values = np.array([v for v in candidates if low <= v <= high])
            if values.size <= target + 1:
                break
        if values.size < 2:
            values = np.geomspace(low, high, 3)
        return Ticks(values, "~s" if low >= 1 else "~g")
    step = _nice_step((high - low) / max(target, 1))
    if bins.integer:
        step = max(1.0, step)
    values = np.arange(math.ceil(low / step) * step, high + step * 1e-9, step)
    if max(abs(low), abs(high)) >= 10_000:
        return Ticks(values, "~s")
    decimals = max(0, -math.floor(math.log10(step))) if step < 1 else 0
    return Ticks(values, f".{decimals}f")


def _nice_step(raw: float) -> float:
    if raw <= 0 or not math.isfinite(raw):
        return 1.0
    power = 10.0 ** math.floor(math.log10(raw))
    # Round to the nearest of 1, 2, 5, 10 in log terms (the cut-offs are their midpoints).
    ratio = raw / power
    factor = 10.0 if ratio >= 7.07 else 5.0 if ratio >= 3.16 else 2.0 if ratio >= 1.41 else 1.0
    return factor * power

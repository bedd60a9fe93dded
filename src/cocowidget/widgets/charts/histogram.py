"""A brushable bqplot histogram: the full distribution in grey, the filtered one on top."""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable
from typing import Any

import bqplot as bq
import ipywidgets as widgets
import numpy as np

from cocowidget.views.binning import Bins, axis_ticks
from cocowidget.views.columns import ColumnRef, Description
from cocowidget.views.distributions import Histogram
from cocowidget.views.filters import FilterValue, Interval
from cocowidget.views.formatting import format_count, format_interval, format_number
from cocowidget.widgets.charts.bars import close_tree, figure
from cocowidget.widgets.charts.readout import HoverReadout
from cocowidget.widgets.charts.style import (
    BRUSH_COLOR,
    FILTERED_COLOR,
    FULL_COLOR,
    HISTOGRAM_HEIGHT,
    MARGIN,
)
from cocowidget.widgets.charts.throttle import Throttle

IntervalCallback = Callable[[str, Interval | None], None]


class HistogramChart:
    """One numeric column: bars per bin, a ``BrushIntervalSelector`` to filter by.

    While the brush moves, ``on_interval`` is called at most once per ``throttle``
    seconds; when it is released, at once with the final interval (``None`` when the
    brush was cleared).
    """

    def __init__(
        self,
        ref: ColumnRef,
        description: Description,
        bins: Bins,
        *,
        on_interval: IntervalCallback,
        throttle: float = 0.1,
    ) -> None:
        self.ref = ref
        self.key = ref.key
        self.description = description
        self.bins = bins
        self._on_interval = on_interval
        self._syncing = False
        self._last_sent: Interval | None = None
        self._throttle: Throttle[Interval | None] = Throttle(self._send, throttle)

        edges = bins.edges
        x_scale: Any = bq.LogScale() if bins.scale == "log" else bq.LinearScale()
        x_scale.min, x_scale.max = float(edges[0]), float(edges[-1])
        y_scale = bq.LinearScale(min=0.0, max=1.0)
        scales = {"x": x_scale, "y": y_scale}
        centers = bins.centers
        zeros = np.zeros(bins.count)
        bar_options: dict[str, Any] = {
            "x": centers,
            "scales": scales,
            "align": "center",
            "padding": 0.08,
            "stroke_width": 0,
            "interactions": {},
        }
        self.full_bars = bq.Bars(y=zeros, colors=[FULL_COLOR], **bar_options)
        self.filtered_bars = bq.Bars(y=zeros, colors=[FILTERED_COLOR], **bar_options)
        self.selector = bq.interacts.BrushIntervalSelector(
            scale=x_scale, marks=[], color=BRUSH_COLOR
        )
        self._x_scale = x_scale
        self._x_axis = bq.Axis(
            scale=x_scale,
            label=description.label,
            label_offset="32px",  # clear of the tick labels
            grid_lines="none",
            **x_ticks(bins),
        )
        self._y_scale = y_scale
        self._y_axis = bq.Axis(
            scale=y_scale,
            side="left",
            label=ref.noun,
            label_offset="36px",
            tick_format="~s",
            grid_lines="dashed",
        )
        self.figure = figure(
            [self.full_bars, self.filtered_bars],
            [self._x_axis, self._y_axis],
            interaction=self.selector,
            fig_margin=dict(MARGIN),
            padding_y=0.0,
            layout=widgets.Layout(
                width="100%", height=HISTOGRAM_HEIGHT, min_height=HISTOGRAM_HEIGHT
            ),
        )
        self.readout = HoverReadout(
            labels=bin_labels(bins, description.unit),
            noun=ref.noun,
            orientation="vertical",
            brush_band=True,
        )
        self.widget = widgets.VBox(
            [self.figure, self.readout], layout=widgets.Layout(min_width="240px")
        )
        self.widget.add_class("cw-chart")
        self.widget.add_class("cw-histogram")
        self.selector.observe(self._on_selected, "selected")
        self.selector.observe(self._on_brushing, "brushing")

    # -- Python → chart ------------------------------------------------------------------------
    def update(self, histogram: Histogram, value: FilterValue | None, filtering: bool) -> None:
        """New counts; ``value`` is this chart's own filter (shown in the idle text)."""
        full = histogram.full.tolist()
        if self.readout.full != full:
            self._set_count_axis(max(full, default=0))
            self.full_bars.y = histogram.full.astype(np.float64)
            self.readout.full = full
        self.filtered_bars.y = histogram.filtered.astype(np.float64)
        with self.readout.hold_sync():
            self.readout.filtered = histogram.filtered.tolist()
            self.readout.filtering = filtering
            self.readout.idle_text = self._idle_text(histogram, value)

    def show_filter(self, value: FilterValue | None) -> None:
        """Draw the brush for a filter set from Python (no callback fires)."""
        self._throttle.cancel()
        selected = None
        if isinstance(value, tuple):
            lo = max(value[0], float(self.bins.edges[0]))
            hi = min(value[1], float(self.bins.edges[-1]))
            selected = np.array([lo, hi]) if lo <= hi else None
            self._last_sent = value
        else:
            self._last_sent = None
        self._syncing = True
        try:
            self.selector.selected = selected
        finally:
            self._syncing = False

    def rebin(self, bins: Bins) -> None:
        """Other bins on the same kind of axis (the column's values changed: measured or
        attached since), drawn in place; :meth:`update` then draws the counts."""
        if bins.scale != self.bins.scale:
            raise ValueError("a linear axis cannot become a log one in place (bqplot)")
        self.bins = bins
        edges = bins.edges
        with self._x_scale.hold_sync():
            self._x_scale.min, self._x_scale.max = float(edges[0]), float(edges[-1])
        zeros = np.zeros(bins.count)
        for bars in (self.full_bars, self.filtered_bars):
            with bars.hold_sync():  # x and y of one length in one message
                bars.x, bars.y = bins.centers, zeros
        with self._x_axis.hold_sync():
            for name, value in x_ticks(bins).items():
                setattr(self._x_axis, name, value)
        with self.readout.hold_sync():
            self.readout.labels = bin_labels(bins, self.description.unit)
            self.readout.full = []  # so the next update draws the full bars
            self.readout.filtered = []

    def close(self) -> None:
        """Take the chart away (its column is gone, or binned anew)."""
        self._throttle.cancel()
        close_tree(self.widget)

    def _set_count_axis(self, highest: int) -> None:
        # The full distribution bounds every filtered one: a fixed axis keeps bars
        # comparable while brushing, with round, whole-number ticks.
        ticks = count_ticks(highest)
        self._y_scale.max = float(max(ticks[-1], highest, 1))
        self._y_axis.tick_values = np.array(ticks, dtype=np.float64)

    # -- chart → Python ------------------------------------------------------------------------
    def _on_selected(self, change: dict[str, Any]) -> None:
        if self._syncing:
            return
        self._throttle.submit(_interval(change["new"]))
        if not self.selector.brushing:
            self._throttle.flush()

    def _on_brushing(self, change: dict[str, Any]) -> None:
        if not change["new"] and not self._syncing:
            self._throttle.submit(_interval(self.selector.selected))
            self._throttle.flush()

    def _send(self, interval: Interval | None) -> None:
        if interval == self._last_sent:
            return
        self._last_sent = interval
        self._on_interval(self.key, interval)

    def _idle_text(self, histogram: Histogram, value: FilterValue | None) -> str:
        noun = self.ref.noun
        parts = []
        if isinstance(value, tuple):
            parts.append(f"filter: {format_interval(*value, self.description.unit)}")
        elif isinstance(value, frozenset):
            parts.append(f"filter: {', '.join(format_number(v) for v in sorted(value))}")
        if histogram.unbinned_full:
            # NaN and Infinity (kept as read from the file) are skipped, and counted here.
            where = "no value or not finite"
            if self.bins.scale == "log":
                where = "no value, not finite or ≤ 0 (log axis)"
            parts.append(f"{format_count(histogram.unbinned_full)} {noun} with {where}")
        if not parts:
            parts.append(f"hover a bar for counts · drag to filter {noun}")
        return " · ".join(parts)


def _interval(selected: Any) -> Interval | None:
    if selected is None or len(selected) < 2:
        return None
    lo, hi = float(min(selected)), float(max(selected))
    if not (math.isfinite(lo) and math.isfinite(hi)):
        return None
    return (lo, hi)


def bin_labels(bins: Bins, unit: str) -> list[str]:
    """What each bar stands for: ``3`` for unit bins, ``1,024–2,048 px²`` otherwise."""
    suffix = f" {unit}" if unit else ""
    if bins.integer:
        return [f"{format_number(center)}{suffix}" for center in bins.centers.tolist()]
    edges = bins.edges.tolist()
    return [
        f"{format_number(lo)}–{format_number(hi)}{suffix}" for lo, hi in itertools.pairwise(edges)
    ]


def count_ticks(highest: int) -> list[int]:
    """Whole-number ticks from 0 up to (about) ``highest``: 0, step, 2·step, …"""
    if highest <= 0:
        return [0, 1]
    ticks = axis_ticks(Bins(np.array([0.0, float(highest)]), "linear", integer=True), target=3)
    return [int(v) for v in ticks.values]


def x_ticks(bins: Bins) -> dict[str, Any]:
    """Tick values and format of a value axis over ``bins`` (few, readable, log or not)."""
    ticks = axis_ticks(bins)
    return {"tick_values": ticks.values, "tick_format": ticks.format}

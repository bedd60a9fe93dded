"""Two distributions overlaid as shares per bin, with a brush over their common axis."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import bqplot as bq
import ipywidgets as widgets
import numpy as np

from cocowidget.views.binning import choose_bins
from cocowidget.widgets.charts.bars import close_tree, figure
from cocowidget.widgets.charts.histogram import x_ticks
from cocowidget.widgets.charts.style import BRUSH_COLOR, MARGIN

IntervalCallback = Callable[[tuple[float, float] | None], None]


class OverlaidHistogram:
    """Two distributions' shares per bin (bins of the pooled values, log where the values
    span orders of magnitude), overlaid in ``colors``, with a brush: ``on_interval`` gets
    ``(low, high)`` when it is let go, ``None`` when cleared."""

    def __init__(
        self,
        colors: tuple[str, str],
        *,
        on_interval: IntervalCallback,
        note: str = "share of each side's values per bin · brush a range",
    ) -> None:
        self._on_interval = on_interval
        self._colors = colors
        self._syncing = False
        self._y = bq.LinearScale(min=0.0)
        self.title = widgets.Label("")
        self.title.add_class("cw-chart-title")
        self.bars: list[bq.Bars] = []
        self.selector = bq.interacts.BrushIntervalSelector(scale=bq.LinearScale(), marks=[])
        self.figure = figure(
            [],
            [],
            fig_margin={**MARGIN, "left": 56},
            layout=widgets.Layout(width="100%", height="240px"),
        )
        caption = widgets.Label(note)
        caption.add_class("cw-chart-note")
        self.widget = widgets.VBox([self.title, caption, self.figure])
        self.widget.add_class("cw-chart")
        self.widget.add_class("cw-compare-histogram")

    def update(self, label: str, a: np.ndarray, b: np.ndarray) -> None:
        """Draw a metric afresh: bqplot marks and brushes keep the scale they were made
        with, and a metric may need a log one where the last had a linear one."""
        bins = choose_bins(np.concatenate([a, b]))
        x: Any = bq.LogScale() if bins.scale == "log" else bq.LinearScale()
        x.min, x.max = float(bins.edges[0]), float(bins.edges[-1])
        shares = []
        for values in (a, b):
            counts = np.bincount(bins.index(values), minlength=bins.count + 1)[: bins.count]
            shares.append(counts / max(counts.sum(), 1))
        self._y.max = float(max(s.max() for s in shares) * 1.1 or 1.0)
        old = [*self.bars, self.selector, *self.figure.axes]
        self.bars = [
            bq.Bars(
                x=bins.centers,
                y=share,
                scales={"x": x, "y": self._y},
                colors=[color],
                opacities=[0.55],
                stroke_width=0,
                padding=0.05,
                align="center",
            )
            for share, color in zip(shares, self._colors, strict=True)
        ]
        self.selector = bq.interacts.BrushIntervalSelector(scale=x, marks=[], color=BRUSH_COLOR)
        self.selector.observe(self._on_brushing, "brushing")
        with self.figure.hold_sync():
            self.figure.marks = self.bars
            self.figure.axes = [
                bq.Axis(scale=x, label=label, **x_ticks(bins)),
                bq.Axis(scale=self._y, side="left", label="share", tick_format=".0%"),
            ]
            self.figure.interaction = self.selector
        for widget in old:
            close_tree(widget)
        self.title.value = f"{label}: distributions"

    def show_interval(self, interval: tuple[float, float] | None) -> None:
        self._syncing = True
        try:
            self.selector.selected = None if interval is None else np.array(interval)
        finally:
            self._syncing = False

    def _on_brushing(self, change: dict[str, Any]) -> None:
        if self._syncing or change["new"]:  # send when the brush is let go
            return
        selected = self.selector.selected
        if selected is None or len(selected) != 2:
            self._on_interval(None)
            return
        low, high = sorted(float(v) for v in selected)
        self._on_interval(None if low == high else (low, high))

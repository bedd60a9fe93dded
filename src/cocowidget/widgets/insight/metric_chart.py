"""Performance by metric: AP per bin as bars, the bin's count as a line; click a bin."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import bqplot as bq
import ipywidgets as widgets
import numpy as np

from cocowidget.evaluation.metric_bins import MetricBins
from cocowidget.widgets.charts.bars import figure, pick_one
from cocowidget.widgets.charts.style import FILTERED_COLOR, FULL_COLOR, MARGIN

PickCallback = Callable[[int | None], None]


class MetricChart:
    """The bins of ``Evaluation.by_metric`` for one metric: AP (front) and AP50 (behind)
    per bin on the left axis, the number of images or objects per bin as a line on the
    right one. Clicking a bin calls ``on_pick(index)``; the picked bin again or the
    background ``on_pick(None)``."""

    def __init__(self, *, on_pick: PickCallback) -> None:
        self._on_pick = on_pick
        self._bins: MetricBins | None = None
        self._picked: int | None = None
        self._syncing = False
        self.title = widgets.Label("Performance by metric")
        self.title.add_class("cw-chart-title")
        legend = widgets.Label("dark: AP@[.50:.95] · light: AP50 · line: count")
        legend.add_class("cw-chart-note")
        header = widgets.VBox([self.title, legend])
        header.add_class("cw-chart-header")
        self.tooltip = widgets.VBox([widgets.Label() for _ in range(3)])
        self.tooltip.add_class("cw-tooltip")
        self._names = bq.OrdinalScale()
        ap = bq.LinearScale(min=0.0, max=1.0)
        self._counts = bq.LinearScale(min=0.0)
        pointer: dict[str, Any] = {
            "interactions": {"click": "select", "hover": "tooltip"},
            "tooltip": self.tooltip,
            "tooltip_style": {"opacity": 1.0},
            "unselected_style": {"opacity": 0.35},
        }
        self.ap50_bars = bq.Bars(
            scales={"x": self._names, "y": ap}, colors=[FULL_COLOR], padding=0.25, **pointer
        )
        self.ap_bars = bq.Bars(
            scales={"x": self._names, "y": ap}, colors=[FILTERED_COLOR], padding=0.25, **pointer
        )
        self.count_line = bq.Lines(
            scales={"x": self._names, "y": self._counts},
            colors=["#757575"],  # an SVG attribute: no CSS variable
            marker="circle",
            marker_size=24,
        )
        for bars in (self.ap50_bars, self.ap_bars):
            bars.observe(self._on_selected, "selected")
            bars.on_hover(self._on_hover)
        self._count_axis = bq.Axis(
            scale=self._counts,
            side="right",
            label="count",
            tick_format="~s",
            grid_lines="none",
        )
        self._bin_axis = bq.Axis(scale=self._names, label="")
        self.figure = figure(
            [self.ap50_bars, self.ap_bars, self.count_line],
            [
                self._bin_axis,
                bq.Axis(
                    scale=ap,
                    side="left",
                    label="AP",
                    tick_format=".1f",
                    grid_lines="dashed",
                    tick_values=np.linspace(0.0, 1.0, 6),
                ),
                self._count_axis,
            ],
            fig_margin={**MARGIN, "right": 52, "bottom": 64},
            layout=widgets.Layout(width="100%", height="260px"),
        )
        self.note = widgets.Label()
        self.note.add_class("cw-chart-note")
        self.widget = widgets.VBox([header, self.figure, self.note])
        self.widget.add_class("cw-chart")
        self.widget.add_class("cw-metric-bins")

    def update(self, bins: MetricBins, label: str) -> None:
        self._bins = bins
        table = bins.table
        names = [str(b) for b in table["bin"].tolist()]
        # AP -1 is COCOeval's "undefined" (no objects in the bin): drawn as no bar.
        ap = np.where(table["ap"] >= 0, table["ap"], 0.0) if len(names) else np.zeros(0)
        ap50 = np.where(table["ap50"] >= 0, table["ap50"], 0.0) if len(names) else np.zeros(0)
        counts = table["count"].astype(np.float64) if len(names) else np.zeros(0)
        self._syncing = True
        try:
            with self.ap_bars.hold_sync(), self.ap50_bars.hold_sync(), self.count_line.hold_sync():
                self._names.domain = names
                self._counts.max = float(max(counts.max() if len(counts) else 0.0, 1.0)) * 1.1
                self.ap50_bars.x, self.ap50_bars.y = names, ap50
                self.ap_bars.x, self.ap_bars.y = names, ap
                self.count_line.x, self.count_line.y = names, counts
                self.ap_bars.selected = self.ap50_bars.selected = None
        finally:
            self._syncing = False
        self._picked = None
        what = "images" if bins.kind == "image" else "objects"
        self.title.value = f"Performance by {label}"
        self._bin_axis.label = f"{label} ({bins.kind} metric; count of {what})"
        self.note.value = bins.note or "click a bin for its images, worst first"

    def show_pick(self, index: int | None) -> None:
        self._picked = index
        self._syncing = True
        try:
            selected = None if index is None else np.array([index])
            self.ap_bars.selected = selected
            self.ap50_bars.selected = selected
        finally:
            self._syncing = False

    def _on_selected(self, change: dict[str, Any]) -> None:
        if self._syncing or self._bins is None:
            return
        n = len(self._bins.table)
        chosen = [] if change["new"] is None else [int(i) for i in change["new"] if 0 <= i < n]
        picked = pick_one(chosen, self._picked)
        if picked is not None and picked == self._picked and len(chosen) == 1:
            picked = None
        self.show_pick(picked)
        self._on_pick(picked)

    def _on_hover(self, _mark: Any, content: dict[str, Any]) -> None:
        index = (content.get("data") or {}).get("index")
        if self._bins is None or index is None or not 0 <= int(index) < len(self._bins.table):
            return
        table, b = self._bins.table, int(index)
        what = "images" if self._bins.kind == "image" else "objects"
        name, scores, counts = self.tooltip.children
        name.value = f"{table['bin'][b]} · {int(table['count'][b]):,} {what}"
        ap, ap50 = float(table["ap"][b]), float(table["ap50"][b])
        scores.value = "no objects: no AP" if ap < 0 else f"AP {ap:.3f} · AP50 {ap50:.3f}"
        counts.value = (
            f"TP {int(table['tp'][b]):,} · FP {int(table['fp'][b]):,} · FN {int(table['fn'][b]):,}"
        )

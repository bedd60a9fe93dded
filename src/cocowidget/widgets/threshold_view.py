"""ThresholdView: how a segmentation model's scores change with its probability
threshold, and the images at a picked threshold, worst first.

The numbers are the dataset's (``ds.threshold_sweep``, ``ds.mask_scores``); clicking a
threshold attaches the per-image scores at it (``"<run>.picked.iou"``, ...) and sorts
the grid by them, lowest IoU first.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import bqplot as bq
import ipywidgets as widgets
import numpy as np
import traitlets

from cocowidget._arguments import checked_keywords, checked_methods
from cocowidget.widgets.charts.bars import figure
from cocowidget.widgets.charts.panel_styles import PanelStyles
from cocowidget.widgets.charts.style import MARGIN
from cocowidget.widgets.grid import CocoGrid
from cocowidget.widgets.snapshot import Described, Snapshot

if TYPE_CHECKING:
    from cocowidget.dataset import CocoDataset

LINE_COLORS = ("#1e88e5", "#fb8c00")  # the competition's score, mean IoU


@checked_methods
class ThresholdView(Described, widgets.VBox):  # type: ignore[misc]
    """The sweep of mask run ``run`` (``thresholds``: a count or the values): the salt
    competition's score (hit rate over IoU 0.5:0.95) and mean IoU per probability
    threshold, the best marked. ``threshold`` (a trait; the best by default) is the
    picked one: its per-image IoU, Dice and hit rate are attached as ``"<run>.picked.*"``
    and the grid shows the images sorted by that IoU, lowest first. Clicking a point of
    either line picks its threshold."""

    threshold = traitlets.Float(0.5, min=0.0, max=1.0)

    @checked_keywords
    def __init__(
        self,
        dataset: CocoDataset,
        run: str,
        *,
        thresholds: int | list[float] = 50,
        height: int = 420,
        thumbnail_size: int = 140,
    ) -> None:
        self.dataset = dataset
        self.run = run
        self.sweep = dataset.threshold_sweep(run, thresholds)
        values = self.sweep["threshold"]
        best = int(np.flatnonzero(self.sweep["best"])[0])
        x, y = bq.LinearScale(min=0.0, max=1.0), bq.LinearScale(min=0.0, max=1.0)
        self.lines = bq.Lines(
            x=values,
            y=np.array([self.sweep["hit_rate"], self.sweep["mean_iou"]]),
            scales={"x": x, "y": y},
            colors=list(LINE_COLORS),
            labels=["score (IoU 0.5:0.95)", "mean IoU"],
            display_legend=True,
        )
        self.points = bq.Scatter(
            x=np.concatenate([values, values]),
            y=np.concatenate([self.sweep["hit_rate"], self.sweep["mean_iou"]]),
            scales={"x": x, "y": y},
            colors=["transparent"],
            default_size=120,
            interactions={"click": "select"},
            selected_style={"fill": "black", "stroke": "black"},
            unselected_style={},
        )
        self.points.observe(self._on_point, "selected")
        self.picked_line = bq.Lines(
            x=[values[best]] * 2, y=[0.0, 1.0], scales={"x": x, "y": y}, colors=["#616161"]
        )
        self.figure = figure(
            [self.lines, self.points, self.picked_line],
            [
                bq.Axis(scale=x, label="probability threshold", tick_format=".1f"),
                bq.Axis(
                    scale=y, side="left", label="score", tick_format=".1f", grid_lines="dashed"
                ),
            ],
            fig_margin={**MARGIN, "right": 20},
            legend_location="top-right",
            layout=widgets.Layout(width="100%", height="260px"),
        )
        title = widgets.Label(f"{run}: scores by probability threshold")
        title.add_class("cw-chart-title")
        self.note = widgets.Label()
        self.note.add_class("cw-chart-note")
        chart = widgets.VBox([title, self.figure, self.note])
        chart.add_class("cw-chart")
        chart.add_class("cw-threshold-chart")
        self.grid = CocoGrid(dataset, height=height, thumbnail_size=thumbnail_size)
        self._best = float(values[best])
        super().__init__([PanelStyles(), chart, self.grid])
        self.add_class("cw-insight")
        self.add_class("cw-threshold-view")
        self.threshold = self._best
        self._on_threshold({})

    @traitlets.observe("threshold")
    def _on_threshold(self, _change: dict[str, Any]) -> None:
        if not hasattr(self, "grid"):
            return
        t = float(self.threshold)
        scores = self.dataset.mask_scores(self.run, t, attach=True)
        self.picked_line.x = [t, t]
        column = f"{self.run}.picked.iou"
        self.grid.sort_by = None  # the column's values changed under the same name
        self.grid.sort_by = column
        mean = float(np.nanmean(scores["iou"])) if np.isfinite(scores["iou"]).any() else np.nan
        self.note.value = (
            f"picked {t:.3f} (best score at {self._best:.3f}): mean IoU {mean:.3f};"
            f" the grid sorts by {column}, lowest first · click a point to pick"
        )

    def _on_point(self, change: dict[str, Any]) -> None:
        chosen = change["new"]
        if chosen is None or not len(chosen):
            return
        index = int(chosen[0]) % len(self.sweep)
        self.threshold = float(self.sweep["threshold"][index])

    @property
    def shown_ids(self) -> list[int]:
        return self.grid.shown_ids

    def snapshot(self) -> Snapshot:
        return self.grid.snapshot_as("ThresholdView", "image", self.run)

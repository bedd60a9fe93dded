"""compare_datasets: two datasets (or slices) side by side, each metric's distributions
overlaid, the class balance, and a grid of each that a brush on a histogram filters.

The numbers are :func:`cocowidget.analysis.dataset_comparison.compare_datasets`'; this
module only draws them and forwards the brush to the grids.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import bqplot as bq
import ipywidgets as widgets
import numpy as np
import traitlets

from cocowidget._arguments import checked_keywords, checked_methods
from cocowidget.analysis.dataset_comparison import DatasetComparison, Kind
from cocowidget.analysis.dataset_comparison import compare_datasets as compare
from cocowidget.widgets.charts.bars import LayeredBars, figure, scroll_frame
from cocowidget.widgets.charts.overlaid import OverlaidHistogram
from cocowidget.widgets.charts.panel_styles import PanelStyles
from cocowidget.widgets.charts.style import CATEGORY_ROW_PX, MARGIN
from cocowidget.widgets.grid import CocoGrid
from cocowidget.widgets.insight.importance_chart import MetricKey, checked_metric, metric_label
from cocowidget.widgets.snapshot import Described, Snapshot

if TYPE_CHECKING:
    from cocowidget.dataset import CocoDataset

#: The two sides' colours, in every chart of the comparison.
SIDE_COLORS = ("#1e88e5", "#fb8c00")


@checked_methods
class DatasetComparisonView(Described, widgets.VBox):  # type: ignore[misc]
    """Distances per metric (KS, largest first: click one), that metric's two
    distributions overlaid as shares per bin (brush a range: both grids show the images
    with values in it), the class shares side by side, and a grid of each side.

    ``metric``: the picked ``(column, "image" | "object")``; ``interval``: the brushed
    ``(low, high)`` or ``None``. ``comparison`` holds the tables.
    """

    metric = traitlets.Tuple(
        traitlets.Unicode(), traitlets.Unicode(), default_value=None, allow_none=True
    )
    interval = traitlets.Tuple(
        traitlets.Float(), traitlets.Float(), default_value=None, allow_none=True
    )

    @checked_keywords
    def __init__(
        self,
        a: CocoDataset,
        b: CocoDataset,
        *,
        names: tuple[str, str] = ("a", "b"),
        columns: Sequence[str] | None = None,
        height: int = 420,
        thumbnail_size: int = 120,
    ) -> None:
        self.comparison: DatasetComparison = compare(a, b, names=names, columns=columns)
        self.names = self.comparison.names
        table = self.comparison.distances
        ranked = [i for i in range(len(table)) if np.isfinite(table["ks"][i])]
        self._keys: list[MetricKey] = [
            (str(table["metric"][i]), str(table["kind"][i])) for i in ranked
        ]
        self.grids = tuple(
            CocoGrid(ds, height=height, thumbnail_size=thumbnail_size) for ds in (a, b)
        )
        self.distances_chart = self._distances_chart(ranked)
        self.histogram = OverlaidHistogram(SIDE_COLORS, on_interval=self._from_brush)
        self.class_chart = _class_chart(self.comparison, self.names)
        self._status = widgets.Label()
        self._status.add_class("cw-insight-status")
        legend = widgets.HBox([_side_label(name, i) for i, name in enumerate(self.names)])
        unranked = [i for i in range(len(table)) if i not in ranked]
        notes = "; ".join(
            f"{metric_label(str(table['metric'][i]), str(table['kind'][i]))} ({table['note'][i]})"
            for i in unranked
        )
        self._unranked = widgets.Label(f"not compared: {notes}" if notes else "")
        self._unranked.add_class("cw-chart-note")
        grids = widgets.HBox(
            [
                widgets.VBox([_side_label(name, i), grid], layout=widgets.Layout(flex="1 1 360px"))
                for i, (name, grid) in enumerate(zip(self.names, self.grids, strict=True))
            ],
            layout=widgets.Layout(flex_flow="row wrap", grid_gap="8px", width="100%"),
        )
        charts = widgets.HBox(
            [
                widgets.VBox([self.distances_chart, self._unranked]),
                self.histogram.widget,
                self.class_chart,
            ],
            layout=widgets.Layout(flex_flow="row wrap", grid_gap="8px", width="100%"),
        )
        for chart in charts.children:
            chart.layout = widgets.Layout(flex="1 1 360px", min_width="300px")
        super().__init__([PanelStyles(), legend, charts, self._status, grids])
        self.add_class("cw-insight")
        self.add_class("cw-compare")
        if self._keys:
            self.metric = self._keys[0]
        self._status.value = self._status_text()

    # -- state -----------------------------------------------------------------------------
    @traitlets.validate("metric")
    def _check_metric(self, proposal: dict[str, Any]) -> MetricKey | None:
        return checked_metric(proposal["value"], self._keys, "compared metric")

    @traitlets.observe("metric")
    def _on_metric(self, _change: dict[str, Any]) -> None:
        self.distances_bars.select(
            None if self.metric is None else np.array([self._keys[::-1].index(self.metric)])
        )
        self.set_trait("interval", None)
        if self.metric is not None:
            metric, kind = self.metric
            sides = [self.comparison.values(metric, _kind(kind), side)[0] for side in (0, 1)]
            self.histogram.update(metric_label(metric, kind), sides[0], sides[1])
        self._on_interval({})

    @traitlets.observe("interval")
    def _on_interval(self, _change: dict[str, Any]) -> None:
        self.histogram.show_interval(self.interval)
        for side, grid in enumerate(self.grids):
            if self.metric is None or self.interval is None:
                grid.show(None)
                continue
            metric, kind = self.metric
            low, high = self.interval
            grid.show(self.comparison.image_ids_between(metric, _kind(kind), side, low, high))
        self._status.value = self._status_text()

    @property
    def shown_ids(self) -> tuple[list[int], list[int]]:
        """The images each grid shows."""
        return self.grids[0].shown_ids, self.grids[1].shown_ids

    def snapshot(self) -> Snapshot:
        return self.grids[0].snapshot_as("DatasetComparisonView", "image", None)

    # -- presenting ------------------------------------------------------------------------
    def _distances_chart(self, ranked: list[int]) -> widgets.VBox:
        table = self.comparison.distances
        values = bq.LinearScale(min=0.0, max=1.0)
        self.distances_bars = LayeredBars(
            values,
            bq.Axis(scale=values, label="Kolmogorov–Smirnov distance", tick_format=".1f"),
            on_select=self._from_distances,
            targets_to=1.0,
            padding=0.2,
            interactions={"click": "select", "hover": "tooltip"},
            tooltip=self._distance_tooltip(),
            tooltip_style={"opacity": 1.0},
        )
        assert self.distances_bars.targets is not None
        self.distances_bars.targets.on_hover(self._on_distance_hover)
        bottom_up = ranked[::-1]
        names = [metric_label(str(table["metric"][i]), str(table["kind"][i])) for i in bottom_up]
        ks = table["ks"][bottom_up] if bottom_up else np.zeros(0)
        self.distances_bars.draw(names, np.zeros(len(names)), ks)
        title = widgets.Label("How far apart, per metric")
        title.add_class("cw-chart-title")
        note = widgets.Label("largest first · click a metric for its distributions")
        note.add_class("cw-chart-note")
        box = widgets.VBox([title, note, scroll_frame(self.distances_bars.figure)])
        box.add_class("cw-chart")
        box.add_class("cw-distances")
        self._bottom_up = bottom_up
        return box

    def _distance_tooltip(self) -> widgets.VBox:
        self._tooltip = widgets.VBox([widgets.Label() for _ in range(3)])
        self._tooltip.add_class("cw-tooltip")
        return self._tooltip

    def _on_distance_hover(self, _mark: Any, content: dict[str, Any]) -> None:
        index = (content.get("data") or {}).get("index")
        if index is None or not 0 <= int(index) < len(self._bottom_up):
            return
        table, row = self.comparison.distances, self._bottom_up[int(index)]
        name, distances, means = self._tooltip.children
        name.value = metric_label(str(table["metric"][row]), str(table["kind"][row]))
        distances.value = (
            f"KS {table['ks'][row]:.3f} (p = {table['ks_pvalue'][row]:.2g}) · Wasserstein "
            f"{table['wasserstein'][row]:.4g}"
        )
        a, b = self.names
        means.value = (
            f"median {a} {table['median_a'][row]:.4g} · {b} {table['median_b'][row]:.4g}"
            f" · {int(table['n_a'][row]):,} / {int(table['n_b'][row]):,} values"
        )

    def _from_distances(self, indices: list[int]) -> None:
        keys = self._keys[::-1]
        chosen = [keys[i] for i in indices if 0 <= i < len(keys)]
        if chosen:
            self.metric = chosen[0]
        else:  # one metric stays picked
            self._on_metric({})

    def _from_brush(self, interval: tuple[float, float] | None) -> None:
        self.set_trait("interval", interval)

    def _status_text(self) -> str:
        if self.metric is None:
            return "no metric to compare"
        label = metric_label(*self.metric)
        if self.interval is None:
            return f"{label}: brush the histogram to see the images in a range, in both"
        low, high = self.interval
        counts = " · ".join(
            f"{name}: {len(grid.shown_ids):,} images"
            for name, grid in zip(self.names, self.grids, strict=True)
        )
        return f"{label} in [{low:.4g}, {high:.4g}]: {counts}"


def compare_datasets(
    a: CocoDataset,
    b: CocoDataset,
    *,
    names: tuple[str, str] = ("a", "b"),
    columns: Sequence[str] | None = None,
    height: int = 420,
    thumbnail_size: int = 120,
) -> DatasetComparisonView:
    """Compare two datasets (``ds.slices.dataset(name)`` for two slices): see
    :class:`DatasetComparisonView`; its ``comparison`` holds the distances per metric and
    the class balance (classes matched by name)."""
    return DatasetComparisonView(
        a, b, names=names, columns=columns, height=height, thumbnail_size=thumbnail_size
    )


def _class_chart(comparison: DatasetComparison, names: tuple[str, str]) -> widgets.VBox:
    table = comparison.classes
    bottom_up = list(range(len(table)))[::-1]  # largest difference at the top
    labels = [str(table["name"][i]) for i in bottom_up]
    scale = bq.OrdinalScale(domain=labels)
    highest = max(float(table["share_a"].max()), float(table["share_b"].max())) if labels else 1.0
    shares = bq.LinearScale(min=0.0, max=highest * 1.05 or 1.0)
    bars = bq.Bars(
        x=labels,
        y=np.array([table["share_a"][bottom_up], table["share_b"][bottom_up]]),
        scales={"x": scale, "y": shares},
        orientation="horizontal",
        type="grouped",
        colors=list(SIDE_COLORS),
        stroke_width=0,
        padding=0.2,
    )
    height = max(120, 2 * CATEGORY_ROW_PX * len(labels) + 50)
    chart = figure(
        [bars],
        [
            bq.Axis(scale=scale, side="left", grid_lines="none"),
            bq.Axis(scale=shares, label="share of objects", tick_format=".0%", grid_lines="dashed"),
        ],
        fig_margin={**MARGIN, "left": 120},
        layout=widgets.Layout(width="100%", height=f"{height}px"),
    )
    title = widgets.Label("Class balance")
    title.add_class("cw-chart-title")
    note = widgets.Label(
        f"share of each side's objects · largest difference first ({names[0]} vs {names[1]})"
    )
    note.add_class("cw-chart-note")
    box = widgets.VBox([title, note, scroll_frame(chart)])
    box.add_class("cw-chart")
    box.add_class("cw-class-balance")
    return box


def _side_label(name: str, side: int) -> widgets.Label:
    label = widgets.Label(name)
    label.add_class("cw-swatch")
    label.add_class(f"cw-side-{side}")
    return label


def _kind(kind: str) -> Kind:
    return "image" if kind == "image" else "object"

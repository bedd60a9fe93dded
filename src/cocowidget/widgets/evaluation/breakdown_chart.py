"""Errors per class as stacked horizontal bars in TIDE's kinds; click a class to pick it."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import bqplot as bq
import ipywidgets as widgets
import numpy as np

from cocowidget.evaluation.error_breakdown import ERROR_KINDS
from cocowidget.views.evaluation_charts import class_labels
from cocowidget.widgets.charts.bars import NAMES_MARGIN, figure, scroll_frame
from cocowidget.widgets.charts.histogram import count_ticks
from cocowidget.widgets.charts.style import CATEGORY_ROW_PX

if TYPE_CHECKING:
    from cocowidget.data.table import Table

PickCallback = Callable[[int | None], None]

#: One colour per error kind; missed objects in the grid's missed colour. The legend's
#: squares (evaluation.css, ``.cw-swatch-<kind>``) have the same.
KIND_COLORS = {
    "duplicate": "#8e24aa",
    "localisation": "#1e88e5",
    "confusion": "#e53935",
    "background": "#6d4c41",
    "missed": "#ffb300",
}


class ErrorBreakdownChart:
    """One stacked bar per evaluated class: its false positives by reason and its missed
    objects (``Evaluation.error_breakdown``), classes in the order the caller gives (the
    AP chart's, worst first). A row answers the pointer along its whole length: hovering
    shows the class's counts, clicking calls ``on_pick(category_id)``, clicking the
    picked class again or the background ``on_pick(None)``."""

    def __init__(self, table: Table, *, on_pick: PickCallback) -> None:
        self._on_pick = on_pick
        self._table = table
        self.category_ids: list[int] = [int(i) for i in table["category_id"].tolist()]
        self.labels = class_labels(table["category_id"], table.get("name"))
        self.order = np.arange(len(self.labels))  # rows from the bottom bar up
        self._picked: int | None = None

        title = widgets.Label("Errors per class")
        title.add_class("cw-chart-title")
        self.note = widgets.Label()
        self.note.add_class("cw-chart-note")
        legend = widgets.HBox([_swatch(kind) for kind in ERROR_KINDS])
        legend.add_class("cw-breakdown-legend")
        header = widgets.VBox([title, legend])
        header.add_class("cw-chart-header")

        self.names = bq.OrdinalScale()
        self._counts = bq.LinearScale(min=0.0)
        self.tooltip = widgets.VBox([widgets.Label() for _ in range(4)])
        self.tooltip.add_class("cw-tooltip")
        self.bars = bq.Bars(
            scales={"x": self.names, "y": self._counts},
            orientation="horizontal",
            type="stacked",
            colors=[KIND_COLORS[kind] for kind in ERROR_KINDS],
            stroke_width=0,
            padding=0.2,
            opacities=[1.0] * len(ERROR_KINDS),
            selected_style={},
            unselected_style={"opacity": 0.35},
        )
        # Transparent rows over the stacks take the pointer: one target per class.
        self.rows = bq.Bars(
            scales={"x": self.names, "y": self._counts},
            orientation="horizontal",
            colors=["transparent"],
            stroke_width=0,
            padding=0.0,
            interactions={"click": "select", "hover": "tooltip"},
            tooltip=self.tooltip,
            tooltip_style={"opacity": 1.0},
            unselected_style={},
        )
        self.rows.on_element_click(self._on_row_click)
        self.rows.on_background_click(lambda *_: self._choose(None))
        self.rows.on_hover(self._on_hover)
        self._count_axis = bq.Axis(
            scale=self._counts, label="errors", tick_format="~s", grid_lines="dashed"
        )
        self.figure = figure(
            [self.bars, self.rows],
            [bq.Axis(scale=self.names, side="left", grid_lines="none"), self._count_axis],
            fig_margin=dict(NAMES_MARGIN),
            padding_y=0.0,
        )
        self.widget = widgets.VBox([header, scroll_frame(self.figure), self.note])
        self.widget.add_class("cw-chart")
        self.widget.add_class("cw-error-breakdown")

    # -- Python → chart ------------------------------------------------------------------------
    def update(self, table: Table, top_first: list[int], point: str) -> None:
        """New counts (an ``error_breakdown`` table) with classes ``top_first`` (category
        ids from the top bar down) at the operating point ``point`` (as text)."""
        self._table = table
        row_of = {c: i for i, c in enumerate(self.category_ids)}
        self.order = np.array([row_of[c] for c in top_first[::-1] if c in row_of], dtype=np.int64)
        names = [self.labels[i] for i in self.order.tolist()]
        stacks = np.array([table[kind][self.order] for kind in ERROR_KINDS], dtype=np.float64)
        totals = stacks.sum(axis=0) if len(names) else np.zeros(0)
        ticks = count_ticks(int(totals.max()) if len(totals) else 0)
        end = float(max(ticks[-1], totals.max() if len(totals) else 0.0, 1.0))
        height = max(120, CATEGORY_ROW_PX * len(names) + 50)
        self.figure.layout = widgets.Layout(width="100%", height=f"{height}px")
        with self.bars.hold_sync(), self.rows.hold_sync():
            self.names.domain = names
            self._counts.max = end
            self._count_axis.tick_values = np.array(ticks, dtype=np.float64)
            self.bars.x = names
            self.bars.y = stacks
            self.rows.x = names
            self.rows.y = np.full(len(names), end)
        self.note.value = f"{point} · click a class for its images"
        self.show_pick(self._picked)

    def show_pick(self, category_id: int | None) -> None:
        self._picked = category_id
        selected = None
        if category_id is not None and category_id in self.category_ids:
            row = self.category_ids.index(category_id)
            selected = np.flatnonzero(self.order == row)
        self.bars.selected = selected

    # -- chart → Python ------------------------------------------------------------------------
    def _row(self, content: dict[str, Any]) -> int | None:
        index = (content.get("data") or {}).get("index")
        if index is None or not 0 <= int(index) < len(self.order):
            return None
        return int(self.order[int(index)])

    def _on_row_click(self, _mark: Any, content: dict[str, Any]) -> None:
        row = self._row(content)
        if row is not None:
            picked = self.category_ids[row]
            self._choose(None if picked == self._picked else picked)

    def _choose(self, category_id: int | None) -> None:
        self.show_pick(category_id)
        self._on_pick(category_id)

    def _on_hover(self, _mark: Any, content: dict[str, Any]) -> None:
        row = self._row(content)
        if row is None:
            return
        table = self._table
        name, fps, kinds, missed = self.tooltip.children
        name.value = self.labels[row]
        reasons = ERROR_KINDS[:-1]
        fps.value = f"{sum(int(table[kind][row]) for kind in reasons):,} false positives:"
        kinds.value = " · ".join(f"{kind} {int(table[kind][row]):,}" for kind in reasons)
        missed.value = f"missed {int(table['missed'][row]):,} of {int(table['n_gt'][row]):,}"


def _swatch(kind: str) -> widgets.Label:
    """The kind's name after a square of its colour (evaluation.css: no HTML here)."""
    label = widgets.Label(kind)
    label.add_class("cw-swatch")
    label.add_class(f"cw-swatch-{kind}")
    return label

"""False positives by reason and missed objects by size, as bars; click one to filter."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import bqplot as bq
import ipywidgets as widgets
import numpy as np

from cocowidget.views.evaluation_filters import REASONS, ErrorCounts, ImageFilter
from cocowidget.widgets.charts.bars import figure, pick_one
from cocowidget.widgets.charts.histogram import count_ticks
from cocowidget.widgets.charts.style import CATEGORY_ROW_PX, MARGIN

#: The grid's colours for false positives and missed objects (js/src/overlay/colors.ts).
FALSE_POSITIVE_COLOR = "#e53935"
MISSED_COLOR = "#ffb300"

#: (image filter, reason or size) of a bar.
ErrorKind = tuple[ImageFilter, str]
PickCallback = Callable[[ErrorKind | None], None]


class ErrorsChart:
    """One bar per false-positive reason and per missed-object size, for the picked class
    (or every class). Clicking a bar calls ``on_pick(("false_positives", reason))`` or
    ``on_pick(("missed", size))``; clicking the background ``on_pick(None)``."""

    def __init__(self, sizes: tuple[str, ...], *, on_pick: PickCallback) -> None:
        self._on_pick = on_pick
        self.kinds: list[ErrorKind] = [("false_positives", r) for r in REASONS] + [
            ("missed", s) for s in sizes
        ]
        self.labels = [f"FP: {r}" for r in REASONS] + [f"missed: {s}" for s in sizes]
        self._picked: ErrorKind | None = None
        self._syncing = False
        self.title = widgets.Label("Errors")
        self.title.add_class("cw-chart-title")
        header = widgets.HBox([self.title])
        header.add_class("cw-chart-header")
        self.tooltip = widgets.Label()
        self.tooltip.add_class("cw-tooltip")
        names = bq.OrdinalScale(domain=self.labels[::-1], reverse=False)
        self._counts = bq.LinearScale(min=0.0)
        # Colour by kind through a two-colour scale: 0 false positive, 1 missed.
        kind = np.array([0.0] * len(REASONS) + [1.0] * len(sizes))
        self.bars = bq.Bars(
            x=self.labels[::-1],
            y=np.zeros(len(self.labels)),
            color=kind[::-1],
            scales={
                "x": names,
                "y": self._counts,
                "color": bq.ColorScale(colors=[FALSE_POSITIVE_COLOR, MISSED_COLOR], min=0, max=1),
            },
            orientation="horizontal",
            padding=0.25,
            stroke_width=0,
            interactions={"click": "select", "hover": "tooltip"},
            unselected_style={"opacity": 0.35},
            tooltip=self.tooltip,
            tooltip_style={"opacity": 1.0},
        )
        self.bars.observe(self._on_selected, "selected")
        self.bars.on_hover(self._on_hover)
        self._count_axis = bq.Axis(
            scale=self._counts, label="count", tick_format="~s", grid_lines="dashed"
        )
        height = CATEGORY_ROW_PX * 2 * len(self.labels) + 50
        self.figure = figure(
            [self.bars],
            [bq.Axis(scale=names, side="left", grid_lines="none"), self._count_axis],
            fig_margin={**MARGIN, "left": 120, "right": 16},
            padding_y=0.0,
            layout=widgets.Layout(width="100%", height=f"{height}px"),
        )
        self.note = widgets.Label()
        self.note.add_class("cw-chart-note")
        self.widget = widgets.VBox([header, self.figure, self.note])
        self.widget.add_class("cw-chart")
        self.widget.add_class("cw-errors")
        self._counts_now = np.zeros(len(self.labels), dtype=np.int64)

    def update(self, counts: ErrorCounts, subject: str, point: str) -> None:
        """New counts for ``subject`` (a class name, or every class) at ``point``."""
        values = [counts.false_positives[r] for r in REASONS]
        values += [counts.missed[kind] for filter_, kind in self.kinds if filter_ == "missed"]
        self._counts_now = np.array(values, dtype=np.int64)
        # Whole-number ticks: counts have no 0.5.
        ticks = count_ticks(max(values))
        self._counts.max = float(max(ticks[-1], *values, 1))
        self._count_axis.tick_values = np.array(ticks, dtype=np.float64)
        self.bars.y = self._counts_now[::-1].astype(np.float64)
        self.title.value = f"Errors · {subject}"
        self.note.value = f"{point} · click a bar for its images"

    def show_pick(self, kind: ErrorKind | None) -> None:
        self._picked = kind
        selected = None
        if kind in self.kinds:
            selected = np.array([len(self.kinds) - 1 - self.kinds.index(kind)])
        self._syncing = True
        try:
            self.bars.selected = selected
        finally:
            self._syncing = False

    def _on_selected(self, change: dict[str, Any]) -> None:
        if self._syncing:
            return
        chosen = [] if change["new"] is None else [int(i) for i in change["new"]]
        kinds = [self.kinds[len(self.kinds) - 1 - i] for i in chosen if 0 <= i < len(self.kinds)]
        picked = pick_one(kinds, self._picked)
        self.show_pick(picked)
        self._on_pick(picked)

    def _on_hover(self, _mark: Any, content: dict[str, Any]) -> None:
        index = (content.get("data") or {}).get("index")
        if index is None or not 0 <= int(index) < len(self.kinds):
            return
        row = len(self.kinds) - 1 - int(index)
        count = int(self._counts_now[row])
        filter_, kind = self.kinds[row]
        if filter_ == "false_positives":
            self.tooltip.value = f"{count:,} false positives: {_REASON_TEXT[kind]}"
        else:
            self.tooltip.value = f"{count:,} {kind} objects missed"


_REASON_TEXT = {
    "duplicate": "the object was already found",
    "localisation": "right class, box off the object",
    "confusion": "on an object of another class",
    "background": "on no object at all",
}

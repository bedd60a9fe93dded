"""Per-class AP as horizontal bars: AP@[.50:.95] in front of AP50, click a bar to pick."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import bqplot as bq
import ipywidgets as widgets
import numpy as np

from cocowidget.views.evaluation_charts import class_labels
from cocowidget.widgets.charts.bars import LayeredBars, scroll_frame

if TYPE_CHECKING:
    from cocowidget.data.table import Table

PickCallback = Callable[[int | None], None]
SORTS = {"worst AP": "ap", "most objects": "n_gt", "A–Z": "name"}


class ClassApChart:
    """One bar pair per evaluated class. Hovering a class's row (anywhere along it: the
    bars and the space beyond them are one target) shows its AP, AP50 and counts at the
    operating point; clicking it calls ``on_pick(category_id)``, clicking it again or
    the background ``on_pick(None)``.

    ``table`` is an evaluation's class table (``Evaluation.class_table``): ``ap``,
    ``ap50``, ``n_gt``, ``n_dt``, ``tp``, ``fp``, ``fn``, and ``name`` if classes have
    names. Names reach the browser only as axis ticks and tooltip labels (text nodes).
    """

    def __init__(self, table: Table, *, on_pick: PickCallback, sort: str = "ap") -> None:
        self._on_pick = on_pick
        self._table = table
        self.category_ids: list[int] = [int(i) for i in table["category_id"].tolist()]
        self.labels = class_labels(table["category_id"], table.get("name"))
        self._picked: int | None = None
        self.order = np.arange(len(self.labels))

        self.sort = widgets.ToggleButtons(
            options=list(SORTS),
            value=next(key for key, value in SORTS.items() if value == sort),
            tooltips=["lowest AP at the top", "most ground-truth objects at the top", "by name"],
            style={"button_width": "auto"},
        )
        title = widgets.Label("AP per class")
        title.add_class("cw-chart-title")
        legend = widgets.Label("dark: AP@[.50:.95] · light: AP50")
        legend.add_class("cw-chart-note")
        header = widgets.HBox(
            [widgets.VBox([title, legend]), self.sort],
            layout=widgets.Layout(justify_content="space-between", flex_flow="row wrap"),
        )
        header.add_class("cw-chart-header")

        self.tooltip = ClassTooltip()
        values = bq.LinearScale(min=0.0, max=1.0)
        self.bars = LayeredBars(
            values,
            bq.Axis(
                scale=values,
                label="average precision",
                tick_format=".1f",
                grid_lines="dashed",
                tick_values=np.linspace(0.0, 1.0, 6),  # "num_ticks" put ticks at .25, read .3
            ),
            on_select=self._on_selected,
            targets_to=1.0,  # the whole row, whatever its AP: one target per class
            padding=0.2,
            interactions={"click": "select", "hover": "tooltip"},
            tooltip=self.tooltip.widget,
            tooltip_style={"opacity": 1.0},
        )
        self.ap50_bars, self.ap_bars = self.bars.marks
        self.rows = self.bars.targets  # the transparent bars that take the pointer
        assert self.rows is not None
        self.rows.on_hover(self._on_hover)
        self.figure = self.bars.figure
        frame = scroll_frame(self.figure)
        self.widget = widgets.VBox([header, frame])
        self.widget.add_class("cw-chart")
        self.widget.add_class("cw-class-ap")
        self._draw()
        self.sort.observe(lambda _: self._draw(), "value")

    # -- Python → chart ------------------------------------------------------------------------
    def update(self, table: Table, point: str) -> None:
        """New counts at the operating point ``point`` (as text); AP does not depend on it."""
        self._table = table
        self.tooltip.point.value = point

    def show_pick(self, category_id: int | None) -> None:
        self._picked = category_id
        self._show_selection()

    @property
    def shown_category_ids(self) -> list[int]:
        """Category ids from the top bar down."""
        return [self.category_ids[i] for i in self.order[::-1].tolist()]

    # -- drawing -------------------------------------------------------------------------------
    def _draw(self) -> None:
        key = SORTS[self.sort.value]
        table = self._table
        if key == "name":
            names = [label.lower() for label in self.labels]
            top_first = np.argsort(names, kind="stable")
        elif key == "n_gt":
            top_first = np.argsort(-table["n_gt"], kind="stable")
        else:  # worst first; classes without ground truth (no AP) last
            ap = table["ap"]
            top_first = np.argsort(np.where(np.isnan(ap), np.inf, ap), kind="stable")
        # The band scale puts the first domain value at the bottom.
        self.order = top_first[::-1]
        names = [self.labels[i] for i in self.order.tolist()]
        self.bars.draw(
            names,
            np.nan_to_num(table["ap50"][self.order], nan=0.0),
            np.nan_to_num(table["ap"][self.order], nan=0.0),
        )
        self._show_selection()

    def _show_selection(self) -> None:
        selected = None
        if self._picked is not None and self._picked in self.category_ids:
            row = self.category_ids.index(self._picked)
            selected = np.flatnonzero(self.order == row)
        self.bars.select(selected)

    # -- chart → Python ------------------------------------------------------------------------
    def _on_selected(self, indices: list[int]) -> None:
        rows = [int(self.order[i]) for i in indices if 0 <= i < len(self.order)]
        chosen = [self.category_ids[r] for r in rows]
        # A click on the picked class lets go of it, as on its curve or a confusion cell.
        picked = None if not chosen or chosen[0] == self._picked else chosen[0]
        self._picked = picked
        self._show_selection()
        self._on_pick(picked)

    def _on_hover(self, _mark: Any, content: dict[str, Any]) -> None:
        data = content.get("data") or {}
        index = data.get("index")
        if index is None or not 0 <= int(index) < len(self.order):
            return
        row = int(self.order[int(index)])
        self.tooltip.show(self.labels[row], self._table, row)


class ClassTooltip:
    """The text shown beside a hovered bar: the class, AP and AP50, then counts."""

    def __init__(self) -> None:
        self.name = widgets.Label()
        self.name.add_class("cw-tooltip-title")
        self.scores = widgets.Label()
        self.counts = widgets.Label()
        self.point = widgets.Label()
        self.point.add_class("cw-chart-note")
        self.widget = widgets.VBox([self.name, self.scores, self.counts, self.point])
        self.widget.add_class("cw-tooltip")

    def show(self, label: str, table: Table, row: int) -> None:
        ap, ap50 = float(table["ap"][row]), float(table["ap50"][row])
        n_gt = int(table["n_gt"][row])
        tp, fp, fn = (int(table[c][row]) for c in ("tp", "fp", "fn"))
        self.name.value = label
        if np.isnan(ap):
            self.scores.value = "no ground truth: no AP"
        else:
            self.scores.value = f"AP {ap:.3f} · AP50 {ap50:.3f}"
        self.counts.value = f"{n_gt:,} objects · TP {tp:,} · FP {fp:,} · missed {fn:,}"

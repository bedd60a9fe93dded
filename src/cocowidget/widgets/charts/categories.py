"""A clickable bar chart of a categorical column (classes), sortable, log or linear."""

from __future__ import annotations

import html
from collections.abc import Callable
from typing import Any

import bqplot as bq
import ipywidgets as widgets
import numpy as np

from cocowidget.views.columns import ColumnRef, Description
from cocowidget.views.distributions import CategoryCounts
from cocowidget.views.filters import FilterValue, ValueSet
from cocowidget.widgets.charts.bars import LayeredBars, close_tree, scroll_frame
from cocowidget.widgets.charts.readout import HoverReadout

SetCallback = Callable[[str, ValueSet | None], None]
#: Log axes start here, so a class with no objects is a bar of no length, not log(0).
LOG_FLOOR = 0.7
MAX_BARS = 100
SORTS = {"count": "count", "A–Z": "name"}
SCALES = {"log": "log", "linear": "linear"}


class CategoryChart:
    """Horizontal bars, one per label; clicking bars filters by them (ctrl/⌘-click adds,
    shift-click extends, clicking the background clears).

    Beyond ``max_bars`` labels only the most frequent are drawn (the title says so); a
    filter may still name any label.
    """

    def __init__(
        self,
        ref: ColumnRef,
        description: Description,
        labels: tuple[object, ...],
        *,
        on_set: SetCallback,
        sort: str = "count",
        scale: str = "log",
        max_bars: int = MAX_BARS,
    ) -> None:
        self.ref = ref
        self.key = ref.key
        self.description = description
        self.labels = labels
        self._on_set = on_set
        self._max_bars = max_bars
        self._full = np.zeros(len(labels), dtype=np.int64)
        self._filtered = np.zeros(len(labels), dtype=np.int64)
        self._chosen: frozenset[Any] = frozenset()
        self._order = np.arange(min(len(labels), max_bars))
        self._filtering = False

        self.sort = widgets.ToggleButtons(
            options=list(SORTS),
            value=_key_of(SORTS, sort),
            tooltips=["most frequent first", "alphabetical"],
            style={"button_width": "auto"},
        )
        self.scale = widgets.ToggleButtons(
            options=list(SCALES),
            value=_key_of(SCALES, scale),
            tooltips=["log scale: rare classes stay visible", "linear scale"],
            style={"button_width": "auto"},
        )
        self.title = widgets.HTML()
        self.title.add_class("cw-chart-title")
        header = widgets.HBox(
            [self.title, widgets.HBox([self.sort, self.scale])],
            layout=widgets.Layout(justify_content="space-between", flex_flow="row wrap"),
        )
        header.add_class("cw-chart-header")
        self.readout = HoverReadout(noun=ref.noun, orientation="horizontal")
        self._frame = scroll_frame()
        self.widget = widgets.VBox([header, self._frame, self.readout])
        self.widget.add_class("cw-chart")
        self.widget.add_class("cw-categories")
        self._build()
        self.sort.observe(lambda _: self._redraw(), "value")
        self.scale.observe(lambda _: self._build(), "value")

    # -- Python → chart ------------------------------------------------------------------------
    def update(self, counts: CategoryCounts, value: FilterValue | None, filtering: bool) -> None:
        full_changed = not np.array_equal(counts.full, self._full)
        self._full, self._filtered = counts.full, counts.filtered
        self._filtering = filtering
        if full_changed:
            self._redraw()
        else:
            self._set_filtered()
        self.readout.idle_text = self._idle_text(value)

    def show_filter(self, value: FilterValue | None) -> None:
        self._chosen = value if isinstance(value, frozenset) else frozenset()
        self._show_selection()

    def close(self) -> None:
        """Take the chart away (its column is gone, or has other labels now)."""
        close_tree(self.widget)

    # -- drawing -------------------------------------------------------------------------------
    def _build(self) -> None:
        """A new figure (bqplot cannot swap a mark's scale in place)."""
        log = SCALES[self.scale.value] == "log"
        self._counts: Any = bq.LogScale(min=LOG_FLOOR) if log else bq.LinearScale(min=0)
        self.bars = LayeredBars(
            self._counts,
            bq.Axis(
                scale=self._counts,
                label=f"{self.ref.noun} ({'log scale' if log else 'linear'})",
                tick_format="~s",
                grid_lines="dashed",
            ),
            on_select=self._on_selected,
            padding=0.15,
            base=LOG_FLOOR if log else 0.0,
            interactions={"click": "select"},
        )
        self.full_bars, self.filtered_bars = self.bars.marks
        self.figure = self.bars.figure
        self._frame.children = [self.figure]
        self._redraw()

    def _redraw(self) -> None:
        """Bars in the chosen order (most frequent at the top when sorted by count)."""
        shown = np.argsort(-self._full, kind="stable")[: self._max_bars]
        if SORTS[self.sort.value] == "name":
            names = [str(self.labels[i]).lower() for i in shown]
            shown = shown[np.argsort(names, kind="stable")][::-1]
        else:
            shown = shown[::-1]  # the band scale puts the first domain value at the bottom
        self._order = shown
        names = [str(self.labels[i]) for i in shown]
        self.bars.draw(
            names, self._heights(self._full[shown]), self._heights(self._filtered[shown])
        )
        with self.readout.hold_sync():
            self.readout.labels = names
            self.readout.full = self._full[shown].tolist()
            self.readout.filtered = self._filtered[shown].tolist()
            self.readout.filtering = self._filtering
        self._update_title()
        self._show_selection()

    def _set_filtered(self) -> None:
        shown = self._order
        self.filtered_bars.y = self._heights(self._filtered[shown])
        with self.readout.hold_sync():
            self.readout.filtered = self._filtered[shown].tolist()
            self.readout.filtering = self._filtering

    def _heights(self, counts: np.ndarray) -> np.ndarray:
        heights = counts.astype(np.float64)
        if SCALES[self.scale.value] == "log":
            np.maximum(heights, LOG_FLOOR, out=heights)
        return heights

    def _show_selection(self) -> None:
        chosen = [i for i, label in enumerate(self._order) if self.labels[label] in self._chosen]
        self.bars.select(np.array(chosen, dtype=np.int64) if chosen else None)

    def _update_title(self) -> None:
        total = len(self.labels)
        drawn = len(self._order)
        more = f" · the {drawn} most frequent of {total}" if drawn < total else ""
        # An HTML widget (a Label would typeset "$...$" as maths), so the column's name,
        # chosen in user code, is escaped: text, never markup.
        self.title.value = html.escape(f"{self.description.label}{more}")

    def _idle_text(self, value: FilterValue | None) -> str:
        if isinstance(value, frozenset) and value:
            names = sorted(map(str, value))
            shown = ", ".join(names[:4]) + (f" +{len(names) - 4}" if len(names) > 4 else "")
            return f"filter: {shown} · click the background to clear"
        return "hover a bar for counts · click to filter, ctrl-click to add"

    # -- chart → Python ------------------------------------------------------------------------
    def _on_selected(self, indices: list[int]) -> None:
        chosen = frozenset(self.labels[self._order[i]] for i in indices if i < len(self._order))
        self._chosen = chosen
        self._show_selection()  # the other mark shows the same selection
        self._on_set(self.key, chosen or None)


def _key_of(options: dict[str, str], value: str) -> str:
    for key, option in options.items():
        if option == value:
            return key
    raise ValueError(f"expected one of {sorted(options.values())}, got {value!r}")

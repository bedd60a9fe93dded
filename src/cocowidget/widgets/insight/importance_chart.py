"""Metric importance as sorted horizontal bars; click a metric to pick it."""

from __future__ import annotations

from collections.abc import Callable, Collection
from typing import TYPE_CHECKING, Any

import bqplot as bq
import ipywidgets as widgets
import numpy as np
import traitlets

from cocowidget.widgets.charts.bars import LayeredBars, scroll_frame

if TYPE_CHECKING:
    from cocowidget.data.table import Table

#: (metric column, "image" or "object") of a bar.
MetricKey = tuple[str, str]
PickCallback = Callable[[MetricKey | None], None]


def checked_metric(
    value: object, known: Collection[MetricKey], what: str = "metric"
) -> MetricKey | None:
    """A metric trait's value as ``(column, kind)`` text, or a TraitError naming the
    ``known`` ones (``None`` stays None)."""
    if value is None:
        return None
    if not isinstance(value, tuple | list) or len(value) != 2:
        raise traitlets.TraitError(f"a metric is (column, 'image' | 'object'), not {value!r}")
    key = (str(value[0]), str(value[1]))
    if key not in known:
        raise traitlets.TraitError(f"no {what} {key!r}; the {what}s are: {sorted(known)}")
    return key


def metric_label(metric: str, kind: str) -> str:
    """What a person reads: an object metric says so (an image has an aspect ratio too)."""
    words = metric.replace("_", " ")
    return f"object {words}" if kind == "object" else words


class ImportanceChart:
    """One row per metric of one outcome of ``Evaluation.metric_importance``, the most
    important at the top: the estimate in front of the upper end of its interval. Metrics
    without numbers (all NaN, constant) are listed under the chart, not drawn. Hovering a
    row reads its numbers; clicking calls ``on_pick((metric, kind))``, the picked one again
    or the background ``on_pick(None)``."""

    def __init__(self, *, on_pick: PickCallback) -> None:
        self._on_pick = on_pick
        self.keys: list[MetricKey] = []  # bottom bar first, as the band scale draws them
        self._rows: list[int] = []
        self._table: Table | None = None
        self._picked: MetricKey | None = None
        title = widgets.Label("Metric importance")
        title.add_class("cw-chart-title")
        legend = widgets.Label(
            "drop in ROC AUC when the metric is shuffled · dark: estimate · light: upper end"
            " of its 95% interval"
        )
        legend.add_class("cw-chart-note")
        self.tooltip = widgets.VBox([widgets.Label() for _ in range(3)])
        self.tooltip.add_class("cw-tooltip")
        values = bq.LinearScale(min=0.0)
        self._axis = bq.Axis(
            scale=values, label="importance", tick_format=".2f", grid_lines="dashed"
        )
        self._values = values
        self.bars = LayeredBars(
            values,
            self._axis,
            on_select=self._on_selected,
            targets_to=1.0,
            padding=0.2,
            interactions={"click": "select", "hover": "tooltip"},
            tooltip=self.tooltip,
            tooltip_style={"opacity": 1.0},
        )
        assert self.bars.targets is not None
        self.bars.targets.on_hover(self._on_hover)
        self.unranked = widgets.Label()
        self.unranked.add_class("cw-chart-note")
        self.caution = widgets.Label(
            "association, not cause: metrics that travel together share their importance"
        )
        self.caution.add_class("cw-chart-note")
        header = widgets.VBox([title, legend])
        header.add_class("cw-chart-header")
        self.widget = widgets.VBox(
            [header, scroll_frame(self.bars.figure), self.unranked, self.caution]
        )
        self.widget.add_class("cw-chart")
        self.widget.add_class("cw-importance")

    @property
    def shown_keys(self) -> list[MetricKey]:
        """Metrics from the top bar down."""
        return self.keys[::-1]

    def update(self, table: Table, outcome: str) -> None:
        """Draw the rows of ``outcome`` (already sorted most important first)."""
        self._table = table
        rows = [i for i in range(len(table)) if table["outcome"][i] == outcome]
        ranked = [i for i in rows if np.isfinite(table["importance"][i])]
        unranked = [i for i in rows if not np.isfinite(table["importance"][i])]
        self._rows = ranked[::-1]
        self.keys = [(str(table["metric"][i]), str(table["kind"][i])) for i in self._rows]
        high = np.clip(np.nan_to_num(table["importance_high"][self._rows]), 0.0, None)
        estimate = np.clip(table["importance"][self._rows], 0.0, None)
        end = float(max(high.max() if len(high) else 0.0, 0.01)) * 1.05
        self._values.max = end
        self.bars.draw([metric_label(*key) for key in self.keys], high, estimate, targets_to=end)
        self.unranked.value = (
            "not ranked: "
            + "; ".join(
                f"{metric_label(str(table['metric'][i]), str(table['kind'][i]))}"
                f" ({table['note'][i]})"
                for i in unranked
            )
            if unranked
            else ""
        )
        self.show_pick(self._picked)

    def show_pick(self, key: MetricKey | None) -> None:
        self._picked = key
        self.bars.select(np.array([self.keys.index(key)]) if key in self.keys else None)

    def _on_selected(self, indices: list[int]) -> None:
        chosen = [self.keys[i] for i in indices if 0 <= i < len(self.keys)]
        picked = None if not chosen or chosen[0] == self._picked else chosen[0]
        self.show_pick(picked)
        self._on_pick(picked)

    def _on_hover(self, _mark: Any, content: dict[str, Any]) -> None:
        index = (content.get("data") or {}).get("index")
        if self._table is None or index is None or not 0 <= int(index) < len(self._rows):
            return
        table, row = self._table, self._rows[int(index)]
        name, importance, correlation = self.tooltip.children
        name.value = metric_label(*self.keys[int(index)])
        importance.value = (
            f"importance {table['importance'][row]:.3f}"
            f" [{table['importance_low'][row]:.3f}, {table['importance_high'][row]:.3f}]"
        )
        correlation.value = (
            f"rank correlation {table['correlation'][row]:+.3f}"
            f" [{table['correlation_low'][row]:+.3f}, {table['correlation_high'][row]:+.3f}]"
            f" · {int(table['rows'][row]):,} rows"
        )

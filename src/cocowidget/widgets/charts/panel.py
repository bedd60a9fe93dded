"""The explorer's charts, one per column, kept in step with the dataset's columns.

Columns come and go while an explorer is open: removing or renaming a run takes its
derived columns (``"b.ap"``), an evaluation attaches new ones, and pixel statistics fill
in as images are measured. :meth:`ChartPanel.sync` brings the charts in line: a chart
whose column is gone is taken away, one whose column was binned anew is drawn again, and
a column waiting for values is charted once it has them.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from typing import Any

import ipywidgets as widgets
import numpy as np

from cocowidget.views.binning import Bins
from cocowidget.views.columns import ColumnCatalog, NumericColumn, chartable_keys, describe
from cocowidget.views.distributions import Distributions
from cocowidget.views.filters import FilterValue
from cocowidget.widgets.charts.categories import CategoryChart
from cocowidget.widgets.charts.histogram import HistogramChart

Chart = HistogramChart | CategoryChart
FilterCallback = Callable[[str, Any], None]
#: The smallest width of a histogram: two side by side fit a panel beside the grid.
HISTOGRAM_MIN_PX = 250


class ChartPanel:
    """The charts (:attr:`charts`, in the order they were added), the columns waiting for
    values (:attr:`waiting`) and a note naming both those and the charts taken away."""

    def __init__(
        self,
        catalog: ColumnCatalog,
        distributions: Distributions,
        *,
        has_values: Callable[[str], bool],
        on_filter: FilterCallback,
        throttle: float,
        hint: str = "",
    ) -> None:
        self._catalog = catalog
        self._distributions = distributions
        self._has_values = has_values
        self._on_filter = on_filter
        self._throttle = throttle
        self._hint = hint  # how to get the waiting columns' values (escaped markup)
        self.charts: dict[str, Chart] = {}
        self.waiting: list[str] = []
        self.gone: list[str] = []
        self.histograms = widgets.GridBox(
            layout=widgets.Layout(
                grid_template_columns=f"repeat(auto-fill, minmax({HISTOGRAM_MIN_PX}px, 1fr))",
                grid_gap="8px",
                width="100%",
            )
        )
        self.bar_charts = widgets.VBox(layout=widgets.Layout(width="100%", grid_gap="8px"))
        self.note = widgets.HTML()
        self.note.add_class("cw-explorer-note")

    # -- which columns -----------------------------------------------------------------------
    def add(self, key: str) -> Chart:
        """Chart a column (drawn empty: :meth:`draw` counts it)."""
        column = self._catalog.column(key)
        ref = column.ref
        if ref.key in self.charts:
            return self.charts[ref.key]
        chart = self._build(ref.key)
        box = self.histograms if isinstance(chart, HistogramChart) else self.bar_charts
        box.children = (*box.children, chart.widget)
        self.charts[ref.key] = chart
        for names in (self.waiting, self.gone):
            if ref.key in names:
                names.remove(ref.key)
        self._update_note()
        return chart

    def wait_for(self, key: str) -> None:
        """Chart ``key`` once it has values."""
        if key not in self.waiting and key not in self.charts:
            self.waiting.append(key)
            self._update_note()

    def offered(self) -> list[str]:
        """Columns with values that are not charted: what the user may add."""
        keys = chartable_keys(self._catalog.images, self._catalog.annotations)
        return [key for key in keys if key not in self.charts and self._has_values(key)]

    def sync(self) -> tuple[list[str], list[str]]:
        """Follow the dataset's columns; returns the keys whose charts were taken away,
        and those of the charts built anew or added (to be counted: :meth:`draw`)."""
        removed = [key for key in self.charts if not self._catalog.has(key)]
        for key in removed:
            self._remove(key)
            self._distributions.forget(key)
            self._catalog.forget(key)
            self.gone.append(key)
        rebuilt = [key for key, chart in self.charts.items() if self._outdated(key, chart)]
        for key in rebuilt:
            self._rebuild(key)
        added = [key for key in self.waiting if self._catalog.has(key) and self._has_values(key)]
        for key in added:
            self.add(key)
        self._update_note()
        return removed, rebuilt + added

    # -- counting and drawing ----------------------------------------------------------------
    def draw(
        self,
        filters: dict[str, FilterValue],
        *,
        keys: list[str] | None = None,
        origin: str | None = None,
    ) -> None:
        """Count the charts (``keys``, or all) and redraw them; the chart a brush or click
        came from (``origin``) already shows its filter. Every chart is counted before
        any is redrawn, so their updates reach the browser back to back and repaint in
        one frame, not one per chart."""
        drawn = {key: self.charts[key] for key in (self.charts if keys is None else keys)}
        histograms = {
            key: self._distributions.histogram(key)
            for key, chart in drawn.items()
            if isinstance(chart, HistogramChart)
        }
        categories = {
            key: self._distributions.categories(key)
            for key, chart in drawn.items()
            if isinstance(chart, CategoryChart)
        }
        filtering = bool(filters)
        for key, chart in drawn.items():
            if isinstance(chart, HistogramChart):
                chart.update(histograms[key], filters.get(key), filtering)
            else:
                chart.update(categories[key], filters.get(key), filtering)
        for key, chart in drawn.items():
            if key != origin:
                chart.show_filter(filters.get(key))

    # -- helpers -----------------------------------------------------------------------------
    def _build(self, key: str) -> Chart:
        column = self._catalog.column(key)
        ref = column.ref
        if isinstance(column, NumericColumn):
            return HistogramChart(
                ref,
                describe(ref),
                self._distributions.bins(ref.key),
                on_interval=self._on_filter,
                throttle=self._throttle,
            )
        return CategoryChart(ref, describe(ref), column.labels, on_set=self._on_filter)

    def _outdated(self, key: str, chart: Chart) -> bool:
        """The chart's bins or labels are no longer its column's (values attached anew)."""
        column = self._catalog.column(key)
        if isinstance(chart, HistogramChart):
            if not isinstance(column, NumericColumn):
                return True
            return not _same_bins(chart.bins, self._distributions.bins(key))
        return isinstance(column, NumericColumn) or column.labels != chart.labels

    def _rebuild(self, key: str) -> None:
        old = self.charts[key]
        if isinstance(old, HistogramChart) and isinstance(self._catalog.column(key), NumericColumn):
            bins = self._distributions.bins(key)
            if bins.scale == old.bins.scale:  # new bins on the same axis: in place
                old.rebin(bins)
                return
        new = self._build(key)
        if isinstance(old, HistogramChart) == isinstance(new, HistogramChart):
            box = self.histograms if isinstance(new, HistogramChart) else self.bar_charts
            box.children = tuple(new.widget if c is old.widget else c for c in box.children)
            self.charts[key] = new
            old.close()
        else:  # a column of numbers became one of labels, or back: it moves boxes
            self._remove(key)
            self.add(key)

    def _remove(self, key: str) -> None:
        chart = self.charts.pop(key)
        for box in (self.histograms, self.bar_charts):
            box.children = tuple(c for c in box.children if c is not chart.widget)
        chart.close()

    def _update_note(self) -> None:
        # Column keys are user text (columns added in user code): escaped, never markup.
        parts = []
        if self.waiting:
            names = html.escape(", ".join(self.waiting))
            parts.append(f"Charted once they have values (for most images): {names}{self._hint}.")
        if self.gone:
            names = html.escape(", ".join(self.gone))
            parts.append(f"No longer in the dataset (its run was removed or renamed): {names}.")
        self.note.value = " ".join(parts)


def _same_bins(a: Bins, b: Bins) -> bool:
    return a.scale == b.scale and a.integer == b.integer and np.array_equal(a.edges, b.edges)

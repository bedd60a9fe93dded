"""ModelInsight: which metrics go with the model's mistakes, and the images behind a bin.

The importance chart ranks the metrics (``Evaluation.metric_importance``) for one
outcome, finding objects or detections being right; clicking one draws its performance
by metric (``Evaluation.by_metric``); clicking a bin shows that bin's images in the grid,
worst first, with an object bin's objects drawn at full strength and the rest dimmed. The
widget computes nothing itself: it asks the evaluation and shows what it says.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import ipywidgets as widgets
import numpy as np
import traitlets

from cocowidget._arguments import checked_keywords, checked_methods
from cocowidget.evaluation.importance_options import ImportanceOptions
from cocowidget.evaluation.metric_bins import MetricBins
from cocowidget.evaluation.metric_importance import OUTCOMES, Outcome
from cocowidget.widgets.charts.panel_styles import PanelStyles
from cocowidget.widgets.grid import CocoGrid
from cocowidget.widgets.insight.importance_chart import (
    ImportanceChart,
    MetricKey,
    checked_metric,
    metric_label,
)
from cocowidget.widgets.insight.metric_chart import MetricChart
from cocowidget.widgets.snapshot import Described, Snapshot

if TYPE_CHECKING:
    from cocowidget.dataset import CocoDataset
    from cocowidget.evaluation.result import Evaluation

OUTCOME_TEXT = {"found": "finding objects", "true_positive": "right detections"}


@checked_methods
class ModelInsight(Described, widgets.VBox):  # type: ignore[misc]
    """Metric importance, performance by the picked metric, and the grid of a bin.

    ``outcome``: ``"found"`` (ground truth found vs missed) or ``"true_positive"``
    (detections right vs wrong). ``metric``: the picked ``(column, "image" | "object")``
    (``None``: the most important one); ``bin``: the picked bin (``None``: every image).
    ``bins``: how many equal-count bins a metric gets. ``grid``: a grid to show the bins'
    images in (an :class:`EvaluationView`'s, say); by default one of its own, sorted by
    the run's per-image AP, worst first. ``options`` go to ``metric_importance``.
    """

    outcome = traitlets.Enum(OUTCOMES, "found")
    metric = traitlets.Tuple(
        traitlets.Unicode(), traitlets.Unicode(), default_value=None, allow_none=True
    )
    bin = traitlets.Int(None, allow_none=True)

    @checked_keywords
    def __init__(
        self,
        dataset: CocoDataset,
        evaluation: Evaluation,
        *,
        grid: CocoGrid | None = None,
        outcome: Outcome = "found",
        bins: int = 5,
        options: ImportanceOptions | None = None,
        height: int = 480,
    ) -> None:
        if bins < 1:
            raise ValueError("bins must be at least 1")
        self.dataset = dataset
        self.evaluation = evaluation
        self.bins = bins
        self.importance = evaluation.metric_importance(options=options)
        if grid is None:
            worst_first = f"{evaluation.run}.ap" if evaluation.run else None
            sort_by = worst_first if worst_first in dataset.images else None
            grid = CocoGrid(dataset, evaluation=evaluation, height=height, sort_by=sort_by)
        self.grid = grid
        self._bins: MetricBins | None = None
        self._status = widgets.Label()
        self._status.add_class("cw-insight-status")
        self.importance_chart = ImportanceChart(on_pick=self._from_importance)
        self.metric_chart = MetricChart(on_pick=self._from_bins)
        self._outcomes = widgets.ToggleButtons(
            options=[(text, value) for value, text in OUTCOME_TEXT.items()],
            value=outcome,
            tooltips=["ground truth found vs missed", "detections right vs false positives"],
            style={"button_width": "auto"},
        )
        traitlets.link((self._outcomes, "value"), (self, "outcome"))
        charts = widgets.HBox(
            [self.importance_chart.widget, self.metric_chart.widget],
            layout=widgets.Layout(flex_flow="row wrap", grid_gap="8px", width="100%"),
        )
        for chart in charts.children:
            chart.layout = widgets.Layout(flex="1 1 420px", min_width="320px")
        parts = [PanelStyles(), self._outcomes, charts, self._status, self.grid]
        super().__init__(parts)
        self.add_class("cw-insight")
        self.outcome = outcome
        self._draw_importance()

    # -- state -----------------------------------------------------------------------------
    @traitlets.validate("metric")
    def _check_metric(self, proposal: dict[str, Any]) -> MetricKey | None:
        known = {
            (str(m), str(k))
            for m, k in zip(self.importance["metric"], self.importance["kind"], strict=True)
        }
        return checked_metric(proposal["value"], known)

    @traitlets.validate("bin")
    def _check_bin(self, proposal: dict[str, Any]) -> int | None:
        value = proposal["value"]
        n = 0 if self._bins is None else len(self._bins.table)
        if value is None:
            return None
        if not 0 <= int(value) < n:
            raise traitlets.TraitError(f"bin {value} of {n} bins")
        return int(value)

    @traitlets.observe("outcome")
    def _on_outcome(self, _change: dict[str, Any]) -> None:
        self._draw_importance()

    @traitlets.observe("metric")
    def _on_metric(self, _change: dict[str, Any]) -> None:
        self.importance_chart.show_pick(self.metric)
        self.bin = None
        if self.metric is None:
            self._bins = None
            self.grid.show(None)
        else:
            column, kind = self.metric
            self._bins = self.evaluation.by_metric(column, self.bins, kind=None)
            self.metric_chart.update(self._bins, metric_label(column, kind))
        self._show_bin()

    @traitlets.observe("bin")
    def _on_bin(self, _change: dict[str, Any]) -> None:
        self.metric_chart.show_pick(self.bin)
        self._show_bin()

    @property
    def shown_ids(self) -> list[int]:
        """The images the grid shows, in its order."""
        return self.grid.shown_ids

    def snapshot(self) -> Snapshot:
        return self.grid.snapshot_as("ModelInsight", "image", self.evaluation.run)

    # -- presenting ------------------------------------------------------------------------
    def _draw_importance(self) -> None:
        self.importance_chart.update(self.importance, self.outcome)
        keys = self.importance_chart.shown_keys
        if self.metric not in keys:
            self.set_trait("metric", keys[0] if keys else None)
        else:
            self.importance_chart.show_pick(self.metric)

    def _from_importance(self, key: MetricKey | None) -> None:
        if key is not None:
            self.metric = key
        else:
            self.importance_chart.show_pick(self.metric)  # one metric stays picked

    def _from_bins(self, index: int | None) -> None:
        self.bin = index

    def _show_bin(self) -> None:
        bins, b = self._bins, self.bin
        if bins is None or b is None:
            self.grid.show(None)
            self.grid.emphasize(None)
            self._status.value = self._status_text()
            return
        self.grid.show(bins.image_ids[b])
        if bins.kind == "object":
            ids = self.dataset.annotations["id"]
            self.grid.emphasize(np.flatnonzero(np.isin(ids, bins.annotation_ids[b])))
        else:
            self.grid.emphasize(None)
        self._status.value = self._status_text()

    def _status_text(self) -> str:
        bins, b = self._bins, self.bin
        if bins is None or self.metric is None:
            return "no metric to show"
        label = metric_label(*self.metric)
        if b is None:
            return f"{label}: click a bin to see its images"
        table = bins.table
        order = ", worst first" if self.grid.sort_by == f"{self.evaluation.run}.ap" else ""
        images = f"{len(bins.image_ids[b]):,} images"
        if bins.kind == "object":
            images = f"{int(table['count'][b]):,} objects in {images}"
        return f"{label} in {table['bin'][b]}: {images}{order}"

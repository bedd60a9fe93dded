"""Precision–recall curves: every class faint, their mean dashed, the picked class bold."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import bqplot as bq
import ipywidgets as widgets
import numpy as np

from cocowidget.views.evaluation_charts import PrecisionCurves, precision_curves
from cocowidget.widgets.charts.bars import figure
from cocowidget.widgets.charts.style import FILTERED_COLOR, FULL_COLOR, MARGIN

if TYPE_CHECKING:
    from cocowidget.evaluation.result import Evaluation

MEAN_COLOR = "var(--jp-ui-font-color2, #616161)"
CURVES_HEIGHT = "300px"

PickCallback = Callable[[int | None], None]


class PrecisionRecallChart:
    """COCO's interpolated precision at each recall threshold, per class, at the IoU the
    toggle picks (.50, .75, or averaged over .50:.95: the curves COCO's AP averages).

    Clicking a class's curve calls ``on_pick(category_id)``; clicking the picked (bold)
    curve calls ``on_pick(None)``.
    """

    def __init__(
        self, evaluation: Evaluation, labels: list[str], *, on_pick: PickCallback | None = None
    ) -> None:
        self._evaluation = evaluation
        self._labels = labels
        self._on_pick = on_pick
        self._category_ids = [int(i) for i in evaluation.category_ids.tolist()]
        self._picked: int | None = None
        options = [("IoU .50:.95", -1.0)]
        thresholds = evaluation.iou_thresholds.tolist()
        for value, name in ((0.5, "IoU .50"), (0.75, "IoU .75")):
            if any(abs(t - value) < 1e-9 for t in thresholds):
                options.append((name, value))
        self.iou = widgets.ToggleButtons(
            options=options,
            value=options[1][1] if len(options) > 1 else -1.0,
            tooltips=[
                "averaged over the IoU thresholds, as AP",
                *(f"at IoU {v:.2f}" for _, v in options[1:]),
            ],
            style={"button_width": "auto"},
        )
        title = widgets.Label("Precision–recall")
        title.add_class("cw-chart-title")
        header = widgets.HBox(
            [title, self.iou],
            layout=widgets.Layout(justify_content="space-between", flex_flow="row wrap"),
        )
        header.add_class("cw-chart-header")

        x, y = bq.LinearScale(min=0.0, max=1.0), bq.LinearScale(min=0.0, max=1.0)
        scales = {"x": x, "y": y}
        self.tooltip = widgets.Label()
        self.tooltip.add_class("cw-tooltip")
        self.class_lines = bq.Lines(
            scales=scales,
            colors=[FULL_COLOR],
            stroke_width=1,
            opacities=[0.8],
            interactions={"hover": "tooltip"},
            tooltip=self.tooltip,
            tooltip_style={"opacity": 1.0},
        )
        self.class_lines.on_hover(self._on_hover)
        self.class_lines.on_element_click(self._on_click)
        self.mean_line = bq.Lines(
            scales=scales,
            colors=[MEAN_COLOR],
            stroke_width=2,
            line_style="dashed",
            interactions={},
        )
        self.picked_line = bq.Lines(
            scales=scales, colors=[FILTERED_COLOR], stroke_width=3, interactions={}
        )
        self.picked_line.on_element_click(lambda _mark, _content: self._pick(None))
        self.figure = figure(
            [self.class_lines, self.mean_line, self.picked_line],
            [
                bq.Axis(scale=x, label="recall", tick_format=".1f", grid_lines="dashed"),
                bq.Axis(
                    scale=y,
                    side="left",
                    label="precision",
                    tick_format=".1f",
                    grid_lines="dashed",
                    label_offset="36px",
                ),
            ],
            fig_margin={**MARGIN, "right": 22},  # the last tick label is centred on the edge
            layout=widgets.Layout(width="100%", height=CURVES_HEIGHT, min_height=CURVES_HEIGHT),
        )
        self.caption = widgets.Label()
        self.caption.add_class("cw-chart-note")
        self.widget = widgets.VBox([header, self.figure, self.caption])
        self.widget.add_class("cw-chart")
        self.widget.add_class("cw-pr-curves")
        self.curves = self._curves()
        self._draw()
        self.iou.observe(lambda _: self._redraw(), "value")

    @property
    def iou_threshold(self) -> float | None:
        """The IoU the curves are at; ``None`` for the average over all thresholds."""
        value = float(self.iou.value)
        return None if value < 0 else value

    def show_pick(self, category_id: int | None) -> None:
        self._picked = category_id
        self._draw_picked()

    def _curves(self) -> PrecisionCurves:
        return precision_curves(self._evaluation, self.iou_threshold)

    def _redraw(self) -> None:
        self.curves = self._curves()
        self._draw()

    @property
    def drawn_category_ids(self) -> list[int]:
        """Category ids of the faint curves, in drawing order (classes with ground truth)."""
        rows = np.flatnonzero(self.curves.has_truth).tolist()
        return [self._category_ids[row] for row in rows]

    def _draw(self) -> None:
        curves = self.curves
        drawn = curves.precision[curves.has_truth]
        with self.class_lines.hold_sync():
            self.class_lines.x = curves.recall
            self.class_lines.y = drawn if len(drawn) else np.zeros((0, len(curves.recall)))
            rows = np.flatnonzero(curves.has_truth).tolist()
            self.class_lines.labels = [self._labels[row] for row in rows]
        with self.mean_line.hold_sync():
            self.mean_line.x = curves.recall
            self.mean_line.y = np.nan_to_num(curves.mean, nan=0.0)
        self._draw_picked()

    def _draw_picked(self) -> None:
        curves = self.curves
        where = "at IoU .50:.95" if self.iou_threshold is None else f"at IoU {self.iou_threshold}"
        picked = self._picked
        row = self._category_ids.index(picked) if picked in self._category_ids else None
        if row is None or not curves.has_truth[row]:
            self.picked_line.visible = False
            mean_ap = float(np.nanmean(curves.ap)) if curves.has_truth.any() else float("nan")
            text = f"faint: each class · dashed: their mean, AP {mean_ap:.3f} {where}"
            if row is not None:
                text = f"{self._labels[row]}: no ground truth, no curve · " + text
            self.caption.value = text
            return
        with self.picked_line.hold_sync():
            self.picked_line.x = curves.recall
            self.picked_line.y = curves.precision[row]
            self.picked_line.visible = True
        self.caption.value = (
            f"{self._labels[row]}: AP {float(curves.ap[row]):.3f} {where}"
            " · dashed: mean of all classes"
        )

    # -- chart → Python ------------------------------------------------------------------------
    def _class_of(self, content: dict[str, Any]) -> int | None:
        index = (content.get("data") or {}).get("index")
        drawn = self.drawn_category_ids
        if index is None or not 0 <= int(index) < len(drawn):
            return None
        return drawn[int(index)]

    def _on_click(self, _mark: Any, content: dict[str, Any]) -> None:
        category_id = self._class_of(content)
        if category_id is not None:
            # A second click on the picked class lets go.
            self._pick(None if category_id == self._picked else category_id)

    def _pick(self, category_id: int | None) -> None:
        self.show_pick(category_id)
        if self._on_pick is not None:
            self._on_pick(category_id)

    def _on_hover(self, _mark: Any, content: dict[str, Any]) -> None:
        category_id = self._class_of(content)
        if category_id is None:
            return
        row = self._category_ids.index(category_id)
        self.tooltip.value = (
            f"{self._labels[row]}: AP {float(self.curves.ap[row]):.3f} · click to pick"
        )

"""The class confusion matrix as a bqplot GridHeatMap, class names as tick labels."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import bqplot as bq
import ipywidgets as widgets
import numpy as np

from cocowidget.views.evaluation_charts import ConfusionMode, ConfusionView, confusion_view
from cocowidget.widgets.charts.bars import figure

if TYPE_CHECKING:
    from cocowidget.evaluation.confusion import ConfusionMatrix

MODES: dict[str, ConfusionMode] = {"mix-ups": "errors", "all": "counts", "row %": "shares"}
# bqplot interpolates colours in JavaScript, so theme variables cannot be used; from an
# almost transparent blue to a solid one reads on light and dark themes alike. Empty
# cells get the faint end: GridHeatMap paints NaN black.
COLORS = ["rgba(66, 146, 198, 0.07)", "rgba(8, 81, 156, 1)"]
CELL_PX = 18
MAX_CLASSES = 20


class ConfusionChart:
    """Rows are true classes (then background: detections that match nothing), columns
    predicted classes (then missed: objects nothing matched). Hover a cell for its
    count. With many classes only the ``max_classes`` most mixed up are drawn."""

    def __init__(self, labels: list[str], *, max_classes: int = MAX_CLASSES) -> None:
        self._labels = labels
        self._max_classes = max_classes
        self._matrix: ConfusionMatrix | None = None
        self.view: ConfusionView | None = None
        self.mode = widgets.ToggleButtons(
            options=list(MODES),
            value="mix-ups",
            tooltips=[
                "objects of one class detected as another",
                "every count: correct detections, background, missed objects",
                "share of each true class's objects",
            ],
            style={"button_width": "auto"},
        )
        self.title = widgets.Label("Confusion")
        self.title.add_class("cw-chart-title")
        header = widgets.HBox(
            [self.title, self.mode],
            layout=widgets.Layout(justify_content="space-between", flex_flow="row wrap"),
        )
        header.add_class("cw-chart-header")
        self.tooltip = widgets.Label()
        self.tooltip.add_class("cw-tooltip")
        # Reversed: the first true class on top, background at the bottom.
        rows, columns = bq.OrdinalScale(reverse=True), bq.OrdinalScale()
        self._colors = bq.ColorScale(colors=COLORS, min=0.0)
        self.heatmap = bq.GridHeatMap(
            scales={"row": rows, "column": columns, "color": self._colors},
            stroke="var(--jp-layout-color0, white)",
            interactions={"hover": "tooltip"},
            tooltip=self.tooltip,
            tooltip_style={"opacity": 1.0},
        )
        self.heatmap.on_hover(self._on_hover)
        self.figure = figure(
            [self.heatmap],
            [
                bq.Axis(
                    scale=columns,
                    label="predicted",
                    side="bottom",
                    tick_rotate=-45,
                    tick_style={"text-anchor": "end"},
                    grid_lines="none",
                    label_offset="88px",
                ),
                bq.Axis(
                    scale=rows,
                    label="true class",
                    side="left",
                    grid_lines="none",
                    label_offset="108px",
                ),
            ],
            fig_margin={"top": 8, "bottom": 100, "left": 124, "right": 10},
        )
        self.note = widgets.Label()
        self.note.add_class("cw-chart-note")
        self.widget = widgets.VBox([header, self.figure, self.note])
        self.widget.add_class("cw-chart")
        self.widget.add_class("cw-confusion")
        self.mode.observe(lambda _: self._draw(), "value")

    def update(self, matrix: ConfusionMatrix) -> None:
        self._matrix = matrix
        self._draw()

    def _draw(self) -> None:
        if self._matrix is None:
            return
        view = confusion_view(
            self._matrix, self._labels, mode=MODES[self.mode.value], max_classes=self._max_classes
        )
        self.view = view
        side = CELL_PX * len(view.rows)
        self.figure.layout = widgets.Layout(
            width=f"{side + 140}px", height=f"{side + 110}px", max_width="100%"
        )
        finite = view.values[np.isfinite(view.values)]
        # Rows, columns and colours are checked against each other: set them together.
        with self.heatmap.hold_sync(), self.heatmap.hold_trait_notifications():
            self.heatmap.row = np.array(view.rows, dtype=object)
            self.heatmap.column = np.array(view.columns, dtype=object)
            self.heatmap.color = np.nan_to_num(view.values, nan=0.0)
        self._colors.max = float(finite.max()) if finite.size else 1.0
        matrix = self._matrix
        shown = len(view.category_ids)
        cut = (
            f" · the {shown} classes most mixed up, of {view.classes_total}"
            if shown < view.classes_total
            else ""
        )
        self.title.value = f"Confusion at IoU {matrix.iou_threshold:.2f}{cut}"
        self.note.value = (
            f"class-agnostic matching, score ≥ {matrix.score_threshold:.2f}"
            " · hover a cell for its count"
        )

    def _on_hover(self, _mark: Any, content: dict[str, Any]) -> None:
        view = self.view
        data = content.get("data") or {}
        if view is None or "rowNum" not in data or "columnNum" not in data:
            return
        i, j = int(data["rowNum"]), int(data["columnNum"])
        if not (0 <= i < len(view.rows) and 0 <= j < len(view.columns)):
            return
        count = int(view.counts[i, j])
        total = int(view.row_totals[i])
        share = f" ({100 * count / total:.0f}% of {total:,})" if total else ""
        truth, predicted = view.rows[i], view.columns[j]
        background = view.with_background and i == len(view.rows) - 1
        missed = view.with_background and j == len(view.columns) - 1
        if background and missed:
            self.tooltip.value = ""
        elif background:
            self.tooltip.value = f"{count:,} detections of {predicted} matched no object"
        elif missed:
            self.tooltip.value = f"{count:,} {truth} objects missed{share}"
        elif i == j:
            self.tooltip.value = f"{count:,} {truth} objects detected correctly{share}"
        else:
            self.tooltip.value = f"{count:,} {truth} objects detected as {predicted}{share}"

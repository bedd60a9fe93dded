"""The class confusion matrix as a bqplot GridHeatMap, class names as tick labels."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import bqplot as bq
import ipywidgets as widgets
import numpy as np

from cocowidget.views.evaluation_charts import ConfusionMode, ConfusionView, confusion_view
from cocowidget.widgets.charts.bars import figure
from cocowidget.widgets.charts.style import FILTERED_COLOR
from cocowidget.widgets.theme import PageTheme

if TYPE_CHECKING:
    from cocowidget.evaluation.confusion import ConfusionMatrix

MODES: dict[str, ConfusionMode] = {"mix-ups": "errors", "all": "counts", "row %": "shares"}
# bqplot interpolates colours in JavaScript, so theme variables cannot be used: the
# palette is the page theme's (PageTheme). Each is [empty, fewest, most]: empty cells
# get a faint tint (GridHeatMap paints NaN black), and the least count shown starts at a
# blue of at least 3:1 contrast against the theme's background (WCAG's minimum for
# graphics), so a single mix-up reads at a glance; more goes darker on light, lighter on
# dark. (One blue ramp for both, from almost transparent, left 1 of 50 invisible on dark.)
PALETTES = {
    "light": ["rgba(66, 146, 198, 0.08)", "#4292c6", "#08519c"],  # 3.4:1 and 7.9:1 on white
    "dark": ["rgba(107, 174, 214, 0.10)", "#2171b5", "#c6dbef"],  # 3.7:1 and 13:1 on #111
}
CELL_PX = 18
MAX_CLASSES = 20

#: A cell: (true class, predicted class) as category ids; ``None`` for the background
#: row or the missed column.
ConfusionPick = tuple[int | None, int | None]
PickCallback = Callable[[ConfusionPick | None], None]


class ConfusionChart:
    """Rows are true classes (then background: detections that match nothing), columns
    predicted classes (then missed: objects nothing matched). Hover a cell for its
    count. With many classes only the ``max_classes`` most mixed up are drawn.

    Clicking a cell calls ``on_pick((true_id, predicted_id))`` (``None`` for background
    or missed); clicking the picked cell again calls ``on_pick(None)``.
    """

    def __init__(
        self,
        labels: list[str],
        *,
        on_pick: PickCallback | None = None,
        max_classes: int = MAX_CLASSES,
    ) -> None:
        self._labels = labels
        self._on_pick = on_pick
        self._max_classes = max_classes
        self._matrix: ConfusionMatrix | None = None
        self._picked: ConfusionPick | None = None
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
        # Colour strengths (see _strength): 0 empty, 1 the fewest shown, 2 the most.
        self._colors = bq.ColorScale(colors=PALETTES["light"], min=0.0, mid=1.0, max=2.0)
        self.theme = PageTheme()
        self.theme.observe(self._on_theme, "dark")
        self.heatmap = bq.GridHeatMap(
            scales={"row": rows, "column": columns, "color": self._colors},
            stroke="var(--jp-layout-color0, white)",
            interactions={"hover": "tooltip"},
            tooltip=self.tooltip,
            tooltip_style={"opacity": 1.0},
            # Shown for a pick set through show_pick; clicks go to _on_click.
            selected_style={"stroke": FILTERED_COLOR, "stroke-width": "3px"},
        )
        self.heatmap.on_hover(self._on_hover)
        self.heatmap.on_element_click(self._on_click)
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
            fig_margin={"top": 8, "bottom": 100, "left": 124, "right": 28},
        )
        self.note = widgets.Label()
        self.note.add_class("cw-chart-note")
        self.widget = widgets.VBox([header, self.figure, self.note, self.theme])
        self.widget.add_class("cw-chart")
        self.widget.add_class("cw-confusion")
        self.mode.observe(lambda _: self._draw(), "value")

    def update(self, matrix: ConfusionMatrix) -> None:
        self._matrix = matrix
        self._draw()

    def show_pick(self, cell: ConfusionPick | None) -> None:
        """Outline the cell (if drawn: the classes may be cut, the mode may hide
        background and missed)."""
        self._picked = cell
        view = self.view
        where = None if view is None or cell is None else _position(view, cell)
        self.heatmap.selected = None if where is None else np.array([where])

    def cell_at(self, row: int, column: int) -> ConfusionPick | None:
        """The cell drawn at ``row``, ``column``; ``None`` outside the matrix and for
        background against missed (which counts nothing)."""
        view = self.view
        if view is None or not (0 <= row < len(view.rows) and 0 <= column < len(view.columns)):
            return None
        ids = view.category_ids
        truth = ids[row] if row < len(ids) else None
        predicted = ids[column] if column < len(ids) else None
        return None if truth is None and predicted is None else (truth, predicted)

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
        # Rows, columns and colours are checked against each other: set them together.
        with self.heatmap.hold_sync(), self.heatmap.hold_trait_notifications():
            self.heatmap.row = np.array(view.rows, dtype=object)
            self.heatmap.column = np.array(view.columns, dtype=object)
            self.heatmap.color = _strength(view.values)
        self.show_pick(self._picked)
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
            " · click a cell for its images"
        )

    def _on_theme(self, change: dict[str, Any]) -> None:
        self._colors.colors = PALETTES["dark" if change["new"] else "light"]

    def _on_click(self, _mark: Any, content: dict[str, Any]) -> None:
        data = content.get("data") or {}
        if "rowNum" not in data or "columnNum" not in data:
            return
        cell = self.cell_at(int(data["rowNum"]), int(data["columnNum"]))
        if cell is None:
            return
        picked = None if cell == self._picked else cell  # a second click lets go
        self.show_pick(picked)
        if self._on_pick is not None:
            self._on_pick(picked)

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


def _strength(values: np.ndarray) -> np.ndarray:
    """What the colour scale maps: 0 where nothing is drawn (NaN), else from 1 at the
    least value shown to 2 at the most, linearly (all equal: 2)."""
    drawn = np.isfinite(values)
    strength = np.zeros(values.shape, dtype=np.float64)
    if drawn.any():
        low, high = float(values[drawn].min()), float(values[drawn].max())
        span = high - low
        strength[drawn] = 2.0 if span == 0 else 1.0 + (values[drawn] - low) / span
    return strength


def _position(view: ConfusionView, cell: ConfusionPick) -> tuple[int, int] | None:
    """Row and column of a cell in the drawn matrix, or ``None`` if it is not drawn."""
    extra = len(view.category_ids) if view.with_background else None  # background, missed
    row, column = (extra if c is None else _index(view.category_ids, c) for c in cell)
    return None if row is None or column is None else (row, column)


def _index(values: list[int], value: int) -> int | None:
    return values.index(value) if value in values else None

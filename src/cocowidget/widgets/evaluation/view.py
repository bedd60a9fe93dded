"""EvaluationView: how a run scored, per class, with the images behind each number."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

import ipywidgets as widgets
import numpy as np
import traitlets

from cocowidget.evaluation.columns import column_prefix
from cocowidget.evaluation.compare_columns import run_name
from cocowidget.views.evaluation_charts import class_labels
from cocowidget.views.evaluation_filters import (
    IMAGE_FILTERS,
    REASONS,
    Reason,
    class_images,
    error_counts,
)
from cocowidget.widgets.charts.throttle import Throttle
from cocowidget.widgets.evaluation.class_chart import ClassApChart
from cocowidget.widgets.evaluation.confusion_chart import ConfusionChart
from cocowidget.widgets.evaluation.curves_chart import PrecisionRecallChart
from cocowidget.widgets.evaluation.errors_chart import ErrorKind, ErrorsChart
from cocowidget.widgets.evaluation.summary import SummaryTable
from cocowidget.widgets.grid import CocoGrid

if TYPE_CHECKING:
    from cocowidget.data.dataset import CocoDataset
    from cocowidget.data.table import Table
    from cocowidget.evaluation.confusion import ConfusionMatrix
    from cocowidget.evaluation.result import Evaluation

FILTER_BUTTONS = {
    "all": "all images",
    "false_positives": "with false positives",
    "missed": "with missed objects",
}


class EvaluationView(widgets.VBox):  # type: ignore[misc]
    """The summary numbers, AP per class, precision–recall curves and the confusion
    matrix of one evaluation, above a :class:`CocoGrid` coloured by match status.

    Clicking a class bar picks the class: the grid shows the images with it (ground
    truth, or a detection above the grid's score threshold), its precision–recall curve
    is drawn bold and the errors chart counts its mistakes. The buttons above the grid
    narrow that to the images where the class has false positives, or missed objects
    (with no class picked: any class); a bar of the errors chart narrows it to one
    reason or size. The grid's IoU and score thresholds are the operating point. "Show
    all" undoes everything.

    State in Python, assignable and observable: :attr:`selected_class` (a category id or
    ``None``), :attr:`image_filter` (``"all"``, ``"false_positives"``, ``"missed"``) and
    :attr:`error_kind` (a false-positive reason or an object size, or ``None``); then
    :attr:`filtered_ids`, and :attr:`grid` (``view.grid.selected``). ``grid_options`` go
    to the grid (by default sorted worst AP first).
    """

    selected_class = traitlets.Int(None, allow_none=True, help="category id of the picked class")
    image_filter = traitlets.Enum(IMAGE_FILTERS, "all", help="which images of the class to show")
    error_kind = traitlets.Unicode(
        None, allow_none=True, help="false-positive reason or missed-object size"
    )

    def __init__(
        self,
        dataset: CocoDataset,
        evaluation: Evaluation,
        *,
        grid: CocoGrid | None = None,
        confusion: bool = True,
        height: int = 560,
        throttle: float = 0.15,
        **grid_options: Any,
    ) -> None:
        self.dataset = dataset
        self.evaluation = evaluation
        self.run = _run_or_none(dataset, evaluation)
        if grid is None:
            worst_first = _ap_column(self.run, evaluation)
            if worst_first in dataset.images:
                grid_options.setdefault("sort_by", worst_first)
            grid = CocoGrid(dataset, evaluation=evaluation, height=height, **grid_options)
        elif grid.evaluation is not evaluation:
            grid.evaluation = evaluation
        self.grid = grid
        self._filtered: np.ndarray | None = None
        self._throttle: Throttle[None] = Throttle(lambda _: self._on_operating_point(), throttle)

        labels = class_labels(evaluation.category_ids, evaluation.classes.get("name"))
        self._labels = dict(zip(evaluation.category_ids.tolist(), labels, strict=True))
        self.summary = SummaryTable(evaluation, caption=self._caption())
        classes = self._class_table()
        self.class_chart = ClassApChart(classes, on_pick=self._from_chart)
        self.class_chart.update(classes, self._point_text())
        self.curves = PrecisionRecallChart(evaluation, labels)
        self.confusion = ConfusionChart(labels) if confusion else None
        if self.confusion is not None:
            self.confusion.update(self._confusion_matrix())
        self._sizes = tuple(evaluation.params.area_labels[1:])
        self.errors = ErrorsChart(self._sizes, on_pick=self._from_errors_chart)

        self._filter_buttons = widgets.ToggleButtons(
            options=[(text, value) for value, text in FILTER_BUTTONS.items()],
            value=self.image_filter,
            tooltips=[
                "every image with the class",
                "images where the class has false positives",
                "images where objects of the class are missed",
            ],
            style={"button_width": "auto"},
        )
        traitlets.link((self._filter_buttons, "value"), (self, "image_filter"))
        self._reset_button = widgets.Button(
            description="Show all", icon="undo", tooltip="Forget the class and the filter"
        )
        self._reset_button.layout.width = "auto"
        self._reset_button.on_click(lambda _: self.reset())
        self._status = widgets.Label()
        self._status.add_class("cw-class-filter-status")
        controls = widgets.HBox(
            [self._filter_buttons, self._reset_button, self._status],
            layout=widgets.Layout(flex_flow="row wrap"),
        )
        controls.add_class("cw-class-filter")

        right = [self.curves.widget]
        if self.confusion is not None:
            right.append(self.confusion.widget)
        columns = [
            widgets.VBox([self.class_chart.widget, self.errors.widget], layout=_column()),
            widgets.VBox(right, layout=_column()),
        ]
        charts = widgets.HBox(
            columns, layout=widgets.Layout(flex_flow="row wrap", grid_gap="8px", width="100%")
        )
        charts.add_class("cw-evaluation-charts")
        super().__init__([self.summary, charts, controls, self.grid])
        self.add_class("cw-evaluation")
        self.grid.observe(
            lambda _: self._throttle.submit(None), ["iou_threshold", "score_threshold"]
        )
        self._refresh()

    # -- state -----------------------------------------------------------------------------
    @property
    def filtered_ids(self) -> list[int]:
        """Ids of the images the class and the filter let through (ascending); every
        image of the dataset when neither is set."""
        if self._filtered is None:
            return [int(i) for i in self.dataset.images["id"].tolist()]
        return [int(i) for i in self._filtered.tolist()]

    def reset(self) -> None:
        """No class, every image."""
        with self.hold_trait_notifications():
            self.selected_class = None
            self.image_filter = "all"
            self.error_kind = None

    @traitlets.validate("selected_class")
    def _check_class(self, proposal: dict[str, Any]) -> int | None:
        value = proposal["value"]
        if value is None:
            return None
        if int(value) not in self._labels:
            raise traitlets.TraitError(f"category {value} was not evaluated")
        return int(value)

    @traitlets.validate("error_kind")
    def _check_error_kind(self, proposal: dict[str, Any]) -> str | None:
        value = proposal["value"]
        if value is None:
            return None
        allowed = self._error_kinds()
        if value not in allowed:
            raise traitlets.TraitError(
                f"with image_filter={self.image_filter!r}, error_kind must be one of "
                f"{list(allowed)} or None, not {value!r}"
            )
        return str(value)

    @traitlets.observe("selected_class", "image_filter", "error_kind")
    def _on_choice(self, change: dict[str, Any]) -> None:
        kind = self.error_kind
        if (
            change["name"] == "image_filter"
            and kind is not None
            and kind not in self._error_kinds()
        ):
            # A reason or size of the previous kind of error means nothing now; clearing
            # it comes back here and refreshes.
            self.error_kind = None
            return
        self._refresh()

    def _error_kinds(self) -> tuple[str, ...]:
        """The reasons or sizes ``error_kind`` may take with the current filter."""
        if self.image_filter == "false_positives":
            return REASONS
        if self.image_filter == "missed":
            return self._sizes
        return ()

    def _from_chart(self, category_id: int | None) -> None:
        self.selected_class = category_id

    def _from_errors_chart(self, kind: ErrorKind | None) -> None:
        with self.hold_trait_notifications():
            if kind is None:
                self.error_kind = None
            else:
                self.image_filter, self.error_kind = kind

    # -- presenting ------------------------------------------------------------------------
    def _refresh(self) -> None:
        picked = self.selected_class
        self.class_chart.show_pick(picked)
        self.curves.show_pick(picked)
        kind = self.error_kind
        self.errors.show_pick(None if kind is None else (self.image_filter, kind))
        point = {
            "iou_threshold": self.grid.iou_threshold,
            "score_threshold": self.grid.score_threshold,
        }
        fp = self.image_filter == "false_positives"
        self._filtered = class_images(
            self.evaluation,
            picked,
            self.image_filter,
            reason=cast("Reason", kind) if fp else None,  # validated: one of REASONS
            size=None if fp else kind,
            **point,
        )
        self.grid.show(self._filtered)
        subject = "every class" if picked is None else self._labels[picked]
        self.errors.update(
            error_counts(self.evaluation, picked, **point), subject, self._point_text()
        )
        self._reset_button.disabled = picked is None and self.image_filter == "all"
        self._status.value = self._status_text()

    def _on_operating_point(self) -> None:
        self.class_chart.update(self._class_table(), self._point_text())
        if self.confusion is not None:
            self.confusion.update(self._confusion_matrix())
        self._refresh()

    def _class_table(self) -> Table:
        return self.evaluation.class_table(self.grid.iou_threshold, self.grid.score_threshold)

    def _confusion_matrix(self) -> ConfusionMatrix:
        return self.evaluation.confusion_matrix(self.grid.iou_threshold, self.grid.score_threshold)

    def _caption(self) -> str:
        evaluation = self.evaluation
        run = f"run {self.run} · " if self.run else ""
        kind = "boxes" if evaluation.iou_type == "bbox" else "masks"
        return (
            f"{run}{kind} · {len(evaluation.image_ids):,} images · "
            f"{len(evaluation.category_ids):,} classes"
        )

    def _status_text(self) -> str:
        total = len(self.dataset.images)
        shown = total if self._filtered is None else len(self._filtered)
        picked = self.selected_class
        name = self._labels[picked] if picked is not None else ""
        if self.image_filter == "all":
            if picked is None:
                return f"{total:,} images · click a class bar to see its images"
            return f"{name}: {shown:,} of {total:,} images show it (truth or detection)"
        kind = self.error_kind
        if self.image_filter == "false_positives":
            what = "false positives" + (f" ({kind})" if kind else "")
        else:
            what = (f"{kind} " if kind else "") + "missed objects"
        of_class = f" of {name}" if picked is not None else ""
        prefix = f"{name}: " if picked is not None else ""
        return f"{prefix}{shown:,} of {total:,} images with {what}{of_class} {self._point_text()}"

    def _point_text(self) -> str:
        return f"at IoU {self.grid.iou_threshold:.2f}, score ≥ {self.grid.score_threshold:.2f}"


def _column() -> widgets.Layout:
    # Two columns side by side, one above the other when the notebook is narrow.
    return widgets.Layout(flex="1 1 360px", min_width="300px", grid_gap="8px")


def _run_or_none(dataset: CocoDataset, evaluation: Evaluation) -> str | None:
    try:
        return run_name(dataset, evaluation)
    except ValueError:
        return None


def _ap_column(run: str | None, evaluation: Evaluation) -> str:
    return "" if run is None else column_prefix(run, evaluation.iou_type) + "ap"

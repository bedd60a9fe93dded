"""EvaluationView: how a run scored, per class, with the images behind each number.

(Over 400 lines: the choices a user makes here, a class, a filter, an error kind, a
confusion cell, push each other out and refresh together, and that logic reads best in
one place; the charts, filters and emphasis it presents are modules of their own.)
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from concurrent.futures import Executor
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, cast

import ipywidgets as widgets
import numpy as np
import traitlets

from cocowidget._arguments import checked_keywords, checked_methods
from cocowidget.evaluation.columns import column_prefix
from cocowidget.evaluation.dataset_adapter import run_name
from cocowidget.views.emphasis import EMPHASIS_LIMIT, objects_of_class
from cocowidget.views.evaluation_charts import class_labels
from cocowidget.views.evaluation_filters import (
    IMAGE_FILTERS,
    REASONS,
    PointQuery,
    Reason,
    class_images,
    confusion_cell,
    error_counts,
)
from cocowidget.widgets.charts.throttle import Throttle
from cocowidget.widgets.evaluation.breakdown_chart import ErrorBreakdownChart
from cocowidget.widgets.evaluation.class_chart import ClassApChart
from cocowidget.widgets.evaluation.confusion_chart import ConfusionChart, ConfusionPick
from cocowidget.widgets.evaluation.curves_chart import PrecisionRecallChart
from cocowidget.widgets.evaluation.errors_chart import ErrorKind, ErrorsChart
from cocowidget.widgets.evaluation.summary import SummaryTable
from cocowidget.widgets.grid import CocoGrid, ColorBy, reject_grid_options
from cocowidget.widgets.snapshot import Described, Snapshot, evaluation_snapshot

if TYPE_CHECKING:
    from cocowidget.data.table import Table
    from cocowidget.dataset import CocoDataset
    from cocowidget.evaluation.confusion import ConfusionMatrix
    from cocowidget.evaluation.result import Evaluation
    from cocowidget.media import ThumbnailService

FILTER_BUTTONS = {
    "all": "all images",
    "false_positives": "with false positives",
    "missed": "with missed objects",
}


@checked_methods
class EvaluationView(Described, widgets.VBox):  # type: ignore[misc]
    """The summary numbers, AP per class, precision–recall curves and the confusion
    matrix of one evaluation, above a :class:`CocoGrid` coloured by match status.

    Clicking a class bar, or a class's precision–recall curve, picks the class: the grid
    shows the images with it (ground truth, or a detection above the grid's score
    threshold), draws its objects at full strength and the others dimmed, and counts its
    TP / FP / FN only; its precision–recall curve is drawn bold and the errors chart
    counts its mistakes. The buttons above the grid narrow that to the images where the class has
    false positives, or missed objects (with no class picked: any class); a bar of the
    errors chart narrows it to one reason or size.

    Clicking a cell of the confusion matrix shows instead the images where objects of
    the row's class were matched by detections of the column's class (background: the
    column's detections that matched nothing; missed: the row's objects nothing
    matched), with the matrix's own class-agnostic matching. A cell and a class filter
    exclude each other; clicking the picked cell or curve again lets go of it. The
    grid's IoU and score thresholds are the operating point. "Show all" undoes
    everything.

    State in Python, assignable and observable: :attr:`selected_class` (a category id or
    ``None``), :attr:`image_filter` (``"all"``, ``"false_positives"``, ``"missed"``),
    :attr:`error_kind` (a false-positive reason or an object size, or ``None``) and
    :attr:`confusion_cell` (``(true_id, predicted_id)``, ``None`` in it for background or
    missed; or ``None``); read-only: :attr:`confusion_detection_ids` and
    :attr:`confusion_annotation_ids` (the cell's matched pairs at the operating point),
    :attr:`filtered_ids`, and :attr:`grid` (``view.grid.selected``). The grid's options
    are :class:`CocoGrid`'s (by default sorted worst AP first).
    """

    selected_class = traitlets.Int(None, allow_none=True, help="category id of the picked class")
    image_filter = traitlets.Enum(IMAGE_FILTERS, "all", help="which images of the class to show")
    error_kind = traitlets.Unicode(
        None, allow_none=True, help="false-positive reason or missed-object size"
    )
    # (traitlets types a Tuple trait as never None)
    confusion_cell = cast(
        "traitlets.TraitType[ConfusionPick | None, ConfusionPick | None]",
        traitlets.Tuple(
            traitlets.Int(None, allow_none=True),
            traitlets.Int(None, allow_none=True),
            default_value=None,
            allow_none=True,
            help="(true class, predicted class) of the picked confusion-matrix cell; None"
            " in it stands for background (row) or missed (column)",
        ),
    )
    confusion_detection_ids = traitlets.List(
        traitlets.Int(), read_only=True, help="detections the picked cell counts"
    )
    confusion_annotation_ids = traitlets.List(
        traitlets.Int(), read_only=True, help="objects the picked cell counts"
    )

    @checked_keywords
    def __init__(
        self,
        dataset: CocoDataset,
        evaluation: Evaluation,
        *,
        grid: CocoGrid | None = None,
        confusion: bool = True,
        height: int = 560,
        throttle: float = 0.15,
        sort_by: str | None = None,
        thumbnail_size: int = 160,
        caption: str = "file_name",
        show_ground_truth: bool = True,
        visible_runs: Sequence[str] | None = None,
        show_masks: bool = True,
        show_boxes: bool = True,
        score_threshold: float | None = None,
        iou_threshold: float | None = None,
        color_by: ColorBy | None = None,
        thumbnails: ThumbnailService | None = None,
        executor: Executor | None = None,
        layout: widgets.Layout | dict[str, Any] | None = None,
    ) -> None:
        """``confusion`` draws the confusion matrix; ``height`` (px) is the grid's;
        ``throttle`` (s) between redraws while the operating point moves. ``sort_by`` ...
        ``executor`` are :class:`CocoGrid`'s options for the grid the view makes
        (``sort_by=None``: worst AP first; with ``grid`` given, set them on it);
        ``layout`` is the view's own."""
        self.dataset = dataset
        self.evaluation = evaluation
        grid_options: dict[str, Any] = {
            "sort_by": sort_by,
            "thumbnail_size": thumbnail_size,
            "caption": caption,
            "show_ground_truth": show_ground_truth,
            "visible_runs": visible_runs,
            "show_masks": show_masks,
            "show_boxes": show_boxes,
            "score_threshold": score_threshold,
            "iou_threshold": iou_threshold,
            "color_by": color_by,
            "thumbnails": thumbnails,
            "executor": executor,
        }
        if grid is None:
            worst_first = _ap_column(self._run_or_none(), evaluation)
            if sort_by is None and worst_first in dataset.images:
                grid_options["sort_by"] = worst_first
            grid = CocoGrid(dataset, evaluation=evaluation, height=height, **grid_options)
        else:
            reject_grid_options("EvaluationView()", grid_options)
            if grid.evaluation is not evaluation:
                grid.evaluation = evaluation
        self.grid = grid
        self._filtered: np.ndarray | None = None
        self._cell_count = 0
        self._holding = 0  # > 0: choices are changing together, one refresh at the end
        self._exclusive = False  # a cell pushing out the class filter, or the reverse
        self._throttle: Throttle[None] = Throttle(lambda _: self._on_operating_point(), throttle)

        labels = class_labels(evaluation.category_ids, evaluation.classes.get("name"))
        self._labels = dict(zip(evaluation.category_ids.tolist(), labels, strict=True))
        self.summary = SummaryTable(evaluation, caption=self._caption())
        classes = self._class_table()
        self.class_chart = ClassApChart(classes, on_pick=self._from_chart)
        self.class_chart.update(classes, self._point_text())
        self.curves = PrecisionRecallChart(evaluation, labels, on_pick=self._from_chart)
        # One class has no other to be confused with (a person-keypoints evaluation), and
        # bqplot cannot draw the 1x1 heatmap that would be left: no confusion chart.
        confusion = confusion and len(evaluation.category_ids) > 1
        self.confusion = (
            ConfusionChart(labels, on_pick=self._from_confusion_chart) if confusion else None
        )
        if self.confusion is not None:
            self.confusion.update(self._confusion_matrix())
        self._sizes = tuple(evaluation.params.area_labels[1:])
        self.errors = ErrorsChart(self._sizes, on_pick=self._from_errors_chart)
        self.breakdown = ErrorBreakdownChart(self._error_breakdown(), on_pick=self._from_chart)
        self._draw_breakdown()
        self.class_chart.sort.observe(lambda _: self._draw_breakdown(), "value")

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
            description="Show all",
            icon="undo",
            tooltip="Forget the class, the filter and the confusion cell",
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
            widgets.VBox(
                [self.class_chart.widget, self.errors.widget, self.breakdown.widget],
                layout=_column(),
            ),
            widgets.VBox(right, layout=_column()),
        ]
        charts = widgets.HBox(
            columns, layout=widgets.Layout(flex_flow="row wrap", grid_gap="8px", width="100%")
        )
        charts.add_class("cw-evaluation-charts")
        box_options = {} if layout is None else {"layout": layout}
        super().__init__([self.summary, charts, controls, self.grid], **box_options)
        self.add_class("cw-evaluation")
        self.grid.observe(
            lambda _: self._throttle.submit(None), ["iou_threshold", "score_threshold"]
        )
        self.grid.observe(lambda _: self._emphasize(), "sort_by")  # other images come first
        self._refresh()
        # A renamed run keeps its evaluation: the caption follows (the grid does itself).
        dataset.runs.on_change(self._on_runs_changed)

    # -- state -----------------------------------------------------------------------------
    @property
    def run(self) -> str | None:
        """The name of the evaluated run as the dataset calls it now (``None`` for an
        evaluation of detections that are no run of the dataset)."""
        return self._run_or_none()

    @property
    def filtered_ids(self) -> list[int]:
        """Ids of the images the class and the filter, or the confusion cell, let through
        (ascending); every image of the dataset when none is set."""
        if self._filtered is None:
            return [int(i) for i in self.dataset.images["id"].tolist()]
        return [int(i) for i in self._filtered.tolist()]

    def snapshot(self) -> Snapshot:
        """What the view shows, as text (its repr and the saved notebook's snapshot)."""
        picked = self.selected_class
        return evaluation_snapshot(
            run=self.run,
            iou_type=self.evaluation.iou_type
            + ("" if self.evaluation.rules == "coco" else f", {self.evaluation.rules} rules"),
            stats=self.evaluation.stats.tolist(),
            picked=None if picked is None else self._labels.get(picked, str(picked)),
            image_filter=self.image_filter,
            matching=len(self.filtered_ids),
            total=len(self.dataset),
        )

    def reset(self) -> None:
        """No class, no cell, every image."""
        with self._one_refresh(), self.hold_trait_notifications():
            self.selected_class = None
            self.image_filter = "all"
            self.error_kind = None
            self.confusion_cell = None

    @traitlets.validate("selected_class")
    def _check_class(self, proposal: dict[str, Any]) -> int | None:
        value = proposal["value"]
        return None if value is None else self._evaluated(value)

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

    @traitlets.validate("confusion_cell")
    def _check_cell(self, proposal: dict[str, Any]) -> ConfusionPick | None:
        value = proposal["value"]
        if value is None:
            return None
        truth, predicted = (None if c is None else self._evaluated(c) for c in value)
        if truth is None and predicted is None:
            raise traitlets.TraitError("background against missed is no cell: it counts nothing")
        return (truth, predicted)

    def _evaluated(self, category_id: int) -> int:
        if int(category_id) not in self._labels:
            raise traitlets.TraitError(f"category {category_id} was not evaluated")
        return int(category_id)

    @traitlets.observe("selected_class", "image_filter", "error_kind", "confusion_cell")
    def _on_choice(self, change: dict[str, Any]) -> None:
        with self._one_refresh():
            kind = self.error_kind
            if change["name"] == "image_filter" and kind not in (None, *self._error_kinds()):
                # A reason or size of the previous kind of error means nothing now.
                self.error_kind = None
            if self._exclusive:
                return
            self._exclusive = True
            try:
                if change["name"] == "confusion_cell":
                    if change["new"] is not None:  # a cell replaces the class filter
                        self.selected_class = None
                        self.image_filter = "all"
                        self.error_kind = None
                elif self._filtering_by_class():  # and the reverse
                    self.confusion_cell = None
            finally:
                self._exclusive = False

    @contextmanager
    def _one_refresh(self) -> Iterator[None]:
        """Refresh once, after every change made inside (and the ones they cause)."""
        self._holding += 1
        try:
            yield
        finally:
            self._holding -= 1
            if not self._holding:
                self._refresh()

    def _filtering_by_class(self) -> bool:
        return self.selected_class is not None or self.image_filter != "all"

    def _error_kinds(self) -> tuple[str, ...]:
        """The reasons or sizes ``error_kind`` may take with the current filter."""
        if self.image_filter == "false_positives":
            return REASONS
        if self.image_filter == "missed":
            return self._sizes
        return ()

    def _from_chart(self, category_id: int | None) -> None:
        self.selected_class = category_id

    def _from_confusion_chart(self, cell: ConfusionPick | None) -> None:
        self.confusion_cell = cell

    def _from_errors_chart(self, kind: ErrorKind | None) -> None:
        with self._one_refresh(), self.hold_trait_notifications():
            if kind is None:
                self.error_kind = None
            else:
                self.image_filter, self.error_kind = kind

    # -- presenting ------------------------------------------------------------------------
    def _refresh(self) -> None:
        picked = self.selected_class
        self.class_chart.show_pick(picked)
        self.breakdown.show_pick(picked)
        self.curves.show_pick(picked)
        kind = self.error_kind
        self.errors.show_pick(None if kind is None else (self.image_filter, kind))
        cell = self.confusion_cell
        if self.confusion is not None:
            self.confusion.show_pick(cell)
        point = PointQuery(
            iou_threshold=self.grid.iou_threshold, score_threshold=self.grid.score_threshold
        )
        fp = self.image_filter == "false_positives"
        detections: list[int] = []
        annotations: list[int] = []
        if cell is not None:
            truth, predicted = cell
            found = confusion_cell(self.evaluation, truth, predicted, **point)
            self._filtered = found.image_ids
            self._cell_count = found.count
            detections, annotations = found.detection_ids.tolist(), found.annotation_ids.tolist()
        else:
            self._filtered = class_images(
                self.evaluation,
                picked,
                self.image_filter,
                reason=cast("Reason", kind) if fp else None,  # validated: one of REASONS
                size=None if fp else kind,
                **point,
            )
        self.set_trait("confusion_detection_ids", detections)
        self.set_trait("confusion_annotation_ids", annotations)
        self.grid.show(self._filtered)
        self._emphasize()
        subject = "every class" if picked is None else self._labels[picked]
        self.errors.update(
            error_counts(self.evaluation, picked, **point), subject, self._point_text()
        )
        self._reset_button.disabled = not self._filtering_by_class() and cell is None
        self._status.value = self._status_text()

    def _emphasize(self) -> None:
        """The picked class's objects drawn at full strength, the others dimmed, and the
        grid's TP / FP / FN counted of that class only."""
        picked = self.selected_class if self.confusion_cell is None else None
        grid = self.grid
        grid.count_category = picked
        if picked is None:
            grid.emphasize(None)
            return
        first = self.dataset.image_rows(grid.shown_ids[:EMPHASIS_LIMIT])
        truth, detections = objects_of_class(self.dataset, picked, first)
        grid.emphasize(truth, detections=detections)

    def _on_operating_point(self) -> None:
        self.class_chart.update(self._class_table(), self._point_text())
        self._draw_breakdown()
        if self.confusion is not None:
            self.confusion.update(self._confusion_matrix())
        self._refresh()

    def _class_table(self) -> Table:
        return self.evaluation.class_table(self.grid.iou_threshold, self.grid.score_threshold)

    def _error_breakdown(self) -> Table:
        return self.evaluation.error_breakdown(self.grid.iou_threshold, self.grid.score_threshold)

    def _draw_breakdown(self) -> None:
        """The breakdown's classes in the AP chart's order, so a row is the same class."""
        self.breakdown.update(
            self._error_breakdown(), self.class_chart.shown_category_ids, self._point_text()
        )

    def _confusion_matrix(self) -> ConfusionMatrix:
        return self.evaluation.confusion_matrix(self.grid.iou_threshold, self.grid.score_threshold)

    def _on_runs_changed(self, _event: str, _name: str, _new_name: str | None) -> None:
        self.summary.caption = self._caption()

    def _run_or_none(self) -> str | None:
        try:
            return run_name(self.dataset, self.evaluation)
        except ValueError:
            return None

    def _caption(self) -> str:
        evaluation = self.evaluation
        name = self.run
        run = f"run {name} · " if name else ""
        kind = {"bbox": "boxes", "segm": "masks"}.get(evaluation.iou_type, evaluation.iou_type)
        return (
            f"{run}{kind} · {len(evaluation.image_ids):,} images · "
            f"{len(evaluation.category_ids):,} classes"
        )

    def _status_text(self) -> str:
        total = len(self.dataset.images)
        shown = total if self._filtered is None else len(self._filtered)
        if self.confusion_cell is not None:
            return f"{self._cell_text()}: {shown:,} of {total:,} images {self._point_text()}"
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

    def _cell_text(self) -> str:
        truth, predicted = cast("ConfusionPick", self.confusion_cell)
        count = self._cell_count
        if truth is None:
            return f"{count:,} detections of {self._labels[cast('int', predicted)]} on no object"
        if predicted is None:
            return f"{count:,} {self._labels[truth]} objects missed"
        if truth == predicted:
            return f"{count:,} {self._labels[truth]} objects detected correctly"
        return f"{count:,} {self._labels[truth]} objects detected as {self._labels[predicted]}"

    def _point_text(self) -> str:
        return f"at IoU {self.grid.iou_threshold:.2f}, score ≥ {self.grid.score_threshold:.2f}"


def _column() -> widgets.Layout:
    # Two columns side by side, one above the other when the notebook is narrow.
    return widgets.Layout(flex="1 1 360px", min_width="300px", grid_gap="8px")


def _ap_column(run: str | None, evaluation: Evaluation) -> str:
    return "" if run is None else column_prefix(run, evaluation.iou_type, evaluation.rules) + "ap"

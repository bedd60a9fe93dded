"""ThumbnailGrid: the state and requests shared by CocoGrid and ObjectGrid.

One widget front end (js/src/grid) over an item source from views/items.py; this module
holds the grid's state, validates it, and answers the browser's requests (the replies'
shapes are in grid_replies.py). Over 400 lines because the traits and the requests that
read them are one widget's state; the two grids built on it are in grid.py.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import Executor, Future
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import ipywidgets as widgets
import numpy as np
import numpy.typing as npt
import traitlets

from cocowidget._arguments import checked_methods
from cocowidget.evaluation.dataset_adapter import run_name
from cocowidget.protocol.messages import (
    Empty,
    NoParams,
    RowParams,
    ThumbnailsParams,
    encode,
)
from cocowidget.views.emphasis import GROUND_TRUTH, emphasis_keys, emphasized_ids
from cocowidget.views.issue_items import IssueItems
from cocowidget.views.items import ImageItems, ObjectItems
from cocowidget.views.matches import MatchData
from cocowidget.views.ordering import ImageOrder, sort_rows
from cocowidget.views.overlays import OverlayBatch
from cocowidget.widgets import grid_replies as replies
from cocowidget.widgets.futures import gather
from cocowidget.widgets.grid_actions import ActionGrid
from cocowidget.widgets.rpc import Reply
from cocowidget.widgets.snapshot import SNAPSHOT_THUMBNAILS, Snapshot, grid_snapshot, thumbnails

if TYPE_CHECKING:
    from cocowidget.evaluation.operating_point import Counts
    from cocowidget.evaluation.result import Evaluation
    from cocowidget.media import ThumbnailService

STATIC = Path(__file__).resolve().parent.parent / "static"
INITIAL_BATCH = 24  # about the first screen at the default size

Items = ImageItems | ObjectItems | IssueItems
ColorBy = Literal["category", "match"]


@checked_methods
class ThumbnailGrid(ActionGrid):
    """The state and requests shared by :class:`CocoGrid` and :class:`ObjectGrid`.

    ``selected`` is the list of selected ids (as the file has them; those picked in the
    browser in the grid's order), synced both ways; ``sort_by`` orders by any
    column of the items' table (prefix ``-`` for descending); ``show(ids)`` restricts and
    orders what is shown; ``shown_ids`` reads it back.

    Ids never travel to the browser as numbers it computes with: JavaScript numbers are
    float64, so ids above 2**53 would merge (2**53 + 1 reads as 2**53). The browser works
    on rows of the items' table (dense, small) and Python maps rows to ids and back, in
    one place (:class:`~cocowidget.views.ordering.ImageOrder`). The ids go along as int64
    only to be shown (``data-item-id`` attributes), never compared or added.
    """

    _esm = STATIC / "grid.js"
    _css = STATIC / "grid.css"

    _item_kind = traitlets.Unicode("image").tag(sync=True)
    _image_ids = traitlets.Bytes(b"").tag(sync=True)  # item ids as int64, by row: display only
    _order = traitlets.Bytes(b"").tag(sync=True)
    _render_version = traitlets.Int(0).tag(sync=True)
    _categories = traitlets.List(traitlets.Dict()).tag(sync=True)
    _runs = traitlets.List(traitlets.Unicode()).tag(sync=True)
    # Each run's number (what overlays name it by: never reused, so a removed run's
    # drawings can never be taken for another's), aligned with _runs.
    _run_numbers = traitlets.List(traitlets.Int()).tag(sync=True)
    _sortable_columns = traitlets.List(traitlets.Unicode()).tag(sync=True)
    _emphasis = traitlets.Dict().tag(sync=True)  # image row -> "source:row" (views/emphasis.py)
    # The selection as the browser sees it: rows of the items' table; `selected` holds ids.
    _selected_rows = traitlets.List(traitlets.Int()).tag(sync=True)
    # The first screen's thumbnails that were cached when the grid was made, in the
    # thumbnails reply format ({"result": ..., "buffers": [...]}): a view shows them
    # without asking the kernel, which answers only after a round trip.
    _initial_batch = traitlets.Dict().tag(sync=True)
    # The long side thumbnails are rendered at; the browser asks for twice that for cells
    # with more device pixels.
    _thumbnail_side = traitlets.Int(320).tag(sync=True)

    selected: traitlets.List[Any] = traitlets.List()  # ids as the file has them
    sort_by = traitlets.Unicode(None, allow_none=True).tag(sync=True)
    thumbnail_size = traitlets.Int(160, min=48, max=512).tag(sync=True)
    height = traitlets.Int(560, min=120).tag(sync=True)
    caption = traitlets.Unicode("file_name").tag(sync=True)
    show_ground_truth = traitlets.Bool(True).tag(sync=True)
    visible_runs = traitlets.List(traitlets.Unicode()).tag(sync=True)
    score_threshold = traitlets.Float(0.3, min=0.0, max=1.0).tag(sync=True)
    show_masks = traitlets.Bool(True).tag(sync=True)
    show_boxes = traitlets.Bool(True).tag(sync=True)
    # Evaluation: colour by match status at (iou_threshold, score_threshold).
    color_by = traitlets.Enum(["category", "match"], "category").tag(sync=True)
    iou_threshold = traitlets.Float(0.5).tag(sync=True)
    evaluation_counts = traitlets.Dict(read_only=True).tag(sync=True)
    # A category id: evaluation_counts counts only its objects (None: every class).
    count_category = traitlets.Int(None, allow_none=True).tag(sync=True)
    _iou_thresholds = traitlets.List(traitlets.Float()).tag(sync=True)
    _evaluated_run = traitlets.Unicode("").tag(sync=True)

    def __init__(
        self,
        items: Items,
        *,
        evaluation: Evaluation | None,
        visible_runs: Sequence[str] | None,
        score_threshold: float | None,
        iou_threshold: float | None,
        color_by: ColorBy | None,
        thumbnails: ThumbnailService | None,
        executor: Executor | None,
        layout: widgets.Layout | dict[str, Any] | None,
        traits: dict[str, Any],
    ) -> None:
        """``traits`` are the plain trait values (thumbnail_size, ...); the options named
        here depend on the evaluation or have no trait of their own."""
        self.dataset = items.dataset
        self._items = items
        self._order_index = ImageOrder(items.ids)
        self._base_rows = np.arange(len(self._order_index), dtype=np.int64)
        self._shown_rows = self._base_rows  # threshold observers may count before sorting
        self._selection_from_browser = False
        self._thumbnails = thumbnails or replies._shared_service(executor)
        runs = list(self.dataset.predictions)
        traits["visible_runs"] = runs if visible_runs is None else list(visible_runs)
        if layout is not None:
            traits["layout"] = layout
        if evaluation is None:  # else the evaluation's, unless asked for (below)
            traits.update(
                {
                    name: value
                    for name, value in (
                        ("score_threshold", score_threshold),
                        ("iou_threshold", iou_threshold),
                        ("color_by", color_by),
                    )
                    if value is not None
                }
            )
        self._opening_deferred = True
        filters = {name: traits.pop(name, None) for name in ("tag_filter", "slice_filter")}
        super().__init__(**traits)
        self._init_actions(items.tag_table)
        self.tag_filter = filters["tag_filter"]
        self.slice_filter = filters["slice_filter"]
        self._item_kind = items.kind
        self._thumbnail_side = self._thumbnails.max_side
        self._image_ids = self._order_index.image_ids.astype("<i8").tobytes()
        self._runs = runs
        self._run_numbers = [self.dataset.runs[name].number for name in runs]
        self.dataset.runs.on_change(self._on_runs_changed)
        self.dataset.derived.on_change(self.refresh_columns)
        self.dataset.derived.on_change(self._on_marks_changed)
        categories = self.dataset.categories
        self._categories = [
            {"id": int(i), "name": str(n)}
            for i, n in zip(categories["id"], categories["name"], strict=True)
        ]
        self.refresh_columns()
        self._apply_order()
        if evaluation is not None:
            self.evaluation = evaluation
            # Asked for, rather than the evaluation's (validated against its thresholds).
            if score_threshold is not None:
                self.score_threshold = score_threshold
            if iou_threshold is not None:
                self.iou_threshold = iou_threshold
            if color_by is not None:
                self.color_by = color_by
        self.serve("thumbnails", ThumbnailsParams, self._serve_thumbnails)
        self.serve("preview", RowParams, self._serve_preview)
        self.serve("full_image", RowParams, self._serve_full_image)
        self.serve("refresh_columns", NoParams, self._serve_refresh_columns)
        self._initial_batch = self._cached_batch(self._shown_rows[:INITIAL_BATCH].tolist())
        self._opening_deferred = False
        self.open()

    def open(self) -> None:
        # ipywidgets opens the comm at the end of Widget.__init__, and every trait set
        # after it would follow as a message of its own: open once the state is complete,
        # so that the browser gets it all with the comm.
        if not getattr(self, "_opening_deferred", False):
            super().open()

    # -- evaluation ------------------------------------------------------------------------
    @property
    def evaluation(self) -> Evaluation | None:
        """The evaluation whose matches colour the overlays (``color_by="match"``).

        Setting it moves ``score_threshold`` to the evaluation's, so the grid's counts
        (``evaluation_counts``: TP / FP / FN among the shown items) agree with its tables.
        """
        matches = self._items.matches
        return None if matches is None else matches.evaluation

    @evaluation.setter
    def evaluation(self, evaluation: Evaluation | None) -> None:
        if self.count_category not in _evaluated_classes(evaluation):
            self.count_category = None  # a class the new evaluation does not count
        if evaluation is None:
            self._items.matches = None
            self._evaluated_run = ""
            self.color_by = "category"
        else:
            run = run_name(self.dataset, evaluation)
            self._items.matches = MatchData(evaluation, run)
            self._iou_thresholds = self._items.matches.iou_thresholds
            self._evaluated_run = run
            self.iou_threshold = min(self._iou_thresholds, key=lambda t: abs(t - 0.5))
            # The evaluation's tables count at its score threshold: start from the same.
            self.score_threshold = evaluation.score_threshold
            self.color_by = "match"
            self.refresh_columns()
        self._update_counts()
        self._render_version += 1

    @property
    def image_counts(self) -> Counts | None:
        """Per-image TP / FP / FN (aligned with ``evaluation.image_ids``) at the grid's
        current IoU and score thresholds; recomputed from stored matches, not re-evaluated."""
        evaluation = self.evaluation
        if evaluation is None:
            return None
        return evaluation.image_counts(self.iou_threshold, self.score_threshold)

    @traitlets.validate("iou_threshold")
    def _check_iou(self, proposal: dict[str, Any]) -> float:
        value = float(proposal["value"])
        if self._iou_thresholds and not any(abs(value - t) < 1e-9 for t in self._iou_thresholds):
            raise traitlets.TraitError(
                f"iou_threshold must be one of the evaluated thresholds {self._iou_thresholds}"
            )
        return value

    @traitlets.validate("count_category")
    def _check_count_category(self, proposal: dict[str, Any]) -> int | None:
        value = proposal["value"]
        if value is not None and value not in _evaluated_classes(self.evaluation):
            raise traitlets.TraitError(f"category {value} is not counted by the evaluation")
        return None if value is None else int(value)

    @traitlets.observe("iou_threshold", "score_threshold", "count_category")
    def _on_threshold(self, _change: dict[str, Any]) -> None:
        self._update_counts()

    def _update_counts(self) -> None:
        counts = self._items.evaluation_counts(
            self._shown_rows, self.iou_threshold, self.score_threshold, self.count_category
        )
        self.set_trait("evaluation_counts", counts)

    # -- what is shown ---------------------------------------------------------------------
    def show(self, ids: Iterable[int] | None = None) -> None:
        """Show these items in this order (before ``sort_by``); ``None`` shows all."""
        if ids is None:
            self._base_rows = np.arange(len(self._order_index), dtype=np.int64)
        else:
            self._base_rows = self._order_index.rows_of(ids)
        self._apply_order()
        self._update_counts()

    def emphasize(
        self,
        annotation_rows: npt.ArrayLike | None,
        *,
        detections: Mapping[str, npt.ArrayLike] | None = None,
    ) -> None:
        """Draw these objects (rows of ``ds.annotations`` and, per run name, rows of
        ``ds.predictions[run]``) at full strength and the other objects of their images
        dimmed; ``None`` or nothing: every object as usual."""
        self._emphasis = emphasis_keys(self.dataset, annotation_rows, detections)

    @property
    def emphasized(self) -> dict[int, list[int]]:
        """The emphasised objects (see :meth:`emphasize`): image id -> annotation ids."""
        return emphasized_ids(self.dataset, self._emphasis, GROUND_TRUTH)

    @property
    def emphasized_detections(self) -> dict[str, dict[int, list[int]]]:
        """The emphasised detections: run name -> image id -> detection ids."""
        runs = self.dataset.runs.runs()
        found = {run.name: emphasized_ids(self.dataset, self._emphasis, run.number) for run in runs}
        return {name: ids for name, ids in found.items() if ids}

    def redraw(self) -> None:
        """Draw every item again: their captions or overlays changed."""
        self._render_version += 1

    @property
    def shown_ids(self) -> list[int]:
        return self._order_index.ids_of(self._shown_rows)

    def refresh_columns(self) -> None:
        """Offer the columns added to the table since (``ds.evaluate`` adds ``"<run>.ap"``,
        ...) in the sort list; the browser asks for this whenever the list is opened."""
        columns = replies._sortable_columns(self._items.table)
        current = (self.sort_by or "").lstrip("-")
        if current and current not in columns:
            columns.append(current)  # sorted by from Python: the list shows what is in force
        self._sortable_columns = columns

    @traitlets.validate("sort_by")
    def _check_sort_by(self, proposal: dict[str, Any]) -> str | None:
        value = proposal["value"]
        if value:
            column = value.lstrip("-")
            table = self._items.table
            if column not in table or table[column].ndim != 1:
                known = ", ".join(replies._sortable_columns(table))
                raise traitlets.TraitError(f"cannot sort by {column!r}; columns: {known}")
        return value or None

    @traitlets.observe("sort_by")
    def _on_sort(self, _change: dict[str, Any]) -> None:
        self.refresh_columns()  # a column added since: the list shows what is in force
        self._apply_order()

    @traitlets.validate("selected")
    def _check_selected(self, proposal: dict[str, Any]) -> list[Any]:
        values = list(proposal["value"])
        self._order_index.rows_of(self._internal(values))  # KeyError naming unknown ids
        return self._external(self._internal(values))  # as the file has them

    @traitlets.observe("selected")
    def _on_selected(self, change: dict[str, Any]) -> None:
        if not self._selection_from_browser:
            self._selected_rows = self._order_index.rows_of(self._internal(change["new"])).tolist()

    def _internal(self, values: Sequence[Any]) -> list[int]:
        table = self._items.id_table
        if table is None:
            return [int(value) for value in values]
        try:
            return self.dataset.internal_ids(values, table)
        except KeyError as error:
            raise KeyError(f"unknown ids: {error}") from None

    def _external(self, ids: Sequence[int]) -> list[Any]:
        """Ids as the file has them (a string id stays a string, 2**70 stays 2**70)."""
        table = self._items.id_table
        return list(ids) if table is None else self.dataset.user_ids(ids, table)

    @traitlets.validate("_selected_rows")
    def _check_selected_rows(self, proposal: dict[str, Any]) -> list[int]:
        rows = [int(row) for row in proposal["value"]]
        if any(row < 0 or row >= len(self._order_index) for row in rows):
            raise traitlets.TraitError("selected row out of range")
        return rows

    @traitlets.observe("_selected_rows")
    def _on_selected_rows(self, change: dict[str, Any]) -> None:
        # Rows from a click: map them to ids here, as the browser cannot (see the class).
        # The flag keeps two items of one duplicated id both selected as clicked.
        self._selection_from_browser = True
        try:
            self.selected = self._external(
                self._order_index.ids_of(
                    replies.in_grid_order(change["new"], self._shown_rows, len(self._order_index))
                )
            )
        finally:
            self._selection_from_browser = False

    def _on_runs_changed(self, event: str, name: str, new_name: str | None) -> None:
        """A run was added, removed or renamed in the dataset: show what it has now."""
        runs = list(self.dataset.runs)
        visible = [new_name if run == name and new_name else run for run in self.visible_runs]
        if event == "added":
            visible.append(name)
        self._runs = runs
        self._run_numbers = [self.dataset.runs[run].number for run in runs]
        self.visible_runs = [run for run in runs if run in visible]
        evaluation = self.evaluation
        if evaluation is not None and self._evaluated_run == name:
            if event == "renamed" and new_name:  # the evaluation follows its run's name
                self._evaluated_run = new_name
                self._items.matches = MatchData(evaluation, new_name)
            else:  # removed or replaced: its evaluation is of detections that are gone
                self.evaluation = None
        self.refresh_columns()
        self._render_version += 1

    @traitlets.validate("visible_runs")
    def _check_runs(self, proposal: dict[str, Any]) -> list[str]:
        unknown = set(proposal["value"]) - set(self.dataset.predictions)
        if unknown:
            raise traitlets.TraitError(f"unknown prediction runs: {sorted(unknown)}")
        return list(proposal["value"])

    @traitlets.validate("caption")
    def _check_caption(self, proposal: dict[str, Any]) -> str:
        value: str = proposal["value"]
        table = self._items.table
        if value and (value not in table or table[value].ndim != 1):
            known = ", ".join(name for name in table.columns if table[name].ndim == 1)
            raise traitlets.TraitError(f"no column {value!r} to caption with; columns: {known}")
        return value

    @traitlets.observe("caption")
    def _on_caption(self, _change: dict[str, Any]) -> None:
        self._render_version += 1

    @traitlets.observe("_render_version")
    def _on_render_version(self, _change: dict[str, Any]) -> None:
        self._initial_batch = {}  # rendered with the old parameters

    def _apply_order(self) -> None:
        rows = self._base_rows
        through = self.filter_mask()
        if through is not None:
            rows = rows[through[rows]]
        if self.sort_by:
            column = self.sort_by.lstrip("-")
            rows = sort_rows(rows, self._items.table[column], descending=self.sort_by[0] == "-")
        self._shown_rows = rows
        self._order = rows.astype("<i4").tobytes()

    # -- for the tags and actions (grid_actions.py) ----------------------------------------
    def _tag_ids(self) -> np.ndarray:
        return self._items.tag_ids

    def _item_image_ids(self) -> np.ndarray:
        return self._items.image_ids

    def _on_filter_changed(self) -> None:
        if hasattr(self, "_shown_rows"):  # (not while the traits are first set)
            self._apply_order()
            self._update_counts()

    # -- requests from the browser ---------------------------------------------------------
    def _serve_thumbnails(self, params: ThumbnailsParams) -> Future[Reply]:
        rows = replies._valid_rows(params.rows, len(self._order_index))
        base = self._thumbnails.max_side
        side = base * 2 if params.side == base * 2 else base
        with self._thumbnails.batch():
            futures = [self._items.thumbnail(self._thumbnails, row, side) for row in rows]
        captions = self._captions(rows)
        batch = OverlayBatch()
        overlays = [self._items.overlay(row, batch) for row in rows]
        arrays = batch.buffers()
        return gather(
            futures,
            lambda thumbs: replies._thumbnail_reply(rows, thumbs, captions, overlays, arrays),
        )

    def _cached_batch(self, rows: list[int]) -> dict[str, Any]:
        """The thumbnails reply for those of ``rows`` that are cached (rendering none)."""
        cached = [(row, self._items.cached_thumbnail(self._thumbnails, row)) for row in rows]
        hits = [(row, thumb) for row, thumb in cached if thumb is not None]
        if not hits:
            return {}
        rows = [row for row, _ in hits]
        batch = OverlayBatch()
        overlays = [self._items.overlay(row, batch) for row in rows]
        result, buffers = replies._thumbnail_reply(
            rows, [thumb for _, thumb in hits], self._captions(rows), overlays, batch.buffers()
        )
        return {"result": encode(result), "buffers": buffers}

    def _serve_refresh_columns(self, _params: NoParams) -> Reply:
        self.refresh_columns()
        return Empty(), []

    def _serve_preview(self, params: RowParams) -> Future[Reply]:
        return self._serve_image(params, self._items.preview)

    def _serve_full_image(self, params: RowParams) -> Future[Reply]:
        return self._serve_image(params, self._items.full)

    def _serve_image(self, params: RowParams, render: Any) -> Future[Reply]:
        (row,) = replies._valid_rows([params.row], len(self._order_index))
        batch = OverlayBatch()
        overlay = self._items.preview_overlay(row, batch)
        arrays = batch.buffers()
        (caption,) = self._captions([row])
        title = self._items.title(row)
        return gather(
            [render(self._thumbnails, row)],
            lambda thumbs: replies._image_reply(row, thumbs[0], caption, title, overlay, arrays),
        )

    def snapshot_as(self, title: str, noun: str, run: str | None = None) -> Snapshot:
        """What the grid shows, titled ``title`` and its items called ``noun`` (see
        :mod:`~cocowidget.widgets.snapshot`): for the widgets built on a grid."""
        evaluated = self._evaluated_run or None
        shown = self._shown_rows
        return grid_snapshot(
            title,
            source=self.dataset.source_name,
            shown=len(shown),
            total=len(self._order_index),
            noun=noun,
            run=run,
            sort_by=self.sort_by,
            runs=list(self.visible_runs),
            evaluated=evaluated if self.color_by == "match" else None,
            operating_point=(self.iou_threshold, self.score_threshold),
            selected=len(self.selected),
            images=thumbnails(
                shown[:SNAPSHOT_THUMBNAILS].tolist(),
                lambda row: self._items.cached_thumbnail(self._thumbnails, row),
                lambda row: self._captions([row])[0],
            ),
        )

    def _captions(self, rows: Sequence[int]) -> list[str]:
        table = self._items.table
        if not self.caption or self.caption not in table:
            return ["" for _ in rows]
        values = table[self.caption][np.asarray(rows, dtype=np.int64)]
        return [replies._format_caption(value) for value in values]


def _evaluated_classes(evaluation: Evaluation | None) -> list[int]:
    return [] if evaluation is None else [int(i) for i in evaluation.category_ids.tolist()]

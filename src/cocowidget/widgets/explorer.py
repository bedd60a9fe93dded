"""CocoExplorer: brushable distributions of a dataset beside the grid of matching images.

Over 400 lines because it is where one filter state meets the chart panel
(charts/panel.py), the grid and the objects switch (explorer_objects.py), and follows the
dataset's columns; the parts with a job of their own live in those modules.
"""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import Executor
from typing import TYPE_CHECKING, Any

import ipywidgets as widgets
import traitlets

from cocowidget._arguments import checked_keywords, checked_methods
from cocowidget.data.statistics import PIXEL_STATISTICS
from cocowidget.views.columns import ColumnCatalog, describe, has_values
from cocowidget.views.distributions import Distributions
from cocowidget.views.filters import FilterSet, FilterValue
from cocowidget.views.formatting import format_count, format_interval
from cocowidget.widgets.charts.panel import Chart, ChartPanel
from cocowidget.widgets.charts.throttle import Throttle
from cocowidget.widgets.explorer_objects import ObjectsSwitch
from cocowidget.widgets.grid import CocoGrid, ObjectGrid, reject_grid_options
from cocowidget.widgets.snapshot import Described, Snapshot, explorer_snapshot

if TYPE_CHECKING:
    from cocowidget.dataset import CocoDataset
    from cocowidget.media import ThumbnailService

IMAGE_CHARTS = ("width", "height", "aspect_ratio", "object_count", "object_density", "brightness")
OBJECT_CHARTS = (
    "annotations.area",
    "annotations.relative_area",
    "annotations.aspect_ratio",
    "annotations.category_name",
)
#: Flex bases of the chart panel (two histograms) and the grid (two thumbnail columns):
#: side by side from their sum plus the gap, so a 1,400 px window with JupyterLab's side
#: bar open (a ~970 px output) has the grid beside the charts; stacked when narrower.
PANEL_BASIS_PX = 520
GRID_BASIS_PX = 360
GAP_PX = 10
#: The grid dims non-matching objects of at most this many images (the first shown):
#: enough for any scroll position a user reaches, small enough to send at every brush step.
EMPHASIS_LIMIT = 2000
#: Seconds between recounts while a grid's thumbnails fill pixel statistics in.
MEASURED_INTERVAL = 0.5
PIXEL_HINT = " (<code>ds.compute_pixel_statistics()</code> measures every image)"


@checked_methods
class CocoExplorer(Described, widgets.VBox):  # type: ignore[misc]
    """Histograms of image and object statistics beside a :class:`CocoGrid` that shows
    the images matching every filter.

    Brush a histogram or click class bars to filter; filters combine with AND (see
    :mod:`cocowidget.views.filters` for object-level filters and cross-filtering).

    ``columns`` chooses the charts: keys of image columns (``"width"``) or annotation
    columns (``"annotations.area"``); a numeric column becomes a histogram, a
    categorical one a bar chart. Without it, the default image and object charts are
    drawn, except those whose column has no value yet (brightness before
    ``ds.compute_pixel_statistics()``): they are charted when their values arrive. The
    "add a chart" list offers every other column with values. Charts and filters follow
    the dataset: a column that goes (a removed or renamed run's ``"<run>.ap"``) takes its
    chart and filter with it.

    State in Python: :attr:`filters` (readable, assignable, observable), :attr:`filtered_ids`,
    :meth:`reset`, and :attr:`grid` (``explorer.grid.selected``). :attr:`show` (or the
    "Matching objects" toggle) puts the objects that made the images match, as crops,
    where the grid is (:attr:`object_grid`): small objects are visible there.
    """

    #: ``"images"``: the grid shows the matching images; ``"objects"``: the objects that
    #: made them match, as crops (small objects visible at last).
    show = traitlets.Enum(["images", "objects"], "images")
    filters = traitlets.Dict(help="column key → (lo, hi) interval or set of values")

    @checked_keywords
    def __init__(
        self,
        dataset: CocoDataset,
        columns: Sequence[str] | None = None,
        *,
        grid: CocoGrid | None = None,
        height: int = 620,
        throttle: float = 0.1,
        emphasis_limit: int = EMPHASIS_LIMIT,
        sort_by: str | None = None,
        thumbnail_size: int = 160,
        caption: str = "file_name",
        show_ground_truth: bool = True,
        visible_runs: Sequence[str] | None = None,
        show_masks: bool = True,
        show_boxes: bool = True,
        score_threshold: float | None = None,
        thumbnails: ThumbnailService | None = None,
        executor: Executor | None = None,
        layout: widgets.Layout | dict[str, Any] | None = None,
    ) -> None:
        """``height`` (px) of the grid and the chart panel beside it; ``throttle`` (s)
        between recounts while a brush moves; the grid dims the non-matching objects of
        the first ``emphasis_limit`` images shown. ``sort_by`` ... ``executor`` are
        :class:`CocoGrid`'s options for the grid the explorer makes (with ``grid`` given,
        set them on it); ``layout`` is the explorer's own."""
        self.dataset = dataset
        self._catalog = ColumnCatalog.of(dataset)
        self._filter_set = FilterSet(self._catalog)
        self._distributions = Distributions(self._filter_set)
        self._emphasis_limit = emphasis_limit
        self._origin: str | None = None
        self._own_grid = grid is None
        grid_options: dict[str, Any] = {
            "sort_by": sort_by,
            "thumbnail_size": thumbnail_size,
            "caption": caption,
            "show_ground_truth": show_ground_truth,
            "visible_runs": visible_runs,
            "show_masks": show_masks,
            "show_boxes": show_boxes,
            "score_threshold": score_threshold,
            "thumbnails": thumbnails,
            "executor": executor,
        }
        if grid is None:
            grid = CocoGrid(dataset, height=height - 40, **grid_options)
        else:
            reject_grid_options("CocoExplorer()", grid_options)
        self.grid = grid
        self._panel = ChartPanel(
            self._catalog,
            self._distributions,
            has_values=self._has_values,
            on_filter=self._from_chart,
            throttle=throttle,
            hint=PIXEL_HINT,
        )
        self._status = widgets.HTML()
        self._status.add_class("cw-explorer-status")
        self._chips = widgets.HBox(layout=widgets.Layout(flex_flow="row wrap"))
        self._chip_buttons: dict[str, widgets.Button] = {}
        self._reset_button = widgets.Button(
            description="Reset", icon="undo", tooltip="Remove every filter", disabled=True
        )
        self._reset_button.layout.width = "auto"
        self._reset_button.on_click(lambda _: self.reset())
        self._add_list = widgets.Dropdown(
            options=[("add a chart…", "")], value="", layout=widgets.Layout(width="auto")
        )
        self._add_list.add_class("cw-explorer-add")
        self._add_list.observe(self._on_add_list, "value")
        self._objects = ObjectsSwitch(
            dataset, grid, lambda: self.matching_object_ids, self._on_show
        )
        box_options = {} if layout is None else {"layout": layout}
        super().__init__([self._header(), self._body(height)], **box_options)
        self.add_class("cw-explorer")

        for key in columns if columns is not None else IMAGE_CHARTS + OBJECT_CHARTS:
            if columns is None and not self._has_values(key):
                self._panel.wait_for(key)
            else:
                self._panel.add(key)
        self.grid.observe(lambda _: self._update_emphasis(), "sort_by")
        self._measured: set[str] = set()
        self._measured_throttle: Throttle[None] = Throttle(
            lambda _: self._on_measured(), MEASURED_INTERVAL
        )
        # Held weakly by the dataset: an explorer nobody holds stops listening.
        dataset.derived.on_change(self._on_columns_changed)
        dataset.on_statistics_change(self._on_statistics)
        self._refresh()
        self._chart_tags()
        self._update_add_list()

    @property
    def object_grid(self) -> ObjectGrid | None:
        """The grid of matching objects (``show = "objects"``), once it was shown."""
        return self._objects.object_grid

    @traitlets.observe("show")
    def _on_show_trait(self, change: dict[str, Any]) -> None:
        self._objects.show(change["new"])

    def _on_show(self, what: str) -> None:
        self.show = what

    @property
    def charts(self) -> dict[str, Chart]:
        """The charts by column key, in the order they were added."""
        return self._panel.charts

    @property
    def _note(self) -> widgets.HTML:
        return self._panel.note

    def _header(self) -> widgets.HBox:
        header = widgets.HBox(
            [self._status, self._chips, self._reset_button, self._add_list, self._objects.toggle],
            layout=widgets.Layout(flex_flow="row wrap", align_items="center"),
        )
        header.add_class("cw-explorer-header")
        return header

    def _body(self, height: int) -> widgets.HBox:
        """Charts beside the grid, scrolling in a panel as tall as the grid; when the output
        is too narrow for both, the charts above the grid, all of them shown."""
        panel = widgets.VBox(
            [self._panel.histograms, self._panel.bar_charts, self._panel.note],
            layout=widgets.Layout(
                flex=f"1 1 {PANEL_BASIS_PX}px",
                min_width="300px",
                padding="0 4px 0 0",
                grid_gap="8px",
            ),
        )
        panel.add_class("cw-explorer-panel")
        if self._own_grid:
            self.grid.layout.width = "100%"  # of its box, which grows to the row's width
        grid_box = self._objects.box
        grid_box.layout = widgets.Layout(flex=f"1 1 {GRID_BASIS_PX}px", min_width="320px")
        body = widgets.HBox(
            [panel, grid_box, _side_by_side_style(height)],
            layout=widgets.Layout(
                flex_flow="row wrap", align_items="flex-start", grid_gap=f"{GAP_PX}px"
            ),
        )
        body.add_class("cw-explorer-body")
        body.add_class(f"cw-explorer-height-{int(height)}")
        return body

    # -- state -----------------------------------------------------------------------------
    @property
    def filtered_ids(self) -> list[int]:
        """Ids of the images passing every filter, in table order."""
        ids: list[int] = self.dataset.images["id"][self._filter_set.rows()].tolist()
        return ids

    @property
    def matching_object_ids(self) -> list[int]:
        """Ids of the annotations that made their images match (object-level filters);
        every annotation of the filtered images when there is no object-level filter."""
        ids: list[int] = self.dataset.annotations["id"][
            self._filter_set.matching_objects()
        ].tolist()
        return ids

    def snapshot(self) -> Snapshot:
        """What the explorer shows, as text (its repr and the saved notebook's snapshot)."""
        return explorer_snapshot(
            source=self.dataset.source_name,
            charts=list(self.charts),
            filters=[
                f"{key} {self._value_text(key, value)}" for key, value in self.filters.items()
            ],
            matching=len(self._filter_set.rows()),
            total=len(self.dataset),
        )

    def filtered_dataset(self) -> CocoDataset:
        """The matching images, with their annotations and predictions, as a dataset."""
        return self.dataset.subset(self.filtered_ids)

    def reset(self) -> None:
        """Remove every filter: the grid shows every image again."""
        self.filters = {}

    def set_filter(self, key: str, value: Any) -> None:
        """Set one filter (``None`` removes it), keeping the others."""
        canonical = self._catalog.ref(key).key
        filters: dict[str, Any] = dict(self.filters)
        if value is None:
            filters.pop(canonical, None)
        else:
            filters[canonical] = value
        self.filters = filters

    def add_chart(self, key: str) -> Chart:
        """Chart one more column (any numeric or categorical column, including one added
        to ``dataset.images`` or ``dataset.annotations`` after the explorer was built; one
        without values yet fills in when they arrive)."""
        key = self._catalog.ref(key).key
        if key in self.charts:
            return self.charts[key]
        chart = self._panel.add(key)
        self._panel.draw(self._filter_set.filters, keys=[key])
        self._update_add_list()
        return chart

    # -- filters ---------------------------------------------------------------------------
    @traitlets.validate("filters")
    def _validate_filters(self, proposal: dict[str, Any]) -> dict[str, FilterValue]:
        try:
            return self._filter_set.normalize(proposal["value"])
        except (KeyError, ValueError) as error:
            raise traitlets.TraitError(str(error).strip('"')) from error

    @traitlets.observe("filters")
    def _on_filters(self, change: dict[str, Any]) -> None:
        if self._filter_set.assign(change["new"]):
            self._refresh()

    def _from_chart(self, key: str, value: Any) -> None:
        """A brush or a click: the chart already shows it, so it is not redrawn."""
        self._origin = key
        try:
            self.set_filter(key, value)
        finally:
            self._origin = None

    # -- presenting ------------------------------------------------------------------------
    def _refresh(self) -> None:
        # The grid first: its new order leaves for the browser before any chart is
        # counted. Then every chart is counted before any is redrawn, so their updates
        # reach the browser back to back and repaint in one frame, not one per chart.
        filters = self._filter_set
        if filters.filters:
            self.grid.show(self.dataset.images["id"][filters.rows()])
        else:
            self.grid.show(None)
        self._update_emphasis()
        self._objects.refresh()
        self._panel.draw(filters.filters, origin=self._origin)
        self._update_header()

    # -- following the dataset ---------------------------------------------------------------
    def _on_columns_changed(self) -> None:
        """Derived columns were attached or removed (an evaluation, a run removed or
        renamed): drop the charts and filters of columns that are gone, redraw those
        attached anew."""
        filters = self._filter_set.filters
        kept = {key: value for key, value in filters.items() if self._catalog.has(key)}
        _, redrawn = self._panel.sync()
        if kept != filters:
            self.filters = kept  # observers hear of the filters that went; this refreshes
        if self._filter_set.revalue():  # a filtered column attached anew
            self._refresh()
        elif redrawn and kept == filters:
            self._panel.draw(kept, keys=redrawn)
        self._chart_tags()
        self._update_add_list()

    def _chart_tags(self) -> None:
        """A tag given anywhere (a grid's tag box, ``ds.tag``) or a slice added is
        charted at once: a click on its bars filters to its images (or the others); so
        is a mask-folder dataset's coverage (its columns exist only there)."""
        for key in self._panel.offered():
            if key.startswith(("tags.", "annotations.tags.", "slices.")) or key in COVERAGE:
                self.add_chart(key)

    def _on_statistics(self, columns: tuple[str, ...]) -> None:
        """Image columns were measured (pixel statistics from ``compute_pixel_statistics``,
        ``quality`` or a grid's thumbnails): recounted at most every ``MEASURED_INTERVAL``
        seconds while they keep arriving."""
        self._measured.update(columns)
        self._measured_throttle.submit(None)

    def _on_measured(self) -> None:
        measured = [key for key in self._measured if self._catalog.has(key)]
        self._measured.clear()
        for key in measured:
            self._catalog.forget(key)  # written in place: the cached values are stale
        _, redrawn = self._panel.sync()
        if self._filter_set.revalue():
            self._refresh()  # a filter on a measured column: other images match now
        else:
            counted = [key for key in [*measured, *redrawn] if key in self.charts]
            self._panel.draw(self._filter_set.filters, keys=list(dict.fromkeys(counted)))
        self._update_add_list()

    def _on_add_list(self, change: dict[str, Any]) -> None:
        if change["new"]:
            self.add_chart(change["new"])
            self._add_list.value = ""

    def _update_add_list(self) -> None:
        # When columns change, not at every brush step: it reads every column once.
        offered = self._panel.offered()
        options = [("add a chart…", ""), *((key, key) for key in offered)]
        if list(self._add_list.options) != options:
            self._add_list.options = options
        self._add_list.layout.display = "" if offered else "none"

    def _update_emphasis(self) -> None:
        if not self._filter_set.has_object_filters:
            self.grid.emphasize(None)
        else:
            first = self.grid.shown_ids[: self._emphasis_limit]
            self.grid.emphasize(self._filter_set.emphasis(self.dataset.image_rows(first)))

    def _update_header(self) -> None:
        filters = self._filter_set
        total = len(self.dataset.images)
        shown = len(filters.rows())
        text = (
            f"<b>{format_count(shown)}</b> of {format_count(total)} images match"
            if filters.filters
            else f"<b>{format_count(total)}</b> images · brush a chart to filter"
        )
        if filters.has_object_filters:
            objects = int(filters.matching_objects().sum())
            text += f" · {format_count(objects)} matching objects"
        self._status.value = text
        self._reset_button.disabled = not filters.filters
        self._update_chips()

    def _update_chips(self) -> None:
        values = self._filter_set.filters
        for key, value in values.items():
            button = self._chip_buttons.get(key)
            if button is None:
                button = widgets.Button(tooltip=f"Remove the filter on {key}")
                button.add_class("cw-filter-chip")
                button.layout.width = "auto"
                button.on_click(lambda _, key=key: self.set_filter(key, None))
                self._chip_buttons[key] = button
            button.description = f"{_short_label(key)}: {self._value_text(key, value)} ✕"
        self._chips.children = [self._chip_buttons[key] for key in values]

    def _value_text(self, key: str, value: FilterValue) -> str:
        if isinstance(value, tuple):
            return format_interval(*value, describe(self._catalog.ref(key)).unit)
        names = sorted(map(str, value))
        return ", ".join(names[:3]) + (f" +{len(names) - 3}" if len(names) > 3 else "")

    def _has_values(self, key: str) -> bool:
        # Grids measure the images they show: pixel statistics count after a full pass,
        # or for most images.
        ref = self._catalog.ref(key)
        sampled = ref.key in PIXEL_STATISTICS and not self.dataset.pixel_statistics_complete
        return has_values(self._catalog.table(ref)[ref.name], sampled=sampled)


#: What a mask-folder dataset (``from_mask_folders``) measures of each image's mask.
COVERAGE = ("coverage", "coverage_class", "empty_mask")


def _short_label(key: str) -> str:
    name = key.removeprefix("annotations.")
    prefix = "object " if key.startswith("annotations.") and name != "category_name" else ""
    return prefix + ("class" if name == "category_name" else name.replace("_", " "))


def _side_by_side_style(height: int) -> widgets.HTML:
    """The rule that makes the chart panel as tall as the grid beside it, only while the two
    sit side by side (a container query on the explorer's body; see charts.css). Size
    containment leaves the panel no height of its own, so the row takes the grid's (toolbar,
    tag bar and status included) and the panel, stretched to it, scrolls."""
    side_by_side = PANEL_BASIS_PX + GRID_BASIS_PX + GAP_PX
    rule = (
        f"@container cw-explorer (min-width: {side_by_side}px) {{"
        f" .cw-explorer-height-{int(height)} > .cw-explorer-panel"
        f" {{ contain: size; align-self: stretch; overflow: hidden auto; }} }}"
    )
    style = widgets.HTML(f"<style>{rule}</style>", layout=widgets.Layout(display="none"))
    return style

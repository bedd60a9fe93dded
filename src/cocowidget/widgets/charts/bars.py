"""What the bqplot charts share: a figure sized by its layout, and clickable horizontal
bars in two layers (a whole behind, a part of it in front) on one axis of names."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, TypeVar

import bqplot as bq
import ipywidgets as widgets
import numpy as np

from cocowidget.widgets.charts.style import (
    CATEGORY_MAX_HEIGHT,
    CATEGORY_ROW_PX,
    FILTERED_COLOR,
    FULL_COLOR,
)

T = TypeVar("T")
SelectCallback = Callable[[list[int]], None]

#: Room for class names on the left, a value axis below.
NAMES_MARGIN = {"top": 6, "bottom": 40, "left": 120, "right": 22}


def figure(marks: list[Any], axes: list[bq.Axis], **options: Any) -> bq.Figure:
    """A figure with no toolbar and no animation, whose layout alone sets its size."""
    return bq.Figure(
        marks=marks,
        axes=axes,
        display_toolbar=False,
        animation_duration=0,
        min_aspect_ratio=0.01,
        max_aspect_ratio=100,
        **options,
    )


def close_tree(root: widgets.Widget) -> None:
    """Close a widget and every widget it holds (marks, scales, axes, layouts), so a
    chart taken away leaves neither the kernel nor the browser holding its models."""
    seen: set[int] = set()
    stack = [root]
    while stack:
        widget = stack.pop()
        if id(widget) in seen:
            continue
        seen.add(id(widget))
        for name in widget.keys:
            value = getattr(widget, name, None)
            if isinstance(value, dict):
                value = list(value.values())
            items = value if isinstance(value, list | tuple) else [value]
            stack.extend(item for item in items if isinstance(item, widgets.Widget))
        widget.close()


def scroll_frame(*children: widgets.Widget) -> widgets.Box:
    """A box that scrolls a tall bar chart beyond ``CATEGORY_MAX_HEIGHT``."""
    return widgets.Box(
        list(children),
        layout=widgets.Layout(max_height=CATEGORY_MAX_HEIGHT, overflow="hidden auto"),
    )


def pick_one(chosen: Sequence[T], picked: T | None) -> T | None:
    """One pick at a time: of a ctrl-click's several items, the newly clicked one; none
    when nothing is chosen (a click on the background)."""
    if not chosen:
        return None
    fresh = [item for item in chosen if item != picked]
    return fresh[-1] if fresh else chosen[0]


class LayeredBars:
    """Horizontal bars on an ordinal scale of names: ``back`` (the whole, neutral) behind
    ``front`` (the part, brand colour), selected together.

    A click on a bar of either mark calls ``on_select(indices)`` with the indices the
    mark selected (empty for a background click); selections set through
    :meth:`select` call nothing. ``bar_options`` go to both marks (``padding``,
    ``interactions``, ``tooltip``...).

    With ``targets_to`` (a value of the scale, its end), a third mark of transparent bars
    reaching it lies over both, one per name the whole height of its row: it alone takes
    the pointer, so a row answers the same wherever it is hovered or clicked (two marks
    each take their own bars' events, and bqplot shows a tooltip shared by two marks on
    one of them only). ``interactions`` and ``tooltip`` then go to it; a click on a row
    calls ``on_select([index])``, on the background ``on_select([])``.
    """

    def __init__(
        self,
        values: bq.Scale,
        value_axis: bq.Axis,
        *,
        on_select: SelectCallback,
        targets_to: float | None = None,
        **bar_options: Any,
    ) -> None:
        self._on_select = on_select
        self._syncing = False
        self._targets_to = targets_to
        self.names = bq.OrdinalScale()
        options: dict[str, Any] = {
            "scales": {"x": self.names, "y": values},
            "orientation": "horizontal",
            "stroke_width": 0,
            "unselected_style": {"opacity": 0.35},
            **bar_options,
        }
        pointer: dict[str, Any] = {
            key: options.pop(key)
            for key in ("interactions", "tooltip", "tooltip_style")
            if targets_to is not None and key in options
        }
        if targets_to is not None:
            options["interactions"] = {}
        self.back = bq.Bars(colors=[FULL_COLOR], **options)
        self.front = bq.Bars(colors=[FILTERED_COLOR], **options)
        marks = [self.back, self.front]
        self.targets: bq.Bars | None = None
        if targets_to is None:
            for bars in self.marks:
                bars.observe(self._on_selected, "selected")
        else:
            target_options: dict[str, Any] = {
                **options,
                **pointer,
                "colors": ["transparent"],
                "padding": 0.0,  # rows touch: no gap between two names ignores the pointer
                "unselected_style": {},
            }
            self.targets = bq.Bars(**target_options)
            self.targets.on_element_click(self._on_target_click)
            self.targets.on_background_click(lambda *_: self._on_select([]))
            marks.append(self.targets)
        self.figure = figure(
            marks,
            [bq.Axis(scale=self.names, side="left", grid_lines="none"), value_axis],
            fig_margin=dict(NAMES_MARGIN),
            padding_y=0.0,
        )

    @property
    def marks(self) -> tuple[bq.Bars, bq.Bars]:
        return self.back, self.front

    def draw(
        self,
        names: list[str],
        back: np.ndarray,
        front: np.ndarray,
        *,
        targets_to: float | None = None,
    ) -> None:
        """Bars for ``names`` from the bottom up (the band scale puts the first at the
        bottom); the figure grows with them. ``targets_to``: a new end for the rows."""
        if targets_to is not None:
            self._targets_to = targets_to
        height = max(120, CATEGORY_ROW_PX * len(names) + 50)
        self.figure.layout = widgets.Layout(width="100%", height=f"{height}px")
        with self._quiet(), self.back.hold_sync(), self.front.hold_sync():
            self.names.domain = names
            self.back.x = names
            self.back.y = back
            self.front.x = names
            self.front.y = front
        if self.targets is not None and self._targets_to is not None:
            with self.targets.hold_sync():
                self.targets.x = names
                self.targets.y = np.full(len(names), self._targets_to)

    def select(self, indices: np.ndarray | None) -> None:
        """Show bars as selected on both marks (``None``: no selection)."""
        with self._quiet():
            self.back.selected = indices
            self.front.selected = indices

    @contextmanager
    def _quiet(self) -> Iterator[None]:
        self._syncing = True
        try:
            yield
        finally:
            self._syncing = False

    def _on_target_click(self, _mark: Any, content: dict[str, Any]) -> None:
        index = (content.get("data") or {}).get("index")
        if index is not None:
            self._on_select([int(index)])

    def _on_selected(self, change: dict[str, Any]) -> None:
        if self._syncing:
            return
        self._on_select([] if change["new"] is None else [int(i) for i in change["new"]])

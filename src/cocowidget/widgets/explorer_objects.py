"""The explorer's switch between its image grid and the matching objects as crops.

At thumbnail size a small object is a few pixels: a filter on small objects finds the
images but shows the objects no better. With the switch on "objects", the place of the
grid holds an :class:`ObjectGrid` of the objects that made the images match (every object
of the matching images without an object-level filter), smallest first.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

import ipywidgets as widgets

from cocowidget.widgets.grid import CocoGrid, ObjectGrid

if TYPE_CHECKING:
    from cocowidget.dataset import CocoDataset

SHOW_OPTIONS = (("Images", "images"), ("Matching objects", "objects"))


class ObjectsSwitch:
    """The toggle, and the box where the image grid or the object grid is."""

    def __init__(
        self,
        dataset: CocoDataset,
        grid: CocoGrid,
        matching_objects: Callable[[], Sequence[int]],
        on_show: Callable[[str], None],
    ) -> None:
        self._dataset = dataset
        self._grid = grid
        self._matching = matching_objects
        self.object_grid: ObjectGrid | None = None
        self.toggle = widgets.ToggleButtons(
            options=list(SHOW_OPTIONS),
            value="images",
            tooltips=["the matching images", "the objects that made them match, as crops"],
            style={"button_width": "auto"},
        )
        self.toggle.add_class("cw-explorer-show")
        self.toggle.observe(lambda change: on_show(change["new"]), "value")
        self.box = widgets.Box([grid])

    def show(self, what: str) -> None:
        self.toggle.value = what
        if what == "objects":
            if self.object_grid is None:
                self.object_grid = ObjectGrid(
                    self._dataset,
                    sort_by="area",
                    thumbnail_size=112,
                    height=self._grid.height,
                    layout={"width": "100%"},
                )
            self.refresh()
            self.box.children = [self.object_grid]
        else:
            self.box.children = [self._grid]

    def refresh(self) -> None:
        """Show the objects matching now (when the object grid is showing)."""
        if self.object_grid is not None and self.toggle.value == "objects":
            self.object_grid.show(self._matching())

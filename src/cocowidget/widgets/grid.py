"""Thumbnail grids: CocoGrid (a dataset's images) and ObjectGrid (crops of objects).

Both are :class:`~cocowidget.widgets.thumbnail_grid.ThumbnailGrid` over an item source
from views/items.py; each says what it shows as a repr and a static snapshot.
"""

from __future__ import annotations

import inspect
from collections.abc import Sequence
from concurrent.futures import Executor
from typing import TYPE_CHECKING, Any

import ipywidgets as widgets

from cocowidget._arguments import checked_keywords, checked_methods
from cocowidget.views.items import ImageItems, ObjectItems
from cocowidget.widgets.snapshot import Described, Snapshot
from cocowidget.widgets.thumbnail_grid import ColorBy, ThumbnailGrid

if TYPE_CHECKING:
    from cocowidget.dataset import CocoDataset
    from cocowidget.evaluation.result import Evaluation
    from cocowidget.media import ThumbnailService

__all__ = ["CocoGrid", "ColorBy", "ObjectGrid", "ThumbnailGrid", "reject_grid_options"]


@checked_methods
class CocoGrid(Described, ThumbnailGrid):
    """Thumbnails of a dataset's images, windowed so 100,000 images scroll smoothly.

    ``selected`` holds image ids; ``sort_by`` takes any image column (``-`` for
    descending), e.g. ``grid.sort_by = "-object_count"``. Every option is also a trait of
    the same name, assignable and observable afterwards:

    - ``evaluation``: an evaluation of one of the dataset's runs; the overlays are
      coloured by match status and ``evaluation_counts`` counts TP / FP / FN (of the
      class ``count_category`` only, a trait, if set: an evaluated category id).
    - ``sort_by`` (``None``: table order), ``selected`` (ids), ``thumbnail_size`` (cell
      side, 48-512 px), ``height`` (px), ``caption`` (an image column; ``""``: none).
    - ``tag_filter``: only images tagged so (``tag_filter_negate=True``: only those
      without the tag). The toolbar's tag box (key ``t``) tags the selected images
      (``ds.tag``), kept in the dataset's sidecar file. ``slice_filter``: only the
      images of that slice (``ds.slices``; ``slice_filter_negate``: the others).
    - ``show_ground_truth``, ``visible_runs`` (prediction runs drawn; ``None``: all),
      ``show_masks``, ``show_boxes``.
    - ``score_threshold`` (detections drawn and counted from; ``None``: the evaluation's,
      else 0.3), ``iou_threshold`` (one of the evaluated thresholds; ``None``: the one
      closest to 0.5), ``color_by`` (``"category"`` or ``"match"``; ``None``: ``"match"``
      with an evaluation).
    - ``thumbnails`` (a :class:`~cocowidget.media.ThumbnailService`; default: one shared
      by every grid), ``executor`` (where a default service renders), ``layout``.
    """

    @checked_keywords
    def __init__(
        self,
        dataset: CocoDataset,
        *,
        evaluation: Evaluation | None = None,
        sort_by: str | None = None,
        tag_filter: str | None = None,
        slice_filter: str | None = None,
        selected: Sequence[int] = (),
        thumbnail_size: int = 160,
        height: int = 560,
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
        super().__init__(
            ImageItems(dataset),
            evaluation=evaluation,
            visible_runs=visible_runs,
            score_threshold=score_threshold,
            iou_threshold=iou_threshold,
            color_by=color_by,
            thumbnails=thumbnails,
            executor=executor,
            layout=layout,
            traits={
                "sort_by": sort_by,
                "tag_filter": tag_filter,
                "slice_filter": slice_filter,
                "selected": list(selected),
                "thumbnail_size": thumbnail_size,
                "height": height,
                "caption": caption,
                "show_ground_truth": show_ground_truth,
                "show_masks": show_masks,
                "show_boxes": show_boxes,
            },
        )

    def snapshot(self) -> Snapshot:
        """What the grid shows, as text and cached thumbnails (repr and saved snapshot)."""
        return self.snapshot_as("CocoGrid", "image")

    def selected_dataset(self) -> CocoDataset:
        """The selected images (with their annotations and predictions) as a dataset."""
        return self.dataset.subset(self._order_index.ids_of(self._selected_rows))


@checked_methods
class ObjectGrid(Described, ThumbnailGrid):
    """Crops around single objects: annotations, or the detections of prediction ``run``.

    ``ids`` picks and orders the objects (default: all). ``selected`` holds annotation
    (or detection) ids; ``sort_by`` takes any column of the objects' table, e.g.
    ``"area"`` or ``"-score"``; ``caption`` is one of its columns. Resting on a crop
    previews its whole image. Annotations are tagged (``ds.tag(..., table="annotations")``)
    and filtered by tag (``tag_filter``) as images are in :class:`CocoGrid`. The other
    options are :class:`CocoGrid`'s.
    """

    @checked_keywords
    def __init__(
        self,
        dataset: CocoDataset,
        run: str | None = None,
        ids: Sequence[int] | None = None,
        *,
        evaluation: Evaluation | None = None,
        sort_by: str | None = None,
        tag_filter: str | None = None,
        slice_filter: str | None = None,
        selected: Sequence[int] = (),
        thumbnail_size: int = 128,
        height: int = 560,
        caption: str = "category_name",
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
        super().__init__(
            ObjectItems(dataset, run, ids),
            evaluation=evaluation,
            visible_runs=visible_runs,
            score_threshold=score_threshold,
            iou_threshold=iou_threshold,
            color_by=color_by,
            thumbnails=thumbnails,
            executor=executor,
            layout=layout,
            traits={
                "sort_by": sort_by,
                "tag_filter": tag_filter,
                "slice_filter": slice_filter,
                "selected": list(selected),
                "thumbnail_size": thumbnail_size,
                "height": height,
                "caption": caption,
                "show_ground_truth": show_ground_truth,
                "show_masks": show_masks,
                "show_boxes": show_boxes,
            },
        )

    def snapshot(self) -> Snapshot:
        """What the grid shows, as text and cached crops (repr and saved snapshot)."""
        run = self._items.run if isinstance(self._items, ObjectItems) else None
        return self.snapshot_as("ObjectGrid", "annotation" if run is None else "detection", run)


def reject_grid_options(owner: str, options: dict[str, Any]) -> None:
    """With a grid passed in, options for the grid a widget would make itself would be
    ignored: an error for each one that differs from :class:`CocoGrid`'s default."""
    parameters = inspect.signature(CocoGrid).parameters
    given = sorted(name for name, value in options.items() if value != parameters[name].default)
    if given:
        raise TypeError(
            f"{owner} was given a grid and grid options ({', '.join(given)}): set them on"
            " the grid instead (they would apply only to a grid it makes itself)"
        )

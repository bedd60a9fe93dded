"""CocoGrid: a windowed grid of thumbnails, with selection synced to Python."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from concurrent.futures import Executor, Future
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import traitlets

from cocowidget.views.ordering import ImageOrder, sort_rows
from cocowidget.widgets.futures import gather
from cocowidget.widgets.rpc import Reply, RpcWidget

if TYPE_CHECKING:
    from cocowidget.data.dataset import CocoDataset
    from cocowidget.media import Thumbnail, ThumbnailService

STATIC = Path(__file__).resolve().parent.parent / "static"
MAX_BATCH = 256


class CocoGrid(RpcWidget):
    """Thumbnails of a dataset's images, windowed so 100,000 images scroll smoothly.

    ``selected`` is the list of selected image ids, synced both ways; ``sort_by`` orders
    the images by any image column (prefix ``-`` for descending); ``show(ids)`` restricts
    and orders what is shown; ``shown_ids`` reads it back.
    """

    _esm = STATIC / "grid.js"
    _css = STATIC / "grid.css"

    _image_ids = traitlets.Bytes(b"").tag(sync=True)
    _order = traitlets.Bytes(b"").tag(sync=True)
    _render_version = traitlets.Int(0).tag(sync=True)

    selected = traitlets.List(traitlets.Int()).tag(sync=True)
    sort_by = traitlets.Unicode(None, allow_none=True).tag(sync=True)
    thumbnail_size = traitlets.Int(160, min=48, max=512).tag(sync=True)
    height = traitlets.Int(560, min=120).tag(sync=True)
    caption = traitlets.Unicode("file_name").tag(sync=True)

    def __init__(
        self,
        dataset: CocoDataset,
        *,
        thumbnails: ThumbnailService | None = None,
        executor: Executor | None = None,
        **kwargs: Any,
    ) -> None:
        from cocowidget.media import ThumbnailService

        self.dataset = dataset
        self._order_index = ImageOrder(dataset.images["id"])
        self._base_rows = np.arange(len(self._order_index), dtype=np.int64)
        self._thumbnails = thumbnails or ThumbnailService(executor=executor)
        super().__init__(**kwargs)
        self._image_ids = self._order_index.image_ids.astype("<f8").tobytes()
        self._apply_order()
        self.serve("thumbnails", self._serve_thumbnails)

    # -- what is shown ---------------------------------------------------------------------
    def show(self, image_ids: Iterable[int] | None = None) -> None:
        """Show these images in this order (before ``sort_by``); ``None`` shows all."""
        if image_ids is None:
            self._base_rows = np.arange(len(self._order_index), dtype=np.int64)
        else:
            self._base_rows = self._order_index.rows_of(image_ids)
        self._apply_order()

    @property
    def shown_ids(self) -> list[int]:
        return self._order_index.ids_of(self._shown_rows)

    def selected_dataset(self) -> CocoDataset:
        """The selected images (with their annotations and predictions) as a dataset."""
        return self.dataset.subset(self.selected)

    @traitlets.validate("sort_by")
    def _check_sort_by(self, proposal: dict[str, Any]) -> str | None:
        value = proposal["value"]
        if value:
            column = value.lstrip("-")
            if column not in self.dataset.images:
                known = ", ".join(self.dataset.images.columns)
                raise traitlets.TraitError(f"cannot sort by {column!r}; image columns: {known}")
        return value or None

    @traitlets.observe("sort_by")
    def _on_sort(self, _change: dict[str, Any]) -> None:
        self._apply_order()

    @traitlets.validate("selected")
    def _check_selected(self, proposal: dict[str, Any]) -> list[int]:
        ids = [int(i) for i in proposal["value"]]
        self._order_index.rows_of(ids)  # raises KeyError naming unknown ids
        return ids

    @traitlets.observe("caption")
    def _on_caption(self, _change: dict[str, Any]) -> None:
        self._render_version += 1

    def _apply_order(self) -> None:
        rows = self._base_rows
        if self.sort_by:
            column = self.sort_by.lstrip("-")
            rows = sort_rows(rows, self.dataset.images[column], descending=self.sort_by[0] == "-")
        self._shown_rows = rows
        self._order = rows.astype("<i4").tobytes()

    # -- thumbnails ------------------------------------------------------------------------
    def _serve_thumbnails(self, params: dict[str, Any]) -> Future[Reply]:
        rows = _valid_rows(params.get("rows"), len(self._order_index))
        paths = [self.dataset.image_path_at(row) for row in rows]
        futures = [self._thumbnails.submit(path) for path in paths]
        captions = self._captions(rows)
        return gather(futures, lambda thumbs: _thumbnail_reply(rows, thumbs, captions))

    def _captions(self, rows: Sequence[int]) -> list[str]:
        if not self.caption or self.caption not in self.dataset.images:
            return ["" for _ in rows]
        values = self.dataset.images[self.caption][np.asarray(rows, dtype=np.int64)]
        return [_format_caption(value) for value in values]


def _valid_rows(value: Any, count: int) -> list[int]:
    if not isinstance(value, list) or len(value) > MAX_BATCH:
        raise ValueError(f"rows must be a list of at most {MAX_BATCH} row numbers")
    rows = [int(row) for row in value]
    if any(row < 0 or row >= count for row in rows):
        raise ValueError("row out of range")
    return rows


def _thumbnail_reply(rows: list[int], thumbs: list[Thumbnail], captions: list[str]) -> Reply:
    items: list[dict[str, Any]] = []
    buffers: list[bytes | memoryview] = []
    for row, thumb, caption in zip(rows, thumbs, captions, strict=True):
        buffer = -1
        if thumb.data is not None:
            buffer = len(buffers)
            buffers.append(thumb.data)
        items.append(
            {
                "row": row,
                "width": thumb.width,
                "height": thumb.height,
                "error": thumb.error,
                "caption": caption,
                "buffer": buffer,
                "mime": thumb.mime,
            }
        )
    return {"items": items}, buffers


def _format_caption(value: Any) -> str:
    if isinstance(value, float | np.floating):
        return f"{value:.4g}"
    return str(value)

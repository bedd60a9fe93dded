"""CocoGrid: a windowed grid of thumbnails, with selection synced to Python."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from concurrent.futures import Executor, Future
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import traitlets

from cocowidget.views.ordering import ImageOrder, sort_rows
from cocowidget.views.overlays import ObjectLayer, OverlayBatch
from cocowidget.widgets.futures import gather
from cocowidget.widgets.rpc import Reply, RpcWidget

if TYPE_CHECKING:
    from cocowidget.data.dataset import CocoDataset
    from cocowidget.data.table import Table
    from cocowidget.media import Thumbnail, ThumbnailService

STATIC = Path(__file__).resolve().parent.parent / "static"
MAX_BATCH = 256
# Deeper zoom loads the original at up to this long side (a 4K frame fits).
FULL_RESOLUTION_SIDE = 4096


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
    _categories = traitlets.List(traitlets.Dict()).tag(sync=True)
    _runs = traitlets.List(traitlets.Unicode()).tag(sync=True)
    _sortable_columns = traitlets.List(traitlets.Unicode()).tag(sync=True)
    _emphasis = traitlets.Dict().tag(sync=True)

    selected = traitlets.List(traitlets.Int()).tag(sync=True)
    sort_by = traitlets.Unicode(None, allow_none=True).tag(sync=True)
    thumbnail_size = traitlets.Int(160, min=48, max=512).tag(sync=True)
    height = traitlets.Int(560, min=120).tag(sync=True)
    caption = traitlets.Unicode("file_name").tag(sync=True)
    show_ground_truth = traitlets.Bool(True).tag(sync=True)
    visible_runs = traitlets.List(traitlets.Unicode()).tag(sync=True)
    score_threshold = traitlets.Float(0.3, min=0.0, max=1.0).tag(sync=True)
    show_masks = traitlets.Bool(True).tag(sync=True)
    show_boxes = traitlets.Bool(True).tag(sync=True)

    def __init__(
        self,
        dataset: CocoDataset,
        *,
        thumbnails: ThumbnailService | None = None,
        executor: Executor | None = None,
        **kwargs: Any,
    ) -> None:
        self.dataset = dataset
        self._order_index = ImageOrder(dataset.images["id"])
        self._base_rows = np.arange(len(self._order_index), dtype=np.int64)
        self._thumbnails = thumbnails or _shared_service(executor)
        runs = list(dataset.predictions)
        kwargs.setdefault("visible_runs", runs)
        super().__init__(**kwargs)
        self._image_ids = self._order_index.image_ids.astype("<f8").tobytes()
        self._runs = runs
        self._categories = [
            {"id": int(i), "name": str(n)}
            for i, n in zip(dataset.categories["id"], dataset.categories["name"], strict=True)
        ]
        self._sortable_columns = _numeric_columns(dataset.images)
        self._apply_order()
        self.serve("thumbnails", self._serve_thumbnails)
        self.serve("preview", self._serve_preview)
        self.serve("full_image", self._serve_full_image)

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

    @traitlets.validate("visible_runs")
    def _check_runs(self, proposal: dict[str, Any]) -> list[str]:
        unknown = set(proposal["value"]) - set(self.dataset.predictions)
        if unknown:
            raise traitlets.TraitError(f"unknown prediction runs: {sorted(unknown)}")
        return list(proposal["value"])

    # -- requests from the browser ---------------------------------------------------------
    def _serve_thumbnails(self, params: dict[str, Any]) -> Future[Reply]:
        rows = _valid_rows(params.get("rows"), len(self._order_index))
        futures = [self._submit(row, self._thumbnails.submit) for row in rows]
        captions = self._captions(rows)
        batch = OverlayBatch()
        overlays = [self._overlay(row, batch) for row in rows]
        arrays = batch.buffers()
        return gather(
            futures, lambda thumbs: _thumbnail_reply(rows, thumbs, captions, overlays, arrays)
        )

    def _serve_preview(self, params: dict[str, Any]) -> Future[Reply]:
        return self._serve_image(params, self._thumbnails.submit_preview)

    def _serve_full_image(self, params: dict[str, Any]) -> Future[Reply]:
        def full(path: Path | str) -> Future[Thumbnail]:
            return self._thumbnails.submit_preview(path, max_side=FULL_RESOLUTION_SIDE)

        return self._serve_image(params, full)

    def _serve_image(self, params: dict[str, Any], submit: Any) -> Future[Reply]:
        (row,) = _valid_rows([params.get("row")], len(self._order_index))
        batch = OverlayBatch()
        overlay = self._overlay(row, batch)
        arrays = batch.buffers()
        (caption,) = self._captions([row])
        return gather(
            [self._submit(row, submit)],
            lambda thumbs: _thumbnail_reply(
                [row], thumbs, [caption], [overlay], arrays, single=True
            ),
        )

    def _submit(self, row: int, submit: Any) -> Future[Thumbnail]:
        from cocowidget.media import Thumbnail

        path = self.dataset.image_path_at(row)
        if path is None:
            reason = (
                "no image_dir given"
                if self.dataset.image_dir is None
                else "file name leads outside image_dir"
            )
            done: Future[Thumbnail] = Future()
            done.set_running_or_notify_cancel()
            done.set_result(Thumbnail.failed(reason))
            return done
        future: Future[Thumbnail] = submit(path)
        return future

    def _overlay(self, row: int, batch: OverlayBatch) -> dict[str, Any]:
        images = self.dataset.images
        image_id = int(images["id"][row])
        layers = [self._layer(image_id, None, 0)]
        # Every run travels, so toggling runs and moving the score threshold only redraw.
        for k, run in enumerate(self._runs, start=1):
            layers.append(self._layer(image_id, run, k))
        return batch.add(int(images["width"][row]), int(images["height"][row]), layers)

    def _layer(self, image_id: int, run: str | None, source: int) -> ObjectLayer:
        objects = self.dataset.objects_of(image_id, run)
        return ObjectLayer(
            source=source,
            ids=objects["id"],
            category_ids=objects["category_id"],
            bboxes=objects["bbox"],
            areas=objects["area"],
            iscrowd=_column_or(objects, "iscrowd", 0),
            segmentations=self.dataset.segmentations_of(image_id, run),
            scores=objects.get("score"),
        )

    def _captions(self, rows: Sequence[int]) -> list[str]:
        if not self.caption or self.caption not in self.dataset.images:
            return ["" for _ in rows]
        values = self.dataset.images[self.caption][np.asarray(rows, dtype=np.int64)]
        return [_format_caption(value) for value in values]


_SHARED_SERVICES: dict[int, ThumbnailService] = {}


def _shared_service(executor: Executor | None) -> ThumbnailService:
    """One service (thread pool, cache connection) per executor, shared by every grid."""
    from cocowidget.media import ThumbnailService

    key = id(executor)
    if key not in _SHARED_SERVICES:
        _SHARED_SERVICES[key] = ThumbnailService(executor=executor)
    return _SHARED_SERVICES[key]


def _valid_rows(value: Any, count: int) -> list[int]:
    if not isinstance(value, list) or len(value) > MAX_BATCH:
        raise ValueError(f"rows must be a list of at most {MAX_BATCH} row numbers")
    rows = [int(row) for row in value]
    if any(row < 0 or row >= count for row in rows):
        raise ValueError("row out of range")
    return rows


def _thumbnail_reply(
    rows: list[int],
    thumbs: list[Thumbnail],
    captions: list[str],
    overlays: list[dict[str, Any]],
    arrays: tuple[bytes, bytes],
    *,
    single: bool = False,
) -> Reply:
    coords, counts = arrays
    buffers: list[bytes | memoryview] = [coords, counts]
    items: list[dict[str, Any]] = []
    for row, thumb, caption, overlay in zip(rows, thumbs, captions, overlays, strict=True):
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
                "overlay": overlay,
            }
        )
    result: dict[str, Any] = items[0] if single else {"items": items}
    result.update(coords=0, counts=1)
    return result, buffers


def _column_or(table: Table, name: str, default: float) -> np.ndarray:
    values = table.get(name)
    return np.full(len(table), default) if values is None else values


def _numeric_columns(table: Any) -> list[str]:
    return [
        name
        for name in table.columns
        if table[name].ndim == 1 and table[name].dtype.kind in "iufb" and name != "id"
    ] + ["file_name"]


def _format_caption(value: Any) -> str:
    if isinstance(value, float | np.floating):
        return f"{value:.4g}"
    return str(value)

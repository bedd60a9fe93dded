"""What a grid answers the browser with, and the checks around it: the thumbnail and
image replies (protocol structs plus their buffers), the shared thumbnail service, the
rows and columns a request may name, and the grid options a wrapping widget refuses."""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import Executor
from typing import TYPE_CHECKING, Any

import numpy as np

from cocowidget.protocol.messages import (
    ImageReply,
    ImageTitle,
    Overlay,
    ThumbnailBatch,
    ThumbnailItem,
)
from cocowidget.widgets.rpc import Reply

#: Rows one thumbnails request may ask for.
MAX_BATCH = 256

if TYPE_CHECKING:
    from cocowidget.data.table import Table
    from cocowidget.media import Thumbnail, ThumbnailService

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


def _item(
    row: int, thumb: Thumbnail, caption: str, overlay: Overlay | None, buffers: list[Any]
) -> ThumbnailItem:
    buffer = -1
    if thumb.data is not None:
        buffer = len(buffers)
        buffers.append(thumb.data)
    return ThumbnailItem(
        row=row,
        width=thumb.width,
        height=thumb.height,
        error=thumb.error,
        caption=caption,
        buffer=buffer,
        mime=thumb.mime,
        overlay=overlay,
    )


def _thumbnail_reply(
    rows: list[int],
    thumbs: list[Thumbnail],
    captions: list[str],
    overlays: list[Overlay],
    arrays: tuple[bytes, bytes],
) -> tuple[ThumbnailBatch, list[bytes | memoryview]]:
    buffers: list[bytes | memoryview] = list(arrays)  # coords (0) and counts (1)
    items = [
        _item(row, thumb, caption, overlay, buffers)
        for row, thumb, caption, overlay in zip(rows, thumbs, captions, overlays, strict=True)
    ]
    return ThumbnailBatch(items, coords=0, counts=1), buffers


def _image_reply(
    row: int,
    thumb: Thumbnail,
    caption: str,
    title: ImageTitle,
    overlay: Overlay,
    arrays: tuple[bytes, bytes],
) -> Reply:
    buffers: list[bytes | memoryview] = list(arrays)
    item = _item(row, thumb, caption, overlay, buffers)
    return ImageReply(item, title, coords=0, counts=1), buffers


def _sortable_columns(table: Table) -> list[str]:
    """Columns worth offering in the sort list: 1-D numbers (not ids or row indices) with
    at least one value, and the names."""

    def offered(name: str) -> bool:
        values = table[name]
        if values.ndim != 1 or name in ("id", "file_index", "image_index", "category_index"):
            return False
        if values.dtype.kind == "f":  # NaN throughout: not measured yet (brightness)
            return bool(np.isfinite(values).any())
        return values.dtype.kind in "iub" or name in ("file_name", "category_name")

    return [name for name in table.columns if offered(name)]


def _format_caption(value: Any) -> str:
    if isinstance(value, float | np.floating):
        return f"{value:.4g}"
    return str(value)


def in_grid_order(rows: Sequence[int], shown: np.ndarray, n_rows: int) -> list[int]:
    """``rows`` in the order the grid shows them (``shown``; rows not shown last)."""
    if len(rows) < 2:
        return list(rows)
    position = np.full(n_rows, len(shown), dtype=np.int64)
    position[shown] = np.arange(len(shown))
    chosen = np.asarray(rows, dtype=np.int64)
    ordered: list[int] = chosen[np.argsort(position[chosen], kind="stable")].tolist()
    return ordered

"""Pixel statistics measured by a grid's thumbnail renders, handed to the dataset on the
thread that owns it.

A thumbnail finishes on an executor's thread, but the dataset's tables, and the widgets
that listen to them (an explorer charting brightness), belong to the kernel's thread.
Measurements wait here and are written in one batch per turn of the kernel's event loop,
so the dataset's statistics listeners hear once per batch, on the kernel's thread, never
from a worker and never once per image. Without a running loop (a plain script) they are
written at once.
"""

from __future__ import annotations

import asyncio
import threading
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from cocowidget.dataset import CocoDataset
    from cocowidget.media.statistics import PixelStatistics


class MeasuredStatistics:
    def __init__(self, dataset: CocoDataset) -> None:
        self._dataset = dataset
        self._lock = threading.Lock()
        self._pending: dict[int, PixelStatistics] = {}
        self._scheduled = False
        try:
            self._loop: asyncio.AbstractEventLoop | None = asyncio.get_running_loop()
        except RuntimeError:  # built outside a kernel: nobody to hand over to
            self._loop = None

    def put(self, row: int, statistics: PixelStatistics | None) -> None:
        """Keep one image's measurement (``None``: not measured, nothing to keep); from
        any thread."""
        if statistics is None:
            return
        with self._lock:
            self._pending[row] = statistics
            if self._scheduled:
                return
            self._scheduled = True
        if self._loop is None or self._loop.is_closed():
            self.flush()
            return
        try:
            self._loop.call_soon_threadsafe(self.flush)
        except RuntimeError:  # the loop closed meanwhile (the kernel is shutting down)
            self.flush()

    def flush(self) -> None:
        """Write what is waiting, in one batch."""
        with self._lock:
            pending, self._pending = self._pending, {}
            self._scheduled = False
        if pending:
            self._dataset.set_pixel_statistics(list(pending), list(pending.values()))

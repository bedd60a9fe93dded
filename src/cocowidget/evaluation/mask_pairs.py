"""Mask IoU of every (detection, ground truth) pair of an image, on two cores.

Rasterising polygons and intersecting RLEs is pycocotools' C code, which holds the GIL,
so threads cannot share it: a worker process takes the first images (a bit less than
half of the objects) while this process does the rest. Measured on the 5,000-image
benchmark (``benchmarks/bench_evaluation.py``), this is about two thirds of a mask
evaluation when done in one process.

The worker starts, in the background, as the first mask evaluation begins (before its
inputs are gathered, so it is ready sooner), and is used once it has answered; until
then, or if it fails, everything runs here. Either way the same pycocotools functions
see the same values, so the IoUs are identical.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence
from concurrent.futures import BrokenExecutor, Future, ProcessPoolExecutor
from dataclasses import dataclass
from typing import Any

import numpy as np

from cocowidget.evaluation._arrays import BoolArray, FloatArray, IntArray
from cocowidget.evaluation.iou import mask_pair_iou
from cocowidget.evaluation.masks import to_rles

# The worker unpickles its part of the polygons before it starts; a smaller share keeps
# both processes finishing together.
_WORKER_SHARE = 0.45
# Below this many objects the hand-off costs more than it saves.
_MIN_OBJECTS = 2_000


@dataclass(frozen=True, eq=False)
class MaskBlock:
    """The objects of consecutive images, in layout order, with each one's image (from 0
    within the block) and the size it is rasterised at. Picklable, for the worker."""

    gt_segmentations: Sequence[Any]
    gt_image: IntArray
    gt_crowd: BoolArray
    dt_segmentations: Sequence[Any]
    dt_image: IntArray
    heights: IntArray  # per image of the block
    widths: IntArray

    @property
    def n_images(self) -> int:
        return len(self.heights)

    def split(self, image: int) -> tuple[MaskBlock, MaskBlock]:
        """The images before ``image``, and the rest."""
        g = int(np.searchsorted(self.gt_image, image))
        d = int(np.searchsorted(self.dt_image, image))
        first = MaskBlock(
            self.gt_segmentations[:g],
            self.gt_image[:g],
            self.gt_crowd[:g],
            self.dt_segmentations[:d],
            self.dt_image[:d],
            self.heights[:image],
            self.widths[:image],
        )
        rest = MaskBlock(
            self.gt_segmentations[g:],
            self.gt_image[g:] - image,
            self.gt_crowd[g:],
            self.dt_segmentations[d:],
            self.dt_image[d:] - image,
            self.heights[image:],
            self.widths[image:],
        )
        return first, rest


def block_ious(block: MaskBlock) -> FloatArray:
    """Mask IoUs of the block's pairs, image by image, detection-major (as
    :func:`~cocowidget.evaluation.iou.pair_indices` lays them out)."""
    gt_rles = to_rles(
        block.gt_segmentations, block.heights[block.gt_image], block.widths[block.gt_image]
    )
    dt_rles = to_rles(
        block.dt_segmentations, block.heights[block.dt_image], block.widths[block.dt_image]
    )
    return mask_pair_iou(
        block.dt_image, block.gt_image, block.n_images, dt_rles, gt_rles, block.gt_crowd
    )


def mask_ious(block: MaskBlock) -> FloatArray:
    """:func:`block_ious`, with the first images on the worker process when it is ready."""
    worker = _worker.ready()
    n_objects = len(block.gt_image) + len(block.dt_image)
    if worker is None or n_objects < _MIN_OBJECTS or block.n_images < 2:
        return block_ious(block)
    first, rest = block.split(_split_image(block))
    future = worker.submit(block_ious, first)
    rest_ious = block_ious(rest)
    return np.concatenate([_result_or_here(future, first), rest_ious])


def start_worker() -> None:
    """Start the worker process in the background, if it is not running (no waiting)."""
    _worker.ready()


def _ready_in_worker() -> int:
    # Submitted first: unpickling it imports this module, and with it pycocotools, so the
    # first real block does not pay for the imports.
    return os.getpid()


def _split_image(block: MaskBlock) -> int:
    objects = np.bincount(block.gt_image, minlength=block.n_images) + np.bincount(
        block.dt_image, minlength=block.n_images
    )
    cumulative = np.cumsum(objects)
    image = int(np.searchsorted(cumulative, _WORKER_SHARE * cumulative[-1])) + 1
    return min(max(image, 1), block.n_images - 1)


def _result_or_here(future: Future[FloatArray], block: MaskBlock) -> FloatArray:
    try:
        return future.result()
    except BrokenExecutor:  # the worker died: this process does its part
        _worker.discard()
        return block_ious(block)


class _Worker:
    """One worker process, started on first use and used once it has answered."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._pool: ProcessPoolExecutor | None = None
        self._started: Future[int] | None = None

    def ready(self) -> ProcessPoolExecutor | None:
        """The worker's pool if it is running; else start it (without waiting) and
        return ``None``. ``None`` too on a machine with one core."""
        from cocowidget.media.executors import default_worker_count, process_executor

        if default_worker_count() < 2:
            return None
        with self._lock:
            if self._pool is None:
                try:
                    self._pool = process_executor(1)
                    self._started = self._pool.submit(_ready_in_worker)
                except (OSError, RuntimeError):  # no processes in this sandbox
                    return None
            started = self._started
            if started is None or not started.done() or started.exception() is not None:
                return None
            return self._pool

    def wait_until_ready(self, timeout: float = 60.0) -> bool:
        self.ready()
        started = self._started
        if started is None:
            return False
        try:
            started.result(timeout)
        except Exception:
            return False
        return True

    def discard(self) -> None:
        with self._lock:
            pool, self._pool, self._started = self._pool, None, None
        if pool is not None:
            pool.shutdown(wait=False, cancel_futures=True)


_worker = _Worker()

"""Mask IoUs split between this process and a worker process give the one-process IoUs."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Executor, Future, ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any, TypeVar

import numpy as np
import pytest
from pycocotools import mask as mask_utils

from cocowidget.evaluation import mask_pairs
from cocowidget.evaluation.mask_pairs import MaskBlock, block_ious, mask_ious

T = TypeVar("T")


def random_block(n_images: int, per_image: int, seed: int = 0) -> MaskBlock:
    """Triangles and quadrilaterals on 48x64 images, some images empty, a few crowd RLEs."""
    rng = np.random.default_rng(seed)
    gt_counts = rng.integers(0, per_image + 1, n_images)
    dt_counts = rng.integers(0, per_image + 1, n_images)
    gt_counts[::7] = 0  # images without ground truth, or without detections, or neither
    dt_counts[::5] = 0

    def polygon() -> list[list[float]]:
        points = rng.integers(3, 5)
        centre = rng.uniform([8, 8], [56, 40])
        coords = centre + rng.uniform(-12, 12, (points, 2))
        return [coords.reshape(-1).round(1).tolist()]

    gt_crowd = rng.random(int(gt_counts.sum())) < 0.05
    gt = []
    for crowd, image in zip(gt_crowd, np.repeat(np.arange(n_images), gt_counts), strict=True):
        del image
        if crowd:
            mask = np.zeros((48, 64), dtype=np.uint8, order="F")
            mask[10:30, 5:40] = 1
            rle = mask_utils.encode(mask)
            gt.append({"size": rle["size"], "counts": rle["counts"].decode()})
        else:
            gt.append(polygon())
    dt = [polygon() for _ in range(int(dt_counts.sum()))]
    return MaskBlock(
        gt_segmentations=gt,
        gt_image=np.repeat(np.arange(n_images), gt_counts),
        gt_crowd=gt_crowd,
        dt_segmentations=dt,
        dt_image=np.repeat(np.arange(n_images), dt_counts),
        heights=np.full(n_images, 48),
        widths=np.full(n_images, 64),
    )


def test_a_block_split_anywhere_gives_the_same_ious() -> None:
    block = random_block(40, 6)
    whole = block_ious(block)
    pairs = np.bincount(block.gt_image, minlength=40) * np.bincount(block.dt_image, minlength=40)
    assert len(whole) == int(pairs.sum())
    assert (whole > 0).any() and (whole == 0).any()
    for image in (1, 7, 20, 39):
        first, rest = block.split(image)
        assert first.n_images == image and rest.n_images == 40 - image
        assert np.array_equal(np.concatenate([block_ious(first), block_ious(rest)]), whole)


class Recording(Executor):
    def __init__(self, inner: Executor) -> None:
        self.inner = inner
        self.blocks: list[MaskBlock] = []

    def submit(self, fn: Callable[..., T], /, *args: Any, **kwargs: Any) -> Future[T]:
        self.blocks.append(args[0])
        return self.inner.submit(fn, *args, **kwargs)


def test_the_worker_takes_the_first_images_and_a_little_under_half_the_objects(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    block = random_block(600, 6)
    with ThreadPoolExecutor(1) as threads:
        worker = Recording(threads)
        monkeypatch.setattr(mask_pairs._worker, "ready", lambda: worker)
        ious = mask_ious(block)
    assert np.array_equal(ious, block_ious(block))
    (sent,) = worker.blocks
    share = (len(sent.gt_image) + len(sent.dt_image)) / (len(block.gt_image) + len(block.dt_image))
    assert 0.4 < share < 0.5
    assert sent.gt_segmentations == block.gt_segmentations[: len(sent.gt_image)]


def test_a_small_block_stays_in_this_process(monkeypatch: pytest.MonkeyPatch) -> None:
    block = random_block(20, 4)
    with ThreadPoolExecutor(1) as threads:
        worker = Recording(threads)
        monkeypatch.setattr(mask_pairs._worker, "ready", lambda: worker)
        assert np.array_equal(mask_ious(block), block_ious(block))
    assert worker.blocks == []


def test_a_dead_worker_leaves_the_work_here(monkeypatch: pytest.MonkeyPatch) -> None:
    class Dead(Executor):
        def submit(self, fn: Callable[..., T], /, *args: Any, **kwargs: Any) -> Future[T]:
            future: Future[T] = Future()
            future.set_exception(BrokenProcessPool("a worker died"))
            return future

    discarded = []
    monkeypatch.setattr(mask_pairs._worker, "ready", lambda: Dead())
    monkeypatch.setattr(mask_pairs._worker, "discard", lambda: discarded.append(1))
    block = random_block(600, 6)
    assert np.array_equal(mask_ious(block), block_ious(block))
    assert discarded == [1]


def test_the_worker_process_gives_the_same_ious() -> None:
    assert mask_pairs._worker.wait_until_ready(), "the worker process did not start"
    block = random_block(600, 6, seed=1)
    assert np.array_equal(mask_ious(block), block_ious(block))

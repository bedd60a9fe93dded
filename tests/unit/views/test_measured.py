"""Pixel statistics a grid's thumbnails measure reach the dataset on the kernel's thread,
in batches: its listeners (an open explorer) never hear from a worker thread."""

from __future__ import annotations

import asyncio
import threading

import numpy as np

from cocowidget.media.statistics import PixelStatistics
from cocowidget.views.measured import MeasuredStatistics
from tests.unit.views.test_filters import small_dataset


def test_measurements_from_workers_are_written_on_the_loops_thread_in_one_batch() -> None:
    ds = small_dataset()
    heard: list[tuple[tuple[str, ...], int]] = []
    ds.on_statistics_change(lambda names: heard.append((names, threading.get_ident())))

    async def main() -> None:
        measured = MeasuredStatistics(ds)  # built on the loop, as a grid is in a kernel
        workers = [
            threading.Thread(target=measured.put, args=(row, PixelStatistics(0.1 * row, 0.2, 0.3)))
            for row in range(3)
        ]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
        assert heard == []  # nothing written from the workers
        await asyncio.sleep(0)  # one turn of the loop
        await asyncio.sleep(0)

    asyncio.run(main())
    assert heard == [(("brightness", "contrast", "sharpness"), threading.get_ident())]
    np.testing.assert_allclose(ds.images["brightness"][:3], [0.0, 0.1, 0.2])
    assert np.isnan(ds.images["brightness"][3])


def test_without_a_loop_measurements_are_written_at_once() -> None:
    ds = small_dataset()
    heard: list[tuple[str, ...]] = []
    ds.on_statistics_change(heard.append)
    measured = MeasuredStatistics(ds)
    measured.put(1, PixelStatistics(0.5, 0.2, 0.3))
    measured.put(2, None)  # not measured: nothing to write
    assert ds.images["brightness"][1] == 0.5 and np.isnan(ds.images["brightness"][2])
    assert len(heard) == 1

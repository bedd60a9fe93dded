"""The one progress helper: results in order, a bar on stderr in scripts, and an
interrupt that cancels what has not started."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from cocowidget import progress


def test_results_come_back_in_item_order() -> None:
    def slow_first(batch: list[int]) -> list[int]:
        if batch[0] == 0:
            time.sleep(0.05)
        return [2 * x for x in batch]

    with ThreadPoolExecutor(4) as pool:
        assert progress.run_in_parallel(
            slow_first, list(range(100)), pool, "doubling", batch=7
        ) == [2 * x for x in range(100)]


def test_an_interrupt_cancels_the_batches_not_started(monkeypatch: pytest.MonkeyPatch) -> None:
    started: list[int] = []
    gate = threading.Event()

    def work(batch: list[int]) -> list[int]:
        started.append(batch[0])
        gate.wait(5)
        return batch

    def interrupted(*_args: object, **_kwargs: object) -> object:
        raise KeyboardInterrupt

    monkeypatch.setattr(progress, "wait", interrupted)
    with ThreadPoolExecutor(1) as pool:
        with pytest.raises(KeyboardInterrupt):
            progress.run_in_parallel(work, list(range(10)), pool, "waiting", batch=1)
        gate.set()
    assert started == [0]  # the nine queued batches never ran


def test_a_script_shows_the_bar_on_stderr_only_for_slow_work() -> None:
    script = (
        "import time\n"
        "from concurrent.futures import ThreadPoolExecutor\n"
        "from cocowidget import progress\n"
        "progress.SHOW_AFTER = 0.1\n"
        "with ThreadPoolExecutor(1) as pool:\n"
        "    progress.run_in_parallel(lambda b: b, [1, 2], pool, 'quick')\n"
        "    progress.run_in_parallel(lambda b: time.sleep(0.1) or b, list(range(6)), pool,"
        " 'checking files', batch=1)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=60
    )
    assert "checking files" in done.stderr
    assert "quick" not in done.stderr
    assert done.stdout == ""


def test_long_calls_show_their_progress_in_a_script(tmp_path: Path) -> None:
    """Loading, adding predictions, checking quality, measuring pixels and evaluating each
    show a bar on stderr once they run past SHOW_AFTER (0 here, so every call shows)."""
    script = (
        "import cocowidget as cw\n"
        "from cocowidget import progress\n"
        "from cocowidget.datasets import generate_demo\n"
        "progress.SHOW_AFTER = 0\n"
        f"paths = generate_demo({str(tmp_path)!r}, n_images=12, seed=3)\n"
        "ds = cw.CocoDataset.from_coco(paths.annotations, image_dir=paths.image_dir)\n"
        "ds.add_predictions(paths.predictions, name='frcnn')\n"
        "ds.quality()\n"
        "ds.compute_pixel_statistics()\n"
        "ds.evaluate('frcnn', 'segm')\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=120
    )
    for bar in (
        "Generating the demo images",
        "Loading",
        "Adding frcnn",
        "Checking segmentations",
        "Checking image files",
        "Measuring pixels",
        "Evaluating frcnn (segm)",
    ):
        assert bar in done.stderr, (bar, done.stderr[-2000:])

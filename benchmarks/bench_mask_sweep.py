"""Threshold sweep of a mask-folder run: ours vs a plain numpy loop over the same maps, in
the same run.

    .venv/bin/python benchmarks/bench_mask_sweep.py [--images 5000] [--size 256] [--rounds 1]

Data: ``cocowidget.datasets.mask_folders_demo.generate_mask_folders`` (5,000 images of
256x256: JPEGs, index masks, a model's 8-bit probability PNGs), written once to a cache
folder outside the repository. Timed (the best of the rounds printed):

* ``CocoDataset.from_mask_folders`` (each mask read once: components, coverage);
* ``ds.add_mask_predictions(..., "probability")`` (each probability PNG read once: its
  per-level pixel counts inside and outside the truth, and its components at 0.5);
* ``ds.threshold_sweep(run, 50)``: mean IoU, Dice and the salt competition's hit rate
  at 50 thresholds; the goal is 10 s for reading the maps and sweeping together;
* the baseline: a plain numpy loop, maps already decoded in memory, per threshold and
  image ``p / 255 >= t``, intersection and union counted, IoU, hit rate; the largest
  difference from ours is printed.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from cocowidget.dataset import CocoDataset
from cocowidget.datasets.mask_folders_demo import generate_mask_folders

GOAL_SECONDS = 10.0
THRESHOLDS = 50


def timed(function: Callable[[], Any]) -> tuple[float, Any]:
    started = time.perf_counter()
    result = function()
    return time.perf_counter() - started, result


def numpy_sweep(
    truths: list[np.ndarray], levels: list[np.ndarray], thresholds: np.ndarray
) -> np.ndarray:
    """(thresholds, 3): mean IoU, mean Dice, mean hit rate, one image at a time."""
    competition = np.arange(0.5, 1.0, 0.05)
    out = np.zeros((len(thresholds), 3))
    for k, threshold in enumerate(thresholds):
        ious, dices, hits = [], [], []
        for truth, level in zip(truths, levels, strict=True):
            predicted = level / 255.0 >= threshold
            intersection = np.count_nonzero(truth & predicted)
            union = np.count_nonzero(truth | predicted)
            total = np.count_nonzero(truth) + np.count_nonzero(predicted)
            iou = intersection / union if union else 1.0
            ious.append(iou)
            dices.append(2 * intersection / total if total else 1.0)
            hits.append(np.mean(iou > competition))
        out[k] = np.mean(ious), np.mean(dices), np.mean(hits)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--images", type=int, default=5000)
    parser.add_argument("--size", type=int, default=256)
    parser.add_argument("--rounds", type=int, default=1)
    args = parser.parse_args()
    folder = Path(tempfile.gettempdir()) / f"cocowidget-bench-masks-{args.images}-{args.size}"
    seconds, paths = timed(
        lambda: generate_mask_folders(folder, args.images, seed=0, size=args.size)
    )
    print(f"data: {args.images} images of {args.size}x{args.size} in {folder} ({seconds:.1f} s)")
    one, five, _ = os.getloadavg()
    print(f"load average {one:.2f}, {five:.2f} on {os.cpu_count()} cores")
    best: dict[str, float] = {}
    sweep = None
    for _ in range(args.rounds):
        started = time.perf_counter()
        ds = CocoDataset.from_mask_folders(paths.image_dir, paths.mask_dir, list(paths.classes))
        added = time.perf_counter()
        ds.add_mask_predictions(paths.probability_dir, "model", "probability")
        swept = time.perf_counter()
        sweep = ds.threshold_sweep("model", THRESHOLDS)
        done = time.perf_counter()
        for name, value in (
            ("load", added - started),
            ("add", swept - added),
            ("sweep", done - swept),
        ):
            best[name] = min(best.get(name, np.inf), value)
    assert sweep is not None
    print(f"from_mask_folders:        {best['load']:8.2f} s")
    print(f"add_mask_predictions:     {best['add']:8.2f} s  (reads the {args.images} maps)")
    print(f"threshold_sweep({THRESHOLDS}):      {best['sweep']:8.3f} s")
    total = best["add"] + best["sweep"]
    verdict = "within" if total <= GOAL_SECONDS else "OVER"
    print(f"maps read + sweep:        {total:8.2f} s  ({verdict} the {GOAL_SECONDS:.0f} s goal)")

    def decode() -> tuple[list[np.ndarray], list[np.ndarray]]:
        truths, levels = [], []
        for name in ds.images["file_name"].tolist():
            stem = Path(str(name)).stem
            truths.append(np.asarray(Image.open(paths.mask_dir / f"{stem}.png")) > 0)
            levels.append(np.asarray(Image.open(paths.probability_dir / f"{stem}.png")))  # type: ignore[operator]
        return truths, levels

    t_decode, (truths, levels) = timed(decode)
    t_numpy, expected = timed(lambda: numpy_sweep(truths, levels, np.asarray(sweep["threshold"])))
    print(f"numpy: decoding the maps: {t_decode:8.2f} s")
    print(f"numpy: loop of {THRESHOLDS} x {args.images}:{t_numpy:8.2f} s  (maps in memory)")
    print(f"ours vs the numpy loop:   {t_numpy / best['sweep']:8.0f}x faster (sweep alone)")
    ours = np.stack([sweep["mean_iou"], sweep["mean_dice"], sweep["hit_rate"]], axis=1)
    print(f"largest difference:       {np.abs(ours - expected).max():.2e}")
    at = int(np.flatnonzero(sweep["best"])[0])
    print(
        f"best threshold {sweep['threshold'][at]:.3f}: hit rate {sweep['hit_rate'][at]:.4f}, "
        f"mean IoU {sweep['mean_iou'][at]:.4f}"
    )


if __name__ == "__main__":
    main()

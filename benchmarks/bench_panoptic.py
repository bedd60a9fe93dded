"""Panoptic quality on a val2017-sized generated set: ours vs decoding the PNGs once, and
vs panopticapi's pq_compute, in the same run.

    .venv/bin/python benchmarks/bench_panoptic.py [--images 5000] [--rounds 1]

Data: ``cocowidget.datasets.generate_panoptic_demo`` (5,000 images, PNGs only: ground
truth and a simulated model's predictions), written once to a cache folder outside the
repository. Timed, each in every round (the best printed):

* decoding every PNG of the evaluation once (ground truth and prediction), with Pillow
  (``Image.open(path).load()``), on one thread and on two: the floor any PQ has to pay;
* ``ds.evaluate(run, iou_type="panoptic")`` (two threads, as it runs by default) and the
  same on one thread; the goal is within 5x of the decoding on as many threads;
* panopticapi's ``pq_compute`` (its own process pool, one process per core), whose
  numbers ours must equal: the largest difference is printed.

Loading the dataset (which reads each ground-truth PNG once for its masks) is reported
separately and not part of the evaluation figures.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import tempfile
import time
import warnings
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from PIL import Image

from cocowidget.dataset import CocoDataset
from cocowidget.datasets import PanopticDemoPaths, generate_panoptic_demo
from cocowidget.evaluation.panoptic import evaluate_panoptic

GOAL = 5.0


def load_average() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f}, {five:.2f}, {fifteen:.2f} on {os.cpu_count()} cores"


def timed(function: Callable[[], Any]) -> tuple[float, Any]:
    started = time.perf_counter()
    result = function()
    return time.perf_counter() - started, result


def decode(path: Path) -> None:
    with Image.open(path) as image:
        image.load()


def decode_all(paths: list[Path], threads: int) -> None:
    if threads == 1:
        for path in paths:
            decode(path)
        return
    with ThreadPoolExecutor(threads) as executor:
        list(executor.map(decode, paths, chunksize=32))


def reference(paths: PanopticDemoPaths) -> dict[str, Any]:
    from panopticapi.evaluation import pq_compute

    assert paths.predictions is not None and paths.prediction_png_dir is not None
    with contextlib.redirect_stdout(io.StringIO()):
        result: dict[str, Any] = pq_compute(
            str(paths.annotations),
            str(paths.predictions),
            str(paths.png_dir),
            str(paths.prediction_png_dir),
        )
    return result


def largest_difference(ours: dict[str, Any], theirs: dict[str, Any]) -> float:
    worst = 0.0
    for name in ("All", "Things", "Stuff"):
        assert ours[name]["n"] == theirs[name]["n"]
        worst = max(worst, *(abs(ours[name][k] - theirs[name][k]) for k in ("pq", "sq", "rq")))
    for label, values in theirs["per_class"].items():
        worst = max(worst, *(abs(ours["per_class"][label][k] - values[k]) for k in values))
    return worst


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--images", type=int, default=5000)
    parser.add_argument("--rounds", type=int, default=1)
    args = parser.parse_args()
    folder = Path(tempfile.gettempdir()) / f"cocowidget-bench-panoptic-{args.images}"
    seconds, paths = timed(
        lambda: generate_panoptic_demo(folder, n_images=args.images, seed=0, images=False)
    )
    print(f"data: {args.images:,} images in {folder} ({seconds:.1f} s to generate or reuse)")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        seconds, ds = timed(
            lambda: CocoDataset.from_coco_panoptic(paths.annotations, paths.png_dir)
        )
        segments = len(ds.annotations)
        print(f"load ground truth (reads each PNG once): {seconds:.2f} s, {segments:,} segments")
        seconds, _ = timed(
            lambda: ds.add_panoptic_predictions(
                paths.predictions, paths.prediction_png_dir, name="model"
            )
        )
        segments = len(ds.predictions["model"])
        print(f"add predictions (reads each PNG once): {seconds:.2f} s, {segments:,} segments")
    pngs = [Path(p) for p in ds.images["panoptic_png"].tolist() if p is not None]
    pngs += [Path(p) for p in ds.runs["model"].parameters["png_files"].values()]
    print(f"PNGs per evaluation: {len(pngs):,}; {load_average()}")
    best: dict[str, float] = {}
    ours_summary: dict[str, Any] = {}
    theirs: dict[str, Any] = {}
    for round_number in range(args.rounds):
        contenders: dict[str, Callable[[], Any]] = {
            "decode once, 1 thread": lambda: decode_all(pngs, 1),
            "decode once, 2 threads": lambda: decode_all(pngs, 2),
            "ours, 1 thread": lambda: evaluate_panoptic(ds, "model", threads=1),
            "ours, 2 threads (ds.evaluate)": lambda: ds.evaluate("model", iou_type="panoptic"),
            "pq_compute": lambda: reference(paths),
        }
        for name, function in contenders.items():
            seconds, result = timed(function)
            best[name] = min(best.get(name, float("inf")), seconds)
            if name.startswith("ours, 2"):
                ours_summary = result.summary
            if name == "pq_compute":
                theirs = result
        print(f"round {round_number + 1}: " + ", ".join(f"{k} {v:.2f} s" for k, v in best.items()))
    print()
    for name, seconds in best.items():
        print(f"{name:32s} {seconds:8.2f} s   {1000 * seconds / args.images:6.2f} ms/image")
    print()
    pairs = (
        ("ours, 1 thread", "decode once, 1 thread"),
        ("ours, 2 threads (ds.evaluate)", "decode once, 2 threads"),
    )
    for ours_name, floor in pairs:
        ratio = best[ours_name] / best[floor]
        verdict = "within" if ratio <= GOAL else "OVER"
        print(f"{ours_name}: {ratio:.2f}x {floor} ({verdict} the {GOAL:g}x goal)")
    speedup = best["pq_compute"] / best["ours, 2 threads (ds.evaluate)"]
    print(f"pq_compute / ours (2 threads): {speedup:.1f}x")
    print(
        f"PQ {ours_summary['All']['pq']:.4f} (ours) vs {theirs['All']['pq']:.4f} (pq_compute); "
        f"largest difference over every number: {largest_difference(ours_summary, theirs):.1e}"
    )


if __name__ == "__main__":
    main()

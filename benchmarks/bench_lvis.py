"""Evaluation by LVIS rules: ``ds.evaluate(run, iou_type, rules="lvis")`` beside the lvis
package's ``LVISEval`` on the same files, in the same run.

    .venv/bin/python benchmarks/bench_lvis.py [--images 2000] [--categories 300] [--rounds 1]

Data: ``cocowidget.datasets.lvis_demo.generate_lvis_dict`` (LVIS-style: federated
image fields, r/c/f frequencies, polygon and RLE masks, 2 % of the images with more than
300 detections), written once to a temporary folder. For boxes and for masks, timed in
every round (the best printed):

* loading: ``CocoDataset.from_coco`` + ``add_predictions`` beside ``LVIS(gt)`` +
  ``LVISResults(gt, results)`` (the JSON read and indexed by each);
* evaluating: ``ds.evaluate(...)`` (tables and columns included) beside
  ``LVISEval(gt, results, iou_type).run()`` on the loaded objects.

The largest difference over ``get_results()`` is printed: it must be 0 to 1e-12.
"""

from __future__ import annotations

import argparse
import contextlib
import copy
import json
import logging
import os
import tempfile
import time
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np

from cocowidget.dataset import CocoDataset
from cocowidget.datasets.lvis_demo import generate_lvis_dict


@contextlib.contextmanager
def quiet() -> Iterator[None]:
    logging.disable(logging.WARNING)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield
    finally:
        logging.disable(logging.NOTSET)


def timed(function: Callable[[], Any]) -> tuple[float, Any]:
    started = time.perf_counter()
    result = function()
    return time.perf_counter() - started, result


def load_average() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f}, {five:.2f}, {fifteen:.2f} on {os.cpu_count()} cores"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=2000)
    parser.add_argument("--categories", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=1)
    args = parser.parse_args()
    if not hasattr(np, "float"):
        np.float = float  # type: ignore[attr-defined]  # lvis 0.5.3 uses np.float
    from lvis import LVIS, LVISEval, LVISResults

    started = time.perf_counter()
    document, results = generate_lvis_dict(
        args.images,
        0,
        n_categories=args.categories,
        result_kind="both",
        crowded_images=max(1, args.images // 50),
    )
    folder = Path(tempfile.mkdtemp(prefix="bench-lvis-"))
    gt_path, results_path = folder / "lvis_gt.json", folder / "results.json"
    gt_path.write_text(json.dumps(document))
    results_path.write_text(json.dumps(results))
    print(
        f"{args.images:,} images, {len(document['annotations']):,} annotations, "
        f"{args.categories} categories, {len(results):,} detections "
        f"(generated in {time.perf_counter() - started:.1f} s); {load_average()}"
    )

    def load_ours() -> CocoDataset:
        ds = CocoDataset.from_coco(gt_path, sidecar=False)
        ds.add_predictions(results_path, "model")
        return ds

    def load_lvis() -> tuple[Any, Any]:
        gt = LVIS(str(gt_path))
        return gt, LVISResults(gt, str(results_path))

    best: dict[str, float] = {}

    def keep(name: str, seconds: float) -> None:
        best[name] = min(best.get(name, np.inf), seconds)

    differences: dict[str, float] = {}
    for _ in range(args.rounds):
        with quiet():
            seconds, ds = timed(load_ours)
            keep("load ours", seconds)
            seconds, (lvis_gt, lvis_dt) = timed(load_lvis)
            keep("load lvis", seconds)
            for iou_type in ("bbox", "segm"):
                seconds, ours = timed(lambda: ds.evaluate("model", iou_type, rules="lvis"))  # noqa: B023
                keep(f"{iou_type} ours", seconds)
                # LVISEval turns the annotations' polygons into RLEs in place: a fresh copy.
                gt, dt = copy.deepcopy(lvis_gt), copy.deepcopy(lvis_dt)

                def reference(gt: Any = gt, dt: Any = dt, iou_type: str = iou_type) -> Any:
                    evaluation = LVISEval(gt, dt, iou_type)
                    evaluation.run()
                    return evaluation.get_results()

                seconds, expected = timed(reference)
                keep(f"{iou_type} lvis", seconds)
                differences[iou_type] = max(
                    abs(ours.results[key] - float(value)) for key, value in expected.items()
                )
    print(f"{'':14}{'ours':>10}{'LVISEval':>12}{'speed-up':>10}")
    for step in ("load", "bbox", "segm"):
        mine, theirs = best[f"{step} ours"], best[f"{step} lvis"]
        label = "loading" if step == "load" else f"evaluate {step}"
        print(f"{label:14}{mine:9.2f}s{theirs:11.2f}s{theirs / mine:9.1f}x")
    for iou_type, difference in differences.items():
        print(f"largest difference of get_results() ({iou_type}): {difference:.1e}")


if __name__ == "__main__":
    main()

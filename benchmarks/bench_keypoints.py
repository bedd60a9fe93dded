"""Keypoint (OKS) evaluation vs pycocotools on a val2017-scale generated person set.

    .venv/bin/python benchmarks/bench_keypoints.py [--images 5000] [--rounds 3]

Data: ``cocowidget.datasets.generate_keypoints_dict`` (5,000 images, ~9,800 people, six
in ten with keypoints, as ``person_keypoints_val2017`` has 11,004 people in 5,000
images; a simulated pose model's ~9,000 results, at most 20 per image). Rounds
interleave the contenders, so a burst of load on the shared machine hits them alike;
the best of each is printed beside the baseline from the same run, with the per-round
ratios:

* pycocotools ``COCOeval(..., "keypoints")`` ``evaluate() + accumulate()`` (the
  baseline; ``COCO`` objects and ``loadRes`` are built outside the timing);
* our ``evaluate(gt, dt, "keypoints")`` with every table built (images, classes,
  detections, ground truth, PR curves); dicts to columns is reported apart;
* the same through ``CocoDataset`` (``evaluate_dataset``), as ``ds.evaluate`` runs it.

Then both sides' 10 stats, side by side, and the largest difference.
"""

from __future__ import annotations

import argparse
import contextlib
import copy
import io
import os
import time
import warnings
from typing import Any

import numpy as np
from pycocotools.coco import COCO
from pycocotools.cocoeval import COCOeval

from cocowidget.dataset import CocoDataset
from cocowidget.datasets import generate_keypoints_dict
from cocowidget.evaluation import (
    KEYPOINT_STAT_NAMES,
    Evaluation,
    detections_from_results,
    evaluate,
    evaluate_dataset,
    ground_truth_from_dict,
)


def load_average() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f}, {five:.2f}, {fifteen:.2f} on {os.cpu_count()} cores"


def quietly(fn: Any, *args: Any) -> Any:
    with contextlib.redirect_stdout(io.StringIO()):
        return fn(*args)


def time_pycocotools(
    gt_dict: dict[str, Any], results: list[dict[str, Any]]
) -> tuple[float, np.ndarray]:
    coco_gt = COCO()
    coco_gt.dataset = copy.deepcopy(gt_dict)
    quietly(coco_gt.createIndex)
    coco_dt = quietly(coco_gt.loadRes, copy.deepcopy(results))
    evaluator = COCOeval(coco_gt, coco_dt, "keypoints")
    start = time.perf_counter()
    quietly(evaluator.evaluate)
    quietly(evaluator.accumulate)
    elapsed = time.perf_counter() - start
    quietly(evaluator.summarize)
    return elapsed, np.asarray(evaluator.stats)


def with_all_tables(result: Evaluation) -> Evaluation:
    """Build what the widget shows: every table and the curves."""
    _ = (result.images, result.classes, result.detections, result.ground_truth)
    _ = result.pr_curves
    return result


def timed(fn: Any) -> tuple[float, Any]:
    start = time.perf_counter()
    value = fn()
    return time.perf_counter() - start, value


def runs(times: list[float]) -> str:
    return ", ".join(f"{t:.3f}" for t in times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=5000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()

    print(f"start: {load_average()}")
    gt_dict, results = generate_keypoints_dict(args.images, seed=0)
    annotations = gt_dict["annotations"]
    with_keypoints = sum(1 for a in annotations if a["num_keypoints"] > 0)
    print(
        f"data: {len(gt_dict['images'])} images, {len(annotations)} people "
        f"({with_keypoints} with keypoints), {len(results)} pose results"
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the demo's few thin boxes at the image edges
        dataset = CocoDataset.from_coco(copy.deepcopy(gt_dict))
        dataset.add_predictions(copy.deepcopy(results), "pose")

    start = time.perf_counter()
    gt = ground_truth_from_dict(gt_dict)
    dt = detections_from_results(results)
    columns = time.perf_counter() - start

    ours_times: list[float] = []
    dataset_times: list[float] = []
    reference_times: list[float] = []
    result: Evaluation | None = None
    reference_stats = np.zeros(10)
    for _ in range(args.rounds):
        elapsed, result = timed(lambda: with_all_tables(evaluate(gt, dt, "keypoints")))
        ours_times.append(elapsed)
        elapsed, _ = timed(lambda: with_all_tables(evaluate_dataset(dataset, "pose", "keypoints")))
        dataset_times.append(elapsed)
        elapsed, reference_stats = time_pycocotools(gt_dict, results)
        reference_times.append(elapsed)
    assert result is not None
    reference, ours, via_dataset = min(reference_times), min(ours_times), min(dataset_times)
    paired = [r / o for r, o in zip(reference_times, ours_times, strict=True)]

    print("\n== keypoints ==")
    print(
        f"pycocotools evaluate+accumulate      {reference:7.3f} s   "
        f"(baseline; runs {runs(reference_times)})"
    )
    print(
        f"ours: evaluate + all tables          {ours:7.3f} s   = 1/{reference / ours:.1f} of "
        f"baseline (runs {runs(ours_times)}; per round 1/"
        + ", 1/".join(f"{p:.1f}" for p in paired)
        + ")"
    )
    print(
        f"ours through CocoDataset             {via_dataset:7.3f} s   "
        f"= 1/{reference / via_dataset:.1f} of baseline (runs {runs(dataset_times)})"
    )
    print(f"ours: dicts -> columns (not above)   {columns:7.3f} s")

    print(f"\n{'stat':<10} {'pycocotools':>14} {'ours':>14}")
    for name, theirs, mine in zip(
        KEYPOINT_STAT_NAMES, reference_stats.tolist(), result.stats.tolist(), strict=True
    ):
        print(f"{name:<10} {theirs:14.10f} {mine:14.10f}")
    difference = float(np.max(np.abs(result.stats - reference_stats)))
    print(f"largest difference: {difference:.3g}")
    print(f"\nend: {load_average()}")


if __name__ == "__main__":
    main()

"""Evaluation engine vs pycocotools on a val2017-scale generated dataset.

    .venv/bin/python benchmarks/bench_evaluation.py [--images 5000] [--iou-type bbox segm]
        [--rounds 3]

Data: ``cocowidget.datasets.write_annotations_only`` (5,000 images, ~37,600 objects, a
simulated detector's ~43,600 predictions), written once to a cache folder outside the
repository. Each figure is printed beside its baseline from the same run, in rounds that
interleave the contenders (the best of each, and the per-round ratios):

* pycocotools ``COCOeval.evaluate() + accumulate()`` (the baseline) against our
  ``evaluate()`` with every table built (images, classes, detections, ground truth, PR
  curves, confusion matrix). Loading JSON into ``COCO`` objects / columns is not timed
  on either side (our column building is reported separately).
* the same through ``CocoDataset`` (``evaluate_dataset``), as the widget calls it: the
  dataset's own columns, its segmentation accessor for masks.
* recolouring at a new IoU / score threshold (``image_counts``) against the 200 ms budget
  and against a full re-evaluation.
* faster-coco-eval's ``evaluate() + accumulate()`` when it is installed (reference only).

Mask IoUs are split with a worker process (``evaluation/mask_pairs.py``), which the first
mask evaluation of a session starts and does not wait for: in the segm rounds the first
run of ours is the one-core figure, and it is printed separately.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
from pycocotools.coco import COCO
from pycocotools.cocoeval import COCOeval

from cocowidget.dataset import CocoDataset
from cocowidget.datasets import write_annotations_only
from cocowidget.evaluation import (
    Evaluation,
    detections_from_results,
    evaluate,
    evaluate_dataset,
    ground_truth_from_dict,
)


def load_average() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f}, {five:.2f}, {fifteen:.2f} on {os.cpu_count()} cores"


def dataset_files(n_images: int) -> tuple[Path, Path]:
    folder = Path(tempfile.gettempdir()) / "cocowidget-bench-evaluation"
    folder.mkdir(exist_ok=True)
    gt_path = folder / f"instances_{n_images}_seed0.json"
    dt_path = folder / f"predictions_{n_images}_seed0.json"
    if not (gt_path.exists() and dt_path.exists()):
        print(f"writing {n_images} images of annotations to {folder} (once) ...")
        write_annotations_only(gt_path, n_images=n_images, seed=0, predictions_path=dt_path)
    return gt_path, dt_path


def quietly(fn: Any, *args: Any) -> Any:
    with contextlib.redirect_stdout(io.StringIO()):
        return fn(*args)


def time_pycocotools(
    gt_dict: dict[str, Any], results: list[dict[str, Any]], iou_type: str
) -> tuple[float, np.ndarray]:
    coco_gt = COCO()
    coco_gt.dataset = gt_dict
    quietly(coco_gt.createIndex)
    coco_dt = quietly(coco_gt.loadRes, [dict(r) for r in results])
    evaluator = COCOeval(coco_gt, coco_dt, iou_type)
    start = time.perf_counter()
    quietly(evaluator.evaluate)
    quietly(evaluator.accumulate)
    elapsed = time.perf_counter() - start
    quietly(evaluator.summarize)
    return elapsed, np.asarray(evaluator.stats)


def time_faster_coco_eval(
    gt_dict: dict[str, Any], results: list[dict[str, Any]], iou_type: str
) -> float | None:
    try:
        import faster_coco_eval  # type: ignore[import-not-found,unused-ignore]
    except ImportError:
        return None
    coco_gt = faster_coco_eval.COCO(gt_dict)
    coco_dt = quietly(coco_gt.loadRes, [dict(r) for r in results])
    evaluator = faster_coco_eval.COCOeval_faster(
        coco_gt, coco_dt, iou_type, print_function=lambda *_: None
    )
    start = time.perf_counter()
    evaluator.evaluate()
    evaluator.accumulate()
    return time.perf_counter() - start


def with_all_tables(result: Evaluation) -> Evaluation:
    """Build everything the widget shows: every table, curves, the confusion matrix."""
    _ = (result.images, result.classes, result.detections, result.ground_truth)
    _ = (result.pr_curves, result.confusion_matrix())
    return result


def timed(fn: Any) -> tuple[float, Any]:
    start = time.perf_counter()
    value = fn()
    return time.perf_counter() - start, value


def time_recolour(result: Evaluation) -> list[float]:
    times = []
    for iou in (0.5, 0.75, 0.95, 0.55, 0.7):
        for score in (0.05, 0.3, 0.5, 0.8):
            start = time.perf_counter()
            result.image_counts(iou, score)
            times.append(time.perf_counter() - start)
    return times


def runs(times: list[float]) -> str:
    return ", ".join(f"{t:.2f}" for t in times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=5000)
    parser.add_argument("--iou-type", nargs="+", default=["bbox", "segm"])
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds per IoU type")
    args = parser.parse_args()

    print(f"start: {load_average()}")
    gt_path, dt_path = dataset_files(args.images)
    gt_text, dt_text = gt_path.read_text(), dt_path.read_text()
    gt_dict, results = json.loads(gt_text), json.loads(dt_text)
    print(
        f"data: {len(gt_dict['images'])} images, {len(gt_dict['annotations'])} objects, "
        f"{len(results)} detections, {len(gt_dict['categories'])} categories"
    )
    dataset = CocoDataset.from_coco(gt_path)
    dataset.add_predictions(dt_path, "simulated")

    for iou_type in args.iou_type:
        print(f"\n== {iou_type} ==")
        start = time.perf_counter()
        gt = ground_truth_from_dict(gt_dict)
        boxes_only = [{k: v for k, v in r.items() if k != "segmentation"} for r in results]
        dt = detections_from_results(results if iou_type == "segm" else boxes_only)
        columns = time.perf_counter() - start

        # Rounds interleave every contender, so a burst of load on the shared machine
        # hits them alike; each pycocotools run gets freshly parsed dicts (COCOeval
        # rewrites ground-truth segmentations in place).
        ours_times, dataset_times, reference_times, faster_times = [], [], [], []
        result: Evaluation | None = None
        stats = np.zeros(12)
        for _ in range(args.rounds):
            elapsed, result = timed(lambda: with_all_tables(evaluate(gt, dt, iou_type)))  # noqa: B023
            ours_times.append(elapsed)
            elapsed, _ = timed(
                lambda: with_all_tables(evaluate_dataset(dataset, "simulated", iou_type))  # noqa: B023
            )
            dataset_times.append(elapsed)
            elapsed, stats = time_pycocotools(json.loads(gt_text), json.loads(dt_text), iou_type)
            reference_times.append(elapsed)
            faster = time_faster_coco_eval(json.loads(gt_text), json.loads(dt_text), iou_type)
            if faster is not None:
                faster_times.append(faster)
        assert result is not None
        reference, ours, via_dataset = min(reference_times), min(ours_times), min(dataset_times)
        paired = [r / o for r, o in zip(reference_times, ours_times, strict=True)]

        print(
            f"pycocotools evaluate+accumulate      {reference:7.2f} s   "
            f"(baseline; runs {runs(reference_times)})"
        )
        print(
            f"ours: evaluate + all tables          {ours:7.2f} s   = 1/{reference / ours:.1f} of "
            f"baseline (runs {runs(ours_times)}; per round 1/"
            + ", 1/".join(f"{p:.1f}" for p in paired)
            + ")"
        )
        print(
            f"ours through CocoDataset             {via_dataset:7.2f} s   "
            f"= 1/{reference / via_dataset:.1f} of baseline (runs {runs(dataset_times)})"
        )
        print(f"ours: dicts -> columns (not above)   {columns:7.2f} s")
        if faster_times:
            print(
                f"faster-coco-eval evaluate+accumulate {min(faster_times):7.2f} s   "
                f"(reference; runs {runs(faster_times)})"
            )
        else:
            print("faster-coco-eval                     not installed (reference only)")
        if iou_type == "segm":
            print(
                f"  first mask evaluation of the session (worker process starting, one core):"
                f" {ours_times[0]:.2f} s = 1/{reference / ours_times[0]:.1f} of baseline"
            )
        same = result.stats.tolist() == stats.tolist()
        print(f"stats identical to pycocotools: {same}   AP={result.stats[0]:.4f}")

        recolour = time_recolour(result)
        print(
            f"recolour {len(result.image_ids)} images (image_counts): median "
            f"{statistics.median(recolour) * 1e3:.2f} ms, max {max(recolour) * 1e3:.2f} ms   "
            f"(budget 200 ms; full re-evaluation {ours * 1e3:.0f} ms)"
        )
    print(f"\nend: {load_average()}")


if __name__ == "__main__":
    main()

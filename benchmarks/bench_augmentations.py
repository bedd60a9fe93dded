"""cw.check_augmentations beside the same transform run alone, in one run.

Over the demo dataset (``--images``, default 5,000, generated into the demo folder if
absent), an Albumentations training preprocessing (``LongestMaxSize(600)``,
``PadIfNeeded(500, 600)``, ``HorizontalFlip``) is run two ways on the same executor:

- **alone**: what a data loader does: for each image, decode it (the check's decoder),
  rasterise its masks (the check's), and call the ``Compose`` with the image, boxes,
  category labels and masks, seeded per image, each batch on its own copy of the
  ``Compose``, as the check does;
- **check**: ``cw.check_augmentations`` on the same images, which also follows every
  label (an index label field, the filter's decisions), measures each mask after, and
  builds its tables.

Both include reading the boxes and segmentations from the dataset. The two alternate
``--repeat`` times; the figures are medians. The goal: the check at >= 80 % of the
transform's own throughput. Measured on the project's 2-core machine, 5,000 images
(36,471 annotations), one draw: threads 138.1 -> 119.6 images/s (86.6 %), worker
processes 165.7 -> 151.6 images/s (91.5 %). Per image the check adds ~0.4 ms of mask
checks and ~0.2 ms of filter bookkeeping to ~8 ms of decoding, rasterising and
transforming; on threads that extra Python also waits for the GIL. Run::

    .venv/bin/python benchmarks/bench_augmentations.py [--images 5000] [--executor threads]
"""

from __future__ import annotations

import argparse
import copy
import functools
import statistics
import sys
import time
from concurrent.futures import Executor
from pathlib import Path
from typing import Any

import albumentations as A  # noqa: N812 (its documented name)
import numpy as np

import cocowidget as cw
from cocowidget.analysis.augment_run import ImageJob, decode_rgb, job_masks
from cocowidget.analysis.augmentations import BATCH, image_jobs
from cocowidget.datasets import default_demo_dir, generate_demo
from cocowidget.media.executors import process_executor, thread_executor
from cocowidget.progress import run_in_parallel, set_enabled


def make_transform() -> Any:
    return A.Compose(
        [A.LongestMaxSize(600), A.PadIfNeeded(500, 600), A.HorizontalFlip(p=0.5)],
        bbox_params=A.BboxParams(format="coco", label_fields=["category"]),
    )


def alone_batch(transform: Any, jobs: list[ImageJob]) -> list[int]:
    """The transform by itself over a batch: decode, masks, call; boxes returned."""
    own = copy.deepcopy(transform)
    kept = []
    for job in jobs:
        try:
            image = decode_rgb(job)
        except Exception:  # as a loader would, skip an unreadable file
            kept.append(-1)
            continue
        masks = job_masks(job)
        for seed in job.seeds:
            own.set_random_seed(seed)
            data: dict[str, Any] = {
                "image": image,
                "bboxes": job.boxes,
                "category": job.category_ids,
            }
            if len(job.boxes):
                data["masks"] = masks
            kept.append(len(own(**data)["bboxes"]))
    return kept


def run_alone(ds: Any, transform: Any, executor: Executor, draws: int) -> float:
    started = time.perf_counter()
    jobs = image_jobs(ds, np.arange(len(ds.images)), draws, 0)
    run_in_parallel(functools.partial(alone_batch, transform), jobs, executor, "alone", batch=BATCH)
    return time.perf_counter() - started


def run_check(ds: Any, transform: Any, executor: Executor, draws: int) -> tuple[float, Any]:
    started = time.perf_counter()
    result = cw.check_augmentations(ds, transform, draws=draws, executor=executor)
    return time.perf_counter() - started, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--images", type=int, default=5000)
    parser.add_argument("--draws", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--executor", choices=["threads", "processes"], default="threads")
    args = parser.parse_args()
    set_enabled(False)
    paths = generate_demo(default_demo_dir(args.images), n_images=args.images)
    ds = cw.CocoDataset.from_coco(paths.annotations, image_dir=paths.image_dir)
    transform = make_transform()
    executor = process_executor() if args.executor == "processes" else thread_executor()
    try:
        # One small pass each first: worker start-up, imports, the page cache warm.
        part = ds.subset(ds.images["id"][:64])
        run_alone(part, transform, executor, 1)
        run_check(part, transform, executor, 1)
        alone, check = [], []
        result = None
        for _ in range(args.repeat):
            alone.append(run_alone(ds, transform, executor, args.draws))
            seconds, result = run_check(ds, transform, executor, args.draws)
            check.append(seconds)
    finally:
        executor.shutdown()
    draws = len(ds.images) * args.draws
    alone_rate = draws / statistics.median(alone)
    check_rate = draws / statistics.median(check)
    print(
        f"{len(ds.images)} images x {args.draws} draws, {len(ds.annotations)} annotations, "
        f"{args.executor} ({args.repeat} alternating runs, medians)"
    )
    print(
        f"  transform alone        {alone_rate:8.1f} images/s  ({statistics.median(alone):.2f} s)"
    )
    print(
        f"  check_augmentations    {check_rate:8.1f} images/s  ({statistics.median(check):.2f} s)"
    )
    print(f"  ratio                  {check_rate / alone_rate:8.1%}   (goal >= 80%)")
    if result is not None:
        print(f"  {result!r}")


if __name__ == "__main__":
    # Worker processes never import __main__: run the module under its own name, so
    # they find alone_batch by it.
    sys.path.insert(0, str(Path(__file__).parent))
    from bench_augmentations import main as module_main

    module_main()

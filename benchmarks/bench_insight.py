"""Performance by metric and per-slice evaluation on a val2017-scale generated dataset.

    .venv/bin/python benchmarks/bench_insight.py [--images 5000] [--rounds 3]

Data: ``cocowidget.datasets.write_annotations_only`` (5,000 images, ~37,600 objects, a
simulated detector's ~43,600 predictions), written once to the cache folder that
``bench_evaluation.py`` uses. Printed, best of the rounds:

* one full box evaluation through ``CocoDataset.evaluate`` (the baseline of the rest);
* ``ev.by_metric`` over six metrics (three image columns, three object columns of both
  the annotations and the run) at five bins each, against the issue's goal of 2 s
  together with metric importance (not built yet: by_metric alone here);
* ``ev.by_slice()`` of ten slices (random image sets of 5-50 %), against the goal of 2x
  one full evaluation; and a check that a slice equals pycocotools' COCOeval with
  ``imgIds`` = the slice (one slice: pycocotools takes seconds per run).
"""

from __future__ import annotations

import argparse
import contextlib
import copy
import io
import json
import os
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
from pycocotools.coco import COCO
from pycocotools.cocoeval import COCOeval

from cocowidget import CocoDataset
from cocowidget.datasets import write_annotations_only
from cocowidget.evaluation import Evaluation

IMAGE_METRICS = ("object_count", "object_density", "aspect_ratio")
OBJECT_METRICS = ("area", "relative_area", "bbox_h")


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


def timed(fn: Any) -> tuple[float, Any]:
    start = time.perf_counter()
    value = fn()
    return time.perf_counter() - start, value


def by_metrics(ev: Evaluation) -> list[Any]:
    return [ev.by_metric(name, 5, kind="image") for name in IMAGE_METRICS] + [
        ev.by_metric(name, 5, kind="object") for name in OBJECT_METRICS
    ]


def pycocotools_slice(gt_path: Path, dt_path: Path, image_ids: list[int]) -> np.ndarray:
    with contextlib.redirect_stdout(io.StringIO()):
        coco_gt = COCO(str(gt_path))
        coco_dt = coco_gt.loadRes(copy.deepcopy(json.loads(dt_path.read_text())))
        evaluator = COCOeval(coco_gt, coco_dt, "bbox")
        evaluator.params.imgIds = image_ids
        evaluator.evaluate()
        evaluator.accumulate()
        evaluator.summarize()
    return np.asarray(evaluator.stats)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=5000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()

    print(f"start: {load_average()}")
    gt_path, dt_path = dataset_files(args.images)
    ds = CocoDataset.from_coco(gt_path)
    ds.add_predictions(dt_path, "simulated")
    print(
        f"data: {len(ds.images)} images, {len(ds.annotations)} objects, "
        f"{len(ds.predictions['simulated'])} detections"
    )
    rng = np.random.default_rng(0)
    ids = ds.images["id"]
    for n in range(10):
        size = int(len(ids) * rng.uniform(0.05, 0.5))
        ds.slices.add(f"slice {n}", rng.choice(ids, size=size, replace=False))
    sizes = ds.slices.table()["images"].tolist()
    print(f"slices: 10 random image sets of {min(sizes)}-{max(sizes)} images")

    full, metrics, slices = [], [], []
    ev: Evaluation | None = None
    table = None
    for _ in range(args.rounds):
        elapsed, result = timed(lambda: ds.evaluate("simulated"))
        assert isinstance(result, Evaluation)
        ev = result
        full.append(elapsed)
        elapsed, _ = timed(lambda: by_metrics(result))  # noqa: B023 (called at once)
        metrics.append(elapsed)
        elapsed, table = timed(result.by_slice)
        slices.append(elapsed)
    assert ev is not None and table is not None

    evaluation = min(full)
    print(f"one full evaluation (ds.evaluate)      {evaluation:6.2f} s   (runs {_runs(full)})")
    print(
        f"by_metric, 6 metrics x 5 bins          {min(metrics):6.2f} s   (goal with "
        f"metric importance: 2 s; runs {_runs(metrics)})"
    )
    print(
        f"by_slice, 10 slices                    {min(slices):6.2f} s   "
        f"= {min(slices) / evaluation:.2f}x one evaluation (goal: 2x; runs {_runs(slices)})"
    )
    for bins in by_metrics(ev):
        aps = ", ".join(f"{ap:.3f}" for ap in bins.table["ap"].tolist())
        print(f"  {bins.kind:6s} {bins.column:15s} AP per bin: {aps}")

    area = ev.by_metric("area", [0, 32**2, 96**2, 1e10]).table["ap"]
    same = np.abs(area - ev.stats[3:6]).max()
    print(f"area with COCO's bins vs APs/APm/APl: max difference {same:.1e}")
    name = ds.slices.names[0]
    elapsed, reference = timed(
        lambda: pycocotools_slice(gt_path, dt_path, sorted(ds.slices[name].tolist()))
    )
    ours = np.array([table[stat][0] for stat in ev.stat_names])
    print(
        f"{name!r} ({len(ds.slices[name])} images) vs pycocotools COCOeval(imgIds=slice): "
        f"max difference {np.abs(ours - reference).max():.1e} (pycocotools {elapsed:.1f} s)"
    )
    print(f"end: {load_average()}")


def _runs(times: list[float]) -> str:
    return ", ".join(f"{t:.2f}" for t in times)


if __name__ == "__main__":
    main()

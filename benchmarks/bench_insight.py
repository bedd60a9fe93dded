"""Performance by metric and per-slice evaluation on a val2017-scale generated dataset.

    .venv/bin/python benchmarks/bench_insight.py [--images 5000] [--rounds 3]

Data: ``cocowidget.datasets.write_annotations_only`` (5,000 images, ~37,600 objects, a
simulated detector's ~43,600 predictions), written once to the cache folder that
``bench_evaluation.py`` uses. Printed, best of the rounds:

* one full box evaluation through ``CocoDataset.evaluate`` (the baseline of the rest);
* ``ev.by_metric`` over six metrics (three image columns, three object columns of both
  the annotations and the run) at five bins each, and ``ev.metric_importance()`` (every
  metric, both outcomes, default options), against the issue's goal of 2 s together;
  beside it scikit-learn's own ``permutation_importance`` (same model kind, rows and
  repeats, ROC AUC) on the "found" outcome alone, the way a user would write it;
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
    ds = CocoDataset.from_coco(gt_path, sidecar=False)  # slices of earlier runs not read
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

    full, metrics, importance, slices = [], [], [], []
    ev: Evaluation | None = None
    table = None
    for _ in range(args.rounds):
        elapsed, result = timed(lambda: ds.evaluate("simulated"))
        assert isinstance(result, Evaluation)
        ev = result
        full.append(elapsed)
        elapsed, _ = timed(lambda: by_metrics(result))  # noqa: B023 (called at once)
        metrics.append(elapsed)
        elapsed, ranked = timed(result.metric_importance)
        importance.append(elapsed)
        elapsed, table = timed(result.by_slice)
        slices.append(elapsed)
    assert ev is not None and table is not None

    evaluation = min(full)
    print(f"one full evaluation (ds.evaluate)      {evaluation:6.2f} s   (runs {_runs(full)})")
    print(f"by_metric, 6 metrics x 5 bins          {min(metrics):6.2f} s   (runs {_runs(metrics)})")
    print(
        f"metric_importance, 2 outcomes          {min(importance):6.2f} s   (runs "
        f"{_runs(importance)})"
    )
    together = min(m + i for m, i in zip(metrics, importance, strict=True))
    print(f"  together                             {together:6.2f} s   (goal: 2 s)")
    baseline = sklearn_permutation(ev)
    print(
        f"  sklearn permutation_importance, found only  {baseline:6.2f} s   (same model kind,"
        " rows and repeats)"
    )
    top = [i for i in range(len(ranked)) if ranked["outcome"][i] == "found"][:3]
    for i in top:
        print(
            f"  found: {ranked['kind'][i]:6s} {ranked['metric'][i]:15s} importance "
            f"{ranked['importance'][i]:.3f} [{ranked['importance_low'][i]:.3f}, "
            f"{ranked['importance_high'][i]:.3f}], correlation {ranked['correlation'][i]:+.3f}"
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


def sklearn_permutation(ev: Evaluation) -> float:
    """``permutation_importance`` on the same design ``metric_importance`` builds for
    the "found" outcome: the same model kind, train/test sizes and repeats."""
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.inspection import permutation_importance

    from cocowidget.data.metric_columns import chosen_metrics
    from cocowidget.evaluation import ImportanceOptions
    from cocowidget.evaluation.metric_importance import _design

    ds = ev.dataset
    assert ds is not None
    options = ImportanceOptions()
    images, objects = chosen_metrics(ds.images, ds.annotations, None)
    features, _, _, labels = _design(ev, ds, "found", images, objects)
    keep = [j for j in range(features.shape[1]) if np.isfinite(features[:, j]).any()]
    features = features[:, keep]
    order = np.random.default_rng(0).permutation(len(labels))
    half = len(labels) // 2
    train = order[: min(half, options.max_rows)]
    test = order[half : half + options.max_rows // 4]
    start = time.perf_counter()
    model = HistGradientBoostingClassifier(
        max_iter=30, max_leaf_nodes=15, early_stopping=False, random_state=0
    )
    model.fit(features[train], labels[train])
    permutation_importance(
        model,
        features[test],
        labels[test],
        scoring="roc_auc",
        n_repeats=options.repeats,
        random_state=0,
    )
    return time.perf_counter() - start


def _runs(times: list[float]) -> str:
    return ", ".join(f"{t:.2f}" for t in times)


if __name__ == "__main__":
    main()

"""Loading a train2017-scale COCO file: cocowidget against pycocotools, same run.

    .venv/bin/python benchmarks/bench_loading.py [--images 118000] [--cache-dir DIR]

Generates (once, cached outside the repository) a synthetic instances JSON with
``cocowidget.datasets.write_annotations_only`` and measures, each in a fresh process so
peak memory is the process's own:

- ``CocoDataset.from_coco`` seconds and peak RSS, beside ``pycocotools.coco.COCO(path)``;
- the image-, object- and category-level statistics computed from the loaded tables;
- one image's objects (``objects_of``) on the full dataset beside a 1,000-image subset
  (constant time means the two are alike), and pycocotools' ``getAnnIds`` as baseline;
- for information: the table quality checks and the segmentation scan.

The machine is shared: the load average is printed before and after, and figures are
what was measured, not adjusted. CPU seconds (user + system of the process) are printed
beside wall seconds because they suffer less from other processes on the machine.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

LOOKUPS = 20_000


def peak_rss_gib() -> float:
    # ru_maxrss is in KiB on Linux.
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20


def child_cocowidget(path: str) -> dict[str, Any]:
    import numpy as np

    from cocowidget.dataset import CocoDataset

    baseline = peak_rss_gib()
    start, cpu = time.perf_counter(), time.process_time()
    dataset = CocoDataset.from_coco(path)
    load_seconds = time.perf_counter() - start
    load_cpu = time.process_time() - cpu
    load_peak = peak_rss_gib()

    images, annotations = dataset.images, dataset.annotations
    start = time.perf_counter()
    dataset.refresh_statistics()
    statistics_seconds = time.perf_counter() - start

    rng = np.random.default_rng(0)
    ids = rng.choice(images["id"], LOOKUPS).tolist()
    start = time.perf_counter()
    for image_id in ids:
        dataset.objects_of(image_id)
    lookup_full = (time.perf_counter() - start) / LOOKUPS

    small = dataset.subset(images["id"][:1000])
    small_ids = rng.choice(small.images["id"], LOOKUPS).tolist()
    start = time.perf_counter()
    for image_id in small_ids:
        small.objects_of(image_id)
    lookup_small = (time.perf_counter() - start) / LOOKUPS

    start = time.perf_counter()
    table_checks = dataset.quality(check_files=False, check_segmentations=False)
    checks_seconds = time.perf_counter() - start
    start = time.perf_counter()
    all_checks = dataset.quality(check_files=False)
    scan_seconds = time.perf_counter() - start

    return {
        "images": len(images),
        "annotations": len(annotations),
        "import_peak_gib": baseline,
        "load_seconds": load_seconds,
        "load_cpu_seconds": load_cpu,
        "load_peak_gib": load_peak,
        "statistics_seconds": statistics_seconds,
        "lookup_full_us": lookup_full * 1e6,
        "lookup_small_us": lookup_small * 1e6,
        "table_checks_seconds": checks_seconds,
        "table_problems": len(table_checks),
        "segmentation_scan_seconds": scan_seconds,
        "segmentation_problems": len(all_checks) - len(table_checks),
    }


def child_pycocotools(path: str) -> dict[str, Any]:
    import contextlib
    import io

    import numpy as np
    from pycocotools.coco import COCO

    start, cpu = time.perf_counter(), time.process_time()
    with contextlib.redirect_stdout(io.StringIO()):
        coco = COCO(path)
    load_seconds = time.perf_counter() - start
    load_cpu = time.process_time() - cpu
    load_peak = peak_rss_gib()
    ids = np.random.default_rng(0).choice(list(coco.imgs), LOOKUPS).tolist()
    start = time.perf_counter()
    for image_id in ids:
        coco.loadAnns(coco.getAnnIds(imgIds=image_id))
    lookup = (time.perf_counter() - start) / LOOKUPS
    return {
        "load_seconds": load_seconds,
        "load_cpu_seconds": load_cpu,
        "load_peak_gib": load_peak,
        "lookup_us": lookup * 1e6,
    }


def run_child(kind: str, path: Path) -> dict[str, Any]:
    completed = subprocess.run(
        [sys.executable, __file__, "--child", kind, str(path)],
        check=True,
        capture_output=True,
        text=True,
    )
    result: dict[str, Any] = json.loads(completed.stdout.strip().splitlines()[-1])
    return result


def ensure_file(cache_dir: Path, n_images: int) -> Path:
    path = cache_dir / f"instances_synthetic_{n_images}_seed0.json"
    if not path.exists():
        from cocowidget.datasets import write_annotations_only

        cache_dir.mkdir(parents=True, exist_ok=True)
        print(f"generating {path} (once; cached) ...", flush=True)
        start = time.perf_counter()
        write_annotations_only(path, n_images, seed=0)
        print(f"  generated in {time.perf_counter() - start:.0f} s", flush=True)
    return path


def load_average() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f} {five:.2f} {fifteen:.2f} (1/5/15 min) on {os.cpu_count()} cores"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=118_000)
    parser.add_argument(
        "--cache-dir", type=Path, default=Path(tempfile.gettempdir()) / "cocowidget-bench"
    )
    parser.add_argument("--child", nargs=2, metavar=("KIND", "PATH"), help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    if arguments.child:
        kind, path = arguments.child
        worker = child_cocowidget if kind == "cocowidget" else child_pycocotools
        print(json.dumps(worker(path)))
        return

    path = ensure_file(arguments.cache_dir, arguments.images)
    print(f"file: {path} ({path.stat().st_size / 1e6:.0f} MB)")
    print(f"load average before: {load_average()}")
    ours = run_child("cocowidget", path)
    theirs = run_child("pycocotools", path)
    print(f"load average after:  {load_average()}")
    print(f"{ours['images']:,} images, {ours['annotations']:,} annotations\n")

    rows = [
        ("load seconds (wall)", ours["load_seconds"], theirs["load_seconds"], "s"),
        ("load seconds (CPU)", ours["load_cpu_seconds"], theirs["load_cpu_seconds"], "s"),
        ("load peak RSS", ours["load_peak_gib"], theirs["load_peak_gib"], "GiB"),
        ("objects of one image", ours["lookup_full_us"], theirs["lookup_us"], "µs"),
    ]
    print(f"{'':24s}{'cocowidget':>14s}{'pycocotools':>14s}{'ratio':>9s}")
    for label, mine, baseline, unit in rows:
        print(
            f"{label:24s}{mine:>10.2f} {unit:3s}{baseline:>10.2f} {unit:3s}{baseline / mine:>8.1f}x"
        )
    print()
    print(f"peak RSS after imports only:           {ours['import_peak_gib']:.3f} GiB")
    print(f"image+object+category statistics:      {ours['statistics_seconds']:.3f} s")
    print(
        f"objects_of, full vs 1,000-image subset: {ours['lookup_full_us']:.2f} µs vs "
        f"{ours['lookup_small_us']:.2f} µs per call"
    )
    print(
        f"table quality checks:                  {ours['table_checks_seconds']:.2f} s "
        f"({ours['table_problems']} problems)"
    )
    print(
        f"table checks + segmentation scan:      {ours['segmentation_scan_seconds']:.2f} s "
        f"({ours['segmentation_problems']} problems)"
    )


if __name__ == "__main__":
    main()

"""How fast the synthetic demo dataset is generated, and how big it gets.

    .venv/bin/python benchmarks/bench_generate.py [--images 5000] [--train-images 118000]
                                                  [--workers N] [--skip-train]

Two measurements, each in a fresh child process (so peak RSS is its own), in temporary
folders that are removed afterwards:

* ``generate_demo`` for 5,000 images with predictions (real JPEGs), against the 60 s
  target for a 2-core machine.
* ``write_annotations_only`` for 118,000 images, train2017-sized, against COCO
  train2017's own figures (~860,000 annotations, ~390 MB).

There is no earlier implementation to race, so each figure is printed beside its target.
Wall time depends on what else runs on the machine: the load average is printed before
and after, and CPU seconds (all processes) are printed too, as they vary much less.
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

DEMO_TARGET_SECONDS = 60.0
TRAIN2017_ANNOTATIONS = 860_001
TRAIN2017_TARGET_MB = 390.0


def load_average() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f} / {five:.2f} / {fifteen:.2f} on {os.cpu_count()} cores"


def _cpu_seconds() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def _peak_rss_mb() -> tuple[float, float]:
    """(this process, largest child) peak resident set, in MB (Linux reports KiB)."""
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return own, children


def _count_annotations(path: Path) -> dict[str, int]:
    """Count entries by streaming the file (one entry per line, as the writer puts
    them), so counting needs no more memory than writing did."""
    counts = {"images": 0, "annotations": 0, "polygon": 0, "rle": 0, "crowd_rle": 0}
    section = ""
    with path.open("rb") as lines:
        for line in lines:
            if line.startswith(b'"images"'):
                section = "images"
            elif line.startswith(b'],\n"annotations"') or line.startswith(b'"annotations"'):
                section = "annotations"
            elif line.startswith(b"],") or line.startswith(b'"categories"'):
                section = ""
            elif line.startswith(b"{") and section:
                counts[section] += 1
                if section == "annotations":
                    if b'"iscrowd":1' in line:
                        counts["crowd_rle"] += 1
                    elif line.startswith(b'{"segmentation":[['):
                        counts["polygon"] += 1
                    else:
                        counts["rle"] += 1
    return counts


def measure_demo(n_images: int, workers: int | None) -> dict[str, Any]:
    from cocowidget.datasets import generate_demo, read_manifest

    with tempfile.TemporaryDirectory(prefix="bench-generate-") as folder:
        start, cpu = time.perf_counter(), _cpu_seconds()
        paths = generate_demo(Path(folder) / "demo", n_images, seed=0, workers=workers)
        seconds = time.perf_counter() - start
        cpu = _cpu_seconds() - cpu
        manifest = read_manifest(paths.root) or {}
        image_bytes = sum(p.stat().st_size for p in paths.image_dir.iterdir())
        own, child = _peak_rss_mb()
        return {
            "seconds": seconds,
            "cpu_seconds": cpu,
            "images": manifest["counts"]["images"],
            "annotations": manifest["counts"]["annotations"],
            "predictions": manifest["counts"]["predictions"],
            "image_mb": image_bytes / 1e6,
            "json_mb": paths.annotations.stat().st_size / 1e6,
            "rss_parent_mb": own,
            "rss_worker_mb": child,
        }


def measure_train(n_images: int, workers: int | None) -> dict[str, Any]:
    from cocowidget.datasets import write_annotations_only

    with tempfile.TemporaryDirectory(prefix="bench-generate-") as folder:
        path = Path(folder) / "instances_train.json"
        start, cpu = time.perf_counter(), _cpu_seconds()
        write_annotations_only(path, n_images, seed=0, workers=workers)
        seconds = time.perf_counter() - start
        cpu = _cpu_seconds() - cpu
        own, child = _peak_rss_mb()
        return {
            "seconds": seconds,
            "cpu_seconds": cpu,
            "mb": path.stat().st_size / 1e6,
            "rss_parent_mb": own,
            "rss_worker_mb": child,
            **_count_annotations(path),
        }


def _in_child(what: str, n_images: int, workers: int | None) -> dict[str, Any]:
    command = [sys.executable, __file__, "--measure", what, "--images", str(n_images)]
    if workers is not None:
        command += ["--workers", str(workers)]
    done = subprocess.run(command, check=True, capture_output=True, text=True)
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--images", type=int, default=5000)
    parser.add_argument("--train-images", type=int, default=118_000)
    parser.add_argument("--workers", type=int, default=None)
    parser.add_argument("--skip-train", action="store_true")
    parser.add_argument("--measure", choices=["demo", "train"], help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.measure == "demo":
        print(json.dumps(measure_demo(args.images, args.workers)))
        return
    if args.measure == "train":
        print(json.dumps(measure_train(args.images, args.workers)))
        return

    print(f"before: {load_average()}")
    demo = _in_child("demo", args.images, args.workers)
    print(f"\ngenerate_demo, {args.images} images with predictions")
    print(f"  wall time          {demo['seconds']:8.1f} s    target {DEMO_TARGET_SECONDS:.0f} s")
    print(f"  CPU time           {demo['cpu_seconds']:8.1f} s    (all processes)")
    print(f"  images / s         {demo['images'] / demo['seconds']:8.1f}")
    print(f"  annotations        {demo['annotations']:8d}      predictions {demo['predictions']}")
    print(
        f"  JPEGs              {demo['image_mb']:8.1f} MB   instances JSON {demo['json_mb']:.1f} MB"
    )
    print(
        f"  peak RSS           {demo['rss_parent_mb']:8.0f} MB parent, "
        f"{demo['rss_worker_mb']:.0f} MB largest worker"
    )
    print(f"after demo: {load_average()}")

    if args.skip_train:
        return
    train = _in_child("train", args.train_images, args.workers)
    per_image = train["annotations"] / train["images"]
    print(f"\nwrite_annotations_only, {args.train_images} images (no pixels)")
    print(f"  wall time          {train['seconds']:8.1f} s")
    print(f"  CPU time           {train['cpu_seconds']:8.1f} s    (all processes)")
    print(
        f"  file size          {train['mb']:8.1f} MB   train2017 target ~{TRAIN2017_TARGET_MB:.0f}"
        " MB"
    )
    print(
        f"  annotations        {train['annotations']:8d}      train2017 {TRAIN2017_ANNOTATIONS}"
        f"  ({per_image:.2f} per image)"
    )
    print(f"    polygons         {train['polygon']:8d}")
    print(f"    compressed RLE   {train['rle']:8d}      (occluded objects)")
    print(f"    crowd RLE        {train['crowd_rle']:8d}")
    print(
        f"  peak RSS           {train['rss_parent_mb']:8.0f} MB parent, "
        f"{train['rss_worker_mb']:.0f} MB largest worker"
    )
    print(f"after: {load_average()}")


if __name__ == "__main__":
    main()

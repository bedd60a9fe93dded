"""`python -m cocowidget.datasets OUT_DIR --images 5000 --seed 0 [--broken] [--no-predictions]`"""

from __future__ import annotations

import argparse
import time

from cocowidget.datasets.demo import generate_demo, read_manifest


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m cocowidget.datasets",
        description="Generate the synthetic COCO demo dataset (reused if already there).",
    )
    parser.add_argument("out_dir", help="folder to generate into")
    parser.add_argument("--images", type=int, default=500, help="number of normal images")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--broken",
        action="store_true",
        help="also write a dozen deliberately problematic image files",
    )
    parser.add_argument(
        "--no-predictions", action="store_true", help="skip the simulated detector's results file"
    )
    parser.add_argument(
        "--workers", type=int, default=None, help="processes to use (default: all available cores)"
    )
    args = parser.parse_args(argv)
    started = time.perf_counter()
    paths = generate_demo(
        args.out_dir,
        args.images,
        args.seed,
        predictions=not args.no_predictions,
        broken_images=args.broken,
        workers=args.workers,
    )
    manifest = read_manifest(paths.root) or {}
    counts = manifest.get("counts", {})
    print(
        f"{paths.root}: {counts.get('images')} images, {counts.get('annotations')} "
        f"annotations, {counts.get('predictions')} predictions "
        f"({time.perf_counter() - started:.1f} s)"
    )
    print(f"  annotations  {paths.annotations}")
    print(f"  images       {paths.image_dir}")
    if paths.predictions is not None:
        print(f"  predictions  {paths.predictions}")


if __name__ == "__main__":
    main()

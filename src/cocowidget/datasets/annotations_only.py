"""COCO-scale annotation files without any pixels, for benchmarks."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from cocowidget._arguments import checked_keywords
from cocowidget.datasets import pipeline


@checked_keywords
def write_annotations_only(
    path: str | os.PathLike[str],
    n_images: int = 118_000,
    seed: int = 0,
    *,
    predictions_path: str | os.PathLike[str] | None = None,
    workers: int | None = None,
) -> Path:
    """Write the instances JSON of the demo scene model, without image files.

    The entries equal those `generate_demo` writes for the same `n_images` and `seed`.
    At 118,000 images this is train2017-sized (~860,000 annotations, ~390 MB); it is
    streamed, so memory stays flat. `predictions_path` also writes the simulated
    detector's results list.
    """
    if n_images < 0 or seed < 0:
        raise ValueError("n_images and seed must be non-negative")
    out = Path(path)
    job = pipeline.Job(seed=seed, n_images=n_images, predictions=predictions_path is not None)
    pipeline.write(job, out, Path(predictions_path) if predictions_path else None, workers)
    return out


@checked_keywords
def generate_coco_dict(
    n_images: int, seed: int = 0, *, predictions: bool = True
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The instances dict and the predictions list in memory, no files: for tests that
    need a small dataset to tweak. Equal to what `write_annotations_only` writes."""
    if n_images < 0 or seed < 0:
        raise ValueError("n_images and seed must be non-negative")
    return pipeline.coco_dict(n_images, seed, predictions=predictions)

"""COCO-scale annotation files without any pixels, for benchmarks."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from cocowidget._arguments import checked_keywords
from cocowidget.datasets import pipeline
from cocowidget.datasets.demo import write_json
from cocowidget.datasets.mistakes import LabelMistakes, record


@checked_keywords
def write_annotations_only(
    path: str | os.PathLike[str],
    n_images: int = 118_000,
    seed: int = 0,
    *,
    predictions_path: str | os.PathLike[str] | None = None,
    label_mistakes: LabelMistakes | None = None,
    mistakes_path: str | os.PathLike[str] | None = None,
    workers: int | None = None,
) -> Path:
    """Write the instances JSON of the demo scene model, without image files.

    The entries equal those `generate_demo` writes for the same `n_images` and `seed`.
    At 118,000 images this is train2017-sized (~860,000 annotations, ~390 MB); it is
    streamed, so memory stays flat. `predictions_path` also writes the simulated
    detector's results list. `label_mistakes` plants mistakes into the annotations
    (as `generate_demo(label_mistakes=...)`) and writes their record to
    `mistakes_path`.
    """
    if n_images < 0 or seed < 0:
        raise ValueError("n_images and seed must be non-negative")
    if (label_mistakes is None) != (mistakes_path is None):
        raise ValueError("label_mistakes and mistakes_path go together: pass both or neither")
    out = Path(path)
    job = pipeline.Job(
        seed=seed,
        n_images=n_images,
        predictions=predictions_path is not None,
        label_mistakes=label_mistakes,
    )
    summary = pipeline.write(
        job, out, Path(predictions_path) if predictions_path else None, workers
    )
    if label_mistakes is not None and mistakes_path is not None:
        write_json(Path(mistakes_path), record(label_mistakes, seed, summary.mistakes))
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


@checked_keywords
def generate_coco_dict_with_mistakes(
    n_images: int, seed: int = 0, *, label_mistakes: LabelMistakes | None = None
) -> tuple[dict[str, Any], list[dict[str, Any]], dict[str, Any]]:
    """The instances dict (with planted label mistakes), the predictions list (of the
    true objects) and the mistakes' record, in memory: as `write_annotations_only`
    with `label_mistakes` writes them."""
    if n_images < 0 or seed < 0:
        raise ValueError("n_images and seed must be non-negative")
    mistakes = LabelMistakes() if label_mistakes is None else label_mistakes
    planted: list[dict[str, Any]] = []
    dataset, results = pipeline.coco_dict(n_images, seed, label_mistakes=mistakes, mistakes=planted)
    return dataset, results, record(mistakes, seed, planted)

"""The demo dataset's panoptic variant on disk: PNGs with things and stuff, a simulated
panoptic model's predictions, and (optionally) the JPEGs they describe.

Layout of ``out_dir``::

    panoptic_manifest.json             written last: params, counts, complete
    annotations/panoptic_demo.json     COCO panoptic ground truth
    annotations/panoptic_demo/         its PNGs, <12-digit id>.png
    predictions/panoptic_demo.json     the model's panoptic predictions
    predictions/panoptic_demo/         their PNGs
    images/<12-digit id>.jpg           the instances demo's pictures (images=True)

Images are the instances demo's (same seed, same scenes): see
:mod:`cocowidget.datasets.panoptic_scene` for the ground truth and
:mod:`cocowidget.datasets.panoptic_model` for the model. Everything about image ``i``
comes from streams seeded by ``(seed, i)``, so any number of workers writes the same
bytes.
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

from PIL import Image

from cocowidget._arguments import checked_keywords
from cocowidget.datasets import coco_json
from cocowidget.datasets.panoptic_model import predict
from cocowidget.datasets.panoptic_scene import (
    id_map_and_segments,
    panoptic_categories,
    panoptic_truth,
)
from cocowidget.datasets.pipeline import SERIAL_BELOW, default_workers
from cocowidget.datasets.render import render
from cocowidget.datasets.scene import image_spec, sample_scene, stream
from cocowidget.datasets.special_files import encode_jpeg
from cocowidget.formats.panoptic_png import id_to_rgb
from cocowidget.media.workers import NO_MAIN
from cocowidget.progress import progress

# Bump whenever the output changes, so stale folders are regenerated.
FORMAT_VERSION = 1
MANIFEST = "panoptic_manifest.json"
STREAM_IDS = 6


@dataclass(frozen=True)
class PanopticDemoPaths:
    root: Path
    annotations: Path  # panoptic JSON
    png_dir: Path
    image_dir: Path | None
    predictions: Path | None
    prediction_png_dir: Path | None


def _paths(root: Path, images: bool, predictions: bool) -> PanopticDemoPaths:
    return PanopticDemoPaths(
        root,
        root / "annotations" / "panoptic_demo.json",
        root / "annotations" / "panoptic_demo",
        root / "images" if images else None,
        root / "predictions" / "panoptic_demo.json" if predictions else None,
        root / "predictions" / "panoptic_demo" if predictions else None,
    )


@dataclass(frozen=True)
class _Job:
    seed: int
    paths: PanopticDemoPaths


def _write_png(ids: Any, path: Path) -> None:
    # compress_level 1: these PNGs are flat colour, level 1 is a third the time of 6
    # for a file a few percent larger.
    Image.fromarray(id_to_rgb(ids)).save(path, compress_level=1)


def _image(job: _Job, index: int) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any] | None]:
    """Image ``index``: its files written, its JSON entries returned."""
    spec = image_spec(job.seed, index)
    scene = sample_scene(job.seed, spec)
    truth = panoptic_truth(scene)
    ids_rng = stream(job.seed, index, STREAM_IDS)
    gt_segments = tuple((s.label, s.category_id, s.iscrowd) for s in truth.segments)
    gt_ids, gt_info = id_map_and_segments(truth.labels, gt_segments, ids_rng)
    png_name = f"{spec.id:012d}.png"
    paths = job.paths
    _write_png(gt_ids, paths.png_dir / png_name)
    if paths.image_dir is not None:
        (paths.image_dir / spec.file_name).write_bytes(
            encode_jpeg(render(scene, list(truth.objects)))
        )
    gt_record = {"segments_info": gt_info, "file_name": png_name, "image_id": spec.id}
    pred_record = None
    if paths.prediction_png_dir is not None:
        labels, segments = predict(scene, truth)
        pred_ids, pred_info = id_map_and_segments(labels, segments, ids_rng)
        _write_png(pred_ids, paths.prediction_png_dir / png_name)
        pred_record = {"segments_info": pred_info, "file_name": png_name, "image_id": spec.id}
    return spec.coco(), gt_record, pred_record


@checked_keywords
def generate_panoptic_demo(
    out_dir: str | os.PathLike[str],
    n_images: int = 500,
    seed: int = 0,
    *,
    images: bool = True,
    predictions: bool = True,
    workers: int | None = None,
) -> PanopticDemoPaths:
    """Write the panoptic demo in ``out_dir`` (or reuse it when its manifest says it is
    complete with these parameters). ``images=False`` leaves out the JPEGs (enough for
    evaluation and benchmarks)."""
    if n_images < 0 or seed < 0:
        raise ValueError("n_images and seed must be non-negative")
    root = Path(out_dir)
    paths = _paths(root, images, predictions)
    params = {"n_images": n_images, "seed": seed, "images": images, "predictions": predictions}
    manifest = _manifest(root)
    if (
        manifest.get("complete")
        and manifest.get("format_version") == FORMAT_VERSION
        and manifest.get("params") == params
        and paths.annotations.is_file()
    ):
        return paths
    for folder in (paths.png_dir, paths.image_dir, paths.prediction_png_dir):
        if folder is not None:
            folder.mkdir(parents=True, exist_ok=True)
    (root / MANIFEST).write_text(json.dumps({"complete": False, "params": params}))
    started = time.perf_counter()
    entries = _all_images(_Job(seed, paths), n_images, workers)
    categories = panoptic_categories()
    top = {"info": dict(coco_json.INFO), "licenses": [dict(x) for x in coco_json.LICENSES]}
    gt = {**top, "images": [e[0] for e in entries], "annotations": [e[1] for e in entries]}
    paths.annotations.write_text(json.dumps({**gt, "categories": categories}))
    if paths.predictions is not None:
        records = [e[2] for e in entries]
        paths.predictions.write_text(json.dumps({"annotations": records, "categories": categories}))
    counts = {
        "images": n_images,
        "segments": sum(len(e[1]["segments_info"]) for e in entries),
        "predicted_segments": sum(len(e[2]["segments_info"]) for e in entries if e[2]),
    }
    (root / MANIFEST).write_text(
        json.dumps(
            {
                "format_version": FORMAT_VERSION,
                "complete": True,
                "params": params,
                "counts": counts,
                "generation_seconds": round(time.perf_counter() - started, 2),
            }
        )
    )
    return paths


def _manifest(root: Path) -> dict[str, Any]:
    try:
        manifest: dict[str, Any] = json.loads((root / MANIFEST).read_text())
    except (OSError, ValueError):
        return {}
    return manifest


def _all_images(
    job: _Job, n_images: int, workers: int | None
) -> list[tuple[dict[str, Any], dict[str, Any], dict[str, Any] | None]]:
    work = partial(_image, job)
    if workers is None:
        workers = default_workers() if n_images >= SERIAL_BELOW else 1
    workers = max(1, min(workers, n_images))
    with progress(n_images, "Generating the panoptic demo") as advance:
        if workers == 1:
            results = []
            for index in range(n_images):
                results.append(work(index))
                advance()
            return results
        chunk = max(1, min(32, n_images // (workers * 8)))
        with NO_MAIN.Pool(workers) as pool:
            results = []
            for result in pool.imap(work, range(n_images), chunksize=chunk):
                results.append(result)
                advance()
            return results

"""The on-disk demo dataset: images, instances JSON, predictions and a manifest.

Layout of `out_dir`:

    manifest.json                     written last; see below
    annotations/instances_demo.json   COCO instances
    predictions/detections_demo.json  COCO results list (if predictions=True)
    annotations/label_mistakes_demo.json  the planted label mistakes (if label_mistakes)
    images/<12-digit id>.jpg          (the special PNGs end in .png)

`manifest.json` holds `format_version` (bumped whenever the generator's output changes),
`complete` (false while generating), `params` (n_images, seed, predictions,
broken_images, and label_mistakes' rates when mistakes are planted), `files` (paths
relative to the folder), `file_bytes` (sizes of the JSON files), `counts` (images,
image_files, annotations, segmentations by kind: polygon / rle / crowd_rle,
predictions), `special_files` (per kind: file_name, image_id and what is special, e.g.
json_size vs file_size) and `generation_seconds`. A folder is
reused when its manifest is complete, has the same version and parameters, and the JSON
sizes and number of image files still match.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cocowidget._arguments import checked_keywords
from cocowidget.datasets import pipeline
from cocowidget.datasets.mistakes import LabelMistakes, record

# Bump whenever the generator's output changes, so stale demo folders are regenerated.
FORMAT_VERSION = 1
MANIFEST_NAME = "manifest.json"
ANNOTATIONS_NAME = "annotations/instances_demo.json"
PREDICTIONS_NAME = "predictions/detections_demo.json"
MISTAKES_NAME = "annotations/label_mistakes_demo.json"
IMAGES_NAME = "images"
_GENERATED = ("annotations", "predictions", "images")
ENV_DEMO_DIR = "COCOWIDGET_DEMO_DIR"


@dataclass(frozen=True)
class DemoPaths:
    root: Path
    annotations: Path  # COCO instances JSON
    image_dir: Path
    predictions: Path | None  # COCO results-list JSON
    label_mistakes: Path | None = None  # the planted mistakes' record (JSON)

    @property
    def manifest(self) -> Path:
        return self.root / MANIFEST_NAME


def _paths(root: Path, predictions: bool, mistakes: bool = False) -> DemoPaths:
    return DemoPaths(
        root=root,
        annotations=root / ANNOTATIONS_NAME,
        image_dir=root / IMAGES_NAME,
        predictions=root / PREDICTIONS_NAME if predictions else None,
        label_mistakes=root / MISTAKES_NAME if mistakes else None,
    )


@checked_keywords
def default_demo_dir(n_images: int = 500, seed: int = 0) -> Path:
    """`<base>/demo-<n_images>-<seed>`, where `<base>` is `$COCOWIDGET_DEMO_DIR` if set,
    else `.demo-data` in the project checkout (when running from one) or else in the
    current directory."""
    base = os.environ.get(ENV_DEMO_DIR)
    root = Path(base) if base else _project_root() / ".demo-data"
    return root / f"demo-{n_images}-{seed}"


def _project_root() -> Path:
    checkout = Path(__file__).resolve().parents[3]  # src/cocowidget/datasets/demo.py
    if (checkout / "pyproject.toml").is_file() and (checkout / "src" / "cocowidget").is_dir():
        return checkout
    return Path.cwd()


@checked_keywords
def generate_demo(
    out_dir: str | os.PathLike[str],
    n_images: int = 500,
    seed: int = 0,
    *,
    predictions: bool = True,
    broken_images: bool = False,
    label_mistakes: LabelMistakes | bool = False,
    workers: int | None = None,
) -> DemoPaths:
    """Generate the demo dataset in `out_dir`, or reuse it if it is already there.

    Deterministic: the same parameters give byte-identical files, whatever `workers`.
    With `broken_images`, a dozen problematic files follow the normal images (see
    `cocowidget.datasets.special_files`); the manifest's `special_files` says which is
    which. With `label_mistakes` (`True` for the default rates, or a `LabelMistakes`),
    mistakes are planted into the annotations after the detector has seen the true
    objects, and `label_mistakes_demo.json` beside them records each one
    (`cocowidget.datasets.mistakes`). Safe to call from several processes at once: they
    wait for one another.
    """
    if n_images < 0 or seed < 0:
        raise ValueError("n_images and seed must be non-negative")
    if broken_images and n_images < 1:
        raise ValueError("broken_images needs at least one normal image to duplicate")
    mistakes = LabelMistakes() if label_mistakes is True else label_mistakes or None
    root = Path(out_dir)
    root.mkdir(parents=True, exist_ok=True)
    paths = _paths(root, predictions, mistakes is not None)
    params: dict[str, Any] = {
        "n_images": n_images,
        "seed": seed,
        "predictions": predictions,
        "broken_images": broken_images,
    }
    if mistakes is not None:  # only then, so folders made without them stay reusable
        params["label_mistakes"] = mistakes.as_dict()
    with _exclusive(root):
        manifest = read_manifest(root)
        if manifest is not None and _reusable(manifest, params, paths):
            return paths
        if manifest is not None:  # ours, but stale or unfinished: start clean
            for name in _GENERATED:
                shutil.rmtree(root / name, ignore_errors=True)
        _write_manifest(
            root, {"format_version": FORMAT_VERSION, "complete": False, "params": params}
        )
        paths.image_dir.mkdir(parents=True, exist_ok=True)
        started = time.perf_counter()
        job = pipeline.Job(
            seed=seed,
            n_images=n_images,
            predictions=predictions,
            broken_images=broken_images,
            image_dir=paths.image_dir,
            label_mistakes=mistakes,
        )
        summary = pipeline.write(job, paths.annotations, paths.predictions, workers)
        if mistakes is not None and paths.label_mistakes is not None:
            write_json(paths.label_mistakes, record(mistakes, seed, summary.mistakes))
        _write_manifest(root, _manifest(params, summary, paths, time.perf_counter() - started))
    return paths


def read_manifest(root: Path) -> dict[str, Any] | None:
    try:
        manifest: dict[str, Any] = json.loads((root / MANIFEST_NAME).read_text())
    except (OSError, ValueError):
        return None
    return manifest


def _reusable(manifest: dict[str, Any], params: dict[str, Any], paths: DemoPaths) -> bool:
    if not (
        manifest.get("complete")
        and manifest.get("format_version") == FORMAT_VERSION
        and manifest.get("params") == params
    ):
        return False
    sizes = manifest["file_bytes"]
    for name, path in (
        ("annotations", paths.annotations),
        ("predictions", paths.predictions),
        ("label_mistakes", paths.label_mistakes),
    ):
        if path is not None and (not path.is_file() or path.stat().st_size != sizes.get(name)):
            return False
    with os.scandir(paths.image_dir) as entries:
        on_disk = sum(1 for _ in entries)
    return bool(on_disk == manifest["counts"]["image_files"])


def _manifest(
    params: dict[str, Any], summary: pipeline.Summary, paths: DemoPaths, seconds: float
) -> dict[str, Any]:
    missing = sum(1 for s in summary.special_files.values() if s["kind"] == "missing_file")
    return {
        "format_version": FORMAT_VERSION,
        "complete": True,
        "params": params,
        "files": {
            "annotations": ANNOTATIONS_NAME,
            "predictions": PREDICTIONS_NAME if paths.predictions is not None else None,
            "label_mistakes": MISTAKES_NAME if paths.label_mistakes is not None else None,
            "images": IMAGES_NAME,
        },
        "file_bytes": {
            "annotations": paths.annotations.stat().st_size,
            "predictions": paths.predictions.stat().st_size if paths.predictions else None,
            "label_mistakes": (
                paths.label_mistakes.stat().st_size if paths.label_mistakes else None
            ),
        },
        "counts": {
            "images": summary.images,
            "image_files": summary.images - missing,
            "annotations": summary.annotations,
            "segmentations": summary.segmentation_kinds,
            "predictions": summary.predictions,
        },
        "special_files": summary.special_files,
        "generation_seconds": round(seconds, 2),
    }


def write_json(path: Path, value: Any) -> None:
    """Write JSON through a partial file, so a reader never sees half of it."""
    partial = path.with_name(path.name + ".partial")
    partial.write_text(json.dumps(value, indent=1) + "\n")
    partial.replace(path)


def _write_manifest(root: Path, manifest: dict[str, Any]) -> None:
    partial = root / (MANIFEST_NAME + ".partial")
    partial.write_text(json.dumps(manifest, indent=2) + "\n")
    partial.replace(root / MANIFEST_NAME)


@contextmanager
def _exclusive(root: Path) -> Iterator[None]:
    """Hold a lock on `root` so concurrent callers (pytest-xdist workers, notebooks)
    do not generate into the same folder at once."""
    with (root / ".generate.lock").open("a+b") as handle:
        if sys.platform == "win32":
            import msvcrt

            while True:
                try:
                    msvcrt.locking(handle.fileno(), msvcrt.LK_LOCK, 1)
                    break
                except OSError:  # LK_LOCK gives up after ~10 s; keep waiting
                    continue
            try:
                yield
            finally:
                handle.seek(0)
                msvcrt.locking(handle.fileno(), msvcrt.LK_UNLCK, 1)
        else:
            import fcntl

            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

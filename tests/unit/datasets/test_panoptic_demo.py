"""The demo's panoptic variant: deterministic files, PNGs that agree with their JSON, and
a simulated model whose PQ panopticapi's pq_compute confirms."""

from __future__ import annotations

import hashlib
import shutil
import warnings
from pathlib import Path

import numpy as np

import cocowidget as cw
from cocowidget.datasets.panoptic_demo import generate_panoptic_demo

from ..evaluation.panoptic_cases import max_difference, reference_pq


def digest(root: Path) -> dict[str, str]:
    return {
        str(path.relative_to(root)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(root.rglob("*"))
        if path.is_file() and path.name != "panoptic_manifest.json"
    }


def test_the_same_seed_gives_the_same_bytes_with_any_number_of_workers(tmp_path: Path) -> None:
    one = generate_panoptic_demo(tmp_path / "one", n_images=6, seed=3, workers=1)
    two = generate_panoptic_demo(tmp_path / "two", n_images=6, seed=3, workers=2)
    assert digest(one.root) == digest(two.root)
    other = generate_panoptic_demo(tmp_path / "other", n_images=6, seed=4, workers=1)
    assert digest(other.root) != digest(one.root)


def test_things_and_stuff_load_without_disagreements_and_pq_equals_pq_compute(
    tmp_path: Path,
) -> None:
    paths = generate_panoptic_demo(tmp_path, n_images=16, seed=1, workers=1)
    ds = cw.CocoDataset.from_coco_panoptic(paths.annotations, paths.png_dir, paths.image_dir)
    kinds = set(ds.quality()["kind"].tolist())
    assert not kinds & {"segment_area_mismatch", "segment_bbox_mismatch", "missing_file",
                        "unlisted_png_segment", "segment_missing_from_png"}  # fmt: skip
    assert set(ds.annotations["thing_or_stuff"].tolist()) == {"thing", "stuff"}
    assert np.nanmax(ds.images["void_fraction"]) > 0  # seams and posts are void
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ds.add_panoptic_predictions(paths.predictions, paths.prediction_png_dir, name="model")
    evaluation = ds.evaluate("model", iou_type="panoptic")
    assert paths.predictions is not None and paths.prediction_png_dir is not None
    case = {
        "gt_json": paths.annotations,
        "gt_dir": paths.png_dir,
        "pred_json": paths.predictions,
        "pred_dir": paths.prediction_png_dir,
    }
    assert max_difference(evaluation.summary, reference_pq(case)) <= 1e-12
    # A model with realistic errors: far from perfect, far from useless.
    assert 0.3 < evaluation.summary["All"]["pq"] < 0.8
    statuses = set(evaluation.predictions["status"].tolist())
    assert {"tp", "fp"} <= statuses
    assert "missed" in set(evaluation.ground_truth["status"].tolist())


def test_a_complete_folder_is_reused(tmp_path: Path) -> None:
    first = generate_panoptic_demo(tmp_path, n_images=3, seed=0, images=False, workers=1)
    stamp = first.annotations.stat().st_mtime_ns
    again = generate_panoptic_demo(tmp_path, n_images=3, seed=0, images=False, workers=1)
    assert again.annotations.stat().st_mtime_ns == stamp
    shutil.rmtree(tmp_path)

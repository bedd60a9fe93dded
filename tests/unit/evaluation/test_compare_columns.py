"""compare_columns: two runs' differences as image, annotation and category columns."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from cocowidget.dataset import CocoDataset
from cocowidget.datasets import DemoPaths
from cocowidget.evaluation import detections_from_dataset, evaluate, ground_truth_from_dataset
from cocowidget.evaluation.compare_columns import compare_columns, run_name
from cocowidget.evaluation.result import Evaluation


def second_run(ds: CocoDataset, run: str, seed: int) -> list[dict[str, Any]]:
    """Another model: the run's boxes shifted a little, its scores shaken, a tenth of its
    detections dropped (ids left out: the dataset numbers them)."""
    rng = np.random.default_rng(seed)
    results = []
    for result in ds.predictions_to_list(run):
        if rng.random() < 0.1:
            continue
        x, y, w, h = result["bbox"]
        dx, dy = rng.normal(0.0, 0.06, 2) * (w, h)
        results.append(
            {
                "image_id": result["image_id"],
                "category_id": result["category_id"],
                "bbox": [x + dx, y + dy, w, h],
                "score": float(np.clip(result["score"] * rng.uniform(0.8, 1.2), 0.0, 1.0)),
            }
        )
    return results


@pytest.fixture(scope="module")
def two_runs(demo: DemoPaths) -> tuple[CocoDataset, Evaluation, Evaluation]:
    ds = CocoDataset.from_coco(demo.annotations, image_dir=demo.image_dir)
    ds.add_predictions(demo.predictions, name="old")
    ds.add_predictions(second_run(ds, "old", seed=3), name="new")
    return ds, ds.evaluate("old"), ds.evaluate("new")


def test_image_deltas_are_differences_of_the_runs_columns(
    two_runs: tuple[CocoDataset, Evaluation, Evaluation],
) -> None:
    ds, old, new = two_runs
    comparison = compare_columns(ds, old, new)
    images = ds.images
    for name in ("ap", "ap50", "precision", "recall"):
        delta = images[f"old-vs-new.{name}_delta"]
        assert delta.dtype == np.float64
        np.testing.assert_array_equal(delta, images[f"new.{name}"] - images[f"old.{name}"])
    # The runs' own count columns are at their default operating point, as is the comparison.
    for name in ("tp", "fp", "fn"):
        delta = images[f"old-vs-new.{name}_delta"]
        np.testing.assert_array_equal(delta, images[f"new.{name}"] - images[f"old.{name}"])
    assert np.nanmax(images["old-vs-new.ap_delta"]) > 0 > np.nanmin(images["old-vs-new.ap_delta"])
    np.testing.assert_allclose(comparison.stats_delta, new.stats - old.stats)


def test_gained_and_lost_objects(two_runs: tuple[CocoDataset, Evaluation, Evaluation]) -> None:
    ds, old, new = two_runs
    compare_columns(ds, old, new, iou_threshold=0.5, score_threshold=0.0)
    annotations = ds.annotations
    # At score 0 "found" is what the runs' own found50 columns say.
    gained = annotations["new.found50"] & ~annotations["old.found50"]
    lost = annotations["old.found50"] & ~annotations["new.found50"]
    assert gained.any() and lost.any()
    np.testing.assert_array_equal(annotations["old-vs-new.gained"], gained)
    np.testing.assert_array_equal(annotations["old-vs-new.lost"], lost)
    rows = ds.image_rows(annotations["image_id"])
    np.testing.assert_array_equal(
        ds.images["old-vs-new.gained"], np.bincount(rows[gained], minlength=len(ds.images))
    )
    np.testing.assert_array_equal(
        ds.images["old-vs-new.lost"], np.bincount(rows[lost], minlength=len(ds.images))
    )
    # Found minus lost plus gained is what the second run finds.
    found_old = annotations["old.found50"].sum()
    assert found_old - lost.sum() + gained.sum() == annotations["new.found50"].sum()


def test_a_stricter_operating_point_changes_the_counts(
    two_runs: tuple[CocoDataset, Evaluation, Evaluation],
) -> None:
    ds, old, new = two_runs
    compare_columns(ds, old, new, iou_threshold=0.75, score_threshold=0.5)
    expected = new.image_counts(0.75, 0.5).fp - old.image_counts(0.75, 0.5).fp
    rows = ds.image_rows(old.image_ids)
    np.testing.assert_array_equal(ds.images["old-vs-new.fp_delta"][rows], expected)


def test_class_deltas(two_runs: tuple[CocoDataset, Evaluation, Evaluation]) -> None:
    ds, old, new = two_runs
    compare_columns(ds, old, new)
    categories = ds.categories
    rows = [ds.category_row(int(i)) for i in old.classes["category_id"]]
    for name in ("ap", "ap50", "ap_small", "ar100", "recall"):
        np.testing.assert_allclose(
            categories[f"old-vs-new.{name}_delta"][rows],
            new.classes[name] - old.classes[name],
        )
    np.testing.assert_array_equal(
        categories["old-vs-new.fn_delta"][rows], new.classes["fn"] - old.classes["fn"]
    )


def test_runs_are_named_or_found(two_runs: tuple[CocoDataset, Evaluation, Evaluation]) -> None:
    ds, old, new = two_runs
    assert run_name(ds, old) == "old"
    assert run_name(ds, new) == "new"
    ds.add_predictions(ds.predictions_to_list("old"), name="copy")
    try:
        # The evaluation knows its run: an identical copy of it is no ambiguity.
        assert run_name(ds, old) == "old"
        # One made outside the dataset is found by its arrays, which both runs hold.
        unnamed = evaluate(ground_truth_from_dataset(ds), detections_from_dataset(ds, "old"))
        with pytest.raises(ValueError, match="'old', 'copy'"):
            run_name(ds, unnamed)
        with pytest.raises(ValueError, match="old"):
            compare_columns(ds, unnamed, new)
        compare_columns(ds, unnamed, new, runs=("copy", "new"))
        assert "copy-vs-new.ap_delta" in ds.images
    finally:
        ds.remove_predictions("copy")


def test_mask_evaluations_get_their_own_columns(
    two_runs: tuple[CocoDataset, Evaluation, Evaluation],
) -> None:
    ds, old, _ = two_runs
    masks = ds.evaluate("old", iou_type="segm")
    with pytest.raises(ValueError, match="segm"):
        compare_columns(ds, old, masks)
    compare_columns(ds, masks, masks, runs=("old", "old"))
    assert np.nanmax(np.abs(ds.images["old-vs-old.segm.ap_delta"])) == 0
    assert not ds.annotations["old-vs-old.segm.gained"].any()

"""``ev.by_metric`` and ``ev.by_slice`` on a dataset, against pycocotools' COCOeval."""

from __future__ import annotations

import gc
from typing import Any

import numpy as np
import pytest

from cocowidget import CocoDataset
from cocowidget.datasets import generate_coco_dict
from cocowidget.evaluation import Evaluation

from .reference import load_results, quiet_coco, run_cocoeval

COCO_BINS = [0, 32**2, 96**2, 1e10]


@pytest.fixture(scope="module")
def demo() -> tuple[dict[str, Any], list[dict[str, Any]]]:
    return generate_coco_dict(120, 3)


@pytest.fixture
def ds(demo: tuple[dict[str, Any], list[dict[str, Any]]]) -> CocoDataset:
    dataset = CocoDataset.from_coco(demo[0])
    dataset.add_predictions(demo[1], "m")
    return dataset


def _cocoeval(demo: tuple[dict[str, Any], list[dict[str, Any]]], **kwargs: Any) -> Any:
    coco_gt = quiet_coco(demo[0])
    return run_cocoeval(coco_gt, load_results(coco_gt, demo[1]), "bbox", **kwargs)


def test_area_with_coco_bins_is_aps_apm_apl_exactly(demo: Any, ds: CocoDataset) -> None:
    ev = ds.evaluate("m")
    assert isinstance(ev, Evaluation)
    bins = ev.by_metric("area", COCO_BINS)
    assert bins.kind == "object"
    reference = _cocoeval(demo)
    np.testing.assert_allclose(bins.table["ap"], reference.stats[3:6], rtol=0, atol=1e-12)
    assert bins.table["bin"].tolist() == ["[0, 1024]", "[1024, 9216]", "[9216, 1e+10]"]
    assert (bins.table["count"] > 0).all()
    # Precision and recall are the bin's TP / FP / FN by the one rule.
    table = bins.table
    np.testing.assert_allclose(table["precision"], table["tp"] / (table["tp"] + table["fp"]))
    np.testing.assert_allclose(table["recall"], table["tp"] / (table["tp"] + table["fn"]))


def test_all_the_bins_of_area_count_what_the_all_range_counts(ds: CocoDataset) -> None:
    ev = ds.evaluate("m")
    assert isinstance(ev, Evaluation)
    one_bin = ev.by_metric("area", [0, 1e10]).table
    counts = ev.image_counts()
    assert (one_bin["tp"][0], one_bin["fp"][0], one_bin["fn"][0]) == (
        counts.tp.sum(),
        counts.fp.sum(),
        counts.fn.sum(),
    )
    assert abs(one_bin["ap"][0] - ev.stats[0]) <= 1e-12


def test_an_image_metric_bin_is_cocoeval_on_its_images(demo: Any, ds: CocoDataset) -> None:
    ev = ds.evaluate("m")
    assert isinstance(ev, Evaluation)
    bins = ev.by_metric("object_count", [0, 3, 6, 100])
    assert bins.kind == "image"
    counts = ds.images["object_count"]
    ids = ds.images["id"]
    image_tp = dict(zip(ev.image_ids.tolist(), ev.image_counts().tp.tolist(), strict=True))
    for b, (lo, hi) in enumerate([(0, 3), (3, 6), (6, 100)]):
        inside = (counts >= lo) & ((counts <= hi) if b == 2 else (counts < hi))
        members = sorted(ids[inside].tolist())
        assert bins.table["count"][b] == len(members)
        reference = _cocoeval(demo, img_ids=members)
        assert abs(bins.table["ap"][b] - reference.stats[0]) <= 1e-12
        assert abs(bins.table["ap50"][b] - reference.stats[1]) <= 1e-12
        assert bins.table["tp"][b] == sum(image_tp[i] for i in members)


def test_object_metrics_of_the_run_and_quantile_bins(ds: CocoDataset) -> None:
    ev = ds.evaluate("m")
    assert isinstance(ev, Evaluation)
    bins = ev.by_metric("aspect_ratio", 4)
    assert len(bins.table) == 4 and bins.note == ""
    assert np.all(np.diff(bins.edges) > 0)


def test_a_constant_or_empty_column_is_reported_not_binned(ds: CocoDataset) -> None:
    ev = ds.evaluate("m")
    assert isinstance(ev, Evaluation)
    ds.images["constant"] = np.full(len(ds.images), 7.0)
    ds.images["nothing"] = np.full(len(ds.images), np.nan)
    constant = ev.by_metric("constant")
    assert len(constant.table) == 1 and "constant (7)" in constant.note
    nothing = ev.by_metric("nothing")
    assert len(nothing.table) == 0 and "no values" in nothing.note
    empty = ev.by_metric("object_count", [1000, 2000]).table
    assert empty["count"].tolist() == [0] and empty["tp"].tolist() == [0]
    assert empty["note"].tolist() == ["no images in this bin"]
    assert empty["ap"].tolist() == [-1.0]
    with pytest.raises(KeyError, match="no image or annotation column 'nope'"):
        ev.by_metric("nope")
    with pytest.raises(ValueError, match="increasing edges"):
        ev.by_metric("area", [5, 1])


def test_a_column_the_detections_lack_needs_their_values(ds: CocoDataset) -> None:
    ev = ds.evaluate("m")
    assert isinstance(ev, Evaluation)
    ds.annotations["mine"] = np.arange(len(ds.annotations), dtype=float)
    with pytest.raises(KeyError, match="detection_values="):
        ev.by_metric("mine", 3)
    given = ev.by_metric("mine", 3, detection_values=np.zeros(len(ds.predictions["m"])))
    assert len(given.table) == 3


def test_slices_evaluate_exactly_as_cocoeval_on_their_images(demo: Any, ds: CocoDataset) -> None:
    rng = np.random.default_rng(0)
    ids = ds.images["id"]
    for n in range(4):
        ds.slices.add(f"random {n}", rng.choice(ids, size=int(rng.integers(1, 60)), replace=False))
    ds.slices.add("wide", lambda images: images["width"] > images["height"])
    ds.slices.add("<b>empty</b>", [])
    ev = ds.evaluate("m")
    assert isinstance(ev, Evaluation)
    table = ev.by_slice()
    assert table["slice"].tolist() == ds.slices.names
    for row, name in enumerate(table["slice"].tolist()):
        members = sorted(ds.slices[name].tolist())
        assert table["images"][row] == len(members)
        got = np.array([table[stat][row] for stat in ev.stat_names])
        if not members:
            assert (got == -1).all() and "no images" in table["note"][row]
            continue
        reference = _cocoeval(demo, img_ids=members)
        np.testing.assert_allclose(got, reference.stats, rtol=0, atol=1e-12)


def test_slices_are_listed_renamed_and_removed(ds: CocoDataset) -> None:
    first = ds.slices.add("night", ds.images["id"][:3])
    assert first.tolist() == sorted(ds.images["id"][:3].tolist())
    ds.slices.add("day", lambda images: images["object_count"] > 5)
    with pytest.raises(ValueError, match="exists already"):
        ds.slices.add("night", [])
    ds.slices.add("night", ds.images["id"][:1], replace=True)
    assert len(ds.slices["night"]) == 1
    ds.slices.rename("night", "dark")
    assert ds.slices.names == ["dark", "day"]
    assert ds.slices.table()["images"].tolist() == [1, len(ds.slices["day"])]
    ds.slices.remove("dark")
    assert "dark" not in ds.slices and list(ds.slices) == ["day"]
    with pytest.raises(KeyError, match="no slice 'dark'"):
        ds.slices.remove("dark")
    with pytest.raises(ValueError, match="does not hold"):
        ds.slices.add("bad", [-5])
    with pytest.raises(ValueError, match="one bool per image"):
        ds.slices.add("bad", lambda images: images["width"])
    with pytest.raises(ValueError, match="a mask must give one bool per image"):
        ds.slices.add("bad", np.ones(3, dtype=bool))
    mask = ds.images["object_count"] > 5
    assert ds.slices.add("mask", mask).tolist() == ds.slices["day"].tolist()
    with pytest.raises(ValueError, match="non-empty text"):
        ds.slices.add("  ", [])


def test_slice_images_outside_the_evaluation_are_left_out_with_a_note(
    demo: Any, ds: CocoDataset
) -> None:
    ids = sorted(ds.images["id"].tolist())
    ev = ds.evaluate("m", imgIds=ids[:50])
    assert isinstance(ev, Evaluation)
    ds.slices.add("both", ids[40:60])
    table = ev.by_slice(["both"])
    assert table["images"].tolist() == [10]
    assert table["note"][0] == "10 images not evaluated, left out"
    reference = _cocoeval(demo, img_ids=ids[40:50])
    np.testing.assert_allclose(
        [table[s][0] for s in ev.stat_names], reference.stats, rtol=0, atol=1e-12
    )
    with pytest.raises(ValueError, match="not evaluated here"):
        ev.stats_for_images(ids[45:55])


def test_an_evaluation_without_its_dataset_says_so(demo: Any) -> None:
    dataset = CocoDataset.from_coco(demo[0])
    dataset.add_predictions(demo[1], "m")
    ev = dataset.evaluate("m")
    assert isinstance(ev, Evaluation)
    assert ev.dataset is dataset
    del dataset
    gc.collect()
    assert ev.dataset is None
    with pytest.raises(ValueError, match="has no dataset"):
        ev.by_metric("area")
    with pytest.raises(ValueError, match="has no dataset"):
        ev.by_slice()
    assert ev.stats_for_images(ev.image_ids).tolist() == ev.stats.tolist()


def test_a_removed_run_is_a_clear_error(ds: CocoDataset) -> None:
    ev = ds.evaluate("m")
    assert isinstance(ev, Evaluation)
    ds.remove_predictions("m")
    with pytest.raises(ValueError, match="was removed"):
        ev.by_metric("area")
    with pytest.raises(ValueError, match="was removed"):
        ev.by_slice()


def test_each_bin_names_its_images_and_objects(ds: CocoDataset) -> None:
    ev = ds.evaluate("m")
    assert isinstance(ev, Evaluation)
    images = ev.by_metric("object_count", 3)
    assert images.annotation_ids == ()
    counts = dict(zip(ds.images["id"].tolist(), ds.images["object_count"].tolist(), strict=True))
    for b, ids in enumerate(images.image_ids):
        assert len(ids) == images.table["count"][b]
        low, high = images.table["low"][b], images.table["high"][b]
        assert all(low <= counts[i] <= high for i in ids.tolist())
    assert sum(len(ids) for ids in images.image_ids) == len(ev.image_ids)

    objects = ev.by_metric("area", COCO_BINS)
    area = dict(zip(ds.annotations["id"].tolist(), ds.annotations["area"].tolist(), strict=True))
    image_of = dict(
        zip(ds.annotations["id"].tolist(), ds.annotations["image_id"].tolist(), strict=True)
    )
    for b, ids in enumerate(objects.annotation_ids):
        assert len(ids) == objects.table["count"][b]
        low, high = objects.table["low"][b], objects.table["high"][b]
        assert all(low <= area[i] <= high for i in ids.tolist())
        assert objects.image_ids[b].tolist() == sorted({image_of[i] for i in ids.tolist()})

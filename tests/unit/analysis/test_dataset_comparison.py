"""compare_datasets: distances per metric against SciPy, classes matched by name."""

from __future__ import annotations

import copy
from typing import Any

import numpy as np
import pytest
from scipy.stats import ks_2samp, wasserstein_distance

import cocowidget as cw
from cocowidget.analysis.dataset_comparison import compare_datasets
from cocowidget.datasets import generate_coco_dict


def _renumbered(data: dict[str, Any], offset: int) -> dict[str, Any]:
    """The same file with every category id moved, as another export would number them."""
    data = copy.deepcopy(data)
    for category in data["categories"]:
        category["id"] += offset
    for annotation in data["annotations"]:
        annotation["category_id"] += offset
    return data


@pytest.fixture(scope="module")
def pair() -> tuple[cw.CocoDataset, cw.CocoDataset]:
    train, _ = generate_coco_dict(90, 1)
    val, _ = generate_coco_dict(40, 2)
    return cw.CocoDataset.from_coco(train), cw.CocoDataset.from_coco(_renumbered(val, 1000))


def test_distances_are_scipys_on_the_finite_values(
    pair: tuple[cw.CocoDataset, cw.CocoDataset],
) -> None:
    a, b = pair
    result = compare_datasets(a, b, names=("train", "val"))
    table = result.distances
    rows = {(m, k): i for i, (m, k) in enumerate(zip(table["metric"], table["kind"], strict=True))}
    for metric, kind in [("area", "object"), ("object_count", "image"), ("aspect_ratio", "image")]:
        source = (lambda d: d.images) if kind == "image" else (lambda d: d.annotations)
        x, y = (np.asarray(source(d)[metric], dtype=float) for d in (a, b))
        x, y = x[np.isfinite(x)], y[np.isfinite(y)]
        row = rows[(metric, kind)]
        test = ks_2samp(x, y)
        assert table["ks"][row] == pytest.approx(test.statistic, abs=1e-12)
        assert table["ks_pvalue"][row] == pytest.approx(test.pvalue, abs=1e-12)
        assert table["wasserstein"][row] == pytest.approx(wasserstein_distance(x, y), abs=1e-12)
        assert (table["n_a"][row], table["n_b"][row]) == (len(x), len(y))
        assert table["median_b"][row] == pytest.approx(np.median(y), abs=1e-12)
    ks = table["ks"][np.isfinite(table["ks"])]
    assert (np.diff(ks) <= 0).all()  # largest first
    # Unmeasured pixel statistics are noted, not compared; no run or id columns.
    brightness = rows[("brightness", "image")]
    assert table["note"][brightness] == "train has no finite values"
    assert not {"id", "image_id", "category_id"} & set(table["metric"].tolist())


def test_classes_are_matched_by_name(pair: tuple[cw.CocoDataset, cw.CocoDataset]) -> None:
    a, b = pair
    classes = compare_datasets(a, b).classes
    names = classes["name"].tolist()
    assert sorted(names) == sorted(set(a.categories["name"]) | set(b.categories["name"]))
    for side, ds in (("a", a), ("b", b)):
        counted = dict(
            zip(*np.unique(ds.annotations["category_name"], return_counts=True), strict=True)
        )
        for i, name in enumerate(names):
            assert classes[f"objects_{side}"][i] == counted.get(name, 0)
        assert classes[f"share_{side}"].sum() == pytest.approx(1.0)
    diff = np.abs(classes["share_difference"])
    assert (np.diff(diff) <= 1e-15).all()


def test_two_slices_and_the_images_of_a_range(pair: tuple[cw.CocoDataset, cw.CocoDataset]) -> None:
    a, _ = pair
    ids = a.images["id"]
    a.slices.add("first half", ids[: len(ids) // 2])
    a.slices.add("second half", ids[len(ids) // 2 :])
    result = compare_datasets(
        a.slices.dataset("first half"), a.slices.dataset("second half"), columns=["area"]
    )
    assert result.distances["metric"].tolist() == ["area"]
    inside = result.image_ids_between("area", "object", 1, 0, 32**2)
    small = a.annotations["area"] <= 32**2
    expected = np.unique(a.annotations["image_id"][small])
    assert inside.tolist() == sorted(set(expected) & set(ids[len(ids) // 2 :].tolist()))


def test_bad_requests(pair: tuple[cw.CocoDataset, cw.CocoDataset]) -> None:
    a, b = pair
    with pytest.raises(KeyError, match="'nope'"):
        compare_datasets(a, b, columns=["nope"])
    with pytest.raises(TypeError, match="'bbox' is not one-dimensional"):
        compare_datasets(a, b, columns=["bbox"])
    with pytest.raises(ValueError, match="names"):
        compare_datasets(a, b, names=("a", ""))

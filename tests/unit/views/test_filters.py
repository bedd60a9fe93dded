"""FilterSet: how filters combine, object-level matching, emphasis and assignment."""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np
import pytest

from cocowidget.dataset import CocoDataset
from cocowidget.views.columns import ColumnCatalog
from cocowidget.views.filters import FilterSet

SMALL = (None, 32.0**2)


def small_dataset() -> CocoDataset:
    """Four images; image 2 has a small car and a medium person (no small person)."""
    boxes = {
        10: (1, 1, (0, 0, 10, 10)),  # image 1: small person, area 100
        11: (1, 2, (10, 10, 100, 100)),  # image 1: large car
        20: (2, 2, (0, 0, 20, 20)),  # image 2: small car, area 400
        21: (2, 1, (0, 0, 50, 50)),  # image 2: medium person
        30: (3, 1, (0, 0, 200, 200)),  # image 3: large person
    }
    document = {
        "images": [
            {"id": 1, "file_name": "1.jpg", "width": 640, "height": 480},
            {"id": 2, "file_name": "2.jpg", "width": 320, "height": 240},
            {"id": 3, "file_name": "3.jpg", "width": 800, "height": 600},
            {"id": 4, "file_name": "4.jpg", "width": 100, "height": 100},
        ],
        "categories": [{"id": 1, "name": "person"}, {"id": 2, "name": "car"}],
        "annotations": [
            {
                "id": object_id,
                "image_id": image_id,
                "category_id": category_id,
                "bbox": list(box),
                "area": float(box[2] * box[3]),
                "iscrowd": 0,
            }
            for object_id, (image_id, category_id, box) in boxes.items()
        ],
    }
    return CocoDataset.from_coco(document)


@pytest.fixture
def ds() -> CocoDataset:
    return small_dataset()


@pytest.fixture
def filters(ds: CocoDataset) -> FilterSet:
    return FilterSet(ColumnCatalog.of(ds))


def shown_ids(ds: CocoDataset, filters: FilterSet) -> list[int]:
    return ds.images["id"][filters.rows()].tolist()  # type: ignore[no-any-return]


# -- keys ------------------------------------------------------------------------------------
def test_keys_resolve_to_their_table(filters: FilterSet) -> None:
    catalog = filters.catalog
    assert catalog.ref("width").level == "image"
    assert catalog.ref("images.width").key == "width"
    # Both tables have aspect_ratio: the bare name is the image's.
    assert catalog.ref("aspect_ratio").level == "image"
    assert catalog.ref("annotations.aspect_ratio").level == "object"
    assert catalog.ref("area").key == "annotations.area"
    with pytest.raises(KeyError, match="columns you can chart or filter"):
        catalog.ref("nonsense")


# -- image-level -----------------------------------------------------------------------------
def test_no_filter_shows_everything(ds: CocoDataset, filters: FilterSet) -> None:
    assert shown_ids(ds, filters) == [1, 2, 3, 4]
    assert filters.emphasis(filters.rows()).size == 0


def test_image_filters_and_together(ds: CocoDataset, filters: FilterSet) -> None:
    filters.assign({"width": (300, 700)})
    assert shown_ids(ds, filters) == [1, 2]
    filters.set("height", (400, None))
    assert shown_ids(ds, filters) == [1]
    assert filters.filters == {"width": (300.0, 700.0), "height": (400.0, math.inf)}


def test_interval_bounds_are_inclusive(ds: CocoDataset, filters: FilterSet) -> None:
    filters.assign({"width": (320, 640)})
    assert shown_ids(ds, filters) == [1, 2]


def test_nan_never_passes_an_interval(ds: CocoDataset, filters: FilterSet) -> None:
    ds.images["brightness"][:] = [10.0, np.nan, 200.0, np.nan]
    filters.catalog.forget("brightness")
    filters.assign({"brightness": (None, None)})
    assert shown_ids(ds, filters) == [1, 3]


def test_value_set_on_a_numeric_column(ds: CocoDataset, filters: FilterSet) -> None:
    filters.assign({"object_count": {0}})
    assert shown_ids(ds, filters) == [4]


# -- object-level ----------------------------------------------------------------------------
def test_object_filter_selects_images_with_a_matching_object(
    ds: CocoDataset, filters: FilterSet
) -> None:
    filters.assign({"annotations.area": SMALL})
    assert shown_ids(ds, filters) == [1, 2]
    assert ds.annotations["id"][filters.emphasis(filters.rows())].tolist() == [10, 20]


def test_object_filters_apply_to_the_same_object(ds: CocoDataset, filters: FilterSet) -> None:
    # Image 2 has a small object (a car) and a person (medium): not a small person.
    filters.assign({"area": SMALL, "category_name": {"person"}})
    assert shown_ids(ds, filters) == [1]
    assert ds.annotations["id"][filters.emphasis(filters.rows())].tolist() == [10]
    assert int(filters.matching_objects().sum()) == 1


def test_object_and_image_filters_combine(ds: CocoDataset, filters: FilterSet) -> None:
    filters.assign({"category_name": "car", "width": (None, 400)})
    assert shown_ids(ds, filters) == [2]
    # Objects of images the image filters drop are not matching objects.
    assert ds.annotations["id"][filters.matching_objects()].tolist() == [20]


def test_emphasis_only_for_the_rows_asked(ds: CocoDataset, filters: FilterSet) -> None:
    filters.assign({"category_name": {"person"}})
    assert shown_ids(ds, filters) == [1, 2, 3]
    assert ds.annotations["id"][filters.emphasis(np.array([2]))].tolist() == [30]
    assert ds.annotations["id"][filters.emphasis([0, 1])].tolist() == [10, 21]


def test_class_filter_by_several_labels(ds: CocoDataset, filters: FilterSet) -> None:
    filters.assign({"annotations.category_name": {"person", "car"}})
    assert shown_ids(ds, filters) == [1, 2, 3]


def test_size_bucket_is_filtered_by_its_labels(ds: CocoDataset, filters: FilterSet) -> None:
    filters.assign({"annotations.size_bucket": {"large"}})
    assert shown_ids(ds, filters) == [1, 3]


# -- assignment --------------------------------------------------------------------------------
def test_assign_replaces_and_reports_changes(filters: FilterSet) -> None:
    assert filters.assign({"width": (0, 500), "area": SMALL})
    assert not filters.assign({"width": [0, 500], "annotations.area": (None, 1024)})
    assert filters.assign({"width": (0, 500)})
    assert filters.filters == {"width": (0.0, 500.0)}
    assert filters.set("width", None)
    assert filters.filters == {}


@pytest.mark.parametrize(
    ("filters_in", "error", "message"),
    [
        ({"nonsense": (0, 1)}, KeyError, "no column"),
        ({"width": (5, 1)}, ValueError, "lo > hi"),
        ({"width": (float("nan"), 1)}, ValueError, "NaN"),
        ({"width": "wide"}, ValueError, "interval"),
        ({"category_name": (0, 1)}, ValueError, "not among"),
        ({"category_name": {"persn"}}, ValueError, "persn"),
        ({"width": {"a"}}, ValueError, "must be numbers"),
        ({"area": (0, 1), "annotations.area": (0, 2)}, ValueError, "both name"),
    ],
)
def test_bad_filters_are_refused_and_change_nothing(
    filters: FilterSet, filters_in: dict[str, Any], error: type[Exception], message: str
) -> None:
    filters.assign({"width": (0, 1000)})
    with pytest.raises(error, match=message):
        filters.assign(filters_in)
    assert filters.filters == {"width": (0.0, 1000.0)}


# -- cross-filtering ------------------------------------------------------------------------
def test_leave_one_out_masks(ds: CocoDataset, filters: FilterSet) -> None:
    filters.assign({"width": (300, 700), "category_name": {"person"}})
    # The width chart sees the class filter only: images with a person.
    assert ds.images["id"][filters.image_mask_without("width")].tolist() == [1, 2, 3]
    # The class chart sees persons' and cars' objects in images 300-700 px wide.
    objects = filters.object_mask_without("annotations.category_name")
    assert ds.annotations["id"][objects].tolist() == [10, 11, 20, 21]
    # An unfiltered chart sees everything filtered.
    assert ds.images["id"][filters.image_mask_without("height")].tolist() == [1, 2]


# -- against a plain-Python reference on generated data ---------------------------------------
def reference_ids(ds: CocoDataset, chosen: dict[str, tuple[float, float] | set[str]]) -> list[int]:
    def passes(value: Any, condition: Any) -> bool:
        if isinstance(condition, set):
            return value in condition
        lo, hi = condition
        return bool(lo <= value <= hi)

    image_conditions = {k: v for k, v in chosen.items() if not k.startswith("annotations.")}
    object_conditions = {
        k.removeprefix("annotations."): v for k, v in chosen.items() if k.startswith("annotations.")
    }
    result = []
    for row in range(len(ds.images)):
        image = ds.images.row(row)
        if not all(passes(image[k], c) for k, c in image_conditions.items()):
            continue
        if object_conditions:
            objects = ds.objects_of(image["id"])
            if not any(
                all(passes(objects.row(i)[k], c) for k, c in object_conditions.items())
                for i in range(len(objects))
            ):
                continue
        result.append(image["id"])
    return result


@pytest.mark.parametrize("seed", range(6))
def test_matches_a_plain_python_filter(seed: int) -> None:
    from cocowidget.datasets import generate_coco_dict

    document, _ = generate_coco_dict(60, seed=seed, predictions=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ds = CocoDataset.from_coco(document)
    rng = np.random.default_rng(seed)
    names = sorted(set(ds.annotations["category_name"].tolist()))

    def interval(values: np.ndarray) -> tuple[float, float]:
        lo, hi = np.sort(rng.choice(values[np.isfinite(values)], 2))
        return float(lo), float(hi)

    chosen: dict[str, Any] = {
        "width": interval(ds.images["width"].astype(float)),
        "annotations.area": interval(ds.annotations["area"]),
        "annotations.category_name": set(rng.choice(names, 3).tolist()),
    }
    filters = FilterSet(ColumnCatalog.of(ds))
    for size in range(1, len(chosen) + 1):
        subset = dict(list(chosen.items())[:size])
        filters.assign(subset)
        assert shown_ids(ds, filters) == reference_ids(ds, subset), subset


# -- per-image reductions ----------------------------------------------------------------------
@pytest.mark.parametrize("seed", range(4))
def test_image_groups_agree_with_a_scatter_in_any_order(seed: int) -> None:
    from cocowidget.views.filters import ImageGroups

    rng = np.random.default_rng(seed)
    n_images = 50
    image_index = np.sort(rng.integers(-1, n_images, 400))
    image_index = np.r_[image_index[image_index >= 0], image_index[image_index < 0]]
    objects = rng.random(len(image_index)) < 0.2
    expected = np.zeros(n_images, dtype=bool)
    expected[image_index[objects & (image_index >= 0)]] = True
    grouped = ImageGroups.of(image_index, n_images)
    assert grouped.offsets is not None
    shuffled = rng.permutation(len(image_index))
    scattered = ImageGroups.of(image_index[shuffled], n_images)
    assert scattered.offsets is None
    assert grouped.any(objects).tolist() == expected.tolist()
    assert scattered.any(objects[shuffled]).tolist() == expected.tolist()
    rows = rng.choice(n_images, 7, replace=False)
    found = image_index[grouped.objects_of(rows)]
    assert sorted(found.tolist()) == sorted(image_index[np.isin(image_index, rows)].tolist())
    assert sorted(image_index[shuffled][scattered.objects_of(rows)].tolist()) == sorted(
        found.tolist()
    )


def test_intervals_on_whole_numbers_get_whole_bounds(ds: CocoDataset, filters: FilterSet) -> None:
    # A brush on the "objects per image" chart ends between bars.
    filters.set("object_count", (0.6, 1.9))
    assert filters.filters["object_count"] == (1.0, 1.0)
    assert shown_ids(ds, filters) == [3]
    filters.set("object_count", (1.2, 1.8))  # no whole number inside: kept, empty
    assert filters.filters["object_count"] == (1.2, 1.8)
    assert shown_ids(ds, filters) == []
    filters.set("object_count", (None, 1.5))
    assert filters.filters["object_count"] == (-math.inf, 1.0)
    filters.clear()
    ds.images["ratio"] = np.array([0.5, 1.25, 1.5, 2.0])  # not whole: left as given
    filters.set("ratio", (1.1, 1.6))
    assert filters.filters["ratio"] == (1.1, 1.6)

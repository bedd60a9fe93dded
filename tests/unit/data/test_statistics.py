"""Statistics columns: hand-checked on a small dataset, and against pandas groupbys on
a generated one."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from cocowidget.data import SIZE_BUCKETS
from cocowidget.dataset import CocoDataset
from cocowidget.datasets import generate_coco_dict
from cocowidget.media.statistics import PixelStatistics

from .helpers import annotation, pycocotools_numpy2_warning, small_coco

pytestmark = pycocotools_numpy2_warning


@pytest.fixture
def dataset() -> CocoDataset:
    return CocoDataset.from_coco(small_coco())


def test_image_statistics(dataset: CocoDataset) -> None:
    images = dataset.images
    assert images["id"].tolist() == [7, 3, 5]
    np.testing.assert_allclose(images["aspect_ratio"], [2.0, 1.0, 1.0])
    np.testing.assert_allclose(images["megapixels"], [0.005, 0.04, 0.004096])
    assert images["object_count"].tolist() == [2, 3, 0]
    assert images["category_count"].tolist() == [1, 2, 0]
    # image 7: areas 50 + 900 on 100x50; image 3: 400 + 2500 + 10000 on 200x200
    np.testing.assert_allclose(images["object_density"], [950 / 5000, 12900 / 40000, 0.0])
    np.testing.assert_array_equal(images["smallest_object_area"], [50.0, 400.0, np.nan])
    for name in ("file_size", "brightness", "contrast", "sharpness"):  # not read yet
        assert np.isnan(images[name]).all()


def test_object_statistics(dataset: CocoDataset) -> None:
    table = dataset.annotations
    by_id = {int(i): row for row, i in enumerate(table["id"])}
    row = by_id[2]  # [0, 0, 10, 5] on a 100x50 image
    assert table["relative_area"][row] == 50 / 5000
    assert table["aspect_ratio"][row] == 2.0
    assert bool(table["touches_border"][row]) is True
    assert table["category_name"][row] == "cat"
    assert SIZE_BUCKETS[table["size_bucket"][row]] == "small"
    row = by_id[3]  # [150, 150, 50, 50] on 200x200: reaches the right and bottom edges
    assert bool(table["touches_border"][row]) is True
    assert SIZE_BUCKETS[table["size_bucket"][row]] == "medium"
    row = by_id[1]  # [10, 10, 20, 20]: inside
    assert bool(table["touches_border"][row]) is False
    assert SIZE_BUCKETS[table["size_bucket"][by_id[5]]] == "large"
    np.testing.assert_array_equal(table["bbox_w"], table["bbox"][:, 2])
    assert np.isnan(table["mask_area"]).all()


def test_size_buckets_follow_cocoeval_boundaries() -> None:
    document = small_coco()
    areas = [32**2 - 0.5, 32**2, 96**2 - 0.5, 96**2]
    document["annotations"] = [
        annotation(i + 1, 3, 1, [0, 0, 10, 10], area=area) for i, area in enumerate(areas)
    ]
    dataset = CocoDataset.from_coco(document)
    names = [SIZE_BUCKETS[code] for code in dataset.annotations["size_bucket"]]
    assert names == ["small", "medium", "medium", "large"]


def test_category_statistics(dataset: CocoDataset) -> None:
    categories = dataset.categories
    assert categories["annotation_count"].tolist() == [3, 2, 0]
    assert categories["image_count"].tolist() == [2, 1, 0]
    # cat: areas 50, 900, 2500; dog: 400, 10000
    np.testing.assert_allclose(categories["mean_area"][:2], [3450 / 3, 5200])
    np.testing.assert_allclose(categories["median_area"][:2], [900, 5200])
    assert np.isnan(categories["mean_area"][2]) and np.isnan(categories["median_area"][2])


def test_statistics_agree_with_pandas_on_generated_data() -> None:
    document, _ = generate_coco_dict(300, seed=3, predictions=False)
    dataset = CocoDataset.from_coco(document)
    images = dataset.images.to_pandas().set_index("id")
    frame = pd.DataFrame(document["annotations"])
    width = frame["image_id"].map(images["width"])
    height = frame["image_id"].map(images["height"])

    per_image = frame.groupby("image_id")
    counts = per_image.size().reindex(images.index, fill_value=0)
    np.testing.assert_array_equal(images["object_count"], counts)
    classes = per_image["category_id"].nunique().reindex(images.index, fill_value=0)
    np.testing.assert_array_equal(images["category_count"], classes)
    total = per_image["area"].sum().reindex(images.index, fill_value=0.0)
    np.testing.assert_allclose(
        images["object_density"], total / (images["width"] * images["height"])
    )
    smallest = per_image["area"].min().reindex(images.index)
    np.testing.assert_array_equal(images["smallest_object_area"], smallest)

    table = dataset.annotations.to_pandas().set_index("id").loc[frame["id"]]
    np.testing.assert_allclose(table["relative_area"], frame["area"] / (width * height))
    boxes = np.array(frame["bbox"].tolist())
    np.testing.assert_allclose(table["aspect_ratio"], boxes[:, 2] / boxes[:, 3])

    categories = dataset.categories.to_pandas().set_index("id")
    per_category = frame.groupby("category_id")
    for name, expected in (
        ("annotation_count", per_category.size()),
        ("image_count", per_category["image_id"].nunique()),
        ("mean_area", per_category["area"].mean()),
        ("median_area", per_category["area"].median()),
    ):
        np.testing.assert_allclose(categories.loc[expected.index, name], expected, err_msg=name)


def test_mask_areas_are_rasterised_areas(dataset: CocoDataset) -> None:
    areas = dataset.compute_mask_areas()
    table = dataset.annotations
    np.testing.assert_array_equal(table["mask_area"], areas)
    for image_id in (7, 3):
        rows = dataset.object_rows(image_id)
        masks = dataset.masks(image_id)
        np.testing.assert_array_equal(areas[rows], masks.sum(axis=(1, 2)))


def test_pixel_statistics_can_be_set_per_image(dataset: CocoDataset) -> None:
    row = dataset.image_row(7)
    dataset.set_pixel_statistics_at(row, PixelStatistics(0.25, 0.5, 0.01))
    dataset.set_pixel_statistics_at(dataset.image_row(5), None)  # not measured: unchanged
    images = dataset.images
    assert images["brightness"][row] == 0.25 and images["sharpness"][row] == 0.01
    assert np.isnan(images["brightness"][dataset.image_row(5)])


def test_listeners_hear_which_file_columns_got_values(dataset: CocoDataset) -> None:
    heard: list[tuple[str, ...]] = []
    dataset.on_statistics_change(heard.append)
    dataset.set_pixel_statistics_at(dataset.image_row(7), PixelStatistics(0.75, 0.5, 0.01))
    dataset.set_pixel_statistics_at(dataset.image_row(5), None)  # nothing written, no call
    dataset.compute_file_sizes()
    assert heard == [("brightness", "contrast", "sharpness"), ("file_size",)]
    assert dataset.images["brightness"][dataset.image_row(7)] == 0.75


def test_subset_recomputes_category_statistics(dataset: CocoDataset) -> None:
    subset = dataset.subset([7])
    assert subset.categories["annotation_count"].tolist() == [2, 0, 0]
    assert subset.images["object_count"].tolist() == [2]

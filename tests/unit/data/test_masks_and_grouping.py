"""Masks at other sizes, id lookups, slices of tables."""

from __future__ import annotations

import numpy as np
import pytest

from cocowidget.data.grouping import IdIndex, ranges
from cocowidget.data.table import Table
from cocowidget.dataset import CocoDataset

from .helpers import pycocotools_numpy2_warning, small_coco

pytestmark = pycocotools_numpy2_warning


def test_masks_at_a_requested_size() -> None:
    document = small_coco()
    # crowd RLE: columns 50..51, rows 50..149 of the 200x200 image (column-major runs)
    document["annotations"][4]["segmentation"]["counts"] = [10050, 100, 100, 100, 29650]
    dataset = CocoDataset.from_coco(document)
    full = dataset.masks(3)
    half = dataset.masks(3, size=(100, 100))
    assert half.shape == (3, 100, 100)
    # polygon [150, 150, 50, 50] on 200x200 becomes [75, 75, 25, 25] on 100x100
    rows = dataset.objects_of(3)["id"].tolist()
    square = half[rows.index(3)]
    assert square[75:100, 75:100].all() and square.sum() == 25 * 25
    # the crowd RLE is resampled by nearest neighbour at pixel centres: output pixel j
    # reads input pixel 2j + 1
    crowd = rows.index(5)
    np.testing.assert_array_equal(half[crowd], full[crowd][1::2, 1::2])
    assert half[crowd].sum() == 50


def test_masks_of_an_image_without_objects() -> None:
    dataset = CocoDataset.from_coco(small_coco())
    assert dataset.masks(5).shape == (0, 64, 64)


@pytest.mark.parametrize("scale", [1, 10**12], ids=["dense ids", "sparse ids"])
def test_id_index_rows_and_duplicates(scale: int) -> None:
    index = IdIndex(np.array([30, 10, 20, 10, 40]) * scale)
    # Of duplicate ids the last row wins, as in pycocotools' index.
    assert index.rows(np.array([10, 20, 99, 40, -5]) * scale).tolist() == [3, 2, -1, 4, -1]
    assert index.row(10 * scale) == 3


def test_id_index_rows_and_duplicates_details() -> None:
    index = IdIndex(np.array([30, 10, 20, 10, 40]))
    assert index.rows([10, 20, 99, 40, -5]).tolist() == [3, 2, -1, 4, -1]
    assert index.row(10) == 3  # the last of the duplicates, as pycocotools' imgs
    assert index.duplicated().tolist() == [False, False, False, True, False]
    assert 30 in index and 31 not in index
    with pytest.raises(KeyError):
        index.row(31)
    assert IdIndex(np.zeros(0, dtype=np.int64)).rows([1]).tolist() == [-1]


def test_ranges_concatenates_aranges() -> None:
    starts = np.array([5, 0, 9, 2])
    counts = np.array([2, 0, 3, 1])
    assert ranges(starts, counts).tolist() == [5, 6, 9, 10, 11, 2]
    assert ranges(np.array([3]), np.array([0])).tolist() == []


def test_table_take_accepts_slices_as_views() -> None:
    table = Table({"a": np.arange(10), "b": np.arange(20).reshape(10, 2)})
    part = table.take(slice(2, 5))
    assert part["a"].tolist() == [2, 3, 4]
    assert np.shares_memory(part["b"], table["b"])
    assert table.take(np.array([9, 0]))["a"].tolist() == [9, 0]


def test_subset_keeps_the_requested_order_and_drops_repeats() -> None:
    dataset = CocoDataset.from_coco(small_coco())
    subset = dataset.subset([5, 3, 5])
    assert subset.images["id"].tolist() == [5, 3]
    assert subset.annotations["image_index"].tolist() == [1, 1, 1]
    with pytest.raises(KeyError, match=r"unknown image ids: \[99\]"):
        dataset.subset([99])


MALFORMED_SEGMENTATIONS: list[object] = [
    [[1, 2, "x", 4, 5, 6]],  # a string among the coordinates
    [5],  # a number where a polygon belongs
    [[1, 2, 3, 4, 5]],  # an odd number of coordinates
    [[1, 2, 3, 4]],  # fewer than three points
    [],
    [[]],
    {"size": [64, 64], "counts": "0\x7f"},  # characters outside '0'..'o'
    {"size": [64, 64], "counts": [1, 2]},  # runs that do not cover the size
    {"size": [64], "counts": "PP"},
    {"counts": "PP"},
    "not a segmentation",
]


@pytest.mark.parametrize("chunk", [2, 20_000])
def test_bulk_segmentations_equal_the_per_image_accessor(
    chunk: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    from cocowidget.data import segment_scan

    monkeypatch.setattr(segment_scan, "CHUNK", chunk)
    document = small_coco()
    template = document["annotations"][0]
    for n, segmentation in enumerate(MALFORMED_SEGMENTATIONS):
        document["annotations"].append({**template, "id": 1000 + n, "segmentation": segmentation})
    dataset = CocoDataset.from_coco(document, strict=False)
    bulk = dataset.segmentations()
    per_image: list[object] = [None] * len(dataset.annotations)
    for image_id in dataset.images["id"].tolist():
        rows = dataset.object_rows(image_id)
        per_image[rows.start : rows.stop] = dataset.segmentations_of(image_id)
    assert bulk == per_image
    ids = dataset.annotations["id"].tolist()
    for n in range(len(MALFORMED_SEGMENTATIONS)):
        assert bulk[ids.index(1000 + n)] is None, MALFORMED_SEGMENTATIONS[n]
    assert any(isinstance(value, list) for value in bulk)
    assert any(isinstance(value, dict) for value in bulk)

"""Round trips: load → write → load gives equal tables and unchanged segmentations;
subsets and prediction runs export too. Property-based over generated COCO dicts."""

from __future__ import annotations

import json
import math
import warnings
from pathlib import Path
from typing import Any

import msgspec
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pycocotools import mask as mask_api

from cocowidget.data.table import Table
from cocowidget.dataset import CocoDataset

from .helpers import pycocotools_numpy2_warning, same_json, small_coco

pytestmark = pycocotools_numpy2_warning

finite = st.floats(min_value=-1e6, max_value=1e6, allow_nan=False, allow_infinity=False)
positive = st.floats(min_value=0, max_value=1e6, allow_nan=False, allow_infinity=False)
json_scalars = st.one_of(st.none(), st.booleans(), st.integers(-1000, 1000), st.text(max_size=8))
json_values = st.recursive(
    json_scalars,
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=5), children, max_size=3)
    ),
    max_leaves=6,
)


@st.composite
def segmentations(draw: st.DrawFn, height: int, width: int) -> Any:
    kind = draw(st.sampled_from(["polygon", "rle", "compressed", "none"]))
    if kind == "polygon":
        polygons = draw(
            st.lists(
                st.integers(3, 8).flatmap(
                    lambda n: st.lists(finite, min_size=2 * n, max_size=2 * n)
                ),
                min_size=1,
                max_size=3,
            )
        )
        return polygons
    if kind == "none":
        return None
    mask = np.asfortranarray(
        draw(st.lists(st.booleans(), min_size=height * width, max_size=height * width)),
        dtype=np.uint8,
    ).reshape((height, width), order="F")
    rle = mask_api.encode(mask)
    if kind == "compressed":
        return {"size": [height, width], "counts": rle["counts"].decode("ascii")}
    runs: list[int] = []
    flat = mask.ravel(order="F")
    value, length = 0, 0
    for pixel in flat.tolist():
        if pixel == value:
            length += 1
        else:
            runs.append(length)
            value, length = pixel, 1
    runs.append(length)
    return {"size": [height, width], "counts": runs}


@st.composite
def coco_dicts(draw: st.DrawFn) -> dict[str, Any]:
    image_ids = draw(st.lists(st.integers(-(2**40), 2**40), min_size=1, max_size=5, unique=True))
    images = []
    for image_id in image_ids:
        image: dict[str, Any] = {
            "id": image_id,
            "file_name": draw(st.text(min_size=1, max_size=12)),
            "width": draw(st.integers(1, 12)),
            "height": draw(st.integers(1, 12)),
        }
        if draw(st.booleans()):
            image["license"] = draw(st.integers(0, 9))
        if draw(st.booleans()):
            image["tags"] = draw(json_values)
        images.append(image)
    category_ids = draw(st.lists(st.integers(-5, 500), min_size=1, max_size=4, unique=True))
    categories = []
    for category_id in category_ids:
        category: dict[str, Any] = {"id": category_id, "name": draw(st.text(max_size=8))}
        if draw(st.booleans()):
            category["supercategory"] = draw(st.text(min_size=1, max_size=8))
        categories.append(category)
    annotations = []
    annotation_ids = draw(st.lists(st.integers(0, 2**50), max_size=12, unique=True))
    for annotation_id in annotation_ids:
        image = draw(st.sampled_from(images))
        record: dict[str, Any] = {
            "id": annotation_id,
            "image_id": image["id"],
            "category_id": draw(st.sampled_from(category_ids)),
            "bbox": draw(st.lists(finite, min_size=4, max_size=4)),
            "area": draw(positive),
            "iscrowd": draw(st.integers(0, 1)),
        }
        segmentation = draw(segmentations(image["height"], image["width"]))
        if segmentation is not None:
            record["segmentation"] = segmentation
        if draw(st.booleans()):
            record["attributes"] = draw(json_values)
        annotations.append(record)
    document: dict[str, Any] = {
        "images": images,
        "annotations": annotations,
        "categories": categories,
    }
    if draw(st.booleans()):
        document["info"] = {"description": draw(st.text(max_size=10))}
    if draw(st.booleans()):
        document["type"] = "instances"
    return document


def assert_tables_equal(left: Table, right: Table, *, ignore: tuple[str, ...] = ()) -> None:
    assert left.columns == right.columns
    for name in left.columns:
        if name in ignore:
            continue
        a, b = left[name], right[name]
        assert a.dtype == b.dtype, name
        if a.dtype == object:
            assert a.tolist() == b.tolist(), name
        else:
            np.testing.assert_array_equal(a, b, err_msg=name)


def segmentations_of(dataset: CocoDataset) -> dict[int, Any]:
    exported = dataset.to_dict()
    return {a["id"]: a.get("segmentation") for a in exported["annotations"]}


def assert_same_dataset(
    left: CocoDataset, right: CocoDataset, *, ignore: tuple[str, ...] = ()
) -> None:
    assert_tables_equal(left.images, right.images, ignore=ignore)
    assert_tables_equal(left.annotations, right.annotations, ignore=ignore)
    assert_tables_equal(left.categories, right.categories, ignore=ignore)
    assert segmentations_of(left) == segmentations_of(right)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(document=coco_dicts())
def test_load_write_load_gives_equal_tables(document: dict[str, Any], tmp_path: Path) -> None:
    original = CocoDataset.from_coco(document, strict=False)
    path = original.to_coco(tmp_path / "out.json")
    again = CocoDataset.from_coco(path)
    assert_same_dataset(original, again)
    # Everything that was read is written back, unknown fields included; Python's ==
    # treats 5 and 5.0 alike, so numbers written as floats still compare equal.
    assert original.to_dict() == document


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(document=coco_dicts(), data=st.data())
def test_subset_exports_its_images_and_their_annotations(
    document: dict[str, Any], data: st.DataObject, tmp_path: Path
) -> None:
    dataset = CocoDataset.from_coco(document)
    ids = dataset.images["id"].tolist()
    chosen = data.draw(st.lists(st.sampled_from(ids), max_size=len(ids), unique=True))
    subset = dataset.subset(chosen)
    assert subset.images["id"].tolist() == chosen
    expected = [a for a in document["annotations"] if a["image_id"] in set(chosen)]
    exported = subset.to_dict()
    assert exported["annotations"] == expected
    assert exported["categories"] == document["categories"]
    reloaded = CocoDataset.from_coco(subset.to_coco(tmp_path / "subset.json"))
    # file_index keeps pointing into the file the subset came from.
    assert_same_dataset(subset, reloaded, ignore=("file_index",))
    for image_id in chosen:
        np.testing.assert_array_equal(
            subset.objects_of(image_id)["id"], dataset.objects_of(image_id)["id"]
        )


def test_round_trip_through_a_file_keeps_segmentation_bytes(tmp_path: Path) -> None:
    document = small_coco()
    document["annotations"][0]["segmentation"] = [[10.123456789012345, 10, 30, 10, 30, 30.5]]
    source = tmp_path / "in.json"
    source.write_bytes(msgspec.json.encode(document))
    dataset = CocoDataset.from_coco(source)
    written = json.loads(dataset.to_coco(tmp_path / "out.json").read_text())
    assert written["annotations"][0]["segmentation"] == [[10.123456789012345, 10, 30, 10, 30, 30.5]]
    assert written["info"] == document["info"]
    assert written["licenses"] == document["licenses"]
    assert written["images"][0]["license"] == 1


def test_predictions_export_and_reload_equal(tmp_path: Path) -> None:
    dataset = CocoDataset.from_coco(small_coco())
    mask = np.zeros((200, 200), dtype=np.uint8, order="F")
    mask[20:60, 30:90] = 1
    counts = mask_api.encode(mask)["counts"].decode("ascii")
    results = [
        {"image_id": 3, "category_id": 1, "bbox": [1.5, 2, 30, 40], "score": 0.9},
        {"image_id": 7, "category_id": 2, "bbox": [0, 0, 5, 5], "score": 0.25, "extra": [1]},
        {
            "image_id": 3,
            "category_id": 2,
            "score": 0.5,
            "segmentation": {"size": [200, 200], "counts": counts},
        },
    ]
    first = dataset.add_predictions(results, name="a")
    path = dataset.predictions_to_coco("a", tmp_path / "results.json")
    second = dataset.add_predictions(path, name="b")
    assert_tables_equal(first, second)
    assert dataset.predictions_to_list("a") == dataset.predictions_to_list("b")
    assert dataset.predictions_to_list("a")[1]["extra"] == [1]


def test_export_over_the_source_file_and_failed_exports_leave_it_intact(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = tmp_path / "instances.json"
    source.write_bytes(msgspec.json.encode(small_coco()))
    dataset = CocoDataset.from_coco(source)
    dataset.to_coco(source)
    assert CocoDataset.from_coco(source).to_dict() == small_coco()
    before = source.read_bytes()

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("disk full")

    monkeypatch.setattr("cocowidget.data.export._records", broken)
    with pytest.raises(RuntimeError, match="disk full"):
        dataset.to_coco(source)
    assert source.read_bytes() == before
    assert [path.name for path in tmp_path.iterdir()] == ["instances.json"]


broken_values = st.one_of(
    st.sampled_from([math.nan, math.inf, -math.inf, None, True, "x", "12", 2**70, 1.5, [], {}]),
    st.text(max_size=3),
    st.lists(st.integers(-3, 3), max_size=5),
)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(document=coco_dicts(), data=st.data())
def test_a_file_with_broken_values_keeps_every_record_and_writes_back_as_read(
    document: dict[str, Any], data: st.DataObject, tmp_path: Path
) -> None:
    fields = {
        "images": ["id", "file_name", "width", "height"],
        "annotations": ["id", "image_id", "category_id", "bbox", "area", "iscrowd"],
        "categories": ["id", "name", "supercategory"],
    }
    for _ in range(data.draw(st.integers(1, 4))):
        section = data.draw(st.sampled_from([s for s in fields if document[s]]))
        records = document[section]
        index = data.draw(st.integers(0, len(records) - 1))
        if data.draw(st.integers(0, 9)) == 0:
            records[index] = data.draw(broken_values)  # not even an object
            continue
        if not isinstance(records[index], dict):
            continue
        name = data.draw(st.sampled_from(fields[section]))
        if data.draw(st.booleans()):
            records[index].pop(name, None)
        else:
            records[index][name] = data.draw(broken_values)
    path = tmp_path / "broken.json"
    path.write_text(json.dumps(document))  # as Python writes it: NaN, Infinity
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        dataset = CocoDataset.from_coco(path)
        dataset.quality(check_files=False)
    assert all(isinstance(w.message, UserWarning) for w in caught)  # no numpy warnings
    sizes = [len(dataset.images), len(dataset.annotations), len(dataset.categories)]
    assert sizes == [len(document[s]) for s in ("images", "annotations", "categories")]
    written = json.loads(dataset.to_coco(tmp_path / "out.json").read_bytes())
    assert same_json(written, document)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from_dict = CocoDataset.from_coco(json.loads(path.read_text()))
    assert same_json(from_dict.to_dict(), document)

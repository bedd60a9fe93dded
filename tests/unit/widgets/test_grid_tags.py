"""Tagging from a grid (the toolbar's tag box and key ``t`` send ``tag``) and filtering
by tag, without a browser: the tags are the dataset's, in its sidecar, in every widget."""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import traitlets

import cocowidget as cw
from cocowidget.datasets import DemoPaths, generate_demo
from cocowidget.media import ThumbnailCache, ThumbnailService


@pytest.fixture(scope="module")
def paths(tmp_path_factory: pytest.TempPathFactory) -> DemoPaths:
    return generate_demo(tmp_path_factory.mktemp("tags"), n_images=24, seed=3)


def load(paths: DemoPaths, tmp_path: Path) -> cw.CocoDataset:
    ds = cw.CocoDataset.from_coco(
        paths.annotations, image_dir=paths.image_dir, sidecar=tmp_path / "tags.json"
    )
    assert paths.predictions is not None
    ds.add_predictions(paths.predictions, name="sim")
    return ds


def service() -> ThumbnailService:
    return ThumbnailService(cache=ThumbnailCache.disabled())


def call(widget: Any, method: str, **params: Any) -> dict[str, Any]:
    """A request as the browser sends it; the reply's content."""
    replies: list[dict[str, Any]] = []
    done = threading.Event()

    def send(content: dict[str, Any], buffers: Any = None) -> None:
        replies.append(content)
        done.set()

    widget.send = send
    widget._on_custom_message(
        widget, {"type": "request", "id": 7, "method": method, "params": params}, []
    )
    assert done.wait(30)
    return replies[0]


def test_tagging_the_picked_images_tags_them_in_the_dataset_and_its_sidecar(
    paths: DemoPaths, tmp_path: Path
) -> None:
    ds = load(paths, tmp_path)
    grid = cw.CocoGrid(ds, thumbnails=service())
    assert grid._tag_table == "images" and grid._tag_names == []
    reply = call(grid, "tag", name="needs-review", rows=[0, 2, 2, 5])
    assert reply["ok"] and reply["result"]["message"] == "tagged 3 images: needs-review"
    ids = ds.images["id"][[0, 2, 5]].tolist()
    assert ds.tags == {"needs-review": {"images": sorted(ids)}}
    assert grid._tag_names == ["needs-review"]  # the box offers it from now on
    written = json.loads((tmp_path / "tags.json").read_text())
    assert sorted(written["tags"]["needs-review"]["images"]) == sorted(ids)
    # Another grid of the dataset has it too, and Python's untag reaches this one.
    assert cw.CocoGrid(ds, thumbnails=service())._tag_names == ["needs-review"]
    reply = call(grid, "tag", name="needs-review", rows=[0], remove=True)
    assert reply["result"]["message"] == "untagged 1 image: needs-review"
    assert ds.tags["needs-review"]["images"] == sorted(ids[1:])


def test_the_tag_filter_shows_the_tagged_or_the_untagged_items(
    paths: DemoPaths, tmp_path: Path
) -> None:
    ds = load(paths, tmp_path)
    tagged = ds.images["id"][[1, 4, 9]].tolist()
    ds.tag(tagged, "blurry")
    grid = cw.CocoGrid(ds, tag_filter="blurry", sort_by="-object_count", thumbnails=service())
    assert sorted(grid.shown_ids) == sorted(tagged)
    counts = ds.images["object_count"][ds.image_rows(np.array(grid.shown_ids))]
    assert list(counts) == sorted(counts, reverse=True)  # filtered, then sorted
    grid.tag_filter_negate = True
    assert len(grid.shown_ids) == len(ds.images) - 3
    assert not set(grid.shown_ids) & set(tagged)
    grid.tag_filter_negate = False
    untagged = grid.shown_ids[0]
    assert call(grid, "tag", name="blurry", rows=[int(grid._shown_rows[0])], remove=True)["ok"]
    left = sorted(set(tagged) - {untagged})
    assert sorted(grid.shown_ids) == left  # the filter follows the tag
    grid.show([untagged, left[0]])  # show() and the filter combine
    assert grid.shown_ids == [left[0]]
    grid.tag_filter = None
    assert sorted(grid.shown_ids) == sorted([untagged, left[0]])
    grid.show(None)
    assert len(grid.shown_ids) == len(ds.images)


def test_annotation_crops_are_tagged_as_annotations_and_detections_not_at_all(
    paths: DemoPaths, tmp_path: Path
) -> None:
    ds = load(paths, tmp_path)
    crops = cw.ObjectGrid(ds, thumbnails=service())
    assert crops._tag_table == "annotations"
    reply = call(crops, "tag", name="occluded", rows=[3])
    assert reply["result"]["message"] == "tagged 1 annotation: occluded"
    assert ds.tags["occluded"] == {"annotations": [int(ds.annotations["id"][3])]}
    crops.tag_filter = "occluded"
    assert crops.shown_ids == [int(ds.annotations["id"][3])]
    detections = cw.ObjectGrid(ds, "sim", thumbnails=service())
    assert detections._tag_table == ""
    reply = call(detections, "tag", name="x", rows=[0])
    assert not reply["ok"] and "cannot be tagged" in reply["error"]
    with pytest.raises(traitlets.TraitError, match="cannot be tagged"):
        detections.tag_filter = "x"


@pytest.mark.parametrize(
    ("name", "rows", "error"),
    [
        ("", [0], "empty"),
        ("   ", [0], "empty"),
        ("bad\nname", [0], "control characters"),
        ("fine", [10_000], "out of range"),
        ("fine", [-1], "out of range"),
    ],
)
def test_a_bad_tag_request_is_an_error_reply_and_tags_nothing(
    paths: DemoPaths, tmp_path: Path, name: str, rows: list[int], error: str
) -> None:
    ds = load(paths, tmp_path)
    grid = cw.CocoGrid(ds, thumbnails=service())
    reply = call(grid, "tag", name=name, rows=rows)
    assert not reply["ok"] and error in reply["error"]
    assert ds.tags == {}


def test_a_tag_name_that_looks_like_html_is_kept_as_text(paths: DemoPaths, tmp_path: Path) -> None:
    ds = load(paths, tmp_path)
    grid = cw.CocoGrid(ds, thumbnails=service())
    name = "<img src=x onerror=alert(1)>"
    reply = call(grid, "tag", name=name, rows=[0])
    assert reply["result"]["message"] == f"tagged 1 image: {name}"
    assert grid._tag_names == [name]
    grid.tag_filter = name
    assert len(grid.shown_ids) == 1


def test_an_unknown_action_is_an_error_reply(paths: DemoPaths, tmp_path: Path) -> None:
    grid = cw.CocoGrid(load(paths, tmp_path), thumbnails=service())
    reply = call(grid, "act", action="launch", rows=[0])
    assert not reply["ok"] and "no action 'launch'" in reply["error"]
    with pytest.raises(ValueError, match="one character"):
        grid.add_action("go", "go", lambda rows: "", key="gg")


def test_the_explorer_charts_a_tag_as_soon_as_it_is_given(paths: DemoPaths, tmp_path: Path) -> None:
    ds = load(paths, tmp_path)
    explorer = cw.CocoExplorer(ds, thumbnails=service())
    assert not [key for key in explorer.charts if "tags." in key]
    call(explorer.grid, "tag", name="needs-review", rows=[0, 1])
    assert "tags.needs-review" in explorer.charts
    explorer.set_filter("tags.needs-review", [True])
    assert sorted(explorer.filtered_ids) == sorted(ds.images["id"][[0, 1]].tolist())
    ds.tag([int(ds.annotations["id"][0])], "occluded", table="annotations")
    assert "annotations.tags.occluded" in explorer.charts


def test_the_slice_filter_shows_a_slices_images_and_follows_the_slice(
    paths: DemoPaths, tmp_path: Path
) -> None:
    ds = load(paths, tmp_path)
    ids = ds.images["id"].tolist()
    ds.slices.add("night", ids[:4])
    grid = cw.CocoGrid(ds, slice_filter="night", thumbnails=service())
    crops = cw.ObjectGrid(ds, "sim", thumbnails=service())  # detections: by their image
    assert grid._slice_names == ["night"] and crops._slice_names == ["night"]
    assert grid.shown_ids == ids[:4]
    crops.slice_filter = "night"
    shown_images = set(ds.predictions["sim"].take(crops._shown_rows)["image_id"].tolist())
    assert shown_images <= set(ids[:4]) and crops.shown_ids
    crops.slice_filter_negate = True
    assert not set(ds.predictions["sim"].take(crops._shown_rows)["image_id"].tolist()) & set(
        ids[:4]
    )
    ds.slices.add("night", ids[2:6], replace=True)  # replaced from Python: refiltered
    assert grid.shown_ids == ids[2:6]
    ds.tag(ids[3:5], "seen")
    grid.tag_filter = "seen"  # the two filters combine
    assert grid.shown_ids == ids[3:5]
    ds.tag([ids[5]], "seen")  # tagged elsewhere: refiltered
    assert grid.shown_ids == ids[3:6]
    grid.tag_filter = None
    ds.slices.rename("night", "dark")  # the slice filtered by is gone: the filter goes
    assert grid.slice_filter is None and len(grid.shown_ids) == len(ids)
    assert grid._slice_names == ["dark"]
    with pytest.raises(traitlets.TraitError, match="no slice 'nope'; slices are: 'dark'"):
        grid.slice_filter = "nope"


def test_the_explorer_charts_a_slice_as_soon_as_it_is_added(
    paths: DemoPaths, tmp_path: Path
) -> None:
    ds = load(paths, tmp_path)
    explorer = cw.CocoExplorer(ds, thumbnails=service())
    ids = ds.images["id"].tolist()
    ds.slices.add("wide", ids[::3])
    assert "slices.wide" in explorer.charts
    explorer.set_filter("slices.wide", [True])
    assert sorted(explorer.filtered_ids) == sorted(ids[::3])

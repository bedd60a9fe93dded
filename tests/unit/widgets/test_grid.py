"""CocoGrid's Python side without a browser: order, selection, requests and path safety."""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import traitlets

import cocowidget as cw
from cocowidget.datasets import DemoPaths
from cocowidget.media import ThumbnailCache, ThumbnailService


class Captured:
    def __init__(self) -> None:
        self.messages: list[tuple[dict[str, Any], list[Any]]] = []
        self.done = threading.Event()

    def __call__(self, content: dict[str, Any], buffers: Any = None) -> None:
        self.messages.append((content, list(buffers or [])))
        self.done.set()


@pytest.fixture(scope="module")
def dataset(demo: DemoPaths) -> cw.CocoDataset:
    ds = cw.CocoDataset.from_coco(demo.annotations, image_dir=demo.image_dir)
    assert demo.predictions is not None
    ds.add_predictions(demo.predictions, name="sim")
    return ds


@pytest.fixture
def grid(dataset: cw.CocoDataset) -> cw.CocoGrid:
    return cw.CocoGrid(dataset, thumbnails=ThumbnailService(cache=ThumbnailCache.disabled()))


def request(grid: cw.CocoGrid, method: str, **params: Any) -> tuple[dict[str, Any], list[Any]]:
    captured = Captured()
    grid.send = captured  # type: ignore[method-assign]
    grid._on_custom_message(
        grid, {"type": "request", "id": 1, "method": method, "params": params}, []
    )
    assert captured.done.wait(30)
    content, buffers = captured.messages[0]
    assert content["ok"], content
    return content["result"], buffers


def test_the_thumbnail_decode_fills_the_pixel_statistics(demo: DemoPaths) -> None:
    ds = cw.CocoDataset.from_coco(demo.annotations, image_dir=demo.image_dir)
    grid = cw.CocoGrid(ds, thumbnails=ThumbnailService(cache=ThumbnailCache.disabled()))
    assert np.isnan(ds.images["brightness"]).all()
    request(grid, "thumbnails", rows=[0, 3], side=320)
    measured = ds.subset(ds.images["id"][[0, 3]])
    measured.compute_pixel_statistics()  # the same numbers from a separate decode
    for name in ("brightness", "contrast", "sharpness"):
        np.testing.assert_allclose(ds.images[name][[0, 3]], measured.images[name], rtol=1e-6)
        assert np.isnan(ds.images[name][[1, 2, 4]]).all()


def test_columns_added_later_reach_the_sort_list(demo: DemoPaths) -> None:
    ds = cw.CocoDataset.from_coco(demo.annotations, image_dir=demo.image_dir)
    ds.add_predictions(demo.predictions, name="sim")
    grid = cw.CocoGrid(ds, thumbnails=ThumbnailService(cache=ThumbnailCache.disabled()))
    assert "sim.ap" not in grid._sortable_columns
    ds.evaluate("sim")
    request(grid, "refresh_columns")  # the browser asks as the sort list opens
    assert "sim.ap" in grid._sortable_columns
    assert "brightness" not in grid._sortable_columns  # no value yet
    grid.sort_by = "brightness"  # asked for from Python: shown as the sort in force
    assert "brightness" in grid._sortable_columns
    ds.images["late"] = np.arange(len(ds), dtype=np.float64)
    grid.sort_by = "-late"
    assert "late" in grid._sortable_columns
    assert grid.shown_ids[0] == int(ds.images["id"][-1])


def test_large_cells_get_thumbnails_at_twice_the_side(grid: cw.CocoGrid) -> None:
    assert grid._thumbnail_side == 320
    small, _ = request(grid, "thumbnails", rows=[0], side=320)
    large, _ = request(grid, "thumbnails", rows=[0], side=640)
    odd, _ = request(grid, "thumbnails", rows=[0], side=5000)  # not offered: the base side
    sides = [
        max(reply["items"][0]["width"], reply["items"][0]["height"])
        for reply in (small, large, odd)
    ]
    assert sides[0] == 320 and sides[2] == 320
    assert sides[1] == min(
        640, max(int(grid.dataset.images["width"][0]), int(grid.dataset.images["height"][0]))
    )
    assert sides[1] > 320


def test_sort_and_show(grid: cw.CocoGrid, dataset: cw.CocoDataset) -> None:
    grid.sort_by = "-object_count"
    counts = dataset.images["object_count"][dataset.image_rows(grid.shown_ids)]
    assert (np.diff(counts) <= 0).all()
    some = [int(i) for i in dataset.images["id"][[5, 1, 9]]]
    grid.sort_by = None
    grid.show(some)
    assert grid.shown_ids == some
    order = np.frombuffer(grid._order, "<i4")
    assert order.tolist() == [5, 1, 9]
    grid.show()
    assert len(grid.shown_ids) == len(dataset)


def test_bad_sort_and_selection_are_refused(grid: cw.CocoGrid) -> None:
    with pytest.raises(traitlets.TraitError, match="cannot sort by 'nope'"):
        grid.sort_by = "nope"
    with pytest.raises(KeyError, match="unknown image ids"):
        grid.selected = [10**9]
    with pytest.raises(traitlets.TraitError, match="no column 'nope' to caption with"):
        grid.caption = "nope"
    grid.caption = "object_count"
    grid.caption = ""  # no caption


HUGE_IDS = [2**53, 2**53 + 1, 2**62 + 3]  # float64 merges the first two; the third is beyond


@pytest.fixture
def huge_ids() -> cw.CocoDataset:
    box = [1.0, 1.0, 4.0, 4.0]
    return cw.CocoDataset.from_coco(
        {
            "images": [
                {"id": i, "file_name": f"{n}.jpg", "width": 8, "height": 8}
                for n, i in enumerate(HUGE_IDS)
            ],
            "annotations": [
                {"id": i + 7, "image_id": i, "category_id": 1, "bbox": box, "area": 16.0}
                for i in HUGE_IDS
            ],
            "categories": [{"id": 1, "name": "thing"}],
        }
    )


def test_huge_ids_travel_as_rows_and_come_back_exact(huge_ids: cw.CocoDataset) -> None:
    grid = cw.CocoGrid(huge_ids, thumbnails=ThumbnailService(cache=ThumbnailCache.disabled()))
    for row, image_id in enumerate(HUGE_IDS):
        grid._selected_rows = [row]  # a click in the browser
        assert grid.selected == [image_id]
    grid.selected = [HUGE_IDS[1], HUGE_IDS[0]]  # from Python: the browser gets rows
    assert grid._selected_rows == [1, 0]
    assert np.frombuffer(grid._image_ids, "<i8").tolist() == HUGE_IDS  # shown, not computed
    with pytest.raises(traitlets.TraitError, match="out of range"):
        grid._selected_rows = [3]
    # Overlay objects are named by their table row, never by id.
    result, _ = request(grid, "thumbnails", rows=[1], side=320)
    (item,) = result["items"]
    assert [o["row"] for o in item["overlay"]["objects"]] == [1]
    grid.emphasize([2])
    assert grid._emphasis == {"2": ["0:2"]}  # "source:row", 0 the ground truth
    assert grid.emphasized == {HUGE_IDS[2]: [HUGE_IDS[2] + 7]}


def test_huge_object_ids_in_an_object_grid(huge_ids: cw.CocoDataset) -> None:
    objects = cw.ObjectGrid(huge_ids, thumbnails=ThumbnailService(cache=ThumbnailCache.disabled()))
    objects._selected_rows = [0, 2]
    assert objects.selected == [HUGE_IDS[0] + 7, HUGE_IDS[2] + 7]
    objects.selected = [HUGE_IDS[1] + 7]
    assert objects._selected_rows == [1]


def test_the_preview_is_titled_with_its_images_file_id_and_size(
    huge_ids: cw.CocoDataset,
) -> None:
    """The title names the image whatever the grid shows: an id as the file has it (as
    text: the browser never computes with it), for a crop the image it is cut from."""
    service = ThumbnailService(cache=ThumbnailCache.disabled())
    grid = cw.CocoGrid(huge_ids, thumbnails=service)
    result, _ = request(grid, "preview", row=1)
    assert result["title"] == {
        "file_name": "1.jpg",
        "image_id": str(HUGE_IDS[1]),
        "width": 8,
        "height": 8,
    }
    objects = cw.ObjectGrid(huge_ids, ids=[HUGE_IDS[2] + 7], thumbnails=service)
    result, _ = request(objects, "preview", row=0)
    assert result["title"]["file_name"] == "2.jpg"
    assert result["title"]["image_id"] == str(HUGE_IDS[2])
    # The crop's object is the one the preview marks.
    assert result["item"]["overlay"]["emphasis"] == ["0:2"]


def test_selected_dataset_is_the_subset(grid: cw.CocoGrid, dataset: cw.CocoDataset) -> None:
    grid.selected = [int(i) for i in dataset.images["id"][:3]]
    subset = grid.selected_dataset()
    assert sorted(subset.images["id"].tolist()) == sorted(grid.selected)


def test_thumbnail_batch_has_images_overlays_and_captions(grid: cw.CocoGrid) -> None:
    result, buffers = request(grid, "thumbnails", rows=[0, 1, 2], side=320)
    coords = np.frombuffer(buffers[result["coords"]], "<f4")
    items = result["items"]
    assert [item["row"] for item in items] == [0, 1, 2]
    for item in items:
        if item["error"] is None:
            assert buffers[item["buffer"]][:2] == b"\xff\xd8"  # a JPEG
        for obj in item["overlay"]["objects"]:
            if obj["poly"]:
                start, *rings = obj["poly"]
                assert start + 2 * sum(rings) <= coords.size
    assert {obj["source"] for item in items for obj in item["overlay"]["objects"]} >= {0, 1}
    assert items[0]["caption"] == grid.dataset.images["file_name"][0]


def test_the_comm_opens_with_the_whole_state(
    dataset: cw.CocoDataset, monkeypatch: pytest.MonkeyPatch
) -> None:
    import comm
    from ipywidgets.widgets.widget import _put_buffers

    opened: list[dict[str, Any]] = []
    create = comm.create_comm

    def record(**kwargs: Any) -> Any:
        state = json.loads(json.dumps(kwargs["data"]["state"]))
        _put_buffers(state, kwargs["data"]["buffer_paths"], kwargs["buffers"])
        made = create(**kwargs)
        if state["_model_name"] == "AnyModel":  # not the grid's Layout
            opened.append(state)
            made.send = lambda *a, **k: pytest.fail("a message after the comm opened")  # type: ignore[method-assign]
        return made

    monkeypatch.setattr(comm, "create_comm", record)
    service = ThumbnailService(cache=ThumbnailCache.memory_only())
    list(service.thumbnails([dataset.image_path_at(row) for row in (0, 1, 2)]))
    grid = cw.CocoGrid(dataset, thumbnails=service, sort_by="-object_count")
    (state,) = opened
    order = np.frombuffer(bytes(state["_order"]), "<i4")
    assert order.tolist() == np.frombuffer(grid._order, "<i4").tolist()
    assert (
        np.frombuffer(bytes(state["_image_ids"]), "<i8").tolist() == dataset.images["id"].tolist()
    )
    assert state["_runs"] == ["sim"]
    # The cached thumbnails among the first shown rows come with the state: exactly those.
    first = set(order[:24].tolist())
    batch = state["_initial_batch"]
    rows = [item["row"] for item in batch["result"]["items"]]
    assert set(rows) == first & {0, 1, 2} and rows
    for item in batch["result"]["items"]:
        assert bytes(batch["buffers"][item["buffer"]])[:2] == b"\xff\xd8"
        assert item["caption"] == dataset.images["file_name"][item["row"]]


def test_the_initial_batch_is_dropped_when_rendering_changes(dataset: cw.CocoDataset) -> None:
    service = ThumbnailService(cache=ThumbnailCache.memory_only())
    list(service.thumbnails([dataset.image_path_at(row) for row in range(4)]))
    grid = cw.CocoGrid(dataset, thumbnails=service)
    assert len(grid._initial_batch["result"]["items"]) == 4
    grid.caption = "id"
    assert grid._initial_batch == {}


def test_bad_requests_answer_with_an_error(grid: cw.CocoGrid) -> None:
    captured = Captured()
    grid.send = captured  # type: ignore[method-assign]
    grid._on_custom_message(
        grid,
        {"type": "request", "id": 3, "method": "thumbnails", "params": {"rows": [-1], "side": 320}},
        [],
    )
    assert captured.messages[0][0]["ok"] is False
    assert "out of range" in captured.messages[0][0]["error"]


def test_file_names_outside_image_dir_are_not_read(tmp_path: Path, demo: DemoPaths) -> None:
    document = json.loads(demo.annotations.read_text())
    document["images"] = document["images"][:1]
    document["images"][0]["file_name"] = "../../../../../../etc/passwd"
    document["annotations"] = []
    path = tmp_path / "escape.json"
    path.write_text(json.dumps(document))
    with pytest.warns(UserWarning, match="climbs out of the image directory"):
        ds = cw.CocoDataset.from_coco(path, image_dir=demo.image_dir)
    grid = cw.CocoGrid(ds, thumbnails=ThumbnailService(cache=ThumbnailCache.disabled()))
    result, _ = request(grid, "thumbnails", rows=[0], side=320)
    assert result["items"][0]["buffer"] == -1
    assert "outside" in result["items"][0]["error"]
    kinds = set(ds.quality(check_files=False)["kind"].tolist())
    assert "unsafe_file_name" in kinds


def test_selected_holds_the_files_ids_in_grid_order() -> None:
    document = {
        "images": [
            {"id": "abc", "file_name": "a.jpg", "width": 10, "height": 10},
            {"id": 2**70, "file_name": "b.jpg", "width": 10, "height": 10},
            {"id": 7, "file_name": "c.jpg", "width": 30, "height": 10},
        ],
        "annotations": [],
        "categories": [{"id": 1, "name": "thing"}],
    }
    with pytest.warns(UserWarning):
        dataset = cw.CocoDataset.from_coco(document)
    grid = cw.CocoGrid(dataset, thumbnails=ThumbnailService(cache=ThumbnailCache.disabled()))
    grid.sort_by = "-width"  # shown: c.jpg, then a.jpg and b.jpg
    grid._selected_rows = [1, 0, 2]  # clicked b, a, c
    assert grid.selected == [7, "abc", 2**70]  # the file's ids, in the grid's order
    grid.selected = ["abc"]
    assert grid._selected_rows == [0]
    assert grid.selected_dataset().user_ids(grid.selected_dataset().images["id"]) == ["abc"]
    with pytest.raises(KeyError, match="unknown"):
        grid.selected = ["nope"]

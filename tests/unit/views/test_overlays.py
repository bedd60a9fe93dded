from typing import Any

import msgspec
import numpy as np
from pycocotools import mask as mask_utils

import cocowidget as cw
from cocowidget.datasets import DemoPaths
from cocowidget.views.items import ObjectItems
from cocowidget.views.overlays import ObjectLayer, OverlayBatch


def as_json(value: Any) -> Any:
    """What the browser receives."""
    return msgspec.json.decode(msgspec.json.encode(value))


def test_compressed_rle_travels_as_its_string() -> None:
    rng = np.random.default_rng(0)
    mask = np.asfortranarray((rng.random((37, 53)) > 0.6).astype(np.uint8))
    rle = mask_utils.encode(mask)
    layer = ObjectLayer(
        source=1,
        rows=np.array([0]),
        category_ids=np.array([1]),
        bboxes=np.zeros((1, 4)),
        areas=np.zeros(1),
        iscrowd=np.zeros(1),
        segmentations=[{"size": rle["size"], "counts": rle["counts"]}],
    )
    record = as_json(OverlayBatch().add(53, 37, [layer]))["objects"][0]["rle"]
    assert record == {"size": [37, 53], "runs": None, "string": rle["counts"].decode()}


def test_batch_shares_arrays_between_images() -> None:
    batch = OverlayBatch()
    layer = ObjectLayer(
        source=0,
        rows=np.array([0, 1]),
        category_ids=np.array([3, 4]),
        bboxes=np.array([[0, 0, 10, 10], [5, 5, 2, 2]], dtype=float),
        areas=np.array([50.0, 4.0]),
        iscrowd=np.array([0, 1]),
        segmentations=[[[0, 0, 10, 0, 10, 10]], {"size": [20, 20], "counts": [5, 4, 391]}],
    )
    first = as_json(batch.add(20, 20, [layer]))
    second = as_json(batch.add(20, 20, [layer]))
    coords, counts = batch.buffers()
    assert first["objects"][0]["poly"] == [0, 3]
    assert second["objects"][0]["poly"] == [6, 3]
    assert first["objects"][1]["rle"] == {"size": [20, 20], "runs": [0, 3], "string": None}
    assert second["objects"][1]["rle"] == {"size": [20, 20], "runs": [3, 3], "string": None}
    assert first["objects"][1]["crowd"] is True
    assert len(np.frombuffer(coords, "<f4")) == 12
    assert np.frombuffer(counts, "<u4").tolist() == [5, 4, 391, 5, 4, 391]


def test_degenerate_polygons_are_skipped() -> None:
    batch = OverlayBatch()
    layer = ObjectLayer(
        source=1,
        rows=np.array([9]),
        category_ids=np.array([1]),
        bboxes=np.zeros((1, 4)),
        areas=np.zeros(1),
        iscrowd=np.zeros(1),
        segmentations=[[[1, 2, 3]]],
        scores=np.array([0.5]),
    )
    record = as_json(batch.add(10, 10, [layer]))
    assert record["objects"][0]["poly"] is None
    assert record["objects"][0]["score"] == 0.5
    assert record["objects"][0]["row"] == 9  # objects are named by table row, never by id


def test_object_crops_of_chosen_ids_show_those_objects(demo: DemoPaths) -> None:
    ds = cw.CocoDataset.from_coco(demo.annotations, image_dir=demo.image_dir)
    chosen = ds.annotations["id"][::-7][:20].tolist()  # out of table order
    items = ObjectItems(ds, ids=chosen)
    for row, object_id in enumerate(chosen):
        source_row = ds.annotations["id"].tolist().index(object_id)
        x, y, w, h = ds.annotations["bbox"][source_row].tolist()
        left, top, right, bottom = items.crop_box(row)
        assert left <= x and top <= y and right >= x + w and bottom >= y + h
        (drawn,) = items.overlay(row, OverlayBatch()).objects
        assert drawn.row == source_row
        assert drawn.bbox == (x, y, w, h)


def test_a_box_kept_as_read_with_infinity_is_drawn_as_a_marked_stand_in() -> None:
    inf = float("inf")
    layer = ObjectLayer(
        source=0,
        rows=np.array([0, 1]),
        category_ids=np.array([1, 1]),
        bboxes=np.array([[inf, inf, -inf, -inf], [np.nan, 0, 1, 1]]),
        areas=np.array([np.nan, 1.0]),
        iscrowd=np.zeros(2),
        segmentations=[[[2, 3, 12, 3, 12, 8]], None],
    )
    objects = as_json(OverlayBatch().add(20, 20, [layer]))["objects"]
    assert objects[0]["bbox"] == [2.0, 3.0, 10.0, 5.0]  # the polygon's extent
    assert objects[0]["stand_in"] is True
    assert objects[0]["area"] == 0.0  # JSON has no NaN
    assert objects[1]["bbox"] == [0.0, 0.0, 0.0, 0.0]
    assert objects[1]["stand_in"] is True


def test_keypoints_travel_as_triplets_beside_the_polygons_with_their_skeleton(
    tmp_path: Any,
) -> None:
    import warnings

    from cocowidget.datasets import generate_keypoints_demo
    from cocowidget.views.items import ImageItems

    paths = generate_keypoints_demo(tmp_path, 8, seed=3)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ds = cw.CocoDataset.from_coco(paths.annotations, image_dir=paths.image_dir)
        ds.add_predictions(paths.predictions, name="pose")
    row = int(np.argmax(ds.images["object_count"]))
    batch = OverlayBatch()
    overlay = as_json(ImageItems(ds).overlay(row, batch))
    coords = np.frombuffer(batch.buffers()[0], dtype="<f4")
    truth = ds.objects_of(int(ds.images["id"][row]))
    people = [o for o in overlay["objects"] if o["source"] == 0]
    assert len(people) == len(truth)
    for person, keypoints in zip(people, truth["keypoints"], strict=True):
        start, joints = person["kp"]
        assert joints == 17
        sent = coords[start : start + 3 * joints].reshape(17, 3)
        np.testing.assert_allclose(sent, keypoints.astype(np.float32))
    assert any(o["kp"] for o in overlay["objects"] if o["source"] == 1)
    (skeleton,) = overlay["skeletons"]
    assert skeleton["category"] == 1
    assert skeleton["names"][:3] == ["nose", "left_eye", "right_eye"]
    assert len(skeleton["bones"]) == 2 * 19 and skeleton["bones"][:2] == [15, 13]


def test_an_instances_overlay_has_no_keypoints(demo: DemoPaths) -> None:
    from cocowidget.views.items import ImageItems

    ds = cw.CocoDataset.from_coco(demo.annotations, image_dir=demo.image_dir)
    overlay = as_json(ImageItems(ds).overlay(0, OverlayBatch()))
    assert overlay["skeletons"] is None
    assert all(o["kp"] is None for o in overlay["objects"])

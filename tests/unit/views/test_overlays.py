import numpy as np
from pycocotools import mask as mask_utils

from cocowidget.views.overlays import ObjectLayer, OverlayBatch, rle_runs


def _decode_runs(runs: np.ndarray, height: int, width: int) -> np.ndarray:
    flat = np.zeros(height * width, dtype=np.uint8)
    position = 0
    for k, run in enumerate(runs):
        if k % 2:
            flat[position : position + run] = 1
        position += int(run)
    return flat.reshape((width, height)).T


def test_compressed_rle_runs_decode_to_the_same_mask() -> None:
    rng = np.random.default_rng(0)
    mask = np.asfortranarray((rng.random((37, 53)) > 0.6).astype(np.uint8))
    mask[0, 0] = 1  # starts with a one: the runs must begin with a zero-length run
    rle = mask_utils.encode(mask)
    runs = rle_runs({"size": rle["size"], "counts": rle["counts"].decode()}, 37, 53)
    assert runs is not None
    assert runs[0] == 0
    assert np.array_equal(_decode_runs(runs, 37, 53), mask)


def test_batch_shares_arrays_between_images() -> None:
    batch = OverlayBatch()
    layer = ObjectLayer(
        source=0,
        ids=np.array([1, 2]),
        category_ids=np.array([3, 4]),
        bboxes=np.array([[0, 0, 10, 10], [5, 5, 2, 2]], dtype=float),
        areas=np.array([50.0, 4.0]),
        iscrowd=np.array([0, 1]),
        segmentations=[[[0, 0, 10, 0, 10, 10]], {"size": [20, 20], "counts": [5, 4, 391]}],
    )
    first = batch.add(20, 20, [layer])
    second = batch.add(20, 20, [layer])
    coords, counts = batch.buffers()
    assert first["objects"][0]["poly"] == [0, 3]
    assert second["objects"][0]["poly"] == [6, 3]
    assert first["objects"][1]["rle"] == [0, 3, 20, 20]
    assert second["objects"][1]["rle"] == [3, 3, 20, 20]
    assert first["objects"][1]["crowd"] is True
    assert len(np.frombuffer(coords, "<f4")) == 12
    assert np.frombuffer(counts, "<u4").tolist() == [5, 4, 391, 5, 4, 391]


def test_degenerate_polygons_are_skipped() -> None:
    batch = OverlayBatch()
    layer = ObjectLayer(
        source=1,
        ids=np.array([9]),
        category_ids=np.array([1]),
        bboxes=np.zeros((1, 4)),
        areas=np.zeros(1),
        iscrowd=np.zeros(1),
        segmentations=[[[1, 2, 3]]],
        scores=np.array([0.5]),
    )
    record = batch.add(10, 10, [layer])
    assert record["objects"][0]["poly"] is None
    assert record["objects"][0]["score"] == 0.5

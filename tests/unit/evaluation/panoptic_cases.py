"""Random small panoptic datasets with the cases pq_compute treats specially: void,
crowds (two of a class, predictions over them), predictions mostly on void, ground-truth
areas that disagree with the PNG, ids the JSON does not list, segment id listed twice.
"""

from __future__ import annotations

import contextlib
import io
import json
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from cocowidget.formats.panoptic_png import id_to_rgb

THINGS = (1, 2, 3)
STUFF = (10, 11, 12)
CATEGORIES = [
    {"id": c, "name": f"class {c}", "supercategory": "s", "isthing": int(c in THINGS),
     "color": [c, c, c]}
    for c in (*THINGS, *STUFF)
]  # fmt: skip


def _blob(rng: np.random.Generator, shape: tuple[int, int]) -> np.ndarray:
    height, width = shape
    h, w = int(rng.integers(2, max(3, height // 2))), int(rng.integers(2, max(3, width // 2)))
    y, x = int(rng.integers(0, height - h + 1)), int(rng.integers(0, width - w + 1))
    mask = np.zeros(shape, dtype=bool)
    if rng.random() < 0.5:
        mask[y : y + h, x : x + w] = True
    else:
        yy, xx = np.ogrid[:h, :w]
        mask[y : y + h, x : x + w] = ((yy - h / 2) / (h / 2)) ** 2 + (
            (xx - w / 2) / (w / 2)
        ) ** 2 <= 1
    return mask


def _ids(rng: np.random.Generator, count: int) -> list[int]:
    return [int(i) for i in rng.choice(np.arange(1, 2**24), size=count, replace=False)]


def ground_truth(
    rng: np.random.Generator, shape: tuple[int, int], first: bool
) -> tuple[np.ndarray, list[dict[str, Any]], dict[int, int]]:
    """An id map (stuff bands, things on top, void), its segments and their classes."""
    height, _ = shape
    labels = np.zeros(shape, dtype=np.int64)  # segment number, 0 void
    classes: dict[int, int] = {}
    crowd: set[int] = set()
    bands = int(rng.integers(1, 4))
    cuts = np.sort(rng.integers(1, height, bands - 1)) if bands > 1 else np.zeros(0, int)
    edges = [0, *cuts.tolist(), height]
    number = 0
    for b in range(bands):
        number += 1
        labels[edges[b] : edges[b + 1]] = number
        classes[number] = int(rng.choice(STUFF))
    for _ in range(int(rng.integers(1 if first else 0, 7))):
        number += 1
        labels[_blob(rng, shape)] = number
        classes[number] = int(rng.choice(THINGS))
        if rng.random() < 0.2:
            crowd.add(number)
    for _ in range(int(rng.integers(0, 3))):
        labels[_blob(rng, shape)] = 0  # void
    present = [n for n in classes if (labels == n).any()]
    ids = dict(zip(present, _ids(rng, len(present)), strict=True))
    id_map = np.zeros(shape, dtype=np.uint32)
    for n, segment_id in ids.items():
        id_map[labels == n] = segment_id
    segments = []
    for n, segment_id in ids.items():
        ys, xs = np.nonzero(labels == n)
        area: float = len(xs)
        if rng.random() < 0.1:  # the JSON's area is what pq_compute uses
            area = area + int(rng.integers(-area + 1, area + 5))
        box = [int(xs.min()), int(ys.min()), int(np.ptp(xs) + 1), int(np.ptp(ys) + 1)]
        segments.append(
            {
                "id": segment_id,
                "category_id": classes[n],
                "area": area,
                "bbox": box,
                "iscrowd": int(n in crowd),
            }
        )
    if rng.random() < 0.1 and segments:  # an id the JSON does not list
        dropped = segments.pop(int(rng.integers(len(segments))))
        classes = {k: v for k, v in classes.items() if ids.get(k) != dropped["id"]}
    if rng.random() < 0.05 and segments:  # a segment listed twice: the last counts
        twice = dict(segments[0])
        twice["iscrowd"] = 1 - twice["iscrowd"]
        segments.append(twice)
    return id_map, segments, {s["id"]: s["category_id"] for s in segments}


def prediction(
    rng: np.random.Generator, gt: np.ndarray, classes: dict[int, int]
) -> tuple[np.ndarray, list[dict[str, Any]]]:
    """The ground truth with a model's errors: shifted and dropped things, wrong
    classes, false blobs, predictions on void and on crowds."""
    shape = gt.shape
    labels = np.zeros(shape, dtype=np.int64)
    pred_classes: dict[int, int] = {}
    number = 0
    for segment_id, category in classes.items():
        mask = gt == segment_id
        if not mask.any() or rng.random() < 0.15:
            continue
        dy, dx = (int(v) for v in rng.integers(-2, 3, 2))
        mask = np.roll(mask, (dy, dx), axis=(0, 1))
        number += 1
        labels[mask] = number
        wrong = rng.random() < 0.1
        pool = THINGS if category in THINGS else STUFF
        pred_classes[number] = int(rng.choice(pool)) if wrong else category
    for _ in range(int(rng.integers(0, 3))):
        number += 1
        labels[_blob(rng, shape)] = number
        pred_classes[number] = int(rng.choice((*THINGS, *STUFF)))
    if rng.random() < 0.3:
        number += 1
        labels[gt == 0] = number  # covers the void
        pred_classes[number] = int(rng.choice(THINGS))
    for _ in range(int(rng.integers(0, 2))):
        labels[_blob(rng, shape)] = 0
    present = [n for n in pred_classes if (labels == n).any()]
    ids = dict(zip(present, _ids(rng, len(present)), strict=True))
    id_map = np.zeros(shape, dtype=np.uint32)
    for n, segment_id in ids.items():
        id_map[labels == n] = segment_id
    segments = [{"id": ids[n], "category_id": pred_classes[n]} for n in present]
    return id_map, segments


def write_case(root: Path, seed: int, n_images: int) -> dict[str, Path]:
    """Ground truth and prediction (JSON and PNG folders) of one random case."""
    rng = np.random.default_rng(seed)
    gt_dir, pred_dir = root / "gt", root / "pred"
    gt_dir.mkdir(parents=True)
    pred_dir.mkdir()
    images, gt_records, pred_records = [], [], []
    for index in range(n_images):
        shape = (int(rng.integers(8, 40)), int(rng.integers(8, 40)))
        image_id = 10 * index + 7
        gt, segments, classes = ground_truth(rng, shape, index == 0)
        pred, pred_segments = prediction(rng, gt, classes)
        name = f"{image_id:06d}.png"
        Image.fromarray(id_to_rgb(gt)).save(gt_dir / name)
        Image.fromarray(id_to_rgb(pred)).save(pred_dir / name)
        images.append(
            {
                "id": image_id,
                "file_name": f"{image_id:06d}.jpg",
                "height": shape[0],
                "width": shape[1],
            }
        )
        gt_records.append({"image_id": image_id, "file_name": name, "segments_info": segments})
        pred_records.append(
            {"image_id": image_id, "file_name": name, "segments_info": pred_segments}
        )
    gt_json, pred_json = root / "gt.json", root / "pred.json"
    gt_json.write_text(
        json.dumps({"images": images, "annotations": gt_records, "categories": CATEGORIES})
    )
    pred_json.write_text(json.dumps({"annotations": pred_records}))
    return {"gt_json": gt_json, "gt_dir": gt_dir, "pred_json": pred_json, "pred_dir": pred_dir}


def reference_pq(case: dict[str, Path]) -> dict[str, Any]:
    """panopticapi's pq_compute on the case, its printing silenced."""
    from panopticapi.evaluation import pq_compute

    with contextlib.redirect_stdout(io.StringIO()):
        result: dict[str, Any] = pq_compute(
            str(case["gt_json"]), str(case["pred_json"]), str(case["gt_dir"]), str(case["pred_dir"])
        )
    return result


def max_difference(ours: dict[str, Any], reference: dict[str, Any]) -> float:
    """The largest |difference| over every number of the two summaries; the counts
    (n) and the per-class keys must be equal."""
    worst = 0.0
    for name in ("All", "Things", "Stuff"):
        assert ours[name]["n"] == reference[name]["n"], name
        for key in ("pq", "sq", "rq"):
            worst = max(worst, abs(ours[name][key] - reference[name][key]))
    assert set(ours["per_class"]) == set(reference["per_class"])
    for label, values in reference["per_class"].items():
        for key in ("pq", "sq", "rq"):
            worst = max(worst, abs(ours["per_class"][label][key] - values[key]))
    return worst

"""Hypothesis strategies: small COCO datasets full of COCOeval's edge cases.

Boxes sit on a half-pixel grid and detections are often exact or shifted copies of
ground truth, so IoUs land exactly on thresholds (0.5, 0.75) and tie between objects;
scores come from a short list, so they tie too. Crowd regions, areas on the small/medium
boundaries, empty images and several categories per image are all common.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from hypothesis import strategies as st
from pycocotools import mask as mask_utils

IMAGE_SIZE = 24
SCORES = [0.05, 0.3, 0.5, 0.5, 0.7, 0.9, 0.9, 1.0]
AREAS_ON_EDGES = [0.0, 16.0, 1023.5, 1024.0, 1024.5, 9216.0, 9216.5, 30.0, 100.0]


@dataclass
class Scene:
    dataset: dict[str, Any]
    results: list[dict[str, Any]]
    max_dets: list[int] = field(default_factory=lambda: [1, 10, 100])
    area_ranges: list[list[float]] | None = None


coords = st.integers(0, 32).map(lambda v: v / 2)
sizes = st.integers(1, 16).map(lambda v: v / 2)


@st.composite
def boxes(draw: st.DrawFn) -> list[float]:
    return [draw(coords), draw(coords), draw(sizes), draw(sizes)]


@st.composite
def near_copy(draw: st.DrawFn, box: list[float]) -> list[float]:
    x, y, w, h = box
    kind = draw(st.sampled_from(["same", "shift", "shrink", "grow", "random"]))
    if kind == "same":
        return list(box)
    if kind == "shift":
        return [x + draw(st.sampled_from([-1, -0.5, 0.5, 1, 2])), y, w, h]
    if kind == "shrink":
        return [x, y, w, max(0.5, h / 2)]
    if kind == "grow":
        return [x, y, w * 2, h]
    return draw(boxes())


def box_mask(box: list[float]) -> np.ndarray:
    mask = np.zeros((IMAGE_SIZE, IMAGE_SIZE), dtype=np.uint8)
    x, y, w, h = (round(v) for v in box)
    mask[y : y + max(h, 1), x : x + max(w, 1)] = 1
    return mask


def compressed_rle(box: list[float]) -> dict[str, Any]:
    rle = mask_utils.encode(np.asfortranarray(box_mask(box)))
    return {"size": rle["size"], "counts": rle["counts"].decode("ascii")}


def uncompressed_rle(box: list[float]) -> dict[str, Any]:
    flat = box_mask(box).flatten(order="F")
    counts, current, run = [], 0, 0
    for value in flat:
        if value == current:
            run += 1
        else:
            counts.append(run)
            current, run = value, 1
    counts.append(run)
    return {"size": [IMAGE_SIZE, IMAGE_SIZE], "counts": counts}


def polygon(box: list[float]) -> list[list[float]]:
    x, y, w, h = box
    return [[x, y, x + w, y, x + w, y + h, x, y + h]]


@st.composite
def scenes(draw: st.DrawFn, *, masks: bool = False) -> Scene:
    n_images = draw(st.integers(1, 3))
    image_ids = draw(
        st.lists(st.integers(1, 500), min_size=n_images, max_size=n_images, unique=True)
    )
    category_ids = draw(st.lists(st.integers(1, 90), min_size=1, max_size=3, unique=True))
    images = [{"id": i, "height": IMAGE_SIZE, "width": IMAGE_SIZE} for i in image_ids]
    annotations: list[dict[str, Any]] = []
    results: list[dict[str, Any]] = []
    next_id = draw(st.integers(1, 50))
    for image_id in image_ids:
        for _ in range(draw(st.integers(0, 5))):
            box = draw(boxes())
            crowd = draw(st.integers(0, 6)) == 0
            segmentation: Any = polygon(box)
            if masks and crowd:
                segmentation = uncompressed_rle(box)
            area = draw(st.one_of(st.just(box[2] * box[3]), st.sampled_from(AREAS_ON_EDGES)))
            annotations.append(
                {
                    "id": next_id,
                    "image_id": image_id,
                    "category_id": draw(st.sampled_from(category_ids)),
                    "bbox": box,
                    "area": area,
                    "iscrowd": int(crowd),
                    "segmentation": segmentation,
                }
            )
            next_id += draw(st.integers(1, 3))
        here = [a for a in annotations if a["image_id"] == image_id]
        for _ in range(draw(st.integers(0, 7))):
            if here and draw(st.booleans()):
                source = draw(st.sampled_from(here))
                box = draw(near_copy(source["bbox"]))
                category = source["category_id"] if draw(st.integers(0, 4)) else None
            else:
                box = draw(boxes())
                category = None
            result: dict[str, Any] = {
                "image_id": image_id,
                "category_id": category or draw(st.sampled_from(category_ids)),
                "score": draw(st.sampled_from(SCORES)),
            }
            if masks:
                result["segmentation"] = compressed_rle(box)
            else:
                result["bbox"] = box
            results.append(result)
    if not results:  # loadRes needs at least one result
        results.append(
            {
                "image_id": image_ids[0],
                "category_id": category_ids[0],
                "score": 0.5,
                **(
                    {"segmentation": compressed_rle([1, 1, 2, 2])}
                    if masks
                    else {"bbox": [1, 1, 2, 2]}
                ),
            }
        )
    dataset = {
        "images": images,
        "annotations": annotations,
        "categories": [{"id": c, "name": f"c{c}"} for c in category_ids],
    }
    max_dets = draw(st.sampled_from([[1, 10, 100], [1, 2, 3], [2, 1, 4]]))
    area_ranges = draw(st.sampled_from([None, [[0, 1e10], [0, 16], [16, 64], [64, 1e10]]]))
    return Scene(dataset, results, max_dets, area_ranges)

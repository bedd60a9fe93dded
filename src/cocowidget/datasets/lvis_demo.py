"""Small LVIS-style ground truth and detections, random but seeded, without pixels.

For the tests and the benchmark of evaluation by LVIS rules against ``LVISEval``: each
image lists ``neg_category_ids`` (categories verified absent) and
``not_exhaustive_category_ids`` (some of its categories, not all instances labelled);
each category has a ``frequency`` (``r``, ``c``, ``f``). Annotations have a box and a
mask (a polygon, a compressed RLE or an uncompressed one) and no ``iscrowd``, as in
LVIS, except a few crowds and ``ignore`` flags that LVIS reads its own way. Detections
are near copies of the objects, boxes of verified-absent and of unverified categories,
with scores rounded so some tie; some images have more than 300. The corner cases LVIS
decides (zero areas, ties at the 300th score) are in it on purpose.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from pycocotools import mask as mask_utils

from cocowidget._arguments import checked_keywords

RESULT_KINDS = ("bbox", "both", "segm")


def _polygon(rng: np.random.Generator, box: list[float]) -> list[list[float]]:
    x, y, w, h = box
    n = int(rng.integers(3, 7))
    angles = np.sort(rng.uniform(0, 2 * np.pi, n))
    cx, cy = x + w / 2, y + h / 2
    px = cx + np.cos(angles) * w / 2 * rng.uniform(0.5, 1.0, n)
    py = cy + np.sin(angles) * h / 2 * rng.uniform(0.5, 1.0, n)
    return [np.round(np.stack([px, py], axis=1).reshape(-1), 2).tolist()]


def _box_mask(rng: np.random.Generator, box: list[float], height: int, width: int) -> Any:
    x, y, w, h = box
    mask = np.zeros((height, width), dtype=np.uint8, order="F")
    x0, y0 = int(x), int(y)
    x1, y1 = max(x0 + 1, int(x + w)), max(y0 + 1, int(y + h))
    mask[y0:y1, x0:x1] = 1
    holes = rng.random(mask.shape) < 0.2
    mask[holes] = 0
    return mask


def _near_copy(rng: np.random.Generator, mask: np.ndarray) -> np.ndarray:
    """A detector's mask of an object: shifted by up to a pixel, a few of its pixels (in
    its bounding box) flipped."""
    shifted = np.roll(mask, (int(rng.integers(-1, 2)), int(rng.integers(-1, 2))), axis=(0, 1))
    rows, columns = np.flatnonzero(shifted.any(axis=1)), np.flatnonzero(shifted.any(axis=0))
    if len(rows):
        box = (slice(rows[0], rows[-1] + 1), slice(columns[0], columns[-1] + 1))
        flips = rng.random(shifted[box].shape) < 0.05
        shifted[box] = np.where(flips, 1 - shifted[box], shifted[box])
    return np.asfortranarray(shifted.astype(np.uint8))


def _rle(mask: np.ndarray, compressed: bool) -> dict[str, Any]:
    encoded = mask_utils.encode(np.asfortranarray(mask))
    if compressed:
        return {"size": encoded["size"], "counts": encoded["counts"].decode("ascii")}
    flat = mask.reshape(-1, order="F")
    boundaries = np.flatnonzero(flat[1:] != flat[:-1]) + 1
    runs = np.diff(np.r_[0, boundaries, len(flat)])
    if flat[0] == 1:
        runs = np.r_[0, runs]  # counts start with a run of zeros
    return {"size": [int(mask.shape[0]), int(mask.shape[1])], "counts": runs.tolist()}


def _box(rng: np.random.Generator, width: int, height: int) -> list[float]:
    w = float(rng.uniform(3, width * 0.6))
    h = float(rng.uniform(3, height * 0.6))
    x = float(rng.uniform(0, width - w))
    y = float(rng.uniform(0, height - h))
    return [round(x, 2), round(y, 2), round(w, 2), round(h, 2)]


@checked_keywords
def generate_lvis_dict(
    n_images: int = 40,
    seed: int = 0,
    *,
    n_categories: int = 12,
    result_kind: str = "both",
    crowded_images: int = 2,
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """An LVIS-style instances dict and a results list for it.

    ``result_kind``: ``"bbox"`` (boxes only), ``"both"`` (boxes and compressed RLE
    masks) or ``"segm"`` (masks only, as LVIS segm results). ``crowded_images`` images
    get 300-400 detections (LVIS keeps 300 per image)."""
    if result_kind not in RESULT_KINDS:
        raise ValueError(f"result_kind must be one of {RESULT_KINDS}, not {result_kind!r}")
    rng = np.random.default_rng(seed)
    category_ids = np.sort(rng.choice(np.arange(1, 4 * n_categories), n_categories, replace=False))
    frequencies = rng.choice(["r", "c", "f"], n_categories, p=[0.25, 0.35, 0.4])
    categories = [
        {
            "id": int(c),
            "name": f"thing_{int(c)}",
            "synset": f"thing_{int(c)}.n.01",
            "synonyms": [f"thing_{int(c)}"],
            "def": "a synthetic thing",
            "frequency": str(f),
            "image_count": int(rng.integers(1, 500)),
            "instance_count": int(rng.integers(1, 2000)),
        }
        for c, f in zip(category_ids, frequencies, strict=True)
    ]
    image_ids = rng.choice(np.arange(1, 10 * n_images + 1), n_images, replace=False)
    images, annotations, results = [], [], []
    crowded = set(rng.choice(n_images, min(crowded_images, n_images), replace=False).tolist())
    next_id = 1
    for index, image_id in enumerate(image_ids.tolist()):
        width, height = int(rng.integers(40, 260)), int(rng.integers(40, 260))
        present = rng.choice(category_ids, int(rng.integers(0, 5)), replace=False)
        absent = np.setdiff1d(category_ids, present)
        negative = rng.choice(absent, int(rng.integers(0, min(4, len(absent)) + 1)), replace=False)
        not_exhaustive = present[rng.random(len(present)) < 0.3]
        images.append(
            {
                "id": image_id,
                "width": width,
                "height": height,
                "file_name": f"{image_id:012d}.jpg",
                "coco_url": f"http://example.invalid/{image_id:012d}.jpg",
                "neg_category_ids": [int(c) for c in negative],
                "not_exhaustive_category_ids": [int(c) for c in not_exhaustive],
            }
        )
        objects = []
        for category in present.tolist():
            for _ in range(int(rng.integers(1, 4))):
                box = _box(rng, width, height)
                shape = rng.random()
                if shape < 0.6:
                    segmentation: Any = _polygon(rng, box)
                    rle = mask_utils.merge(mask_utils.frPyObjects(segmentation, height, width))
                else:
                    mask = _box_mask(rng, box, height, width)
                    segmentation = _rle(mask, compressed=shape < 0.8)
                    rle = mask_utils.encode(np.asfortranarray(mask))
                area = float(mask_utils.area(rle))
                record: dict[str, Any] = {
                    "id": next_id,
                    "image_id": image_id,
                    "category_id": category,
                    "bbox": box,
                    "area": 0.0 if rng.random() < 0.03 else area,
                    "segmentation": segmentation,
                }
                if rng.random() < 0.04:
                    record["iscrowd"] = 1  # LVIS reads no crowds: a plain object there
                if rng.random() < 0.04:
                    record["ignore"] = 1
                annotations.append(record)
                objects.append((record, rle))
                next_id += 1
        n_detections = int(rng.integers(300, 400)) if index in crowded else int(rng.integers(0, 25))
        for _ in range(n_detections):
            pick = rng.random()
            if objects and pick < 0.55:
                target, target_rle = objects[int(rng.integers(len(objects)))]
                x, y, w, h = target["bbox"]
                jitter = rng.normal(0, 0.08, 4) * [w, h, w, h]
                box = [
                    round(float(max(0.0, x + jitter[0])), 2),
                    round(float(max(0.0, y + jitter[1])), 2),
                    round(float(max(1.0, w + jitter[2])), 2),
                    round(float(max(1.0, h + jitter[3])), 2),
                ]
                category = (
                    target["category_id"] if rng.random() < 0.85 else int(rng.choice(category_ids))
                )
            else:
                box = _box(rng, width, height)
                pool = negative if len(negative) and pick < 0.8 else category_ids
                category = int(rng.choice(pool))
                target_rle = None
            if rng.random() < 0.01:
                box[2] = 0.0  # a zero-area box: LVIS leaves it out
            result: dict[str, Any] = {
                "image_id": image_id,
                "category_id": int(category),
                "score": round(float(rng.random()), 2),
            }
            if result_kind != "segm":
                result["bbox"] = box
            if result_kind != "bbox":
                if box[2] == 0:
                    mask = np.zeros((height, width), dtype=np.uint8)
                elif target_rle is not None:
                    mask = _near_copy(rng, mask_utils.decode(target_rle))
                else:
                    mask = _box_mask(rng, box, height, width)
                result["segmentation"] = _rle(mask, compressed=True)
            results.append(result)
    order = rng.permutation(len(images))
    document = {
        "info": {"description": "synthetic LVIS-style data"},
        "licenses": [],
        "images": [images[i] for i in order],
        "annotations": [annotations[i] for i in rng.permutation(len(annotations))],
        "categories": categories,
    }
    return document, [results[i] for i in rng.permutation(len(results))]

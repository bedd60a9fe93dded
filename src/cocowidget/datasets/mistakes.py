"""Label mistakes planted into the demo's ground truth, with a record of each.

The simulated detector sees the scene's true objects; only the annotations are changed
afterwards, so the detections still describe what is really there, and a label-issue
finder can be scored against the record (``benchmarks/bench_label_issues.py``). Per
image, from its own random stream (so any number of workers gives the same files):

* ``missing_label``: an annotation removed (the object is still drawn and detected);
* ``wrong_class``: the class swapped to a look-alike (only classes that have one:
  car/truck/bus, bicycle/motorcycle, cat/dog, sheep/cow, cup/bowl, apple/orange);
* ``badly_located``: the outline (polygon or mask) shifted and rescaled so that the
  new box overlaps the true one at IoU 0.25-0.6;
* ``duplicate_label``: a second annotation of the same object, half of them exact
  copies and half redrawn (box IoU 0.8-1.0), either of the same class or
  (``duplicate_other_class``) of a look-alike or, without one, any other class;
* ``spurious_label``: an annotation of a class-shaped outline on background, touching
  no object's box.

Crowd annotations are left alone. Rates are per annotation (``wrong_class``: per
annotation whose class has a look-alike; ``spurious``: the expected number added per
annotation of the image).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
from pycocotools import mask as mask_utils

from cocowidget.datasets import shapes
from cocowidget.datasets.categories import CATEGORIES, SIMILAR
from cocowidget.datasets.scene import REFERENCE_PIXELS, THEME_WEIGHTS, Scene, vertex_count

KINDS = ("missing_label", "wrong_class", "badly_located", "duplicate_label", "spurious_label")
BADLY_LOCATED_IOU = (0.25, 0.6)
REDRAWN_DUPLICATE_IOU = (0.8, 1.0)
_TRIES = 25
_INDEX_OF_ID = {c.id: i for i, c in enumerate(CATEGORIES)}


@dataclass(frozen=True)
class LabelMistakes:
    """How often each mistake is planted (see the module docstring)."""

    missing: float = 0.03
    wrong_class: float = 0.04
    badly_located: float = 0.03
    duplicate: float = 0.01
    duplicate_other_class: float = 0.01
    spurious: float = 0.015

    def __post_init__(self) -> None:
        rates = asdict(self)
        if any(not 0.0 <= rate <= 1.0 for rate in rates.values()):
            raise ValueError(f"label mistake rates must lie in [0, 1]: {rates}")
        per_annotation = sum(v for k, v in rates.items() if k != "spurious")
        if per_annotation > 1.0:
            raise ValueError(
                "an annotation gets at most one mistake: the rates other than spurious "
                f"add up to {per_annotation:.3f} > 1"
            )

    def as_dict(self) -> dict[str, float]:
        return asdict(self)


def plant(
    mistakes: LabelMistakes,
    rng: np.random.Generator,
    scene: Scene,
    annotations: list[dict[str, Any]],
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The image's annotations with mistakes planted, and a record of each.

    Records name annotations by their ``position`` in the returned list (the writer
    turns positions into ids); a removed one keeps its class and box instead.
    """
    height, width = scene.spec.height, scene.spec.width
    image_id = scene.spec.id
    out: list[dict[str, Any]] = []
    records: list[dict[str, Any]] = []
    bands = np.cumsum(
        [
            mistakes.missing,
            mistakes.wrong_class,
            mistakes.badly_located,
            mistakes.duplicate,
            mistakes.duplicate_other_class,
        ]
    )
    for ann in annotations:
        if ann["iscrowd"]:
            out.append(ann)
            continue
        band = int(np.searchsorted(bands, rng.random(), side="right"))
        category = ann["category_id"]
        look_alikes = SIMILAR[_INDEX_OF_ID[category]]
        if band == 0:
            records.append(
                {
                    "kind": "missing_label",
                    "image_id": image_id,
                    "category_id": category,
                    "bbox": ann["bbox"],
                }
            )
            continue
        if band == 1 and look_alikes:
            swapped = CATEGORIES[int(rng.choice(look_alikes))].id
            records.append(
                {
                    "kind": "wrong_class",
                    "position": len(out),
                    "image_id": image_id,
                    "category_id": swapped,
                    "true_category_id": category,
                }
            )
            out.append({**ann, "category_id": swapped})
            continue
        if band == 2:
            moved = _moved(ann, rng, height, width, BADLY_LOCATED_IOU, spread=0.45)
            if moved is not None:
                records.append(
                    {
                        "kind": "badly_located",
                        "position": len(out),
                        "image_id": image_id,
                        "category_id": category,
                        "bbox": moved["bbox"],
                        "true_bbox": ann["bbox"],
                        "iou": round(_box_iou(moved["bbox"], ann["bbox"]), 4),
                    }
                )
                out.append(moved)
                continue
        out.append(ann)
        if band in (3, 4):
            copy = _duplicate(ann, rng, height, width)
            if copy is None:
                continue
            if band == 4:
                others = look_alikes or tuple(
                    i for i in range(len(CATEGORIES)) if CATEGORIES[i].id != category
                )
                copy["category_id"] = CATEGORIES[int(rng.choice(others))].id
            records.append(
                {
                    "kind": "duplicate_label",
                    "position": len(out),
                    "duplicate_of_position": len(out) - 1,
                    "image_id": image_id,
                    "category_id": copy["category_id"],
                    "original_category_id": category,
                    "same_class": band == 3,
                    "iou": round(_box_iou(copy["bbox"], ann["bbox"]), 4),
                }
            )
            out.append(copy)
    n_objects = sum(1 for ann in annotations if not ann["iscrowd"])
    boxes = [ann["bbox"] for ann in annotations]
    for _ in range(int(rng.poisson(mistakes.spurious * n_objects))):
        added = _spurious(rng, scene, boxes)
        if added is None:
            continue
        boxes.append(added["bbox"])
        records.append(
            {
                "kind": "spurious_label",
                "position": len(out),
                "image_id": image_id,
                "category_id": added["category_id"],
                "bbox": added["bbox"],
            }
        )
        out.append(added)
    return out, records


def with_ids(records: list[dict[str, Any]], first_id: int) -> list[dict[str, Any]]:
    """Records with positions turned into the annotation ids the writer gave
    (``first_id`` is the id of the image's first annotation)."""
    named = []
    for record in records:
        record = dict(record)
        if "position" in record:
            record = {"annotation_id": first_id + record.pop("position"), **record}
        if "duplicate_of_position" in record:
            record["duplicate_of"] = first_id + record.pop("duplicate_of_position")
        named.append(record)
    return named


def _box_iou(a: list[float], b: list[float]) -> float:
    w = min(a[0] + a[2], b[0] + b[2]) - max(a[0], b[0])
    h = min(a[1] + a[3], b[1] + b[3]) - max(a[1], b[1])
    if w <= 0 or h <= 0:
        return 0.0
    inter = w * h
    return inter / (a[2] * a[3] + b[2] * b[3] - inter)


def _duplicate(
    ann: dict[str, Any], rng: np.random.Generator, height: int, width: int
) -> dict[str, Any] | None:
    if rng.random() < 0.5:
        return dict(ann)  # the same label twice (a double click, a merge of two passes)
    return _moved(ann, rng, height, width, REDRAWN_DUPLICATE_IOU, spread=0.06)


def _moved(
    ann: dict[str, Any],
    rng: np.random.Generator,
    height: int,
    width: int,
    iou_range: tuple[float, float],
    *,
    spread: float,
) -> dict[str, Any] | None:
    """The annotation with its outline shifted and rescaled about its box's centre, so
    that the new box's IoU with the old one falls in ``iou_range`` (None if no try does)."""
    x, y, w, h = ann["bbox"]
    if w < 2 or h < 2:
        return None
    centre = np.array([x + w / 2, y + h / 2])
    size = np.array([w, h])
    low, high = iou_range
    for _ in range(_TRIES):
        scale = np.exp(rng.normal(0.0, spread / 2, 2))
        shift = rng.uniform(-spread, spread, 2) * size
        moved = _transformed(ann["segmentation"], centre, scale, shift, height, width)
        if moved is None:
            continue
        segmentation, rle = moved
        bbox = [float(v) for v in mask_utils.toBbox(rle)]
        if low <= _box_iou(bbox, ann["bbox"]) < high or (high >= 1.0 and bbox == ann["bbox"]):
            area = int(mask_utils.area(rle))
            return {
                **ann,
                "segmentation": segmentation,
                "area": float(area) if isinstance(segmentation, list) else area,
                "bbox": bbox,
            }
    return None


def _transformed(
    segmentation: Any,
    centre: np.ndarray,
    scale: np.ndarray,
    shift: np.ndarray,
    height: int,
    width: int,
) -> tuple[Any, dict[str, Any]] | None:
    """The segmentation mapped by ``p -> (p - centre) * scale + centre + shift`` (kept a
    polygon or a compressed RLE, as it was) and its rasterised mask; None if nothing of
    it stays in the image."""
    if isinstance(segmentation, list):
        parts = [
            (np.asarray(p, dtype=np.float64).reshape(-1, 2) - centre) * scale + centre + shift
            for p in segmentation
        ]
        clipped = shapes.clip_to_image(parts, width, height)
        if not clipped:
            return None
        polygon = shapes.to_coco(clipped)
        rle = mask_utils.merge(mask_utils.frPyObjects(polygon, height, width))
        return (polygon, rle) if int(mask_utils.area(rle)) > 0 else None
    source = {"size": segmentation["size"], "counts": segmentation["counts"].encode("ascii")}
    mask = mask_utils.decode(source).astype(bool)
    # Nearest neighbour: each pixel of the new mask looks up where it came from.
    ys, xs = np.mgrid[0:height, 0:width]
    from_x = np.round((xs + 0.5 - centre[0] - shift[0]) / scale[0] + centre[0] - 0.5).astype(int)
    from_y = np.round((ys + 0.5 - centre[1] - shift[1]) / scale[1] + centre[1] - 0.5).astype(int)
    inside = (from_x >= 0) & (from_x < width) & (from_y >= 0) & (from_y < height)
    moved = np.zeros_like(mask)
    moved[inside] = mask[from_y[inside], from_x[inside]]
    if not moved.any():
        return None
    rle = mask_utils.encode(np.asfortranarray(moved.astype(np.uint8)))
    return {"size": [height, width], "counts": rle["counts"].decode("ascii")}, rle


def _spurious(
    rng: np.random.Generator, scene: Scene, boxes: list[list[float]]
) -> dict[str, Any] | None:
    """A class-shaped outline where no annotated object's box is."""
    spec = scene.spec
    scale = math.sqrt(spec.width * spec.height / REFERENCE_PIXELS)
    category = int(rng.choice(len(CATEGORIES), p=THEME_WEIGHTS[scene.theme]))
    cat = CATEGORIES[category]
    for _ in range(_TRIES):
        side = scale * cat.size_px * math.exp(0.6 * cat.size_spread * rng.standard_normal())
        w = min(side * math.sqrt(cat.aspect), 0.5 * spec.width)
        h = min(side / math.sqrt(cat.aspect), 0.5 * spec.height)
        if w < 4 or h < 4:
            continue
        cx, cy = rng.uniform(w / 2, spec.width - w / 2), rng.uniform(h / 2, spec.height - h / 2)
        box = [cx - w / 2, cy - h / 2, w, h]
        if any(_box_iou(box, other) > 0 for other in boxes):
            continue
        unit = shapes.outline(cat.shape, vertex_count(rng, w, h), rng)
        parts = shapes.clip_to_image(
            shapes.place(unit, (cx, cy, w, h), 0.0, bool(rng.random() < 0.5), 0.5, rng),
            spec.width,
            spec.height,
        )
        if not parts:
            continue
        polygon = shapes.to_coco(parts)
        rle = mask_utils.merge(mask_utils.frPyObjects(polygon, spec.height, spec.width))
        area = int(mask_utils.area(rle))
        if area == 0:
            continue
        return {
            "segmentation": polygon,
            "area": float(area),
            "iscrowd": 0,
            "image_id": spec.id,
            "bbox": [float(v) for v in mask_utils.toBbox(rle)],
            "category_id": cat.id,
        }
    return None


def record(mistakes: LabelMistakes, seed: int, planted: list[dict[str, Any]]) -> dict[str, Any]:
    """The JSON written beside the annotations: the rates, the counts by kind (and
    duplicates by variant) and every planted mistake."""
    counts = {kind: sum(1 for m in planted if m["kind"] == kind) for kind in KINDS}
    duplicates = [m for m in planted if m["kind"] == "duplicate_label"]
    return {
        "format_version": 1,
        "seed": seed,
        "rates": mistakes.as_dict(),
        "counts": counts,
        "duplicate_counts": {
            "same_class": sum(1 for m in duplicates if m["same_class"]),
            "other_class": sum(1 for m in duplicates if not m["same_class"]),
        },
        "mistakes": planted,
    }

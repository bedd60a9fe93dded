"""A simulated instance-segmentation model with the mistakes real ones make.

For every ground-truth object the detector may miss it (recall falls steeply below
32x32 px), mislabel it as a look-alike class, mislocate it (more for small objects), or
report it twice. It also fires on background and on members of crowds. Scores track
correctness: good detections score high, mistakes low, with overlap between the two, so
precision-recall curves have a realistic shape. About 1.2 detections per object overall.
Masks follow the object's whole outline, also where something in front hides part of
it, as models often do.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from pycocotools import mask as mask_utils

from cocowidget.datasets import shapes
from cocowidget.datasets.annotate import AnnotatedObject
from cocowidget.datasets.categories import CATEGORIES, SIMILAR
from cocowidget.datasets.scene import (
    REFERENCE_PIXELS,
    STREAM_DETECTOR,
    THEME_WEIGHTS,
    Scene,
    stream,
    vertex_count,
)

MIN_SCORE = 0.05  # like Detectron's default test threshold
MAX_DETECTIONS = 100  # per image, as COCO evaluates
CONFUSION = 0.12  # with a look-alike class
RANDOM_CONFUSION = 0.015  # with any class
POOR_LOCALISATION = 0.07
DUPLICATE = 0.08


def recall(side: float) -> float:
    """Chance of detecting an object of sqrt(area) `side` px: ~0.14 at 8, ~0.6 at 16,
    ~0.9 at 32, ~0.96 at 64."""
    return 0.97 / (1.0 + math.exp(-2.2 * math.log2(side / 14.0)))


def detect(scene: Scene, objects: list[AnnotatedObject]) -> list[dict[str, Any]]:
    """COCO results for one image, highest score first."""
    rng = stream(scene.seed, scene.content_index, STREAM_DETECTOR)
    spec = scene.spec
    found: list[dict[str, Any]] = []
    for gt in objects:
        side = math.sqrt(gt.area)
        if gt.obj.iscrowd:
            found.extend(_crowd_hits(rng, scene, gt))
            continue
        visible_share = gt.area / max(1, int(mask_utils.area(gt.annotated)))
        if rng.random() > recall(side) * (0.6 + 0.4 * visible_share):
            continue
        category = gt.obj.category
        score = rng.beta(7, 2) * (0.75 + 0.25 * min(1.0, side / 48.0))
        if SIMILAR[category] and rng.random() < CONFUSION:
            category = int(rng.choice(SIMILAR[category]))
            score = rng.beta(3, 3) * 0.85
        elif rng.random() < RANDOM_CONFUSION:
            category = int(rng.integers(len(CATEGORIES)))
            score = rng.beta(2, 5)
        sigma = 0.02 + 0.08 * min(1.0, 24.0 / side)
        if rng.random() < POOR_LOCALISATION:
            sigma *= 4
            score = min(score, rng.beta(3, 4))
        hit = _detection(rng, spec.height, spec.width, gt.obj.silhouette, sigma, category, score)
        if hit is None:
            continue
        found.append(hit)
        if rng.random() < DUPLICATE:
            duplicate = _detection(
                rng,
                spec.height,
                spec.width,
                gt.obj.silhouette,
                sigma * 2,
                category,
                score * rng.uniform(0.3, 0.8),
            )
            if duplicate is not None:
                found.append(duplicate)
    found.extend(_background(rng, scene, len(objects)))
    for det in found:
        det["image_id"] = spec.id
    found = [d for d in found if d["score"] >= MIN_SCORE]
    found.sort(key=lambda d: -d["score"])
    return [_ordered(d) for d in found[:MAX_DETECTIONS]]


def _ordered(det: dict[str, Any]) -> dict[str, Any]:
    keys = ("image_id", "category_id", "bbox", "score", "segmentation")
    return {key: det[key] for key in keys}


def _detection(
    rng: np.random.Generator,
    height: int,
    width: int,
    outline: shapes.Parts,
    sigma: float,
    category: int,
    score: float,
) -> dict[str, Any] | None:
    """The object's outline moved and rescaled by the localisation error."""
    points = np.vstack(outline)
    lo, hi = points.min(axis=0), points.max(axis=0)
    centre, size = (lo + hi) / 2, np.maximum(hi - lo, 1.0)
    shift = rng.normal(0.0, sigma, 2) * size
    scale = np.exp(rng.normal(0.0, sigma, 2))
    moved = [(part - centre) * scale + centre + shift for part in outline]
    return _result(moved, height, width, category, score)


def _result(
    parts: shapes.Parts, height: int, width: int, category: int, score: float
) -> dict[str, Any] | None:
    clipped = shapes.clip_to_image(parts, width, height)
    if not clipped:
        return None
    rles = mask_utils.frPyObjects(shapes.to_coco(clipped), height, width)
    rle = mask_utils.merge(rles)
    if int(mask_utils.area(rle)) == 0:
        return None
    points = np.vstack(clipped)
    x0, y0 = points.min(axis=0)
    x1, y1 = points.max(axis=0)
    return {
        "category_id": CATEGORIES[category].id,
        "bbox": [
            round(float(x0), 2),
            round(float(y0), 2),
            round(float(x1 - x0), 2),
            round(float(y1 - y0), 2),
        ],
        "score": round(float(score), 3),
        "segmentation": {"size": [height, width], "counts": rle["counts"].decode("ascii")},
    }


def _crowd_hits(
    rng: np.random.Generator, scene: Scene, crowd: AnnotatedObject
) -> list[dict[str, Any]]:
    """Detections on individual members of a crowd (COCO ignores these when matching)."""
    hits = []
    members = crowd.obj.members
    for i in rng.choice(
        len(members), size=min(len(members), int(rng.integers(0, 4))), replace=False
    ):
        hit = _detection(
            rng,
            scene.spec.height,
            scene.spec.width,
            members[int(i)],
            0.08,
            crowd.obj.category,
            rng.beta(2, 3),
        )
        if hit is not None:
            hits.append(hit)
    return hits


def _background(rng: np.random.Generator, scene: Scene, n_objects: int) -> list[dict[str, Any]]:
    """False positives on background: class-shaped blobs where there is no object."""
    spec = scene.spec
    scale = math.sqrt(spec.width * spec.height / REFERENCE_PIXELS)
    hits = []
    for _ in range(int(rng.poisson(1.6 + 0.23 * n_objects))):
        category = int(rng.choice(len(CATEGORIES), p=THEME_WEIGHTS[scene.theme]))
        cat = CATEGORIES[category]
        side = scale * math.exp(rng.uniform(math.log(8), math.log(160)))
        w = min(side * math.sqrt(cat.aspect), 0.9 * spec.width)
        h = min(side / math.sqrt(cat.aspect), 0.9 * spec.height)
        box = (
            rng.uniform(w / 2, spec.width - w / 2),
            rng.uniform(h / 2, spec.height - h / 2),
            w,
            h,
        )
        unit = shapes.outline(cat.shape, vertex_count(rng, w, h), rng)
        parts = shapes.place(unit, box, 0.0, bool(rng.random() < 0.5), 0.5, rng)
        hit = _result(parts, spec.height, spec.width, category, rng.beta(1.3, 6))
        if hit is not None:
            hits.append(hit)
    return hits

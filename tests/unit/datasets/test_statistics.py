"""The dataset has the shape of a real one: skewed classes, varied counts and sizes."""

from __future__ import annotations

from collections import Counter
from typing import Any

import numpy as np

Coco = tuple[dict[str, Any], list[dict[str, Any]]]


def test_classes_are_strongly_imbalanced(coco_300: Coco) -> None:
    counts = Counter(a["category_id"] for a in coco_300[0]["annotations"])
    ordered = sorted(counts.values(), reverse=True)
    total = sum(ordered)
    assert len(counts) >= 18  # nearly every class appears even in 300 images
    assert ordered[0] / total > 0.25  # one dominant class (person)
    assert ordered[0] > 15 * ordered[-1]
    assert sum(ordered[:3]) / total > 0.5


def test_object_counts_per_image(coco_300: Coco) -> None:
    dataset = coco_300[0]
    per_image = Counter(a["image_id"] for a in dataset["annotations"])
    counts = np.array([per_image.get(img["id"], 0) for img in dataset["images"]])
    assert 5.5 < counts.mean() < 9.5
    assert (counts == 0).any(), "some images have no annotations"
    assert counts.max() <= 41
    assert counts.max() >= 20


def test_object_sizes_span_coco_size_buckets(coco_300: Coco) -> None:
    area = np.array([a["area"] for a in coco_300[0]["annotations"] if not a["iscrowd"]])
    tiny, small = area < 16**2, area < 32**2
    large = area >= 96**2
    assert tiny.mean() > 0.08
    assert 0.3 < small.mean() < 0.6
    assert 0.1 < large.mean() < 0.35


def test_polygon_vertex_counts_grow_with_size(coco_300: Coco) -> None:
    polygons = [a for a in coco_300[0]["annotations"] if isinstance(a["segmentation"], list)]
    vertices = np.array([sum(len(p) // 2 for p in a["segmentation"]) for a in polygons])
    area = np.array([a["area"] for a in polygons])
    assert 12 < vertices.mean() < 30  # COCO: mean ~21, median ~16
    assert np.median(vertices[area < 32**2]) < np.median(vertices[area >= 96**2])

"""The demo dataset's categories and how each one looks, how big and how frequent it is.

Ids and names are COCO's own (so a model's COCO id mapping still makes sense) and, like
COCO's, skip numbers. Frequencies follow a Zipf law over the listed order: `person` is
about a third of all objects, the last classes about 1 % each. Classes in the same
`group` look alike (similar outline, size and colour), which is what the simulated
detector confuses.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

# Zipf exponent over the category order below; 1.2 gives ~33 % person and ~1 % for the
# rarest class, close to COCO's own skew (person 26 %, hair drier 0.02 %).
ZIPF_EXPONENT = 1.2


@dataclass(frozen=True)
class CategorySpec:
    id: int
    name: str
    supercategory: str
    group: str  # visually similar classes share a group; the detector confuses within it
    shape: str  # outline template in cocowidget.datasets.shapes
    size_px: float  # median sqrt(area) in a 640x480 image
    size_spread: float  # sigma of log(sqrt(area))
    aspect: float  # median width / height
    colour: tuple[int, int, int]
    colour_jitter: float  # per-instance colour variation, 0..1


# Ordered from most to least frequent.
CATEGORIES: tuple[CategorySpec, ...] = (
    CategorySpec(1, "person", "person", "person", "person", 67, 1.19, 0.42, (170, 110, 90), 0.6),
    CategorySpec(3, "car", "vehicle", "road vehicle", "car", 59, 1.19, 1.7, (60, 85, 150), 0.35),
    CategorySpec(62, "chair", "furniture", "chair", "chair", 82, 0.88, 0.8, (120, 80, 45), 0.2),
    CategorySpec(47, "cup", "kitchen", "tableware", "cup", 47, 0.75, 0.95, (225, 225, 215), 0.15),
    CategorySpec(44, "bottle", "kitchen", "bottle", "bottle", 39, 0.88, 0.33, (50, 120, 60), 0.3),
    CategorySpec(16, "bird", "animal", "bird", "bird", 36, 1.12, 1.3, (90, 80, 70), 0.3),
    CategorySpec(51, "bowl", "kitchen", "tableware", "bowl", 78, 0.88, 1.7, (215, 215, 205), 0.15),
    CategorySpec(
        8, "truck", "vehicle", "road vehicle", "truck", 121, 1.12, 1.6, (70, 90, 140), 0.3
    ),
    CategorySpec(
        20, "sheep", "animal", "livestock", "quadruped", 94, 1.0, 1.3, (220, 215, 200), 0.1
    ),
    CategorySpec(
        10,
        "traffic light",
        "outdoor",
        "traffic light",
        "traffic light",
        28,
        0.75,
        0.4,
        (40, 40, 40),
        0.1,
    ),
    CategorySpec(
        2, "bicycle", "vehicle", "two-wheeler", "two-wheeler", 94, 0.88, 1.5, (30, 30, 35), 0.2
    ),
    CategorySpec(21, "cow", "animal", "livestock", "quadruped", 121, 1.0, 1.45, (120, 85, 60), 0.2),
    CategorySpec(18, "dog", "animal", "pet", "pet", 137, 1.0, 1.25, (150, 105, 65), 0.3),
    CategorySpec(37, "sports ball", "sports", "ball", "round", 16, 0.75, 1.0, (235, 235, 235), 0.3),
    CategorySpec(
        4, "motorcycle", "vehicle", "two-wheeler", "two-wheeler", 137, 0.88, 1.4, (40, 35, 35), 0.2
    ),
    CategorySpec(55, "orange", "food", "round fruit", "round", 39, 0.75, 1.0, (235, 140, 30), 0.08),
    CategorySpec(17, "cat", "animal", "pet", "pet", 166, 0.88, 1.2, (140, 110, 80), 0.3),
    CategorySpec(6, "bus", "vehicle", "road vehicle", "bus", 225, 0.94, 1.5, (75, 95, 155), 0.3),
    CategorySpec(53, "apple", "food", "round fruit", "round", 39, 0.75, 1.0, (190, 45, 40), 0.12),
    CategorySpec(
        13, "stop sign", "outdoor", "stop sign", "octagon", 67, 0.94, 1.0, (200, 30, 35), 0.05
    ),
)

CATEGORY_IDS: npt.NDArray[np.int64] = np.array([c.id for c in CATEGORIES], dtype=np.int64)
_ZIPF = 1.0 / np.arange(1, len(CATEGORIES) + 1, dtype=np.float64) ** ZIPF_EXPONENT
FREQUENCY: npt.NDArray[np.float64] = _ZIPF / _ZIPF.sum()

# Which categories can be confused with which: indices of the same group, same order.
SIMILAR: tuple[tuple[int, ...], ...] = tuple(
    tuple(j for j, other in enumerate(CATEGORIES) if other.group == c.group and j != i)
    for i, c in enumerate(CATEGORIES)
)


def coco_categories() -> list[dict[str, Any]]:
    """The `categories` section of the instances JSON, sorted by id as in COCO."""
    ordered = sorted(CATEGORIES, key=lambda c: c.id)
    return [{"supercategory": c.supercategory, "id": c.id, "name": c.name} for c in ordered]

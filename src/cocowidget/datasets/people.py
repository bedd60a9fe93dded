"""People with COCO's 17 keypoints: poses, visibility, boxes and outlines, from a seed.

A person is a stick figure in a plausible pose: a standing template (head, shoulders,
arms, hips, legs, in units of the person's height) with arms and legs swung, the body
leaning, facing the camera, turned sideways or away. Heights are log-uniform from a few
pixels (four in ten, too small to carry keypoints: ``num_keypoints = 0``, all joints 0,
as in COCO's ``person_keypoints`` files) and from 48 px to most of the image.

Flags follow COCO's: 2 for a visible joint, 1 for a labelled but hidden one (the far
side of a person turned sideways, the face of one turned away, random occlusions), 0 for
one not labelled (outside the image, or at random) with its coordinates 0. ``bbox`` is
the figure's extent, the ``segmentation`` a polygon around it (its joints' convex hull
grown by the limbs' thickness) and ``area`` that polygon's area.

Everything about image ``i`` comes from ``numpy.random.default_rng([seed, i, stream])``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

#: COCO's ``person`` category as ``person_keypoints_*.json`` has it.
KEYPOINT_NAMES = (
    "nose",
    "left_eye",
    "right_eye",
    "left_ear",
    "right_ear",
    "left_shoulder",
    "right_shoulder",
    "left_elbow",
    "right_elbow",
    "left_wrist",
    "right_wrist",
    "left_hip",
    "right_hip",
    "left_knee",
    "right_knee",
    "left_ankle",
    "right_ankle",
)
SKELETON = (
    (16, 14), (14, 12), (17, 15), (15, 13), (12, 13), (6, 12), (7, 13), (6, 7), (6, 8),
    (7, 9), (8, 10), (9, 11), (2, 3), (1, 2), (1, 3), (2, 4), (3, 5), (4, 6), (5, 7),
)  # fmt: skip
PERSON_CATEGORY = {
    "id": 1,
    "name": "person",
    "supercategory": "person",
    "keypoints": list(KEYPOINT_NAMES),
    "skeleton": [list(bone) for bone in SKELETON],
}
N_JOINTS = len(KEYPOINT_NAMES)

STREAM_PEOPLE = 10
STREAM_POSE_DETECTOR = 11

# A standing person facing the camera, (x, y) in units of its height: x from the body's
# axis (the person's left is the image's right), y down from the top of the head.
TEMPLATE = np.array(
    [
        (0.0, 0.07), (0.025, 0.05), (-0.025, 0.05), (0.05, 0.06), (-0.05, 0.06),
        (0.11, 0.19), (-0.11, 0.19), (0.14, 0.35), (-0.14, 0.35), (0.15, 0.49),
        (-0.15, 0.49), (0.08, 0.52), (-0.08, 0.52), (0.09, 0.73), (-0.09, 0.73),
        (0.09, 0.95), (-0.09, 0.95),
    ]
)  # fmt: skip
FACE = (0, 1, 2, 3, 4)
LEFT = (1, 3, 5, 7, 9, 11, 13, 15)
MEAN_PEOPLE = 2.2  # per image, as in person_keypoints_val2017 (11,004 in 5,000 images)
MIN_LABELLED_HEIGHT = 48.0  # px; smaller people get no keypoints, as in COCO
OCCLUDED = 0.12
UNLABELLED = 0.04

Points = npt.NDArray[np.float64]


@dataclass(frozen=True)
class Person:
    """One person: ``joints`` ``(17, 2)`` in pixels, ``flags`` (0, 1, 2), its height and
    limb width in pixels, and how it faces (``front``, ``side``, ``back``)."""

    joints: Points
    flags: npt.NDArray[np.int64]
    height: float
    limb: float
    facing: str
    colour: tuple[int, int, int]

    @property
    def labelled(self) -> int:
        return int(np.count_nonzero(self.flags))

    def keypoints(self) -> list[float]:
        """COCO's flat triplets: unlabelled joints are ``0, 0, 0``."""
        out: list[float] = []
        for (x, y), v in zip(self.joints.tolist(), self.flags.tolist(), strict=True):
            out += [round(x, 2), round(y, 2), int(v)] if v else [0, 0, 0]
        return out

    def outline(self) -> Points:
        """The polygon around the figure: the joints' hull, grown by the limbs' width."""
        head_top = self.joints[0] - np.array([0.0, 0.08 * self.height])
        points = np.vstack([self.joints, head_top[None, :]])
        angles = np.linspace(0.0, 2 * math.pi, 8, endpoint=False)
        ring = np.stack([np.cos(angles), np.sin(angles)], axis=1) * self.limb
        grown = (points[:, None, :] + ring[None, :, :]).reshape(-1, 2)
        return convex_hull(grown)


def convex_hull(points: Points) -> Points:
    """Andrew's monotone chain: the hull's vertices, counter-clockwise."""
    ordered = sorted({(float(x), float(y)) for x, y in points.tolist()})
    if len(ordered) < 3:
        return np.asarray(ordered, dtype=np.float64)

    def cross(o: tuple[float, float], a: tuple[float, float], b: tuple[float, float]) -> float:
        return (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0])

    lower: list[tuple[float, float]] = []
    for p in ordered:
        while len(lower) >= 2 and cross(lower[-2], lower[-1], p) <= 0:
            lower.pop()
        lower.append(p)
    upper: list[tuple[float, float]] = []
    for p in reversed(ordered):
        while len(upper) >= 2 and cross(upper[-2], upper[-1], p) <= 0:
            upper.pop()
        upper.append(p)
    return np.asarray(lower[:-1] + upper[:-1], dtype=np.float64)


def polygon_area(polygon: Points) -> float:
    x, y = polygon[:, 0], polygon[:, 1]
    return float(abs(np.dot(x, np.roll(y, -1)) - np.dot(y, np.roll(x, -1))) / 2.0)


def _rotate(points: Points, centre: Points, angle: float) -> Points:
    c, s = math.cos(angle), math.sin(angle)
    offset = points - centre
    rotated: Points = centre + offset @ np.array([[c, s], [-s, c]])
    return rotated


def pose(rng: np.random.Generator) -> tuple[Points, str]:
    """A template posed: limbs swung, body leaning, facing front, sideways or away."""
    joints = TEMPLATE.copy()
    for shoulder, elbow, wrist in ((5, 7, 9), (6, 8, 10)):
        swing = float(rng.normal(0.0, 0.6))
        joints[[elbow, wrist]] = _rotate(joints[[elbow, wrist]], joints[shoulder], swing)
        bend = float(rng.normal(0.0, 0.5))
        joints[[wrist]] = _rotate(joints[[wrist]], joints[elbow], bend)
    stride = float(rng.normal(0.0, 0.25))
    for hip, knee, ankle, sign in ((11, 13, 15, 1.0), (12, 14, 16, -1.0)):
        joints[[knee, ankle]] = _rotate(joints[[knee, ankle]], joints[hip], sign * stride)
    facing = str(rng.choice(["front", "side", "back"], p=[0.6, 0.25, 0.15]))
    if facing == "side":
        joints[:, 0] *= 0.35  # seen from the side, the body is narrow
    if facing == "back":
        joints[:, 0] *= -1.0  # the person's left is now on the image's left
    lean = float(rng.normal(0.0, 0.08))
    joints = _rotate(joints, np.array([0.0, 0.95]), lean)
    return joints, facing


def sample_person(rng: np.random.Generator, width: int, height: int) -> Person:
    # Four in ten too small for keypoints, the rest log-uniform up to most of the image.
    low, high = (
        (12.0, MIN_LABELLED_HEIGHT) if rng.random() < 0.4 else (MIN_LABELLED_HEIGHT, 0.95 * height)
    )
    size = float(math.exp(rng.uniform(math.log(low), math.log(max(low, high)))))
    shape, facing = pose(rng)
    x = float(rng.uniform(-0.1 * width, 1.1 * width))
    y = float(rng.uniform(-0.1 * size, height - 0.8 * size))
    joints = shape * size + np.array([x, y])
    flags = np.full(N_JOINTS, 2, dtype=np.int64)
    if facing == "back":
        flags[list(FACE)] = 1
    if facing == "side":
        far = [j for j in LEFT if rng.random() < 0.5] if rng.random() < 0.5 else []
        flags[far] = 1
    flags[rng.random(N_JOINTS) < OCCLUDED] = 1
    flags[rng.random(N_JOINTS) < UNLABELLED] = 0
    outside = (joints[:, 0] < 0) | (joints[:, 0] >= width) | (joints[:, 1] < 0)
    outside |= joints[:, 1] >= height
    flags[outside] = 0
    if size < MIN_LABELLED_HEIGHT:
        flags[:] = 0
    colour = tuple(int(c) for c in rng.integers(30, 226, 3))
    return Person(joints, flags, size, max(1.0, 0.045 * size), facing, colour)  # type: ignore[arg-type]


def image_people(seed: int, index: int, width: int, height: int) -> list[Person]:
    rng = np.random.default_rng([seed, index, STREAM_PEOPLE])
    count = int(min(rng.poisson(MEAN_PEOPLE), 12))
    people = [sample_person(rng, width, height) for _ in range(count)]
    # Back to front: the smaller (farther) first, so drawing in order overlaps rightly.
    return sorted(people, key=lambda p: p.height)


def annotation(person: Person, image_id: int, width: int, height: int) -> dict[str, Any] | None:
    """The person's COCO annotation (without ``id``), clipped to the image; None if
    nothing of it is inside."""
    polygon = person.outline()
    polygon[:, 0] = np.clip(polygon[:, 0], 0.0, float(width))
    polygon[:, 1] = np.clip(polygon[:, 1], 0.0, float(height))
    x0, y0 = polygon.min(axis=0)
    x1, y1 = polygon.max(axis=0)
    if x1 - x0 < 1.0 or y1 - y0 < 1.0:
        return None
    area = polygon_area(polygon)
    return {
        "image_id": image_id,
        "category_id": 1,
        "bbox": [round(float(x0), 2), round(float(y0), 2), round(float(x1 - x0), 2),
                 round(float(y1 - y0), 2)],
        "area": round(area, 2),
        "iscrowd": 0,
        "segmentation": [[round(float(v), 2) for v in polygon.reshape(-1).tolist()]],
        "keypoints": person.keypoints(),
        "num_keypoints": person.labelled,
    }  # fmt: skip

"""A simulated top-down pose estimator with the mistakes real ones make.

Each person is found with a chance that falls steeply for small people. Its joints are
placed with Gaussian noise scaled as OKS scales its tolerance (the joint's COCO sigma
times the person's size, times a per-detection quality), so well-found people score OKS
near 0.9 and poor ones below 0.5; hidden and unlabelled joints are placed worse; now and
then the left and right sides are swapped, a classic error. Some people are found twice,
and the background gives a few false poses. Scores follow quality, with overlap. Each
joint's third value is the model's confidence in it, as detectors write (COCOeval never
reads it). At most 20 results per image, as the keypoint evaluation keeps.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from cocowidget.datasets.people import N_JOINTS, STREAM_POSE_DETECTOR, Person, pose

MAX_RESULTS = 20
DUPLICATE = 0.06
SWAP = 0.05
FALSE_POSES = 0.4  # per image, on average
# COCO's per-joint OKS sigmas (cocowidget.evaluation.params holds the evaluated ones).
SIGMAS = np.array([
    0.026, 0.025, 0.025, 0.035, 0.035, 0.079, 0.079, 0.072, 0.072,
    0.062, 0.062, 0.107, 0.107, 0.087, 0.087, 0.089, 0.089,
])  # fmt: skip
# Left and right counterparts of each joint (the nose is its own).
MIRROR = np.array([0, 2, 1, 4, 3, 6, 5, 8, 7, 10, 9, 12, 11, 14, 13, 16, 15])


def found(height: float) -> float:
    """Chance of finding a person ``height`` px tall: ~0.2 at 24, ~0.7 at 48, ~0.95 at 128."""
    return 0.97 / (1.0 + math.exp(-3.0 * math.log2(height / 34.0)))


def _noisy(rng: np.random.Generator, person: Person, scale: float, quality: float) -> np.ndarray:
    """Predicted joints ``(17, 2)``: per joint, noise of ``quality * 2 * sigma * scale``
    (hidden joints twice that, unlabelled ones four times)."""
    spread = quality * 2 * SIGMAS * scale
    spread = np.where(person.flags == 1, 2 * spread, spread)
    spread = np.where(person.flags == 0, 4 * spread, spread)
    joints = person.joints + rng.normal(0.0, 1.0, (N_JOINTS, 2)) * spread[:, None]
    if rng.random() < SWAP:
        joints = joints[MIRROR]
    return joints


def _result(
    image_id: int, joints: np.ndarray, score: float, rng: np.random.Generator, size: tuple[int, int]
) -> dict[str, Any]:
    # Models place joints inside the image, even those of a person it cuts.
    joints = np.clip(joints, 0.0, [size[0] - 1.0, size[1] - 1.0])
    confidence = np.clip(rng.beta(5, 2, N_JOINTS) * (0.5 + score / 2), 0.01, 1.0)
    keypoints: list[float] = []
    for (x, y), c in zip(joints.tolist(), confidence.tolist(), strict=True):
        keypoints += [round(x, 2), round(y, 2), round(c, 3)]
    return {
        "image_id": image_id,
        "category_id": 1,
        "keypoints": keypoints,
        "score": round(float(score), 4),
    }


def detect_poses(
    seed: int,
    index: int,
    image_id: int,
    people: list[tuple[Person, float]],
    width: int,
    height: int,
) -> list[dict[str, Any]]:
    """Results for one image, best first; ``people`` pairs each person with its area."""
    rng = np.random.default_rng([seed, index, STREAM_POSE_DETECTOR])
    results: list[tuple[float, dict[str, Any]]] = []
    for person, area in people:
        inside = (person.joints >= 0).all(axis=1) & (person.joints < [width, height]).all(axis=1)
        # A person the image shows only a sliver of is not found (and the draw is made
        # anyway, so the stream stays in step).
        if rng.random() > found(person.height) or inside.sum() < 4:
            continue
        scale = math.sqrt(max(area, 1.0))
        quality = float(rng.gamma(2.0, 0.17))  # ~0.35 typical, a long tail of poor ones
        score = float(np.clip(rng.normal(0.92 - 0.5 * quality, 0.12), 0.02, 0.999))
        results.append(
            (
                score,
                _result(image_id, _noisy(rng, person, scale, quality), score, rng, (width, height)),
            )
        )
        if rng.random() < DUPLICATE:
            worse = quality * 1.8 + 0.2
            second = score * float(rng.uniform(0.3, 0.8))
            joints = _noisy(rng, person, scale, worse)
            results.append((second, _result(image_id, joints, second, rng, (width, height))))
    for _ in range(int(rng.poisson(FALSE_POSES))):
        shape, _facing = pose(rng)
        size = float(rng.uniform(30.0, 0.6 * height))
        origin = np.array([rng.uniform(0, width), rng.uniform(0, height - 0.5 * size)])
        joints = shape * size + origin
        score = float(rng.beta(2, 6))
        results.append((score, _result(image_id, joints, score, rng, (width, height))))
    results.sort(key=lambda pair: -pair[0])
    return [result for _, result in results[:MAX_RESULTS]]

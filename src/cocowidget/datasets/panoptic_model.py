"""A simulated panoptic model with the mistakes real ones make.

Stuff: the boundary between the upper and lower class wanders around the true horizon
(a wave and an offset), a class is now and then taken for a look-alike (road for
pavement, grass for dirt), and a patch of the lower class may come out as its
look-alike, a stuff segment of its own. Things: missed more often the smaller they are
(the instances detector's recall curve), labelled as a look-alike class now and then,
shifted, grown or shrunk by a pixel (more for small things), a crowd predicted as one
plain segment or not at all, and a few hallucinated things on the background. Some
predictions leave a void seam around a thing. Deterministic per (seed, image).
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt

from cocowidget.datasets.categories import CATEGORIES, SIMILAR
from cocowidget.datasets.detector import CONFUSION, POOR_LOCALISATION, RANDOM_CONFUSION, recall
from cocowidget.datasets.panoptic_scene import (
    STUFF,
    STUFF_BY_NAME,
    PanopticTruth,
    _ring,
    horizon_rows,
)
from cocowidget.datasets.scene import Scene, stream
from cocowidget.formats.panoptic_png import VOID

STREAM_PANOPTIC_MODEL = 5
STUFF_CONFUSION = 0.06
STUFF_PATCH = 0.15  # a patch of the lower class predicted as its look-alike
HALLUCINATION = 0.35  # images with a thing where there is none
CROWD_AS_SEGMENT = 0.5
SEAM = 0.2
_STUFF_BY_ID = {s.id: s for s in STUFF}

Labels = npt.NDArray[np.int32]
Mask = npt.NDArray[np.bool_]


def _look_alike(rng: np.random.Generator, category_id: int) -> int:
    similar = _STUFF_BY_ID[category_id].similar
    if similar and rng.random() < STUFF_CONFUSION:
        return STUFF_BY_NAME[str(rng.choice(similar))].id
    return category_id


def shifted(mask: Mask, dy: int, dx: int) -> Mask:
    """``mask`` moved by (dy, dx), what leaves the image lost."""
    height, width = mask.shape
    out = np.zeros_like(mask)
    ys, yd = (
        (slice(0, height - dy), slice(dy, height))
        if dy >= 0
        else (slice(-dy, height), slice(0, height + dy))
    )
    xs, xd = (
        (slice(0, width - dx), slice(dx, width))
        if dx >= 0
        else (slice(-dx, width), slice(0, width + dx))
    )
    out[yd, xd] = mask[ys, xs]
    return out


def predict(scene: Scene, truth: PanopticTruth) -> tuple[Labels, tuple[tuple[int, int, int], ...]]:
    """The model's labels and its segments ``(label, category_id, iscrowd=0)``."""
    rng = stream(scene.seed, scene.content_index, STREAM_PANOPTIC_MODEL)
    height, width = truth.labels.shape
    labels = np.zeros((height, width), dtype=np.int32)
    segments: list[tuple[int, int, int]] = []

    def add(mask: Mask, category_id: int) -> None:
        if mask.any():
            segments.append((len(segments) + 1, category_id, 0))
            labels[mask] = len(segments)

    stuff = [s for s in truth.segments if s.thing is None]
    rows = np.arange(height)[:, None]
    true_line = int(horizon_rows(height, scene.horizon).sum())
    phase, period = rng.uniform(0, 2 * math.pi), rng.uniform(0.5, 2.0) * width
    wave = rng.uniform(0, 0.03) * height * np.sin(2 * math.pi * np.arange(width) / period + phase)
    line = np.round(true_line + rng.normal(0, 0.01) * height + wave).astype(np.int64)
    upper = rows < line[None, :]
    if len(stuff) == 2:
        add(upper, _look_alike(rng, stuff[0].category_id))
        lower_class = _look_alike(rng, stuff[1].category_id)
        add(~upper, lower_class)
        similar = _STUFF_BY_ID[lower_class].similar
        if similar and rng.random() < STUFF_PATCH:
            patch = _ellipse(rng, height, width, below=int(line.mean()))
            add(patch & ~upper, STUFF_BY_NAME[str(rng.choice(similar))].id)
    elif stuff:
        add(np.ones((height, width), dtype=bool), _look_alike(rng, stuff[0].category_id))
    for segment in truth.segments:
        if segment.thing is None:
            continue
        mask = truth.labels == segment.label
        side = math.sqrt(max(1, int(mask.sum())))
        if segment.iscrowd:
            if rng.random() < CROWD_AS_SEGMENT:
                add(mask, segment.category_id)
            continue
        if rng.random() > recall(side):
            continue
        add(_mislocated(rng, mask, side), _mislabelled(rng, segment.thing))
        if rng.random() < SEAM:
            labels[_ring(labels == len(segments)) & (labels != len(segments))] = VOID
    if rng.random() < HALLUCINATION:
        for _ in range(int(rng.integers(1, 3))):
            add(
                _ellipse(rng, height, width, below=height // 3),
                int(rng.choice([c.id for c in CATEGORIES])),
            )
    return labels, tuple(
        (label, category, crowd) for label, category, crowd in segments if (labels == label).any()
    )


def _mislabelled(rng: np.random.Generator, thing: int) -> int:
    category = thing
    if SIMILAR[thing] and rng.random() < CONFUSION:
        category = int(rng.choice(SIMILAR[thing]))
    elif rng.random() < RANDOM_CONFUSION:
        category = int(rng.integers(len(CATEGORIES)))
    return CATEGORIES[category].id


def _mislocated(rng: np.random.Generator, mask: Mask, side: float) -> Mask:
    sigma = 0.012 + 0.05 * min(1.0, 24.0 / side)
    if rng.random() < POOR_LOCALISATION:
        sigma *= 4
    dy, dx = (round(float(v)) for v in rng.normal(0, sigma * side, 2))
    moved = shifted(mask, dy, dx)
    u = rng.random()
    if u < 0.25:
        moved = moved | _ring(moved)  # grown by a pixel
    elif u < 0.5:
        moved = moved & ~_ring(~moved)  # shrunk by a pixel
    return moved


def _ellipse(rng: np.random.Generator, height: int, width: int, below: int) -> Mask:
    h = int(rng.integers(8, max(9, height // 4)))
    w = int(rng.integers(8, max(9, width // 4)))
    cy = int(rng.integers(min(below, height - 1), height))
    cx = int(rng.integers(0, width))
    yy, xx = np.ogrid[:height, :width]
    mask: Mask = ((yy - cy) / (h / 2)) ** 2 + ((xx - cx) / (w / 2)) ** 2 <= 1
    return mask

"""Object outlines: per-class templates turned into annotator-like COCO polygons.

A template is a closed outline (or several parts) in a unit box, y pointing down. An
instance resamples it to a vertex count that grows with the object's size (as human
annotators click more points on bigger objects), jitters the vertices by about a pixel,
mirrors, rotates, scales and places it in the image.
"""

from __future__ import annotations

import math
from functools import cache
from typing import Any

import numpy as np
import numpy.typing as npt

Points = npt.NDArray[np.float64]  # (k, 2) x, y
Parts = list[Points]

_KEYS: dict[str, list[list[tuple[float, float]]]] = {
    "car": [
        [
            (0.0, 0.95),
            (0.0, 0.55),
            (0.08, 0.45),
            (0.26, 0.41),
            (0.36, 0.08),
            (0.72, 0.08),
            (0.86, 0.40),
            (0.98, 0.48),
            (1.0, 0.80),
            (0.95, 0.95),
        ]
    ],
    "truck": [
        [
            (0.0, 0.95),
            (0.0, 0.04),
            (0.66, 0.04),
            (0.66, 0.30),
            (0.85, 0.30),
            (0.97, 0.55),
            (1.0, 0.95),
        ]
    ],
    "bus": [
        [
            (0.0, 0.92),
            (0.0, 0.08),
            (0.03, 0.0),
            (0.97, 0.0),
            (1.0, 0.08),
            (1.0, 0.92),
            (0.97, 1.0),
            (0.03, 1.0),
        ]
    ],
    "traffic light": [
        [
            (0.0, 0.06),
            (0.1, 0.0),
            (0.9, 0.0),
            (1.0, 0.06),
            (1.0, 0.94),
            (0.9, 1.0),
            (0.1, 1.0),
            (0.0, 0.94),
        ]
    ],
    "chair": [
        [
            (0.05, 0.0),
            (0.24, 0.0),
            (0.24, 0.5),
            (0.95, 0.5),
            (0.95, 1.0),
            (0.83, 1.0),
            (0.83, 0.65),
            (0.24, 0.65),
            (0.24, 1.0),
            (0.05, 1.0),
        ]
    ],
    "cup": [
        [
            (0.02, 0.03),
            (0.76, 0.03),
            (0.76, 0.2),
            (0.96, 0.26),
            (0.98, 0.55),
            (0.76, 0.7),
            (0.70, 0.98),
            (0.08, 0.98),
        ]
    ],
    "bottle": [
        [
            (0.38, 0.0),
            (0.62, 0.0),
            (0.62, 0.24),
            (0.9, 0.38),
            (0.96, 0.5),
            (0.96, 1.0),
            (0.04, 1.0),
            (0.04, 0.5),
            (0.1, 0.38),
            (0.38, 0.24),
        ]
    ],
    "bird": [
        [
            (0.0, 0.33),
            (0.16, 0.22),
            (0.3, 0.06),
            (0.46, 0.18),
            (0.7, 0.33),
            (1.0, 0.26),
            (0.86, 0.55),
            (0.6, 0.8),
            (0.36, 0.86),
            (0.2, 0.6),
        ]
    ],
    "quadruped": [
        [
            (0.0, 0.22),
            (0.17, 0.04),
            (0.26, 0.24),
            (0.93, 0.2),
            (1.0, 0.35),
            (0.96, 0.62),
            (0.92, 1.0),
            (0.81, 1.0),
            (0.78, 0.7),
            (0.33, 0.7),
            (0.3, 1.0),
            (0.19, 1.0),
            (0.17, 0.58),
            (0.04, 0.44),
        ]
    ],
    "pet": [
        [
            (0.04, 0.3),
            (0.09, 0.02),
            (0.18, 0.18),
            (0.26, 0.02),
            (0.33, 0.3),
            (0.88, 0.34),
            (1.0, 0.16),
            (0.96, 0.45),
            (0.95, 1.0),
            (0.82, 1.0),
            (0.79, 0.75),
            (0.31, 0.75),
            (0.28, 1.0),
            (0.15, 1.0),
            (0.12, 0.6),
            (0.02, 0.5),
        ]
    ],
}


def _arc(cx: float, cy: float, rx: float, ry: float, a0: float, a1: float, n: int) -> Points:
    angles = np.linspace(math.radians(a0), math.radians(a1), n)
    return np.column_stack((cx + rx * np.cos(angles), cy + ry * np.sin(angles)))


@cache
def _template(shape: str) -> tuple[Points, ...]:
    if shape in _KEYS:
        return tuple(np.array(part, dtype=np.float64) for part in _KEYS[shape])
    if shape == "person":
        body = np.array(
            [
                (0.58, 0.17),
                (0.85, 0.22),
                (0.96, 0.5),
                (0.88, 0.53),
                (0.78, 0.31),
                (0.75, 0.56),
                (0.78, 0.99),
                (0.58, 0.99),
                (0.5, 0.62),
                (0.42, 0.99),
                (0.22, 0.99),
                (0.25, 0.56),
                (0.22, 0.31),
                (0.12, 0.53),
                (0.04, 0.5),
                (0.15, 0.22),
                (0.42, 0.17),
            ]
        )
        head = _arc(0.5, 0.095, 0.14, 0.095, 120, 420, 7)[1:-1]
        return (np.vstack((body, head)),)
    if shape == "octagon":
        return (_arc(0.5, 0.5, 0.5, 0.5, 22.5, 22.5 + 315, 8),)
    if shape == "bowl":
        return (np.vstack(([(0.0, 0.0), (1.0, 0.0)], _arc(0.5, 0.0, 0.5, 1.0, 10, 170, 9))),)
    if shape == "two-wheeler":
        frame = np.array(
            [
                (0.2, 0.68),
                (0.42, 0.3),
                (0.36, 0.04),
                (0.5, 0.04),
                (0.53, 0.3),
                (0.82, 0.68),
                (0.5, 0.74),
            ]
        )
        return (
            _arc(0.2, 0.7, 0.2, 0.3, 0, 330, 12),
            _arc(0.8, 0.7, 0.2, 0.3, 0, 330, 12),
            frame,
        )
    raise ValueError(f"unknown shape {shape!r}")


def _resample(keys: Points, n: int, rng: np.random.Generator) -> Points:
    """`n` points along a closed outline: all keys plus points spread along long edges, or,
    for fewer points than keys, an evenly spread subset of keys (a coarser annotation)."""
    k = len(keys)
    if n <= k:
        start = rng.random()
        index = np.unique(((np.arange(n) + start) * k / n).astype(np.int64) % k)
        return keys[index]
    edges = _next(keys) - keys
    length = np.hypot(edges[:, 0], edges[:, 1])
    share = length / length.sum() * (n - k)
    extra = np.floor(share).astype(np.int64)
    remainder = n - k - int(extra.sum())
    if remainder:
        extra[np.argsort(extra - share)[:remainder]] += 1
    per_edge = extra + 1
    edge = np.repeat(np.arange(k), per_edge)
    first = np.cumsum(per_edge) - per_edge
    t = (np.arange(n) - first[edge]) / per_edge[edge]
    points: Points = keys[edge] + t[:, None] * edges[edge]
    return points


def outline(shape: str, n_vertices: int, rng: np.random.Generator) -> Parts:
    """Unit-box outline of `shape` with about `n_vertices` points in total."""
    if shape == "round":
        angles = (np.arange(n_vertices) + rng.random()) * (2 * math.pi / n_vertices)
        radius = 0.5 * (1 + 0.03 * rng.standard_normal(n_vertices))
        return [np.column_stack((0.5 + radius * np.cos(angles), 0.5 + radius * np.sin(angles)))]
    parts = _template(shape)
    lengths = np.array([_perimeter(p) for p in parts])
    budget = np.maximum(np.round(n_vertices * lengths / lengths.sum()).astype(np.int64), 4)
    return [_resample(p, int(b), rng) for p, b in zip(parts, budget, strict=True)]


def _perimeter(points: Points) -> float:
    edges = _next(points) - points
    return float(np.hypot(edges[:, 0], edges[:, 1]).sum())


def place(
    parts: Parts,
    box: tuple[float, float, float, float],
    angle_deg: float,
    mirror: bool,
    jitter_px: float,
    rng: np.random.Generator,
) -> Parts:
    """Map unit-box parts onto `box` = (centre x, centre y, width, height) in pixels."""
    cx, cy, w, h = box
    c, s = math.cos(math.radians(angle_deg)), math.sin(math.radians(angle_deg))
    sx = -w if mirror else w
    # Scale (and mirror) about the box centre, then rotate: one 2x2 linear map.
    linear = np.array([[c * sx, s * sx], [-s * h, c * h]])
    offset = np.array([cx, cy])
    placed = []
    for part in parts:
        noise = rng.standard_normal((len(part), 2)) * jitter_px
        placed.append((part - 0.5) @ linear + offset + noise)
    return placed


def clip_to_image(parts: Parts, width: int, height: int) -> Parts:
    """Clamp to the image and round to COCO's two decimals; drop parts that collapse."""
    kept = []
    limit = np.array([width, height], dtype=np.float64)
    for part in parts:
        clamped: Points = np.clip(part, 0.0, limit).round(2)
        if _shoelace(clamped) >= 1.0:
            kept.append(clamped)
    return kept


def cut_vertical(parts: Parts, left: float, right: float) -> Parts:
    """The parts with the vertical band left < x < right removed, as a thin occluder
    (a post, a lamp pole) in front of the object would leave them."""
    pieces = []
    for part in parts:
        for piece in (
            _clip_half_plane(part, left, keep_below=True),
            _clip_half_plane(part, right, keep_below=False),
        ):
            if len(piece) >= 3 and _shoelace(piece) >= 1.0:
                pieces.append(np.round(piece, 2))
    return pieces


def _clip_half_plane(points: Points, x_cut: float, keep_below: bool) -> Points:
    """Sutherland-Hodgman against one vertical line; exact for any simple polygon."""
    sign = 1.0 if keep_below else -1.0
    inside = sign * (x_cut - points[:, 0]) >= 0
    out: list[Points] = []
    following = _next(points)
    following_inside = _next(inside)
    for p, q, p_in, q_in in zip(points, following, inside, following_inside, strict=True):
        if p_in:
            out.append(p)
        if p_in != q_in:
            t = (x_cut - p[0]) / (q[0] - p[0])
            out.append(np.array([x_cut, p[1] + t * (q[1] - p[1])]))
    return np.array(out) if out else np.empty((0, 2))


def _shoelace(points: Points) -> float:
    x, y = points[:, 0], points[:, 1]
    x_next, y_next = _next(x), _next(y)
    return 0.5 * abs(float(np.dot(x, y_next) - np.dot(y, x_next)))


def _next(values: npt.NDArray[Any]) -> npt.NDArray[Any]:
    """Each vertex's successor around the closed outline (np.roll, minus its overhead)."""
    return np.concatenate((values[1:], values[:1]))


def to_coco(parts: Parts) -> list[list[float]]:
    """COCO polygon segmentation: one flat [x1, y1, x2, y2, ...] list per part."""
    return [part.ravel().tolist() for part in parts]

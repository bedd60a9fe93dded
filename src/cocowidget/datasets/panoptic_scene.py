"""A demo image's panoptic ground truth: stuff under the things, every pixel labelled once.

The scene is the instances demo's (:mod:`cocowidget.datasets.scene`), so the JPEG is the
same picture: what is above the horizon is one stuff class (sky, or a wall indoors),
what is below another (road, floor, grass), split exactly where the renderer changes
colour. Things are the annotated objects' visible pixels (disjoint by construction,
front objects painted last), crowds are ``iscrowd`` segments, and like COCO's the PNGs
have void: the posts cutting objects, and a one-pixel seam around some things.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from cocowidget.datasets.annotate import AnnotatedObject, annotate
from cocowidget.datasets.categories import CATEGORIES
from cocowidget.datasets.masks import Rle
from cocowidget.datasets.scene import Scene, stream
from cocowidget.formats.panoptic_png import VOID, scan_segments

STREAM_PANOPTIC = 4
SEAM_PROBABILITY = 0.35  # things with a void seam around them, as annotators leave


@dataclass(frozen=True)
class StuffSpec:
    id: int  # COCO panoptic's
    name: str
    supercategory: str
    color: tuple[int, int, int]
    #: The classes a model confuses it with (names).
    similar: tuple[str, ...] = ()


STUFF: tuple[StuffSpec, ...] = (
    StuffSpec(149, "road", "ground", (128, 64, 128), ("pavement-merged",)),
    StuffSpec(187, "sky-other-merged", "sky", (70, 130, 180)),
    StuffSpec(190, "floor-other-merged", "floor", (96, 96, 96), ("wall-other-merged",)),
    StuffSpec(191, "pavement-merged", "ground", (96, 36, 108), ("road",)),
    StuffSpec(193, "grass-merged", "plant", (152, 251, 152), ("dirt-merged",)),
    StuffSpec(194, "dirt-merged", "ground", (208, 229, 228), ("grass-merged",)),
    StuffSpec(199, "wall-other-merged", "wall", (102, 102, 156), ("floor-other-merged",)),
)
STUFF_BY_NAME = {s.name: s for s in STUFF}
#: (above the horizon, below it) per theme.
LAYOUT = {
    "street": ("sky-other-merged", "road"),
    "indoor": ("wall-other-merged", "floor-other-merged"),
    "field": ("sky-other-merged", "grass-merged"),
}


def panoptic_categories() -> list[dict[str, Any]]:
    """Things (the demo's 20 classes) and stuff, sorted by id as COCO's file has them."""
    things = [
        {"supercategory": c.supercategory, "color": list(c.colour), "isthing": 1, "id": c.id,
         "name": c.name}
        for c in CATEGORIES
    ]  # fmt: skip
    stuff = [
        {"supercategory": s.supercategory, "color": list(s.color), "isthing": 0, "id": s.id,
         "name": s.name}
        for s in STUFF
    ]  # fmt: skip
    return sorted(things + stuff, key=lambda c: int(c["id"]))


@dataclass(frozen=True)
class Segment:
    label: int  # in the label map
    category_id: int
    iscrowd: int
    thing: int | None  # index into CATEGORIES for things


@dataclass(frozen=True)
class PanopticTruth:
    """One image's labels: ``labels`` (segment number per pixel, 0 void) and segments by
    number (``segments[k - 1]`` is label ``k``); ids are given when written."""

    labels: npt.NDArray[np.int32]
    segments: tuple[Segment, ...]
    objects: tuple[AnnotatedObject, ...]


def horizon_rows(height: int, horizon: float) -> npt.NDArray[np.bool_]:
    """Rows above the horizon, exactly as the renderer grades them (sky where y < h)."""
    y: npt.NDArray[np.bool_] = np.linspace(0.0, 1.0, height) < horizon
    return y


def decode(rle: Rle, height: int, width: int) -> npt.NDArray[np.bool_]:
    from pycocotools import mask as mask_api

    mask: npt.NDArray[np.bool_] = mask_api.decode(rle).astype(bool)
    return mask


def panoptic_truth(scene: Scene) -> PanopticTruth:
    """Stuff split at the horizon, things on top back to front, void seams and posts."""
    rng = stream(scene.seed, scene.content_index, STREAM_PANOPTIC)
    height, width = scene.spec.height, scene.spec.width
    labels = np.zeros((height, width), dtype=np.int32)
    upper, lower = (STUFF_BY_NAME[name] for name in LAYOUT[scene.theme])
    above = horizon_rows(height, scene.horizon)
    segments: list[Segment] = []
    for stuff, rows in ((upper, above), (lower, ~above)):
        if rows.any():
            segments.append(Segment(len(segments) + 1, stuff.id, 0, None))
            labels[rows] = len(segments)
    objects = annotate(scene)
    painted = np.zeros((height, width), dtype=bool)
    for item in objects:
        visible = decode(item.visible, height, width)
        if item.obj.cut_by_post:  # the post in front is void
            post = decode(item.silhouette, height, width) & ~decode(item.annotated, height, width)
            labels[post & ~painted] = VOID
        if not visible.any():
            continue
        category = CATEGORIES[item.obj.category]
        segments.append(
            Segment(len(segments) + 1, category.id, int(item.obj.iscrowd), item.obj.category)
        )
        labels[visible] = len(segments)
        painted |= visible
        if rng.random() < SEAM_PROBABILITY:
            labels[_ring(visible) & (labels != len(segments))] = VOID
    return PanopticTruth(labels, tuple(segments), tuple(objects))


def _ring(mask: npt.NDArray[np.bool_]) -> npt.NDArray[np.bool_]:
    """Pixels next to ``mask`` (4-neighbours) but not in it."""
    grown = mask.copy()
    grown[1:] |= mask[:-1]
    grown[:-1] |= mask[1:]
    grown[:, 1:] |= mask[:, :-1]
    grown[:, :-1] |= mask[:, 1:]
    ring: npt.NDArray[np.bool_] = grown & ~mask
    return ring


class IdColours:
    """Segment ids as panopticapi's IdGenerator makes them: the class's colour, or one
    close to it where that is taken (two things of a class), so PNGs look like COCO's."""

    def __init__(self, rng: np.random.Generator, colours: dict[int, tuple[int, int, int]]) -> None:
        self._rng = rng
        self._colours = colours
        self._taken: set[int] = {VOID}

    def take(self, category_id: int) -> int:
        base = np.array(self._colours[category_id], dtype=np.int64)
        candidate = base
        while True:
            segment_id = int(candidate[0] + 256 * candidate[1] + 65536 * candidate[2])
            if segment_id not in self._taken:
                self._taken.add(segment_id)
                return segment_id
            candidate = np.clip(base + self._rng.integers(-30, 31, 3), 0, 255)


def category_colours() -> dict[int, tuple[int, int, int]]:
    return {int(c["id"]): tuple(c["color"]) for c in panoptic_categories()}


def id_map_and_segments(
    labels: npt.NDArray[np.int32],
    segments: tuple[tuple[int, int, int], ...],  # (label, category_id, iscrowd)
    rng: np.random.Generator,
) -> tuple[npt.NDArray[np.uint32], list[dict[str, Any]]]:
    """The PNG's id map and ``segments_info`` (area and box from the pixels) of labels."""
    colours = IdColours(rng, category_colours())
    ids = np.zeros(max([int(labels.max(initial=0)), *(s[0] for s in segments)]) + 1, np.uint32)
    for label, category_id, _ in segments:
        ids[label] = colours.take(category_id)
    id_map = ids[labels]
    scan = scan_segments(id_map)
    found = scan.index(ids[[label for label, _, _ in segments]])
    info = []
    for (label, category_id, iscrowd), position in zip(segments, found.tolist(), strict=True):
        if position < 0:
            continue  # covered entirely by later segments
        info.append(
            {
                "id": int(ids[label]),
                "category_id": category_id,
                "iscrowd": iscrowd,
                "bbox": [int(v) for v in scan.bboxes[position]],
                "area": int(scan.areas[position]),
            }
        )
    return id_map, info

"""Small panoptic datasets written to a folder: id maps in, JSON and PNGs out."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from cocowidget.formats.panoptic_png import id_to_rgb

SAMPLE = Path(__file__).resolve().parents[2] / "data" / "panoptic_sample"
SAMPLE_JSON = SAMPLE / "panoptic_examples.json"
SAMPLE_PNGS = SAMPLE / "panoptic_examples"

CATEGORIES = [
    {"id": 1, "name": "person", "supercategory": "person", "isthing": 1, "color": [220, 20, 60]},
    {"id": 3, "name": "car", "supercategory": "vehicle", "isthing": 1, "color": [0, 0, 142]},
    {"id": 149, "name": "road", "supercategory": "ground", "isthing": 0, "color": [128, 64, 128]},
    {"id": 187, "name": "sky", "supercategory": "sky", "isthing": 0, "color": [70, 130, 180]},
]


def segments_of(
    ids: np.ndarray, categories: dict[int, int], crowd: frozenset[int] = frozenset()
) -> list[dict[str, Any]]:
    """segments_info for an id map, with the PNG's own area and pixel-inclusive box."""
    segments = []
    for segment_id, category_id in categories.items():
        ys, xs = np.nonzero(ids == segment_id)
        box = [
            int(xs.min()),
            int(ys.min()),
            int(xs.max() - xs.min() + 1),
            int(ys.max() - ys.min() + 1),
        ]
        segments.append(
            {
                "id": int(segment_id),
                "category_id": category_id,
                "area": len(xs),
                "bbox": box,
                "iscrowd": int(segment_id in crowd),
            }
        )
    return segments


@dataclass
class PanopticFolder:
    json: Path
    pngs: Path
    document: dict[str, Any] = field(default_factory=dict)

    def png(self, image_id: int) -> Path:
        return self.pngs / f"{image_id:012d}.png"


def write_panoptic(
    root: Path,
    images: list[tuple[int, np.ndarray, list[dict[str, Any]]]],
    *,
    categories: list[dict[str, Any]] | None = None,
    name: str = "panoptic",
) -> PanopticFolder:
    """One image per (image_id, id map, segments_info); PNGs named by image id."""
    pngs = root / name
    pngs.mkdir(parents=True, exist_ok=True)
    document: dict[str, Any] = {
        "images": [
            {
                "id": image_id,
                "file_name": f"{image_id:012d}.jpg",
                "height": ids.shape[0],
                "width": ids.shape[1],
            }
            for image_id, ids, _ in images
        ],
        "annotations": [
            {"image_id": image_id, "file_name": f"{image_id:012d}.png", "segments_info": segments}
            for image_id, _, segments in images
        ],
        "categories": categories if categories is not None else CATEGORIES,
    }
    for image_id, ids, _ in images:
        Image.fromarray(id_to_rgb(ids)).save(pngs / f"{image_id:012d}.png")
    path = root / f"{name}.json"
    path.write_text(json.dumps(document))
    return PanopticFolder(path, pngs, document)


def street(height: int = 24, width: int = 32, shift: int = 0) -> tuple[np.ndarray, dict[int, int]]:
    """Sky over road, a car and a person: ids and their categories."""
    ids = np.zeros((height, width), dtype=np.uint32)
    ids[: height // 2] = 1000
    ids[height // 2 :] = 2000
    ids[10 + shift : 18 + shift, 4:14] = 3001
    ids[6:20, 20 + shift : 24 + shift] = 1001
    ids[0, 0] = 0  # a void pixel
    return ids, {1000: 187, 2000: 149, 3001: 3, 1001: 1}

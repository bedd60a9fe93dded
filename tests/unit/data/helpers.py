"""Small COCO dicts for data-layer tests, and where the shared real data lives."""

from __future__ import annotations

import contextlib
import copy
import io
import math
from pathlib import Path
from typing import Any

import pytest

from tests.shared_data import COCO_TINY, VAL2014_100, reason
from tests.shared_data import SHARED_DATA as SHARED

REPO = Path(__file__).parents[3]
__all__ = ["COCO_TINY", "REPO", "VAL2014_100"]

#: pycocotools' mask functions trip a numpy 2 deprecation inside their compiled code.
pycocotools_numpy2_warning = pytest.mark.filterwarnings(
    "ignore:__array__ implementation doesn't accept a copy keyword:DeprecationWarning"
)

needs_shared_data = [
    pytest.mark.shared_data,
    pytest.mark.skipif(
        not SHARED.is_dir(),
        reason=reason(),
    ),
]


def square(x: float, y: float, size: float) -> list[list[float]]:
    return [[x, y, x + size, y, x + size, y + size, x, y + size]]


def annotation(
    id_: int, image_id: int, category_id: int, bbox: list[float], **fields: Any
) -> dict[str, Any]:
    record: dict[str, Any] = {
        "id": id_,
        "image_id": image_id,
        "category_id": category_id,
        "bbox": bbox,
        "area": fields.pop("area", bbox[2] * bbox[3]),
        "iscrowd": fields.pop("iscrowd", 0),
        "segmentation": fields.pop(
            "segmentation",
            [
                [
                    bbox[0],
                    bbox[1],
                    bbox[0] + bbox[2],
                    bbox[1],
                    bbox[0] + bbox[2],
                    bbox[1] + bbox[3],
                    bbox[0],
                    bbox[1] + bbox[3],
                ]
            ],
        ),
    }
    record.update(fields)
    return record


def small_coco() -> dict[str, Any]:
    """3 images (one without objects), 5 annotations, 3 categories (one unused)."""
    return copy.deepcopy(
        {
            "info": {"description": "test"},
            "licenses": [{"id": 1, "name": "CC"}],
            "images": [
                {"id": 7, "file_name": "a.jpg", "width": 100, "height": 50, "license": 1},
                {"id": 3, "file_name": "b.jpg", "width": 200, "height": 200},
                {"id": 5, "file_name": "c.jpg", "width": 64, "height": 64},
            ],
            "annotations": [
                annotation(1, 3, 2, [10, 10, 20, 20]),
                annotation(2, 7, 1, [0, 0, 10, 5]),
                annotation(3, 3, 1, [150, 150, 50, 50]),
                annotation(4, 7, 1, [40, 10, 30, 30]),
                annotation(
                    5,
                    3,
                    2,
                    [50, 50, 100, 100],
                    iscrowd=1,
                    segmentation={"size": [200, 200], "counts": [10050, 100, 29850]},
                ),
            ],
            "categories": [
                {"id": 1, "name": "cat", "supercategory": "animal"},
                {"id": 2, "name": "dog", "supercategory": "animal"},
                {"id": 9, "name": "unused", "supercategory": "thing"},
            ],
        }
    )


def quiet_coco(source: Any) -> Any:
    """A pycocotools COCO object without its progress prints."""
    from pycocotools.coco import COCO

    with contextlib.redirect_stdout(io.StringIO()):
        if isinstance(source, dict):
            coco = COCO()
            coco.dataset = copy.deepcopy(source)
            coco.createIndex()
            return coco
        return COCO(str(source))


def same_json(left: Any, right: Any) -> bool:
    """Equal as JSON values: numbers by value (5 == 5.0), NaN equal to NaN."""
    if isinstance(left, dict) and isinstance(right, dict):
        return left.keys() == right.keys() and all(same_json(left[k], right[k]) for k in left)
    if isinstance(left, list) and isinstance(right, list):
        return len(left) == len(right) and all(map(same_json, left, right))
    if isinstance(left, bool) or isinstance(right, bool):
        return left is right
    if isinstance(left, int | float) and isinstance(right, int | float):
        return left == right or (math.isnan(left) and math.isnan(right))
    return bool(left == right)

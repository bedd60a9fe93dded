"""Masks of one image's objects, decoded on demand through ``pycocotools.mask``.

At the image's own size a mask equals ``pycocotools.coco.COCO.annToMask``. At another
size, polygons are scaled and rasterised at that size (sharp edges, no resampling); RLE
masks are decoded and resampled by nearest neighbour. Objects without a segmentation
(detections with only a box) get their box as mask; an invalid segmentation gives an
empty mask (``ds.quality()`` lists it).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from pycocotools import mask as mask_api

from cocowidget.data import segments
from cocowidget.data.grouping import ObjectTable
from cocowidget.data.table import Table


def _parsed_valid(objects: ObjectTable, row: int) -> Any | None:
    raw = objects.segmentation[row]
    if raw is None:
        return None
    try:
        value = segments.parse(raw)
    except ValueError:
        return False
    if segments.check_segmentation(value, 0, 0) is not None:
        return False
    return value


def segmentation_value(objects: ObjectTable, row: int) -> Any | None:
    """One object's segmentation as read, or ``None`` if it has none or is malformed."""
    value = _parsed_valid(objects, row)
    return None if value is False else value


def _image_size(objects: ObjectTable, row: int, images: Table) -> tuple[int, int]:
    image_row = int(objects.table["image_index"][row])
    if image_row < 0:
        raise KeyError(f"object {int(objects.table['id'][row])} refers to an unknown image")
    return int(images["height"][image_row]), int(images["width"][image_row])


def object_rle(objects: ObjectTable, row: int, images: Table) -> dict[str, Any]:
    """Compressed RLE (``{"size": [h, w], "counts": bytes}``) of one object's mask at
    its image's size, as ``COCO.annToRLE`` gives it."""
    height, width = _image_size(objects, row, images)
    value = _parsed_valid(objects, row)
    if value is None:
        return segments.box_rle(objects.table["bbox"][row], height, width)
    if value is False:
        return dict(mask_api.encode(np.zeros((height, width), dtype=np.uint8, order="F")))
    return segments.to_rle(value, height, width)


def image_masks(
    objects: ObjectTable, image_row: int, images: Table, size: tuple[int, int] | None = None
) -> np.ndarray:
    """``(N, H, W)`` uint8 masks (0/1) of the image's objects in table order;
    ``size`` is ``(height, width)``, default the image's size."""
    height, width = int(images["height"][image_row]), int(images["width"][image_row])
    if height <= 0 or width <= 0:
        raise ValueError(f"image {int(images['id'][image_row])} has an unknown size")
    out_h, out_w = size if size is not None else (height, width)
    rows = range(*objects.rows_of(image_row).indices(len(objects)))
    masks = np.zeros((len(rows), out_h, out_w), dtype=np.uint8)
    scale_x, scale_y = out_w / width, out_h / height
    # RLEs already at the output size are decoded together, in one pycocotools call.
    ready: list[dict[str, Any]] = []
    ready_at: list[int] = []
    for i, row in enumerate(rows):
        value = _parsed_valid(objects, row)
        if value is False:
            continue
        if value is None:
            x, y, w, h = objects.table["bbox"][row]
            box = (x * scale_x, y * scale_y, w * scale_x, h * scale_y)
            ready.append(segments.box_rle(box, out_h, out_w))
        elif isinstance(value, list):
            scaled = value
            if (out_h, out_w) != (height, width):
                scaled = [_scale_polygon(polygon, scale_x, scale_y) for polygon in value]
            ready.append(segments.to_rle(scaled, out_h, out_w))
        else:
            rle = segments.to_rle(value, height, width)
            if list(rle["size"]) != [out_h, out_w]:
                masks[i] = segments.resize_nearest(mask_api.decode(rle), out_h, out_w)
                continue
            ready.append(rle)
        ready_at.append(i)
    if ready:
        masks[ready_at] = np.moveaxis(mask_api.decode(ready), -1, 0)
    return masks


def _scale_polygon(polygon: list[float], scale_x: float, scale_y: float) -> list[float]:
    coords = np.asarray(polygon, dtype=np.float64).copy()
    coords[0::2] *= scale_x
    coords[1::2] *= scale_y
    return list(coords.tolist())

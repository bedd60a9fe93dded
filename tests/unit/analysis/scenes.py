"""Hand-built datasets for the label-issue tests: boxes given as (x, y, w, h)."""

from __future__ import annotations

from typing import Any

from cocowidget.dataset import CocoDataset

RUN = "model"
CATEGORIES = {1: "car", 2: "truck", 3: "person"}
Box = tuple[float, float, float, float]


def box_polygon(box: Box) -> list[list[float]]:
    x, y, w, h = box
    return [[x, y, x + w, y, x + w, y + h, x, y + h]]


def label(
    image_id: int,
    category_id: int,
    box: Box,
    *,
    crowd: bool = False,
    segmentation: Any = None,
) -> dict[str, Any]:
    return {
        "image_id": image_id,
        "category_id": category_id,
        "bbox": list(box),
        "area": box[2] * box[3],
        "iscrowd": int(crowd),
        "segmentation": segmentation if segmentation is not None else box_polygon(box),
    }


def detection(
    image_id: int, category_id: int, box: Box, score: float, *, segmentation: Any = None
) -> dict[str, Any]:
    found: dict[str, Any] = {
        "image_id": image_id,
        "category_id": category_id,
        "bbox": list(box),
        "score": score,
    }
    if segmentation is not None:
        found["segmentation"] = segmentation
    return found


def dataset(
    labels: list[dict[str, Any]],
    detections: list[dict[str, Any]] | None,
    *,
    n_images: int = 3,
    size: int = 400,
) -> CocoDataset:
    """Images 1..n_images of size x size, the labels numbered from 1, and (unless None)
    the detections as run :data:`RUN`."""
    ds = CocoDataset.from_coco(
        {
            "images": [
                {"id": i, "file_name": f"{i}.jpg", "width": size, "height": size}
                for i in range(1, n_images + 1)
            ],
            "annotations": [{**a, "id": n} for n, a in enumerate(labels, start=1)],
            "categories": [{"id": i, "name": name} for i, name in CATEGORIES.items()],
        }
    )
    if detections is not None:
        ds.add_predictions(detections, RUN)
    return ds


def well_found(image_id: int, n: int = 4, *, category_id: int = 3) -> tuple[list[Any], list[Any]]:
    """``n`` labels of 40 x 40 px along the image's bottom, each found by a confident
    detection: the model is confident in this image, and finds objects of that size."""
    labels, detections = [], []
    for i in range(n):
        box = (10.0 + 60 * i, 340.0, 40.0, 40.0)
        labels.append(label(image_id, category_id, box))
        detections.append(detection(image_id, category_id, (11.0 + 60 * i, 341.0, 40.0, 39.0), 0.9))
    return labels, detections

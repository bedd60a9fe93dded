"""COCO panoptic ground truth (a JSON and a folder of PNGs) as a dataset's tables.

Each segment of ``segments_info`` becomes an annotation row (``id`` a running number,
since segment ids repeat across images; the PNG colour's id is ``segment_id``), with its
mask decoded from the PNG as compressed RLE, so grids draw things and stuff as they draw
instance masks. ``area``, ``bbox`` and ``iscrowd`` are the file's (panopticapi's IoU uses
the file's area); ``mask_area`` is the PNG's. Annotations gain ``segment_id`` and
``thing_or_stuff`` (``"thing"``, ``"stuff"``), categories ``isthing`` and ``color``,
images ``panoptic_png`` (the PNG's path) and ``void_fraction``.

The segments go through the instances reader (:func:`cocowidget.data.assembly.read_parts`)
as an instances document, so the tables, statistics and checks are the instances ones;
problems name the panoptic file's places (``annotations[3].segments_info[5]``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

from cocowidget.data.assembly import read_parts
from cocowidget.data.json_bytes import Source
from cocowidget.data.problems import WARNING, Problem, ProblemLog
from cocowidget.data.table import Table
from cocowidget.formats.panoptic_json import (
    PanopticDocument,
    PanopticRecord,
    last_per_image,
    read_document,
)
from cocowidget.formats.panoptic_scan import RecordScan, report, scan_records

_ANNOTATION_PATH = re.compile(r"^annotations\[(\d+)\]")
THING, STUFF, UNKNOWN = "thing", "stuff", "unknown"


@dataclass(frozen=True)
class Categories:
    """What the panoptic categories say beyond an instances file."""

    isthing: dict[int, bool]
    color: dict[int, tuple[int, ...] | None]

    def kind_of(self, category_id: int) -> str:
        known = self.isthing.get(category_id)
        return UNKNOWN if known is None else THING if known else STUFF


def png_folder(png_dir: Any) -> Path:
    folder = Path(png_dir)
    if not folder.is_dir():
        raise NotADirectoryError(f"no folder of panoptic PNGs at {folder}")
    return folder


def read_panoptic_parts(
    source: Any,
    png_dir: Any,
    image_dir: Path | None,
    *,
    strict: bool,
    allow_outside_image_dir: bool,
) -> dict[str, Any]:
    """The keyword arguments of :class:`~cocowidget.data.dataset.CocoData` for a
    panoptic JSON (path, bytes or dict) and its PNG folder."""
    folder = png_folder(png_dir)
    log = ProblemLog("", strict=strict)
    document = read_document(source, log)
    if document is None:
        document = PanopticDocument(Source(log.file or "<panoptic>"), {}, [])
    records = last_per_image(document.records, log)
    sizes = image_sizes(document.sections.get("images"))
    scans = scan_records(folder, records, [sizes.get(r.image_id) for r in records])
    for record, scan in zip(records, scans, strict=True):
        report(record, scan, log, ground_truth=True)
    categories = read_categories(document.sections.get("categories"), log)
    annotations, paths = _instances(records, scans)
    instances = Source(
        document.source.name, python={**document.sections, "annotations": annotations}
    )
    parts = read_parts(
        instances, image_dir, strict=strict, allow_outside_image_dir=allow_outside_image_dir
    )
    parts["load_problems"] = log.problems + [
        _relocated(problem, paths) for problem in parts["load_problems"]
    ]
    objects = parts["annotations"]
    objects.record_paths = paths
    _add_columns(parts["images"], objects.table, parts["categories"], records, scans, categories)
    _add_segment_columns(objects.table, records, scans, categories)
    return parts


def image_sizes(images: Any) -> dict[int, tuple[int, int]]:
    """(height, width) of each image id the images section gives a size (the last of an
    id, as pycocotools' index keeps it)."""
    sizes: dict[int, tuple[int, int]] = {}
    for image in images if isinstance(images, list) else []:
        if not isinstance(image, dict):
            continue
        values: list[Any] = [image.get(k) for k in ("id", "height", "width")]
        if all(isinstance(v, int) and not isinstance(v, bool) for v in values):
            sizes[values[0]] = (values[1], values[2])
    return sizes


def read_categories(categories: Any, log: ProblemLog) -> Categories:
    """``isthing`` and ``color`` by category id; a category without a usable ``isthing``
    is reported and counts as stuff (panopticapi's ``isthing == 1`` test)."""
    isthing: dict[int, bool] = {}
    color: dict[int, tuple[int, ...] | None] = {}
    for index, category in enumerate(categories if isinstance(categories, list) else []):
        if not isinstance(category, dict):
            continue
        category_id = category.get("id")
        if not isinstance(category_id, int) or isinstance(category_id, bool):
            continue
        value = category.get("isthing")
        if value not in (0, 1) or isinstance(value, bool):
            log.format_error(
                "invalid_field",
                f"categories[{index}].isthing",
                "missing 'isthing'" if value is None else f"expected 0 or 1, got {value!r}",
                "the category counts as stuff",
                severity=WARNING,
                category_id=category_id,
            )
        isthing[category_id] = value == 1
        rgb = category.get("color")
        color[category_id] = tuple(rgb) if isinstance(rgb, list) else None
    return Categories(isthing, color)


def _instances(
    records: list[PanopticRecord], scans: list[RecordScan]
) -> tuple[list[dict[str, Any]], np.ndarray]:
    """The segments as instances annotations, and each one's place in the panoptic file."""
    annotations: list[dict[str, Any]] = []
    paths: list[str] = []
    for record, scan in zip(records, scans, strict=True):
        geometries = scan.geometry if scan.has_masks else [None] * len(record.segments)
        for segment, geometry in zip(record.segments, geometries, strict=True):
            annotation: dict[str, Any] = {
                "id": len(annotations) + 1,
                "image_id": record.image_id,
                "category_id": segment.category_id,
                "iscrowd": segment.iscrowd,
            }
            area = segment.area if segment.area is not None else getattr(geometry, "area", None)
            if area is not None:
                annotation["area"] = area
            bbox = segment.bbox if segment.bbox is not None else getattr(geometry, "bbox", None)
            annotation["bbox"] = list(bbox) if bbox is not None else [0.0, 0.0, 0.0, 0.0]
            if geometry is not None and scan.size is not None:
                annotation["segmentation"] = {"size": list(scan.size), "counts": geometry.rle}
            annotations.append(annotation)
            paths.append(record.path(segment))
    return annotations, np.array(paths, dtype=object)


def _relocated(problem: Problem, paths: np.ndarray) -> Problem:
    """A problem the instances reader found, at the panoptic file's place."""
    found = _ANNOTATION_PATH.match(problem.json_path)
    if found is None:
        return problem
    place = str(paths[int(found.group(1))])
    json_path = place + problem.json_path[found.end() :]
    message = problem.message.replace(found.group(0), place, 1)
    return replace(problem, json_path=json_path, message=message)


def _add_columns(
    images: Table,
    segments: Table,
    categories: Table,
    records: list[PanopticRecord],
    scans: list[RecordScan],
    panoptic: Categories,
) -> None:
    png = np.full(len(images), None, dtype=object)
    void = np.full(len(images), np.nan)
    row_of = {int(i): row for row, i in enumerate(images["id"].tolist())}  # last id wins
    for record, scan in zip(records, scans, strict=True):
        row = row_of.get(record.image_id)
        if row is None:
            continue
        png[row] = str(scan.path) if scan.path is not None else None
        if scan.has_masks and scan.size is not None:
            void[row] = scan.void_pixels / max(1, scan.size[0] * scan.size[1])
    images["panoptic_png"] = png
    images["void_fraction"] = void
    ids = categories["id"].tolist()
    categories["isthing"] = np.array([panoptic.isthing.get(i, False) for i in ids], dtype=bool)
    colors = np.empty(len(ids), dtype=object)
    colors[:] = [panoptic.color.get(i) for i in ids]
    categories["color"] = colors


def _add_segment_columns(
    table: Table, records: list[PanopticRecord], scans: list[RecordScan], panoptic: Categories
) -> None:
    """``segment_id``, ``thing_or_stuff`` and the PNG's ``mask_area``, by file index."""
    segment_ids: list[int] = []
    mask_areas: list[float] = []
    for record, scan in zip(records, scans, strict=True):
        geometries = scan.geometry if scan.has_masks else [None] * len(record.segments)
        for segment, geometry in zip(record.segments, geometries, strict=True):
            segment_ids.append(segment.id)
            mask_areas.append(float(geometry.area) if geometry is not None else np.nan)
    at = table["file_index"]
    table["segment_id"] = np.array(segment_ids, dtype=np.int64)[at]
    table["mask_area"] = np.array(mask_areas, dtype=np.float64)[at]
    kinds = np.array([panoptic.kind_of(int(c)) for c in table["category_id"].tolist()], object)
    table["thing_or_stuff"] = kinds

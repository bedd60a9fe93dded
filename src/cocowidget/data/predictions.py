"""Prediction runs: loading detections and matching them to the ground truth.

A run is a COCO results list (``image_id``, ``category_id``, ``bbox`` and/or
``segmentation``, ``score``) or a COCO dict whose annotations carry scores. Missing
fields are derived as ``pycocotools.coco.COCO.loadRes`` derives them: ``id`` is the
1-based position, ``area`` is the box area when a box is given, else the mask area,
``bbox`` of a mask-only detection is the mask's bounding box, ``iscrowd`` is 0.

Detections made against another numbering of the same images can be matched by
``file_name`` and category ``name`` instead of by id (``match="name"``).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Any, Literal

import numpy as np

from cocowidget.data import segments
from cocowidget.data.columns import Columns, category_columns, image_columns, result_columns
from cocowidget.data.loading import RESULTS_LIST, load_document, read_source
from cocowidget.data.problems import ERROR, Problem, ProblemLog
from cocowidget.data.table import Table

Match = Literal["id", "name"]


@dataclass
class LoadedRun:
    columns: Columns
    section: str
    problems: list[Problem]


def load_run(
    source: Any,
    name: str,
    gt_images: Table,
    gt_categories: Table,
    *,
    match: Match,
    reference: Any,
    strict: bool,
) -> LoadedRun:
    data = read_source(source)
    log = ProblemLog(data.name, strict=strict, run=name)
    document = load_document(data, None, log)
    if document.is_results_list:
        section = document.sections[RESULTS_LIST]
    else:
        section = document.sections["annotations"]
        if not section.present:
            log.format_error(
                "invalid_structure",
                "",
                "expected a list of detections or a COCO dict with 'annotations'",
                "no detections were loaded",
            )
    columns = _without_unusable(_derive_missing(result_columns(section, log)), section.name, log)
    own_images: Table | None = None
    own_categories: Table | None = None
    if match == "name":
        if reference is not None:
            ref_data = read_source(reference)
            ref_log = ProblemLog(ref_data.name, strict=strict, run=name)
            ref_document = load_document(ref_data, None, ref_log)
            log.problems += ref_log.problems
            sections = ref_document.sections
        else:
            sections = document.sections
        if "images" in sections and sections["images"].present:
            own_images = image_columns(sections["images"], log).table
        if "categories" in sections and sections["categories"].present:
            own_categories = category_columns(sections["categories"]).table
        if own_images is None and own_categories is None:
            raise ValueError(
                f"predictions {name!r}: match='name' needs the images and categories the "
                "detections' ids refer to: pass a COCO dict with images, categories and "
                "scored annotations, or reference= a COCO file with them"
            )
        _match_by_name(columns.table, own_images, own_categories, gt_images, gt_categories, log)
    else:
        _report_id_mismatch(columns.table, gt_images, gt_categories, log)
    return LoadedRun(columns, section.name, log.problems)


def _derive_missing(columns: Columns) -> Columns:
    """Fill id, bbox and area where the records did not carry them (as loadRes does)."""
    table = columns.table
    ids = table["id"]
    missing_id = ids < 0
    if missing_id.any():
        # loadRes numbers detections by their 1-based position in the list; where only
        # some have ids, the others get positions above the largest given id.
        position = table["file_index"] + 1
        table["id"] = (
            position
            if missing_id.all()
            else np.where(missing_id, position + int(ids.max(initial=0)), ids)
        )
    bbox = table["bbox"]
    area = table["area"]
    box_missing = np.isnan(bbox).any(axis=1)
    area_missing = np.isnan(area)
    for row in np.flatnonzero(box_missing | area_missing).tolist():
        raw = columns.segmentation[row]
        derived = None
        if raw is not None:
            try:
                value = segments.parse(raw)
            except ValueError:
                value = None
            if value is not None and segments.check_segmentation(value, 0, 0) is None:
                derived = segments.bbox_and_area(value)
        if box_missing[row] and derived is not None:
            bbox[row] = derived[0]
        if area_missing[row]:
            if not box_missing[row]:
                area[row] = bbox[row, 2] * bbox[row, 3]
            elif derived is not None:
                area[row] = derived[1]
    return columns


def _without_unusable(columns: Columns, section: str, log: ProblemLog) -> Columns:
    """Detections with no box, neither given nor derivable from a mask, are dropped."""
    table = columns.table
    unusable = np.isnan(table["bbox"]).any(axis=1)
    for row in np.flatnonzero(unusable).tolist():
        has_mask = columns.segmentation[row] is not None
        reason = (
            "the bbox cannot be derived from the segmentation, which is invalid"
            if has_mask
            else "a detection needs a 'bbox' or a 'segmentation'"
        )
        log.format_error(
            "invalid_field",
            f"{section}[{int(table['file_index'][row])}]",
            reason,
            "the detection was dropped",
            image_id=int(table["image_id"][row]),
            category_id=int(table["category_id"][row]),
        )
    return columns.take(np.flatnonzero(~unusable)) if unusable.any() else columns


def _basename(name: str) -> str:
    return PurePosixPath(name.replace("\\", "/")).name


def _match_by_name(
    table: Table,
    own_images: Table | None,
    own_categories: Table | None,
    gt_images: Table,
    gt_categories: Table,
    log: ProblemLog,
) -> None:
    if own_images is not None:
        gt_by_name: dict[str, int] = {}
        gt_by_base: dict[str, int | None] = {}
        for gt_id, file_name in zip(
            gt_images["id"].tolist(), gt_images["file_name"].tolist(), strict=True
        ):
            gt_by_name.setdefault(file_name, gt_id)
            base = _basename(file_name)
            gt_by_base[base] = None if base in gt_by_base else gt_id
        mapping: dict[int, int] = {}
        for own_id, file_name in zip(
            own_images["id"].tolist(), own_images["file_name"].tolist(), strict=True
        ):
            gt_id = gt_by_name.get(file_name)
            if gt_id is None:
                gt_id = gt_by_base.get(_basename(file_name))
            if gt_id is not None:
                mapping.setdefault(own_id, gt_id)
        table["image_id"] = _mapped(table["image_id"], mapping, "image", "file_name", log)
    if own_categories is not None:
        gt_by_category: dict[str, int] = {}
        for gt_id, category in zip(
            gt_categories["id"].tolist(), gt_categories["name"].tolist(), strict=True
        ):
            gt_by_category.setdefault(category, gt_id)
        mapping = {}
        for own_id, category in zip(
            own_categories["id"].tolist(), own_categories["name"].tolist(), strict=True
        ):
            if category in gt_by_category:
                mapping.setdefault(own_id, gt_by_category[category])
        table["category_id"] = _mapped(table["category_id"], mapping, "category", "name", log)


def _mapped(
    ids: np.ndarray, mapping: dict[int, int], noun: str, key: str, log: ProblemLog
) -> np.ndarray:
    out = np.fromiter((mapping.get(i, -1) for i in ids.tolist()), dtype=np.int64, count=len(ids))
    unmatched = out < 0
    if unmatched.any():
        examples = ", ".join(str(i) for i in np.unique(ids[unmatched])[:5].tolist())
        log.format_error(
            "unmatched_prediction",
            "",
            f"{int(unmatched.sum())} of {len(ids)} detections have a {noun} whose {key} is "
            f"not in the ground truth (their {noun} ids: {examples})",
            f"their {noun}_id was kept as it is",
        )
        out[unmatched] = ids[unmatched]
    return out


def _report_id_mismatch(
    table: Table, gt_images: Table, gt_categories: Table, log: ProblemLog
) -> None:
    for column, gt, noun in (
        ("image_id", gt_images, "image"),
        ("category_id", gt_categories, "category"),
    ):
        ids = table[column]
        unknown = ~np.isin(ids, gt["id"])
        if unknown.any():
            examples = ", ".join(str(i) for i in np.unique(ids[unknown])[:5].tolist())
            log.format_error(
                "unmatched_prediction",
                "",
                f"{int(unknown.sum())} of {len(ids)} detections refer to {noun}_ids that are not "
                f"in the ground truth (e.g. {examples}). If the predictions were made with "
                "other ids, pass match='name' to map images by file_name and categories by "
                "name",
                "they are kept but belong to no image" if noun == "image" else "they are kept",
                severity=ERROR,
            )


__all__ = ["LoadedRun", "Match", "load_run"]

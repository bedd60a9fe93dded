"""From a COCO file to a dataset's parts: the document read, its columns built, objects
grouped by image, statistics computed, ids that are not int64s resolved, missing
sections reported. :meth:`CocoData.from_coco` is :func:`read_parts` and the checks."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np

from cocowidget.data.columns import (
    Columns,
    annotation_columns,
    category_columns,
    image_columns,
    repair_missing_areas,
)
from cocowidget.data.format_probe import without_panoptic_annotations
from cocowidget.data.grouping import IdIndex, ObjectTable
from cocowidget.data.identity import UserIds, pending_of, resolve_ids
from cocowidget.data.keypoints import add_keypoint_columns, add_run_keypoint_columns
from cocowidget.data.loading import (
    GROUND_TRUTH_LAYOUT,
    Document,
    load_document,
    read_source,
    reread_raw_fields,
)
from cocowidget.data.lvis import add_frequency_columns
from cocowidget.data.predictions import LoadedRun, load_run
from cocowidget.data.problems import INFO, WARNING, ProblemLog
from cocowidget.data.statistics import (
    PIXEL_STATISTICS,
    category_statistics,
    image_statistics,
    object_statistics,
)
from cocowidget.data.table import Table
from cocowidget.progress import Stage, stages


def read_parts(
    source: Any, image_dir: Path | None, *, strict: bool, allow_outside_image_dir: bool
) -> dict[str, Any]:
    """The keyword arguments of :class:`~cocowidget.data.dataset.CocoData` for a COCO
    instances source (path, bytes, dict or ``pycocotools.coco.COCO``)."""
    with stages("Loading", ("reading", "parsing", "columns", "statistics")) as stage:
        stage("reading")
        log = ProblemLog("", strict=strict)
        data = read_source(source)
        log.file = data.name
        data = without_panoptic_annotations(data, log)
        stage("parsing")
        document = load_document(data, GROUND_TRUTH_LAYOUT, log)
        report_missing_sections(document, log)
        stage("columns")
        sections = document.sections
        images = image_columns(sections["images"], log)
        reread = "annotations" in document.rereadable
        annotations = annotation_columns(sections["annotations"], log, raw=not reread)
        categories = category_columns(sections["categories"])
        for section in sections.values():
            section.records = []  # the columns hold everything now; free the structs
        if reread:
            annotations.segmentation, annotations.extras = reread_raw_fields(
                document, "annotations"
            )
        document.data = None
        repair_missing_areas(annotations, sections["annotations"], log)
        user_ids = resolve_user_ids(document, images, annotations, categories)
        stage("statistics")
        image_table, category_table = images.table, categories.table
        objects = group_objects(
            annotations,
            IdIndex(image_table["id"]),
            IdIndex(category_table["id"]),
            len(image_table),
        )
        add_object_statistics(objects, image_table, category_table)
        add_keypoint_columns(objects, category_table, categories.extras, log)
        add_frequency_columns(objects, category_table, categories.extras)
        add_table_statistics(image_table, objects, category_table)
    as_read = {
        name: part.as_read
        for name, part in sections.items()
        if part.as_read is not None or not part.present
    }
    return {
        "images": image_table,
        "image_extras": images.extras,
        "annotations": objects,
        "categories": category_table,
        "category_extras": categories.extras,
        "top_extras": document.top_extras,
        "source_name": data.name,
        "load_problems": log.problems,
        "image_dir": image_dir,
        "allow_outside_image_dir": allow_outside_image_dir,
        "strict": strict,
        "user_ids": user_ids,
        "originals": {name: part.originals for name, part in sections.items() if part.originals},
        "sections_as_read": as_read if document.readable else {},
    }


def read_run(
    source: Any,
    name: str,
    images: Table,
    categories: Table,
    *,
    stage: Stage,
    **options: Any,
) -> tuple[LoadedRun, ObjectTable]:
    """A prediction run read and grouped by image, with its statistics (``options`` are
    :func:`~cocowidget.data.predictions.load_run`'s)."""
    stage("reading")
    loaded = load_run(source, name, images, categories, **options)
    stage("grouping")
    objects = group_objects(
        loaded.columns,
        IdIndex(images["id"]),
        IdIndex(categories["id"]),
        len(images),
        loaded.section,
    )
    objects.originals = loaded.originals
    add_object_statistics(objects, images, categories)
    log = ProblemLog(loaded.source_name, strict=options.get("strict", False), run=name)
    add_run_keypoint_columns(objects, categories, log)
    loaded.problems.extend(log.problems)
    return loaded, objects


def source_label(source: Any) -> str:
    """How a run's source is named in its record: its ``name`` (a ``Path``'s file name),
    a path given as text, else its kind."""
    named = getattr(source, "name", None)
    if named:
        return str(named)
    return str(source) if isinstance(source, str | os.PathLike) else f"<{type(source).__name__}>"


def group_objects(
    columns: Columns,
    image_ids: IdIndex,
    category_ids: IdIndex,
    n_images: int,
    section: str = "annotations",
) -> ObjectTable:
    """Annotations (or detections) sorted by image, with their image and class rows."""
    table = columns.table
    image_index = image_ids.rows(table["image_id"])
    table["category_index"] = category_ids.rows(table["category_id"])
    return ObjectTable.group(
        table, columns.segmentation, columns.extras, image_index, n_images, section
    )


def add_object_statistics(objects: ObjectTable, images: Table, categories: Table) -> None:
    """The per-object statistics columns (box parts, relative area, size bucket, ...)."""
    table = objects.table
    statistics = object_statistics(table, images, categories)
    for name in ("bbox_x", "bbox_y", "bbox_w", "bbox_h"):
        table[name] = statistics.pop(name)
    for name in ("relative_area", "aspect_ratio", "size_bucket"):
        table[name] = statistics.pop(name)
    if "mask_area" not in table:
        table["mask_area"] = np.full(len(table), np.nan)  # filled by compute_mask_areas
    for name, values in statistics.items():
        table[name] = values


def refresh_statistics(
    images: Table, annotations: ObjectTable, runs: list[ObjectTable], categories: Table
) -> None:
    """Every statistics column computed from the objects, again (file-based ones kept)."""
    for objects in (annotations, *runs):
        add_object_statistics(objects, images, categories)
    for name, values in image_statistics(images, annotations, len(categories)).items():
        images[name] = values
    for name, values in category_statistics(categories, annotations.table).items():
        categories[name] = values


def add_table_statistics(images: Table, objects: ObjectTable, categories: Table) -> None:
    """Image and category statistics from the objects; file-based ones start unknown."""
    for name, values in image_statistics(images, objects, len(categories)).items():
        images[name] = values
    images["file_size"] = np.full(len(images), np.nan)  # bytes; known once files are read
    for name in PIXEL_STATISTICS:
        images[name] = np.full(len(images), np.nan)
    for name, values in category_statistics(categories, objects.table).items():
        categories[name] = values


def resolve_user_ids(
    document: Document, images: Columns, annotations: Columns, categories: Columns
) -> UserIds:
    """Internal ids for ids that are not int64s, by identity (see identity.py)."""
    sections = document.sections
    pending = {name: section.pending for name, section in sections.items()}
    if not any(pending.values()):
        return {}
    objects = annotations.table
    user_ids = {
        "images": resolve_ids(
            pending_of(images.table["id"], pending["images"], "id"),
            [pending_of(objects["image_id"], pending["annotations"], "image_id")],
        ),
        "categories": resolve_ids(
            pending_of(categories.table["id"], pending["categories"], "id"),
            [pending_of(objects["category_id"], pending["annotations"], "category_id")],
        ),
        "annotations": resolve_ids(pending_of(objects["id"], pending["annotations"], "id"), []),
    }
    return {name: labels for name, labels in user_ids.items() if labels}


def report_missing_sections(document: Document, log: ProblemLog) -> None:
    sections = document.sections
    if not document.readable:
        return  # the reason is reported already
    if not sections["images"].present:
        log.format_error("invalid_structure", "", "missing 'images'", "the dataset has no images")
    if not sections["annotations"].present:
        log.format_error(
            "invalid_structure",
            "",
            "no 'annotations'",
            "the dataset has no annotations",
            severity=INFO,
        )
    if not sections["categories"].present and sections["annotations"].records:
        log.format_error(
            "invalid_structure",
            "",
            "missing 'categories'",
            "every category is undefined",
            severity=WARNING,
        )

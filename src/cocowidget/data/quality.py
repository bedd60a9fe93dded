"""Quality checks: every problem of a dataset as a row of the problems table.

Checks on the tables are vectorised (masks over whole columns; messages only for the
rows found). The segmentation checks (:mod:`~cocowidget.data.segmentation_checks`) parse
raw segmentations in chunks; the file checks (:mod:`~cocowidget.data.file_checks`) read
every image once, in parallel on an executor, and are optional.

Severities: ``error`` means the data is wrong (a reference to nothing, a negative box,
an unreadable file); ``warning`` means it is suspicious (a box past the image edge, an
empty mask, near-duplicate annotations); ``info`` means worth knowing (tiny objects,
unused categories).

Just over 400 lines: the table checks (ids, references, boxes) share the Subject and
the message helpers; segmentation and file checks live in their own modules.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from cocowidget.data.files import unsafe_file_name_reason
from cocowidget.data.grouping import IdIndex, ObjectTable, ranges
from cocowidget.data.identity import NO_REFERENCE
from cocowidget.data.problems import ERROR, INFO, NO_ID, WARNING, Problem
from cocowidget.data.statistics import image_sizes_of
from cocowidget.data.table import Table


@dataclass(frozen=True)
class QualityThresholds:
    """Limits of the checks that need one."""

    #: How far (px) a box may extend past the image edge before it is reported.
    border_tolerance: float = 1.0
    #: A box whose long side exceeds this multiple of its short side is extreme.
    extreme_aspect_ratio: float = 20.0
    #: Objects with a smaller area (px²) are tiny.
    tiny_area: float = 4.0
    #: Same-class boxes in one image overlapping more than this (IoU) are near-duplicates.
    near_duplicate_iou: float = 0.9
    #: Images darker than this mean luma (0..1) are near-black.
    near_black_brightness: float = 0.04
    #: Images whose luma standard deviation (0..1) is below this are constant.
    constant_contrast: float = 0.004


@dataclass
class Subject:
    """An object table with what its messages need: how to call its rows, its run."""

    objects: ObjectTable
    noun: str  # "annotation" or "detection"
    run: str = ""
    #: Internal id -> the file's id, by table, for ids that are not int64s in the file.
    user_ids: Mapping[str, Mapping[int, Any]] = field(default_factory=dict)

    def shown(self, table: str, id_: int) -> str:
        """An id as the file has it, for messages."""
        original = self.user_ids.get(table, {}).get(id_, id_)
        return str(original) if isinstance(original, int) else repr(original)


def _ids(table: Table, rows: np.ndarray, name: str) -> list[int]:
    return table[name][rows].tolist() if name in table else [NO_ID] * len(rows)


def object_problems(
    subject: Subject,
    rows: np.ndarray,
    kind: str,
    severity: str,
    suffix: str,
    message: Callable[[int], str],
) -> list[Problem]:
    table = subject.objects.table
    ids = _ids(table, rows, "id")
    image_ids = _ids(table, rows, "image_id")
    category_ids = _ids(table, rows, "category_id")
    problems = []
    for i, row in enumerate(rows.tolist()):
        problems.append(
            Problem(
                kind,
                severity,
                f"{subject.noun} {ids[i]} (image {image_ids[i]}): {message(row)}",
                image_ids[i],
                ids[i],
                category_ids[i],
                subject.objects.path(row) + suffix,
                subject.run,
            )
        )
    return problems


# -- ids and references --------------------------------------------------------------------
def duplicate_ids(images: Table, subject: Subject, categories: Table) -> list[Problem]:
    problems: list[Problem] = []
    if not subject.run:
        problems += duplicate_record_ids(images, "images", "image", None, subject.user_ids)
        problems += duplicate_record_ids(
            categories, "categories", "category", None, subject.user_ids
        )
    objects = subject.objects
    duplicated = np.flatnonzero(objects.ids.duplicated())
    problems += object_problems(
        subject,
        duplicated,
        "duplicate_annotation_id",
        ERROR,
        ".id",
        lambda row: f"id {int(objects.table['id'][row])} is used by more than one {subject.noun}",
    )
    return problems


def duplicate_record_ids(
    table: Table,
    section: str,
    noun: str,
    index: IdIndex | None,
    user_ids: Mapping[str, Mapping[int, Any]],
) -> list[Problem]:
    """Images (or categories) sharing an id: references go to the last of them, as in
    pycocotools' index."""
    index = index or IdIndex(table["id"])
    duplicated = np.flatnonzero(index.duplicated())
    problems: list[Problem] = []
    labels = user_ids.get(section, {})
    for row in duplicated.tolist():
        record_id = int(table["id"][row])
        last = int(table["file_index"][index.row(record_id)])
        shown = labels.get(record_id, record_id)
        problems.append(
            Problem(
                f"duplicate_{noun}_id",
                ERROR,
                f"{noun} id {shown!r} is used by more than one {noun}; "
                f"references go to the last, {section}[{last}] (as in pycocotools)",
                image_id=record_id if noun == "image" else NO_ID,
                category_id=record_id if noun == "category" else NO_ID,
                json_path=f"{section}[{int(table['file_index'][row])}].id",
            )
        )
    return problems


def duplicate_category_names(categories: Table) -> list[Problem]:
    """Categories sharing a name: charts and filters by name cannot tell them apart."""
    problems: list[Problem] = []
    first: dict[Any, int] = {}
    for row, name in enumerate(categories["name"].tolist()):
        if name not in first:
            first[name] = row
            continue
        earlier = int(categories["file_index"][first[name]])
        problems.append(
            Problem(
                "duplicate_category_name",
                WARNING,
                f"category name {name!r} is used by more than one category "
                f"(also categories[{earlier}])",
                category_id=int(categories["id"][row]),
                json_path=f"categories[{int(categories['file_index'][row])}].name",
            )
        )
    return problems


def dangling_references(subject: Subject, categories: Table) -> list[Problem]:
    table = subject.objects.table
    # A reference the record lacks (NO_REFERENCE) was reported while loading.
    no_image = np.flatnonzero((table["image_index"] < 0) & (table["image_id"] != NO_REFERENCE))
    problems = object_problems(
        subject,
        no_image,
        "dangling_image_ref",
        ERROR,
        ".image_id",
        lambda row: (
            f"refers to image {subject.shown('images', int(table['image_id'][row]))}, "
            "which is not in images"
        ),
    )
    no_category = np.flatnonzero(
        (table["category_index"] < 0) & (table["category_id"] != NO_REFERENCE)
    )
    problems += object_problems(
        subject,
        no_category,
        "dangling_category_ref",
        ERROR,
        ".category_id",
        lambda row: (
            f"refers to category {subject.shown('categories', int(table['category_id'][row]))}"
            ", which is not in categories"
        ),
    )
    if len(no_category):
        undefined, counts = np.unique(table["category_id"][no_category], return_counts=True)
        for category_id, count in zip(undefined.tolist(), counts.tolist(), strict=True):
            where = f" in run {subject.run!r}" if subject.run else ""
            problems.append(
                Problem(
                    "undefined_category",
                    ERROR,
                    f"category id {subject.shown('categories', category_id)} is used by "
                    f"{count} {subject.noun}"
                    f"{'s' if count != 1 else ''}{where} but not defined in categories",
                    category_id=category_id,
                    json_path="categories",
                    run=subject.run,
                )
            )
    return problems


def unused_categories(categories: Table) -> list[Problem]:
    problems = []
    for row in np.flatnonzero(categories["annotation_count"] == 0).tolist():
        category_id = int(categories["id"][row])
        problems.append(
            Problem(
                "unused_category",
                INFO,
                f"category {categories['name'][row]!r} (id {category_id}) has no annotations",
                category_id=category_id,
                json_path=f"categories[{int(categories['file_index'][row])}]",
            )
        )
    return problems


def unsafe_file_names(images: Table) -> list[Problem]:
    problems = []
    for row, name in enumerate(images["file_name"].tolist()):
        reason = unsafe_file_name_reason(name)
        if reason is not None:
            image_id = int(images["id"][row])
            problems.append(
                Problem(
                    "unsafe_file_name",
                    ERROR,
                    f"image {image_id}: {reason}; it is never read",
                    image_id=image_id,
                    json_path=f"images[{int(images['file_index'][row])}].file_name",
                )
            )
    return problems


# -- boxes ---------------------------------------------------------------------------------
def box_problems(
    subject: Subject, images: Table, thresholds: QualityThresholds, *, ground_truth: bool
) -> list[Problem]:
    table = subject.objects.table
    bbox = table["bbox"]
    x, y, w, h = bbox[:, 0], bbox[:, 1], bbox[:, 2], bbox[:, 3]
    area = table["area"]
    width, height = image_sizes_of(table, images)
    problems: list[Problem] = []

    def box(row: int) -> str:
        return f"box [{x[row]:g}, {y[row]:g}, {w[row]:g}, {h[row]:g}]"

    negative = (w < 0) | (h < 0)
    problems += object_problems(
        subject,
        np.flatnonzero(negative),
        "negative_box",
        ERROR,
        ".bbox",
        lambda row: f"{box(row)} has a negative width or height",
    )
    degenerate = ~negative & ((w == 0) | (h == 0))
    problems += object_problems(
        subject,
        np.flatnonzero(degenerate),
        "degenerate_box",
        WARNING,
        ".bbox",
        lambda row: f"{box(row)} has no area",
    )
    # A detection's area is its box's (as loadRes makes it): for a negative box, the
    # negative_box problem says it all.
    problems += object_problems(
        subject,
        np.flatnonzero((area < 0) & (ground_truth | ~negative)),
        "negative_area",
        ERROR,
        ".area",
        lambda row: f"area {area[row]:g} is negative",
    )
    known = (width > 0) & (height > 0) & ~negative
    outside = known & ((x >= width) | (y >= height) | (x + w <= 0) | (y + h <= 0))
    problems += object_problems(
        subject,
        np.flatnonzero(outside),
        "box_outside_image",
        ERROR,
        ".bbox",
        lambda row: f"{box(row)} lies entirely outside the {width[row]}x{height[row]} image",
    )
    tol = thresholds.border_tolerance
    beyond = (
        known
        & ~outside
        & ((x < -tol) | (y < -tol) | (x + w > width + tol) | (y + h > height + tol))
    )
    problems += object_problems(
        subject,
        np.flatnonzero(beyond),
        "box_outside_image",
        WARNING,
        ".bbox",
        lambda row: (
            f"{box(row)} extends past the {width[row]}x{height[row]} image by more than {tol:g} px"
        ),
    )
    if not ground_truth:
        return problems
    positive = (w > 0) & (h > 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        elongation = np.where(positive, np.maximum(w / h, h / w), 0.0)
    extreme = positive & (elongation > thresholds.extreme_aspect_ratio)
    problems += object_problems(
        subject,
        np.flatnonzero(extreme),
        "extreme_aspect_ratio",
        WARNING,
        ".bbox",
        lambda row: (
            f"{box(row)}: its long side is {elongation[row]:.1f} times its short side "
            f"(limit {thresholds.extreme_aspect_ratio:g})"
        ),
    )
    tiny = positive & (area >= 0) & (area < thresholds.tiny_area)
    problems += object_problems(
        subject,
        np.flatnonzero(tiny),
        "tiny_object",
        INFO,
        ".area",
        lambda row: f"area {area[row]:g} px² is below {thresholds.tiny_area:g} px²",
    )
    return problems


def near_duplicate_pairs(
    objects: ObjectTable, iou_threshold: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(first row, second row, IoU) of same-image, same-class, non-crowd box pairs with
    IoU above the threshold; pairs are generated per (image, category) group, vectorised."""
    table = objects.table
    candidates = np.flatnonzero(
        (table["image_index"] >= 0)
        & (table["iscrowd"] == 0)
        & (table["bbox"][:, 2] > 0)
        & (table["bbox"][:, 3] > 0)
    )
    if len(candidates) < 2:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, np.zeros(0)
    order = np.lexsort((table["category_id"][candidates], table["image_index"][candidates]))
    rows = candidates[order]
    group_key = np.stack([table["image_index"][rows], table["category_id"][rows]], axis=1)
    new_group = np.ones(len(rows), dtype=bool)
    new_group[1:] = np.any(group_key[1:] != group_key[:-1], axis=1)
    starts = np.flatnonzero(new_group)
    sizes = np.diff(np.append(starts, len(rows)))
    # For each member i of a group, pair it with the later members i+1..end.
    group_of = np.repeat(np.arange(len(starts)), sizes)
    position = np.arange(len(rows))
    later = starts[group_of] + sizes[group_of] - position - 1
    first = np.repeat(position, later)
    second = ranges(position + 1, later)
    if len(first) == 0:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, np.zeros(0)
    a = table["bbox"][rows[first]]
    b = table["bbox"][rows[second]]
    ix = np.clip(
        np.minimum(a[:, 0] + a[:, 2], b[:, 0] + b[:, 2]) - np.maximum(a[:, 0], b[:, 0]), 0, None
    )
    iy = np.clip(
        np.minimum(a[:, 1] + a[:, 3], b[:, 1] + b[:, 3]) - np.maximum(a[:, 1], b[:, 1]), 0, None
    )
    inter = ix * iy
    union = a[:, 2] * a[:, 3] + b[:, 2] * b[:, 3] - inter
    iou = inter / union
    keep = iou > iou_threshold
    return rows[first[keep]], rows[second[keep]], iou[keep]


def near_duplicates(subject: Subject, thresholds: QualityThresholds) -> list[Problem]:
    table = subject.objects.table
    first, second, iou = near_duplicate_pairs(subject.objects, thresholds.near_duplicate_iou)
    partner = dict(
        zip(second.tolist(), zip(first.tolist(), iou.tolist(), strict=True), strict=True)
    )
    return object_problems(
        subject,
        second,
        "near_duplicate",
        WARNING,
        ".bbox",
        lambda row: (
            f"overlaps {subject.noun} {int(table['id'][partner[row][0]])} of the same "
            f"category with box IoU {partner[row][1]:.3f} (> {thresholds.near_duplicate_iou:g})"
        ),
    )


def flatten(groups: Iterable[list[Problem]]) -> list[Problem]:
    return [problem for group in groups for problem in group]


__all__ = [
    "QualityThresholds",
    "Subject",
    "box_problems",
    "dangling_references",
    "duplicate_ids",
    "flatten",
    "near_duplicate_pairs",
    "near_duplicates",
    "unsafe_file_names",
    "unused_categories",
]

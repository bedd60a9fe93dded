"""Quality checks: every problem of a dataset as a row of the problems table.

Checks on the tables are vectorised (masks over whole columns; messages only for the
rows found). The segmentation scan parses raw segmentations in chunks. File checks read
every image once, in parallel on an executor, and are optional.

Severities: ``error`` means the data is wrong (a reference to nothing, a negative box,
an unreadable file); ``warning`` means it is suspicious (a box past the image edge, an
empty mask, near-duplicate annotations); ``info`` means worth knowing (tiny objects,
unused categories).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import Executor, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from cocowidget.data.files import FileReport, inspect_image_file, unsafe_file_name_reason
from cocowidget.data.grouping import IdIndex, ObjectTable, ranges
from cocowidget.data.identity import NO_REFERENCE
from cocowidget.data.problems import ERROR, INFO, NO_ID, WARNING, Problem
from cocowidget.data.segment_scan import scan_segmentations
from cocowidget.data.segments import SegmentationIssue
from cocowidget.data.statistics import image_sizes_of
from cocowidget.data.table import Table
from cocowidget.progress import run_in_parallel


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


def _object_problems(
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
    problems += _object_problems(
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
    problems = _object_problems(
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
    problems += _object_problems(
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
    problems += _object_problems(
        subject,
        np.flatnonzero(negative),
        "negative_box",
        ERROR,
        ".bbox",
        lambda row: f"{box(row)} has a negative width or height",
    )
    degenerate = ~negative & ((w == 0) | (h == 0))
    problems += _object_problems(
        subject,
        np.flatnonzero(degenerate),
        "degenerate_box",
        WARNING,
        ".bbox",
        lambda row: f"{box(row)} has no area",
    )
    # A detection's area is its box's (as loadRes makes it): for a negative box, the
    # negative_box problem says it all.
    problems += _object_problems(
        subject,
        np.flatnonzero((area < 0) & (ground_truth | ~negative)),
        "negative_area",
        ERROR,
        ".area",
        lambda row: f"area {area[row]:g} is negative",
    )
    known = (width > 0) & (height > 0) & ~negative
    outside = known & ((x >= width) | (y >= height) | (x + w <= 0) | (y + h <= 0))
    problems += _object_problems(
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
    problems += _object_problems(
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
    problems += _object_problems(
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
    problems += _object_problems(
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
    return _object_problems(
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


# -- segmentations -------------------------------------------------------------------------
_SEGMENTATION_SEVERITY = {
    "invalid_segmentation": ERROR,
    "empty_segmentation": WARNING,
    "rle_size_mismatch": ERROR,
}


def segmentation_problems(
    subject: Subject, images: Table, executor: Executor | None = None
) -> list[Problem]:
    issues = scan_segmentations(subject.objects, images, executor)
    if boxes_only(subject.objects, issues):
        # Box results without a segmentation field are the norm, not worth a line; ground
        # truth without masks is (no mask evaluation), and so are fields left empty.
        said = len(subject.objects) and (subject.noun != "detection" or issues)
        return _boxes_only(subject) if said else []
    problems = []
    for row, issue in issues:
        problems += _object_problems(
            subject,
            np.array([row]),
            issue.kind,
            _SEGMENTATION_SEVERITY[issue.kind],
            ".segmentation" + issue.subpath,
            lambda _row, issue=issue: issue.reason,  # type: ignore[misc]
        )
    return problems


def boxes_only(objects: ObjectTable, issues: list[tuple[int, SegmentationIssue]]) -> bool:
    """No object has a segmentation with any content: every one is absent or empty (as
    converters from box formats write them). Not a problem of each object, but one fact
    about the table."""
    empty = sum(1 for _, issue in issues if issue.kind == "empty_segmentation")
    if empty < len(issues):
        return False  # an invalid segmentation is a real problem, said per object
    absent = sum(1 for value in objects.segmentation if value is None)
    return empty + absent == len(objects)


def _boxes_only(subject: Subject) -> list[Problem]:
    whose = f"run {subject.run!r}" if subject.run else f"the {subject.noun}s"
    return [
        Problem(
            "boxes_only",
            INFO,
            f"{whose}: no {subject.noun} has a segmentation (all {len(subject.objects):,} "
            "are absent or empty): boxes only, so mask evaluation and mask checks do not "
            "apply",
            run=subject.run,
        )
    ]


# -- files ---------------------------------------------------------------------------------
def default_executor() -> ThreadPoolExecutor:
    # Decoding and hashing release the GIL, so threads use every core.
    return ThreadPoolExecutor(max_workers=max(2, os.cpu_count() or 2))


def inspect_files(
    paths: Sequence[Path | None], executor: Executor | None = None, chunk: int = 64
) -> list[FileReport | None]:
    """Reports for the given paths (None stays None), computed on ``executor``, with a
    progress bar; an interrupt cancels what has not started."""
    own = executor is None
    pool = default_executor() if executor is None else executor
    try:
        return run_in_parallel(_inspect_batch, paths, pool, "Checking image files", batch=chunk)
    finally:
        if own:
            pool.shutdown(cancel_futures=True)


def _inspect_batch(paths: list[Path | None]) -> list[FileReport | None]:
    return [None if path is None else inspect_image_file(path) for path in paths]


def _image_problem(
    images: Table, row: int, kind: str, severity: str, message: str, field: str = ".file_name"
) -> Problem:
    image_id = int(images["id"][row])
    return Problem(
        kind,
        severity,
        f"image {image_id} ({images['file_name'][row]}): {message}",
        image_id=image_id,
        json_path=f"images[{int(images['file_index'][row])}]{field}",
    )


def file_problems(
    images: Table, reports: Sequence[FileReport | None], thresholds: QualityThresholds
) -> list[Problem]:
    problems: list[Problem] = []
    by_digest: dict[str, int] = {}
    for row, report in enumerate(reports):
        if report is None:
            continue
        if report.failure is not None:
            kind, reason = report.failure
            problems.append(_image_problem(images, row, kind, ERROR, reason))
        if report.digest:
            first = by_digest.setdefault(report.digest, row)
            if first != row:
                same = f"{int(images['id'][first])} ({images['file_name'][first]})"
                problems.append(
                    _image_problem(
                        images,
                        row,
                        "duplicate_image",
                        WARNING,
                        f"same file content as image {same}",
                    )
                )
        size_problem = _size_problem(images, row, report)
        if size_problem is not None:
            problems.append(size_problem)
        if report.failure is not None or report.brightness != report.brightness:
            continue
        if report.contrast < thresholds.constant_contrast:
            message = f"the image is a single flat tone (luma std {report.contrast:.4f})"
            problems.append(_image_problem(images, row, "constant_image", WARNING, message, ""))
        elif report.brightness < thresholds.near_black_brightness:
            message = f"the image is nearly black (mean luma {report.brightness:.3f})"
            problems.append(_image_problem(images, row, "near_black_image", WARNING, message, ""))
    return problems


def _size_problem(images: Table, row: int, report: FileReport) -> Problem | None:
    """JSON width/height against the file's size as displayed (EXIF orientation applied,
    as annotation tools show images)."""
    stored, displayed = report.stored_size, report.displayed_size
    if stored is None or displayed is None:
        return None
    declared = (int(images["width"][row]), int(images["height"][row]))
    if declared == (0, 0) or declared == displayed:
        return None
    said = f"JSON size {declared[0]}x{declared[1]} (width x height)"
    if declared == stored:
        message = (
            f"{said} is the stored pixel size, but EXIF orientation {report.orientation} "
            f"displays the image as {displayed[0]}x{displayed[1]}; annotations may be in the "
            "unrotated frame"
        )
        return _image_problem(images, row, "exif_size_mismatch", ERROR, message, ".width")
    message = f"{said} differs from the file's {displayed[0]}x{displayed[1]}"
    return _image_problem(images, row, "size_mismatch", ERROR, message, ".width")


def flatten(groups: Iterable[list[Problem]]) -> list[Problem]:
    return [problem for group in groups for problem in group]


__all__ = [
    "QualityThresholds",
    "Subject",
    "box_problems",
    "dangling_references",
    "duplicate_ids",
    "file_problems",
    "flatten",
    "inspect_files",
    "near_duplicate_pairs",
    "near_duplicates",
    "segmentation_problems",
    "unsafe_file_names",
    "unused_categories",
]

"""Prediction runs: loading detections and matching them to the ground truth.

A run is a COCO results list (``image_id``, ``category_id``, ``bbox`` and/or
``segmentation``, ``score``) or a COCO dict whose annotations carry scores. Detections
are completed as ``pycocotools.coco.COCO.loadRes`` completes them, by the branch its
*first* record chooses: with a ``bbox``, ``area = w * h`` for every record; else with a
``segmentation``, the mask's area for every record (and its bounding box where a record
has no ``bbox``); else with ``keypoints``, box and area of their extent. A record's own
``area`` is never used (it stays in ``file_area``); ``iscrowd`` is 0. Missing ids are
1-based positions (a file's own ids are kept: COCOeval never reads them).

Detections made against another numbering of the same images can be matched by
``file_name`` and category ``name`` instead of by id (``match="name"``).

Over 400 lines because loadRes' branches, the id/name matching and the kept originals
are one reading of a results file, each step depending on the previous one's choices.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Any, Literal

import numpy as np

from cocowidget.data import segments
from cocowidget.data.columns import (
    NO_FILE_ID,
    Columns,
    category_columns,
    image_columns,
    result_columns,
)
from cocowidget.data.loading import RESULTS_LIST, Section, load_document, read_source
from cocowidget.data.problems import ERROR, WARNING, Problem, ProblemLog
from cocowidget.data.table import Table

Match = Literal["id", "name"]


@dataclass
class LoadedRun:
    columns: Columns
    section: str
    problems: list[Problem]
    #: Records holding NaN or Infinity as read, by file index (written back as such).
    originals: dict[int, Any] = field(default_factory=dict)
    #: How problems name the source (its file name, or ``<list>``).
    source_name: str = ""


def load_run(
    source: Any,
    name: str,
    gt_images: Table,
    gt_categories: Table,
    *,
    match: Match,
    reference: Any,
    strict: bool,
    category_map: Mapping[str, str] | None = None,
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
    _refuse_unscored(section, data.name, name, log)
    columns = _without_unusable(
        _complete_as_load_res(result_columns(section, log), section.name, log), section.name, log
    )
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
        table = columns.table
        table["file_image_id"] = table["image_id"].copy()
        table["file_category_id"] = table["category_id"].copy()
        _match_by_name(
            table, own_images, own_categories, gt_images, gt_categories, category_map or {}, log
        )
    else:
        sections = document.sections
        for key, gt, noun, field in (
            ("images", gt_images, "image", "file_name"),
            ("categories", gt_categories, "category", "name"),
        ):
            if key in sections and sections[key].present:
                own = (
                    image_columns(sections[key], ProblemLog(data.name)).table
                    if key == "images"
                    else category_columns(sections[key]).table
                )
                _report_other_numbering(own, gt, key, noun, field, log)
        _report_id_mismatch(columns.table, gt_images, gt_categories, log)
    # With match='name' the records are written with the ground truth's ids: not as read.
    originals = dict(section.originals) if match == "id" else {}
    return LoadedRun(columns, section.name, log.problems, originals, data.name)


def _refuse_unscored(section: Section, source: str, name: str, log: ProblemLog) -> None:
    """Records that all lack a score are ground truth passed by mistake: an error, not an
    empty run."""
    if section.records:
        return
    missing = [p for p in log.problems if p.message.endswith(_MISSING_SCORE_ACTION)]
    if missing:
        raise ValueError(
            f"{source}: predictions {name!r}: none of the {len(missing)} records has a "
            "'score' (first: "
            f"{missing[0].json_path or 'the file'}): is this the ground truth? Detections "
            "need image_id, category_id, score and a bbox or segmentation"
        )


_MISSING_SCORE_ACTION = "missing required field 'score'; the detection was dropped"


def _report_other_numbering(
    own: Table, gt: Table, section: str, noun: str, field: str, log: ProblemLog
) -> None:
    """The detections' own images or categories number things otherwise than the ground
    truth: their ids would attach detections to the wrong images or classes."""
    key = _basename if field == "file_name" else str
    gt_names = {
        int(i): key(str(v)) for i, v in zip(gt["id"].tolist(), gt[field].tolist(), strict=True)
    }
    differing = [
        (int(i), str(v), gt_names[int(i)])
        for i, v in zip(own["id"].tolist(), own[field].tolist(), strict=True)
        if int(i) in gt_names and key(str(v)) != gt_names[int(i)]
    ]
    if not differing:
        return
    own_id, own_name, gt_name = differing[0]
    log.format_error(
        "other_numbering",
        section,
        f"the file's own {section} give {len(differing)} {noun} ids other {field}s than the "
        f"ground truth (e.g. {noun} {own_id} is {own_name!r} here, {gt_name!r} in the ground "
        f"truth): the detections' {noun}_ids are not the ground truth's. Pass match='name' "
        f"to map them by {field}",
        "the ids were taken as ground-truth ids",
    )


#: How ``COCO.loadRes`` completes a results list, chosen by its first record.
BBOX_BRANCH, SEGM_BRANCH, KEYPOINTS_BRANCH = "bbox", "segm", "keypoints"


def load_res_branch(columns: Columns) -> str | None:
    """The branch of ``loadRes`` the file takes: ``bbox`` if the first record has a box,
    else ``segm`` if it has a segmentation, else ``keypoints`` (None for no records)."""
    table = columns.table
    if not len(table):
        return None
    if not np.isnan(table["bbox"][0]).any():
        return BBOX_BRANCH
    if columns.segmentation[0] is not None:
        return SEGM_BRANCH
    keypoints = columns.extras.get("keypoints")
    if keypoints is not None and keypoints[0] is not None:
        return KEYPOINTS_BRANCH
    return None


def _complete_as_load_res(columns: Columns, section: str, log: ProblemLog) -> Columns:
    """Ids, boxes and areas as ``COCO.loadRes`` makes them; the file's own values stay in
    ``file_id``, ``file_bbox``, ``file_area`` and ``file_iscrowd`` (for export)."""
    table = columns.table
    n = len(table)
    file_id = table["id"]
    table["file_id"] = file_id.copy()
    table["file_bbox"] = table["bbox"].copy()
    table["file_area"] = table["area"].copy()
    table["file_iscrowd"] = table["iscrowd"]
    # loadRes numbers detections by their 1-based position; cocowidget keeps the file's
    # ids where it gave them (COCOeval never reads a detection's id), and numbers the
    # others above the largest given id.
    missing_id = file_id == NO_FILE_ID
    position = table["file_index"] + 1
    if missing_id.all():
        table["id"] = position
    elif missing_id.any():
        largest = int(file_id[~missing_id].max())
        table["id"] = np.where(missing_id, position + max(largest, 0), file_id)
    table["iscrowd"] = np.zeros(n, dtype=np.int8)  # loadRes: iscrowd = 0

    branch = load_res_branch(columns)
    bbox = table["bbox"]
    area = np.full(n, np.nan)
    box_given = ~np.isnan(bbox).any(axis=1)
    # Masks are decoded only where loadRes reads them (a box result's mask it never does).
    wants_mask = ~box_given | (branch == SEGM_BRANCH)
    masks = [
        _mask_box_and_area(raw) if wanted else None
        for raw, wanted in zip(columns.segmentation.tolist(), wants_mask.tolist(), strict=True)
    ]
    keypoint_boxes = (
        [_keypoints_extent(raw) for raw in columns.extras["keypoints"].tolist()]
        if branch == KEYPOINTS_BRANCH
        else [None] * n
    )
    crashes: list[int] = []  # rows on which loadRes itself would fail
    for row in range(n):
        mask = masks[row]
        keypoint_box = keypoint_boxes[row]
        if keypoint_box is not None:
            # keypoints branch: bbox and area from the keypoints' extent, always.
            bbox[row] = keypoint_box
            area[row] = keypoint_box[2] * keypoint_box[3]
            continue
        if branch == SEGM_BRANCH and mask is not None:
            # segm branch: the mask area always, the mask's box where none is given.
            if not box_given[row]:
                bbox[row] = mask[0]
            area[row] = mask[1]
            continue
        if box_given[row]:
            # bbox branch (or a record without a usable mask): w * h always.
            area[row] = bbox[row, 2] * bbox[row, 3]
            if branch != BBOX_BRANCH:
                crashes.append(row)
        elif mask is not None:
            bbox[row] = mask[0]
            area[row] = mask[1]
            if branch != SEGM_BRANCH:
                crashes.append(row)
    table["area"] = area
    if crashes:
        _report_load_res_failure(table, crashes, branch, section, log)
    return columns


def _report_load_res_failure(
    table: Table, rows: list[int], branch: str | None, section: str, log: ProblemLog
) -> None:
    first = table["file_index"][rows[0]]
    wanted = {BBOX_BRANCH: "bbox", SEGM_BRANCH: "segmentation", KEYPOINTS_BRANCH: "keypoints"}
    field = wanted.get(branch or "", "bbox")
    examples = ", ".join(f"{section}[{int(i)}]" for i in table["file_index"][rows[:3]].tolist())
    log.format_error(
        "load_res_failure",
        f"{section}[{int(first)}]",
        f"{len(rows)} detection{'s' if len(rows) != 1 else ''} ({examples}"
        f"{', ...' if len(rows) > 3 else ''}) lack the '{field}' the first detection has: "
        f"pycocotools' loadRes fails on this file (KeyError: '{field}')",
        "their box and area were taken from what they have (the box's w * h, or the mask)",
        severity=WARNING,
    )


def _mask_box_and_area(raw: Any) -> tuple[tuple[float, float, float, float], float] | None:
    """Box and area of a segmentation as pycocotools computes them (None if unusable)."""
    if raw is None:
        return None
    try:
        value = segments.parse(raw)
    except ValueError:
        return None
    if value is None or segments.check_segmentation(value, 0, 0) is not None:
        return None
    return segments.bbox_and_area(value)


def _keypoints_extent(raw: Any) -> tuple[float, float, float, float] | None:
    """``[x0, y0, x1 - x0, y1 - y0]`` over every keypoint (unlabelled ones included, as
    loadRes takes them); None if the keypoints are not a flat list of numbers."""
    if raw is None:
        return None
    try:
        value = segments.parse(raw)
    except ValueError:
        return None
    if not isinstance(value, list) or len(value) < 3:
        return None
    if not all(isinstance(v, int | float) and not isinstance(v, bool) for v in value):
        return None
    x = np.asarray(value[0::3], dtype=np.float64)
    y = np.asarray(value[1::3], dtype=np.float64)
    x0, x1, y0, y1 = float(x.min()), float(x.max()), float(y.min()), float(y.max())
    return (x0, y0, x1 - x0, y1 - y0)


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
    category_map: Mapping[str, str],
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
        names: dict[int, str] = {}
        for own_id, file_name in zip(
            own_images["id"].tolist(), own_images["file_name"].tolist(), strict=True
        ):
            names.setdefault(own_id, file_name)
            gt_id = gt_by_name.get(file_name)
            if gt_id is None:
                gt_id = gt_by_base.get(_basename(file_name))
            if gt_id is not None:
                mapping.setdefault(own_id, gt_id)
        table["image_id"] = _mapped(table["image_id"], mapping, names, "image", "file_name", log)
    if own_categories is not None:
        unknown = sorted(set(category_map.values()) - set(gt_categories["name"].tolist()))
        if unknown:
            raise ValueError(
                f"category_map maps to names the ground truth has no category of: {unknown}"
            )
        gt_by_category: dict[str, int] = {}
        for gt_id, category in zip(
            gt_categories["id"].tolist(), gt_categories["name"].tolist(), strict=True
        ):
            gt_by_category.setdefault(category, gt_id)
        mapping = {}
        names = {}
        for own_id, category in zip(
            own_categories["id"].tolist(), own_categories["name"].tolist(), strict=True
        ):
            names.setdefault(own_id, category)
            category = category_map.get(category, category)
            if category in gt_by_category:
                mapping.setdefault(own_id, gt_by_category[category])
        table["category_id"] = _mapped(
            table["category_id"], mapping, names, "category", "name", log
        )


#: image_id / category_id of a detection whose image or category has no match.
UNMATCHED = -1


def _mapped(
    ids: np.ndarray,
    mapping: dict[int, int],
    names: dict[int, str],
    noun: str,
    key: str,
    log: ProblemLog,
) -> np.ndarray:
    """Own ids → ground-truth ids; ``UNMATCHED`` where there is none (an own id re-used
    as a ground-truth id would count the detection in another image or class)."""
    out = np.fromiter(
        (mapping.get(i, UNMATCHED) for i in ids.tolist()), dtype=np.int64, count=len(ids)
    )
    unmatched = np.fromiter((i not in mapping for i in ids.tolist()), dtype=bool, count=len(ids))
    if unmatched.any():
        lost = np.unique(ids[unmatched]).tolist()
        shown = [
            f"{names[i]!r}" if i in names else f"id {i} (not in the file's {noun} list)"
            for i in lost[:5]
        ]
        more = f" and {len(lost) - 5} more" if len(lost) > 5 else ""
        hint = ""
        if noun == "category":
            hint = " (category_map= renames them, e.g. {'tv': 'tvmonitor'})"
        log.format_error(
            "unmatched_prediction",
            "",
            f"{int(unmatched.sum())} of {len(ids)} detections have a {noun} whose {key} is "
            f"not in the ground truth: {', '.join(shown)}{more}{hint}",
            f"their {noun}_id was set to {UNMATCHED} (their own id is in file_{noun}_id) "
            "and they are left out of evaluation",
        )
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

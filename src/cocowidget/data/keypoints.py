"""Person keypoints: COCO's ``keypoints`` triplets as an ``(N, K, 3)`` column, checked.

A keypoints annotation carries ``keypoints`` (``x, y, v`` per joint, ``v`` 0 = not
labelled, 1 = labelled but occluded, 2 = visible) and ``num_keypoints`` (the count of
labelled joints, which COCOeval uses to ignore people without any); its category names
the joints (``keypoints``) and the bones between them (``skeleton``, pairs of 1-based
joint numbers). The raw fields stay as read (export writes them back verbatim); this
module adds numeric columns beside them:

- annotations (and each run's detections): ``keypoints`` ``(N, K, 3)`` float64, NaN
  where an object has none, its array is unusable, or past its category's joints;
  ``num_keypoints`` (ground truth: as the file says, a stand-in where it has none; -1
  for an object without keypoints), ``keypoints_labeled`` (``v > 0``),
  ``keypoints_visible`` (``v == 2``) and ``person_scale`` (``sqrt(area)``, the scale
  OKS divides by; NaN without keypoints);
- categories: ``num_joints``, ``keypoint_names`` (a tuple of names or None) and
  ``skeleton`` (an ``(E, 2)`` array of 0-based joint pairs, or None).

``K`` is the largest joint count of any category (or array, for categories that name no
joints). Each column exists only when the file has keypoints, so instance datasets look
as before. Problems carry their JSON path; an object whose keypoints are unusable keeps
every other value.
"""

from __future__ import annotations

from typing import Any

import msgspec
import numpy as np

from cocowidget.data import segments
from cocowidget.data.grouping import ObjectTable
from cocowidget.data.keypoint_statistics import KeypointArrays, labeled_counts, object_columns
from cocowidget.data.problems import ERROR, WARNING, ProblemLog
from cocowidget.data.skeletons import Skeleton, category_columns, category_skeletons, parsed_value
from cocowidget.data.table import Table
from cocowidget.data.values import describe

#: Visibility flags COCO defines: not labelled, labelled but occluded, visible.
VISIBILITY_FLAGS = (0.0, 1.0, 2.0)
#: ``num_keypoints`` of an object without keypoints.
NO_KEYPOINTS = -1
_DROPPED = "its keypoints are left out (NaN); the rest of the record is loaded"


def _decode_all(raws: list[Any]) -> list[Any]:
    """Every raw value as Python: one decode of them all when they are plain lists of
    numbers (the common case), else one by one (a value that is not JSON: a string)."""
    if not raws:
        return []
    joined = b"[" + b",".join(bytes(raw) for raw in raws) + b"]"
    try:
        return msgspec.json.decode(joined, type=list[list[float]])
    except (msgspec.DecodeError, UnicodeDecodeError, RecursionError):
        pass
    values = []
    for raw in raws:
        try:
            values.append(segments.parse(raw))
        except ValueError:
            values.append("<not JSON>")
    return values


def _first_non_number(value: list[Any]) -> int | None:
    for index, item in enumerate(value):
        if isinstance(item, bool) or not isinstance(item, int | float):
            return index
    return None


def read_keypoints(
    objects: ObjectTable,
    joints_of_category: np.ndarray,
    log: ProblemLog,
    *,
    noun: str = "annotation",
) -> KeypointArrays | None:
    """Parse and check the objects' raw ``keypoints`` (None if no object has any).

    ``joints_of_category`` gives each category's joint count (0: the category names none,
    any length divisible by 3 is taken as read)."""
    raw = objects.extras.get("keypoints")
    if raw is None:
        return None
    table = objects.table
    rows = [row for row, value in enumerate(raw.tolist()) if value is not None]
    if not rows:
        return None
    parsed = _decode_all([raw[row] for row in rows])
    category = table["category_index"]
    expected = np.where(category >= 0, joints_of_category[np.maximum(category, 0)], 0)
    usable: list[tuple[int, list[float]]] = []
    for row, value in zip(rows, parsed, strict=True):
        path = f"{objects.path(row)}.keypoints"
        reason = _array_problem(value, int(expected[row]))
        if reason is not None:
            kind, subpath, text = reason
            log.format_error(kind, path + subpath, text, _DROPPED, ids=_ids(table, row, noun))
            continue
        usable.append((row, value))
    n = len(table)
    width = max(
        [int(joints_of_category.max()) if len(joints_of_category) else 0]
        + [len(value) // 3 for _, value in usable]
    )
    values = np.full((n, width, 3), np.nan)
    present = np.zeros(n, dtype=bool)
    joints = np.zeros(n, dtype=np.int64)
    by_length: dict[int, list[int]] = {}
    for index, (_, value) in enumerate(usable):
        by_length.setdefault(len(value), []).append(index)
    for length, members in by_length.items():
        target = np.array([usable[i][0] for i in members], dtype=np.int64)
        block = np.array([usable[i][1] for i in members], dtype=np.float64)
        values[target, : length // 3] = block.reshape(len(members), length // 3, 3)
        present[target] = True
        joints[target] = length // 3
    if noun == "annotation":
        # A detection's third value is a confidence (COCOeval never reads it), not a flag.
        _check_visibility(objects, values, present, joints, log, noun)
    return KeypointArrays(values, present, joints)


def _array_problem(value: Any, expected: int) -> tuple[str, str, str] | None:
    """(kind, subpath, reason) of what makes a keypoints value unusable, or None."""
    if not isinstance(value, list):
        return "invalid_keypoints", "", f"expected a list of numbers, got {describe(value)}"
    bad = _first_non_number(value)
    if bad is not None:
        return (
            "invalid_keypoints",
            f"[{bad}]",
            f"expected a number, got {describe(value[bad])}",
        )
    if expected and len(value) != 3 * expected:
        return (
            "keypoints_length",
            "",
            f"expected {3 * expected} numbers (x, y, v for each of the category's "
            f"{expected} joints), got {len(value)}",
        )
    if not value or len(value) % 3:
        return (
            "keypoints_length",
            "",
            f"expected x, y, v triplets, got {len(value)} number{'s' if len(value) != 1 else ''}",
        )
    return None


def _check_visibility(
    objects: ObjectTable,
    values: np.ndarray,
    present: np.ndarray,
    joints: np.ndarray,
    log: ProblemLog,
    noun: str,
) -> None:
    """Flags other than 0, 1, 2 are kept as read (COCOeval counts any ``v > 0`` as
    labelled); each object with such a flag is reported once, at its first."""
    if values.shape[1] == 0:
        return
    flags = values[:, :, 2]
    own = np.arange(values.shape[1])[None, :] < joints[:, None]
    bad = own & present[:, None] & ~np.isin(flags, VISIBILITY_FLAGS)
    table = objects.table
    for row in np.flatnonzero(bad.any(axis=1)).tolist():
        joint = int(np.argmax(bad[row]))
        log.format_error(
            "invalid_visibility",
            f"{objects.path(row)}.keypoints[{3 * joint + 2}]",
            f"expected a visibility flag 0, 1 or 2, got {float(flags[row, joint]):g} "
            f"({int(bad[row].sum())} of the object's {int(joints[row])} flags are so)",
            "kept as read (pycocotools counts any flag above 0 as labelled)",
            severity=WARNING,
            ids=_ids(table, row, noun),
        )


def _ids(table: Table, row: int, noun: str) -> dict[str, int]:
    ids = {"image_id": int(table["image_id"][row]), "category_id": int(table["category_id"][row])}
    if noun == "annotation":
        ids["annotation_id"] = int(table["id"][row])
    return ids


def read_num_keypoints(objects: ObjectTable, arrays: KeypointArrays, log: ProblemLog) -> np.ndarray:
    """Ground truth's ``num_keypoints``, as read where usable. Where it is missing or not
    a count, the count of labelled joints stands in (reported: COCOeval's keypoint
    evaluation reads it, and fails without it); a count that disagrees with the flags is
    kept and reported (COCOeval ignores a person only when it says 0)."""
    table = objects.table
    labeled = labeled_counts(arrays)
    out = np.where(arrays.present, labeled, NO_KEYPOINTS).astype(np.int64)
    raw = objects.extras.get("num_keypoints")
    for row in np.flatnonzero(arrays.present).tolist():
        path = f"{objects.path(row)}.num_keypoints"
        value = parsed_value(raw, row)
        ids = _ids(table, row, "annotation")
        if value is None:
            log.format_error(
                "num_keypoints_mismatch",
                path,
                "missing num_keypoints (pycocotools' keypoint evaluation fails without it)",
                f"read as the count of labelled joints, {int(labeled[row])}",
                severity=WARNING,
                ids=ids,
            )
            continue
        if isinstance(value, bool) or not isinstance(value, int | float) or value != int(value):
            log.format_error(
                "invalid_field",
                path,
                f"expected a count of keypoints, got {describe(value)}",
                f"read as the count of labelled joints, {int(labeled[row])}",
                severity=ERROR,
                ids=ids,
            )
            continue
        out[row] = int(value)
        if int(value) != int(labeled[row]):
            log.format_error(
                "num_keypoints_mismatch",
                path,
                f"num_keypoints is {int(value)} but {int(labeled[row])} joints are labelled "
                "(v > 0)",
                "kept as read (COCOeval ignores a person only when num_keypoints is 0)",
                severity=WARNING,
                ids=ids,
            )
    return out


def add_keypoint_columns(
    objects: ObjectTable,
    categories: Table,
    category_extras: dict[str, np.ndarray],
    log: ProblemLog,
) -> list[Skeleton | None] | None:
    """Ground truth: parse and check keypoints, add the object and category columns.
    Returns the categories' skeletons (None when nothing in the file has keypoints)."""
    has_names = "keypoints" in category_extras
    if "keypoints" not in objects.extras and not has_names:
        return None
    skeletons = category_skeletons(categories, category_extras, log)
    named = np.array([0 if s is None else len(s.names) for s in skeletons], dtype=np.int64)
    arrays = read_keypoints(objects, named, log)
    joints = named.copy()
    if arrays is not None:
        category = objects.table["category_index"]
        own = (category >= 0) & arrays.present & (named[np.maximum(category, 0)] == 0)
        if own.any():
            np.maximum.at(joints, category[own], arrays.joints[own])
    if arrays is None:
        n = len(objects)
        arrays = KeypointArrays(
            np.full((n, int(joints.max()) if len(joints) else 0, 3), np.nan),
            np.zeros(n, dtype=bool),
            np.zeros(n, dtype=np.int64),
        )
        num_keypoints = np.full(n, NO_KEYPOINTS, dtype=np.int64)
    else:
        num_keypoints = read_num_keypoints(objects, arrays, log)
    for name, values in object_columns(objects.table, arrays, num_keypoints).items():
        objects.table[name] = values
    for name, column in category_columns(skeletons, joints).items():
        categories[name] = column
    return skeletons


def add_run_keypoint_columns(objects: ObjectTable, categories: Table, log: ProblemLog) -> None:
    """A run's detections: parse and check their keypoints against the ground truth's
    categories (their joint counts), and add the object columns."""
    if "keypoints" not in objects.extras:
        return
    joints = (
        categories["num_joints"]
        if "num_joints" in categories
        else np.zeros(len(categories), dtype=np.int64)
    )
    arrays = read_keypoints(objects, joints, log, noun="detection")
    if arrays is None:
        return
    for name, values in object_columns(objects.table, arrays, None).items():
        objects.table[name] = values


__all__ = [
    "NO_KEYPOINTS",
    "Skeleton",
    "add_keypoint_columns",
    "add_run_keypoint_columns",
]

"""``ds.apply_fixes(accepted)``: a new dataset with accepted label-issue fixes applied.

``accepted`` is rows of a :func:`~cocowidget.analysis.label_issues` table (the whole
table, or the table filtered). Each row's suggested ``fix`` is applied to a copy of the
dataset's COCO records, so the original is untouched and everything the file had
(extra fields, segmentations, records kept as read) goes through unchanged:

- ``add_label`` (a missing label): a new annotation of ``fix_category_id`` with box
  ``fix_bbox``, as ``COCO.loadRes`` makes one of a box: ``area = w * h``, the box's
  polygon as its segmentation, ``iscrowd`` 0; its id is above the largest one;
- ``change_class`` (a wrong class): ``category_id`` becomes ``fix_category_id``;
- ``replace_box`` (badly located): ``bbox`` becomes ``fix_bbox``, ``area = w * h``, and
  a segmentation (which outlined the misplaced object) becomes the box's polygon;
- ``remove_label`` (a duplicate, or a spurious label): the annotation goes.

Runs are carried over as they are, so the same run evaluates on the fixed set. What
changed is :func:`changes_table` (``fixed.changes``). Fixes that contradict one accepted
before them (an annotation removed and changed, both of a duplicate pair removed, two
classes or two boxes for one annotation, one detection added twice with two classes)
are an error naming the rows, or with ``on_conflict="skip"`` left out: the table is
sorted most likely first, so the first is kept. The same fix twice is applied once.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any

import numpy as np

from cocowidget.analysis.issue_kinds import FIXES
from cocowidget.data.table import Table

if TYPE_CHECKING:
    from cocowidget.data.dataset import CocoData

#: The columns of ``fixed.changes``, in order.
CHANGE_COLUMNS = (
    "change",
    "kind",
    "candidate",
    "score",
    "image_id",
    "annotation_id",
    "detection_id",
    "other_annotation_id",
    "category_before",
    "category_after",
    "bbox_before",
    "bbox_after",
    "area_before",
    "area_after",
)
_NEEDED = (
    "kind",
    "score",
    "image_id",
    "annotation_id",
    "annotation_row",
    "detection_id",
    "other_annotation_id",
    "other_annotation_row",
    "fix",
    "fix_category_id",
    "fix_bbox",
)
_NO_BOX = (np.nan, np.nan, np.nan, np.nan)


def changes_table(changes: list[dict[str, Any]] | None = None) -> Table:
    """One row per change: ``change`` (the fix applied), the candidate's ``kind``,
    ``candidate`` (its row in the accepted table) and ``score``, the ``image_id``, the
    ``annotation_id`` (the new one for an added label), the ``detection_id`` the fix
    came from (-1: none), the ``other_annotation_id`` (a duplicate's kept one), and
    ``category_before`` / ``_after``, ``bbox_before`` / ``_after`` (N×4, NaN where
    none), ``area_before`` / ``_after``."""
    rows = changes or []
    columns: dict[str, Any] = {}
    for name in CHANGE_COLUMNS:
        values = [row[name] for row in rows]
        if name.startswith("bbox"):
            columns[name] = np.array(values, dtype=np.float64).reshape(-1, 4)
        elif name in ("change", "kind"):
            columns[name] = np.array(values, dtype="<U15")
        elif name in ("score", "area_before", "area_after"):
            columns[name] = np.array(values, dtype=np.float64)
        else:
            columns[name] = np.array(values, dtype=np.int64)
    return Table(columns)


def apply_fixes(
    ds: CocoData, accepted: Any, on_conflict: str = "raise"
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The fixed COCO dict and the changes' records (rows of :func:`changes_table`)."""
    if on_conflict not in ("raise", "skip"):
        raise ValueError(f"on_conflict must be 'raise' or 'skip', not {on_conflict!r}")
    table = _accepted_table(accepted)
    _check_rows(ds, table)
    document = ds.to_dict()
    annotations = ds.annotations
    # Records are in file order: row -> its record's position.
    position = np.empty(len(annotations), dtype=np.int64)
    position[np.argsort(annotations["file_index"], kind="stable")] = np.arange(len(annotations))
    records: list[Any] = document["annotations"]
    plan = _plan(table, on_conflict)
    changes: list[dict[str, Any]] = []
    removed: set[int] = set()
    next_id = int(annotations["id"].max()) + 1 if len(annotations) else 1
    for i in plan:
        fix, row = str(table["fix"][i]), int(table["annotation_row"][i])
        change = _change(ds, table, i)
        if fix == "add_label":
            box = [float(v) for v in table["fix_bbox"][i]]
            category = int(table["fix_category_id"][i])
            records.append(
                {
                    "id": next_id,
                    "image_id": ds.user_ids([int(table["image_id"][i])], "images")[0],
                    "category_id": ds.user_ids([category], "categories")[0],
                    "bbox": box,
                    "area": box[2] * box[3],
                    "iscrowd": 0,
                    "segmentation": [_polygon(box)],
                }
            )
            change |= {
                "annotation_id": next_id,
                "category_after": category,
                "bbox_after": box,
                "area_after": box[2] * box[3],
            }
            next_id += 1
        else:
            record = records[position[row]]
            change |= {
                "category_before": int(annotations["category_id"][row]),
                "bbox_before": [float(v) for v in annotations["bbox"][row]],
                "area_before": float(annotations["area"][row]),
            }
            change |= {
                "category_after": change["category_before"],
                "bbox_after": change["bbox_before"],
                "area_after": change["area_before"],
            }
            if fix == "remove_label":
                removed.add(int(position[row]))
                change |= {"category_after": -1, "bbox_after": _NO_BOX, "area_after": np.nan}
            elif fix == "change_class":
                category = int(table["fix_category_id"][i])
                record["category_id"] = ds.user_ids([category], "categories")[0]
                change["category_after"] = category
            else:  # replace_box
                box = [float(v) for v in table["fix_bbox"][i]]
                record["bbox"], record["area"] = box, box[2] * box[3]
                if record.get("segmentation") is not None:
                    record["segmentation"] = [_polygon(box)]
                change |= {"bbox_after": box, "area_after": box[2] * box[3]}
        changes.append(change)
    document["annotations"] = [r for p, r in enumerate(records) if p not in removed]
    return document, changes


def carry_runs(ds: CocoData, fixed: CocoData) -> None:
    """Give the fixed dataset the original's runs (same images, so the same rows),
    each with tables of its own."""
    every = np.arange(len(ds.images))
    for run in ds.runs.runs():
        fixed.runs.add(replace(run, objects=run.objects.for_images(every), number=0))


def _accepted_table(accepted: Any) -> Table:
    """A label-issues Table, or a pandas DataFrame of one (``issues.to_pandas()``)."""
    if isinstance(accepted, Table):
        table = accepted
    elif hasattr(accepted, "columns") and hasattr(accepted, "to_numpy"):
        table = Table(
            {
                str(name): np.array(accepted[name].tolist(), dtype=np.float64)
                if name == "fix_bbox"
                else accepted[name].to_numpy()
                for name in accepted.columns
            }
        )
    else:
        raise TypeError(
            "accepted must be rows of a label_issues table (a Table, or its to_pandas() "
            f"frame), not {type(accepted).__name__}"
        )
    missing = [name for name in _NEEDED if name not in table]
    if missing:
        raise ValueError(
            f"accepted lacks the label_issues columns {missing}: pass rows of "
            "ds.label_issues(...) (filtered or not)"
        )
    if len(table) and np.asarray(table["fix_bbox"]).shape[1:] != (4,):
        raise ValueError("accepted's fix_bbox must be N×4 (x, y, w, h)")
    return table


def _check_rows(ds: CocoData, table: Table) -> None:
    """Rows of this dataset's label issues, with fixes that can be applied."""
    fixes = table["fix"].astype(str)
    unknown = sorted(set(fixes.tolist()) - set(FIXES.values()))
    if unknown:
        raise ValueError(f"unknown fixes {unknown}; the fixes are {sorted(set(FIXES.values()))}")
    ids, rows = table["annotation_id"], table["annotation_row"]
    n = len(ds.annotations)
    on_label = fixes != "add_label"
    bad = on_label & ((rows < 0) | (rows >= n))
    inside = on_label & ~bad
    bad[inside] = (ds.annotations["id"][rows[inside]] != ids[inside]) | (
        ds.annotations["image_id"][rows[inside]] != table["image_id"][inside]
    )
    if bad.any():
        raise ValueError(
            f"accepted rows {np.flatnonzero(bad)[:5].tolist()} name annotations this "
            "dataset does not have at their rows: pass rows of this dataset's label_issues"
        )
    adds = ~on_label
    if np.isin(table["image_id"][adds], ds.images["id"], invert=True).any():
        raise ValueError("accepted rows add labels to images this dataset does not have")
    categories = np.isin(fixes, ("add_label", "change_class"))
    if np.isin(table["fix_category_id"][categories], ds.categories["id"], invert=True).any():
        raise ValueError("accepted rows give classes this dataset does not have")
    boxes = np.asarray(table["fix_bbox"], dtype=np.float64)[
        np.isin(fixes, ("add_label", "replace_box"))
    ]
    if len(boxes) and not (np.isfinite(boxes).all() and (boxes[:, 2:] > 0).all()):
        raise ValueError("accepted rows give boxes that are not finite with a positive size")


def _plan(table: Table, on_conflict: str) -> list[int]:
    """The rows to apply, in the table's order (most likely first). A row that
    contradicts one before it is an error, or with ``on_conflict="skip"`` left out."""
    fixes, rows = table["fix"].astype(str), table["annotation_row"]
    kinds = table["kind"].astype(str)
    seen: dict[tuple[str, int], int] = {}
    removed: dict[int, int] = {}  # annotation row -> the accepted row removing it
    changed: dict[int, int] = {}  # annotation row -> an accepted row changing it
    pairs: dict[int, tuple[int, int]] = {}  # duplicate removed -> (the kept one, row)
    order: list[int] = []
    for i in range(len(table)):
        fix, row = str(fixes[i]), int(rows[i])
        other = int(table["other_annotation_row"][i])
        annotation = int(table["annotation_id"][i])
        key = (fix, int(table["detection_id"][i]) if fix == "add_label" else row)
        problem = None
        if key in seen:
            if _same(table, seen[key], i):
                continue  # the same fix twice (two candidates suggesting it)
            named = f"from detection {key[1]}" if fix == "add_label" else f"annotation {annotation}"
            problem = f"rows {seen[key]} and {i} both {fix} {named} differently"
        elif fix in ("change_class", "replace_box") and row in removed:
            problem = f"row {i} changes annotation {annotation}, which row {removed[row]} removes"
        elif fix == "remove_label" and row in changed:
            problem = f"row {i} removes annotation {annotation}, which row {changed[row]} changes"
        elif kinds[i] == "duplicate_label" and pairs.get(other, (-1, -1))[0] == row:
            # Removing both would leave the object unlabelled (a duplicate of a spurious
            # label may go with it: nothing is there).
            problem = (
                f"rows {pairs[other][1]} and {i} remove both annotations "
                f"{int(table['other_annotation_id'][i])} and {annotation} of one "
                "duplicate pair, which would leave the object unlabelled"
            )
        if problem is not None:
            if on_conflict == "skip":
                continue
            raise ValueError(
                f"accepted {problem}: accept one (or apply_fixes(..., on_conflict='skip') "
                "keeps the first, the more likely)"
            )
        seen[key] = i
        if fix == "remove_label":
            removed[row] = i
            if kinds[i] == "duplicate_label":
                pairs[row] = (other, i)
        elif fix != "add_label":
            changed[row] = i
        order.append(i)
    return order


def _same(table: Table, a: int, b: int) -> bool:
    return bool(
        table["fix_category_id"][a] == table["fix_category_id"][b]
        and np.array_equal(table["fix_bbox"][a], table["fix_bbox"][b], equal_nan=True)
    )


def _change(ds: CocoData, table: Table, i: int) -> dict[str, Any]:
    return {
        "change": str(table["fix"][i]),
        "kind": str(table["kind"][i]),
        "candidate": i,
        "score": float(table["score"][i]),
        "image_id": int(table["image_id"][i]),
        "annotation_id": int(table["annotation_id"][i]),
        "detection_id": int(table["detection_id"][i]),
        "other_annotation_id": int(table["other_annotation_id"][i]),
        "category_before": -1,
        "category_after": -1,
        "bbox_before": _NO_BOX,
        "bbox_after": _NO_BOX,
        "area_before": np.nan,
        "area_after": np.nan,
    }


def _polygon(box: list[float]) -> list[float]:
    """The box as ``COCO.loadRes`` outlines it: ``[x1, y1, x1, y2, x2, y2, x2, y1]``."""
    x1, y1 = box[0], box[1]
    x2, y2 = x1 + box[2], y1 + box[3]
    return [x1, y1, x1, y2, x2, y2, x2, y1]

"""Keypoint statistics: what is counted from the objects' keypoint arrays.

Per object: labelled joints (``v > 0``, what ``num_keypoints`` should say), visible ones
(``v == 2``) and the person's scale (``sqrt(area)``, by which OKS divides distances). Per
category and joint: how often it is labelled and visible (:func:`joints_table`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from cocowidget.data.table import Table


@dataclass
class KeypointArrays:
    """The objects' keypoints: ``values`` ``(N, K, 3)`` (NaN where unusable or absent),
    ``present`` (a usable array), ``joints`` (the object's own joint count)."""

    values: np.ndarray
    present: np.ndarray
    joints: np.ndarray


def labeled_counts(arrays: KeypointArrays) -> np.ndarray:
    with np.errstate(invalid="ignore"):
        counts: np.ndarray = (arrays.values[:, :, 2] > 0).sum(axis=1).astype(np.int64)
    return counts


def object_columns(
    table: Table, arrays: KeypointArrays, num_keypoints: np.ndarray | None
) -> dict[str, np.ndarray]:
    """The keypoint columns of an objects table (``num_keypoints`` for ground truth)."""
    flags = arrays.values[:, :, 2]
    with np.errstate(invalid="ignore"):
        visible = (flags == 2).sum(axis=1).astype(np.int64)
        scale = np.where(arrays.present, np.sqrt(table["area"]), np.nan)
    columns = {
        "keypoints": arrays.values,
        "keypoints_labeled": labeled_counts(arrays),
        "keypoints_visible": visible,
        "person_scale": scale,
    }
    if num_keypoints is not None:
        columns["num_keypoints"] = num_keypoints
    return columns


def joints_table(categories: Table, annotations: Table) -> Table:
    """One row per (category, joint) of the categories with keypoints: how many objects
    have the joint labelled (``v > 0``) and visible (``v == 2``), of how many with
    keypoints (``objects``), and the labelled share."""
    if "num_joints" not in categories or "keypoints" not in annotations:
        return Table(
            {
                name: np.zeros(0, dtype=dtype)
                for name, dtype in (
                    ("category_id", np.int64),
                    ("category_name", object),
                    ("joint", np.int64),
                    ("joint_name", object),
                    ("objects", np.int64),
                    ("labeled", np.int64),
                    ("visible", np.int64),
                    ("labeled_share", np.float64),
                )
            }
        )
    values = annotations["keypoints"]
    category = annotations["category_index"]
    present = ~np.isnan(values[:, :, 0]).all(axis=1) if values.shape[1] else np.zeros(0, bool)
    flags = np.nan_to_num(values[:, :, 2], nan=0.0)
    rows: dict[str, list[Any]] = {
        "category_id": [],
        "category_name": [],
        "joint": [],
        "joint_name": [],
        "objects": [],
        "labeled": [],
        "visible": [],
    }
    joints = categories["num_joints"]
    for c in np.flatnonzero(joints > 0).tolist():
        mine = (category == c) & present
        names = categories["keypoint_names"][c]
        for j in range(int(joints[c])):
            rows["category_id"].append(int(categories["id"][c]))
            rows["category_name"].append(str(categories["name"][c]))
            rows["joint"].append(j)
            rows["joint_name"].append(names[j] if names is not None else str(j + 1))
            rows["objects"].append(int(mine.sum()))
            rows["labeled"].append(int((flags[mine, j] > 0).sum()))
            rows["visible"].append(int((flags[mine, j] == 2).sum()))
    objects = np.asarray(rows["objects"], dtype=np.int64)
    labeled = np.asarray(rows["labeled"], dtype=np.int64)
    share = np.full(len(objects), np.nan)
    np.divide(labeled, objects, out=share, where=objects > 0)
    return Table(
        {
            "category_id": np.asarray(rows["category_id"], dtype=np.int64),
            "category_name": _strings(rows["category_name"]),
            "joint": np.asarray(rows["joint"], dtype=np.int64),
            "joint_name": _strings(rows["joint_name"]),
            "objects": objects,
            "labeled": labeled,
            "visible": np.asarray(rows["visible"], dtype=np.int64),
            "labeled_share": share,
        }
    )


def _strings(values: list[str]) -> np.ndarray:
    out = np.empty(len(values), dtype=object)
    out[:] = values
    return out

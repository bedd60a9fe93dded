"""What a keypoints category says of its joints: their names and the bones between them.

COCO's ``skeleton`` pairs joints by their 1-based numbers; a joint may also be named.
A bone naming a joint that does not exist is reported at its place and left out, so the
rest of the skeleton still draws.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from cocowidget.data import segments
from cocowidget.data.problems import ProblemLog
from cocowidget.data.table import Table
from cocowidget.data.values import describe


@dataclass(frozen=True)
class Skeleton:
    """What a category says of its joints: their names and the bones (0-based pairs)."""

    names: tuple[str, ...]
    edges: tuple[tuple[int, int], ...]


# -- categories ----------------------------------------------------------------------------
def category_skeletons(
    categories: Table, extras: dict[str, np.ndarray], log: ProblemLog
) -> list[Skeleton | None]:
    """Per category row, its joints and bones (None where it names no joints). Names that
    are not a list of strings make the category name none; a bone naming a joint that
    does not exist (a number outside ``1..K``, or a name not among the joints) is
    reported and left out."""
    names_raw = extras.get("keypoints")
    bones_raw = extras.get("skeleton")
    out: list[Skeleton | None] = []
    file_index = categories["file_index"].tolist() if len(categories) else []
    ids = categories["id"].tolist() if len(categories) else []
    for row in range(len(categories)):
        path = f"categories[{file_index[row]}]"
        names = _joint_names(parsed_value(names_raw, row), f"{path}.keypoints", ids[row], log)
        if names is None:
            out.append(None)
            continue
        edges = _bones(parsed_value(bones_raw, row), names, f"{path}.skeleton", ids[row], log)
        out.append(Skeleton(names, edges))
    return out


def parsed_value(column: np.ndarray | None, row: int) -> Any:
    """The parsed JSON value of a raw extra field (None where absent); a value that is
    not JSON at all reads as a string, which the checks then refuse."""
    if column is None or column[row] is None:
        return None
    try:
        return segments.parse(column[row])
    except ValueError:
        return "<not JSON>"


def _joint_names(
    value: Any, path: str, category_id: int, log: ProblemLog
) -> tuple[str, ...] | None:
    if value is None:
        return None
    if not isinstance(value, list) or not all(isinstance(name, str) for name in value):
        log.format_error(
            "invalid_keypoint_names",
            path,
            "expected a list of joint names (strings)",
            "the category names no joints; its objects' keypoints are read by their length",
            category_id=category_id,
        )
        return None
    return tuple(value)


def _bones(
    value: Any, names: tuple[str, ...], path: str, category_id: int, log: ProblemLog
) -> tuple[tuple[int, int], ...]:
    if value is None:
        return ()
    if not isinstance(value, list):
        log.format_error(
            "invalid_skeleton",
            path,
            "expected a list of [joint, joint] pairs",
            "the category has no bones to draw",
            category_id=category_id,
        )
        return ()
    edges: list[tuple[int, int]] = []
    for index, bone in enumerate(value):
        ends = _bone_ends(bone, names)
        if isinstance(ends, str):
            log.format_error(
                "invalid_skeleton",
                f"{path}[{index}]",
                ends,
                "the bone is left out",
                category_id=category_id,
            )
            continue
        edges.append(ends)
    return tuple(edges)


def _bone_ends(bone: Any, names: tuple[str, ...]) -> tuple[int, int] | str:
    """0-based joint indices of a bone, or what is wrong with it. COCO numbers joints
    from 1; a joint may also be given by name."""
    if not isinstance(bone, list) or len(bone) != 2:
        return f"expected a pair of joints, got {describe(bone)}"
    ends: list[int] = []
    for joint in bone:
        if isinstance(joint, str):
            if joint not in names:
                return f"names joint {joint!r}, which the category does not have"
            ends.append(names.index(joint))
        elif isinstance(joint, int) and not isinstance(joint, bool):
            if not 1 <= joint <= len(names):
                return (
                    f"names joint {joint}, which does not exist (the category has "
                    f"{len(names)} joints, numbered from 1)"
                )
            ends.append(joint - 1)
        else:
            return f"expected joint numbers, got {describe(joint)}"
    return ends[0], ends[1]


def category_columns(skeletons: Sequence[Skeleton | None], joints: np.ndarray) -> dict[str, Any]:
    """The categories' keypoint columns; ``joints`` is each category's joint count (from
    its names, or its objects' arrays)."""
    n = len(skeletons)
    names = np.empty(n, dtype=object)
    bones = np.empty(n, dtype=object)
    for row, skeleton in enumerate(skeletons):
        if skeleton is not None:
            names[row] = skeleton.names
            bones[row] = np.asarray(skeleton.edges, dtype=np.int64).reshape(-1, 2)
    return {"num_joints": joints.astype(np.int64), "keypoint_names": names, "skeleton": bones}

"""Segmentation checks: each object's first segmentation problem, or one line for a
table of boxes only."""

from __future__ import annotations

from concurrent.futures import Executor

import numpy as np

from cocowidget.data.grouping import ObjectTable
from cocowidget.data.problems import ERROR, INFO, WARNING, Problem
from cocowidget.data.quality import Subject, object_problems
from cocowidget.data.segment_scan import scan_segmentations
from cocowidget.data.segments import SegmentationIssue
from cocowidget.data.table import Table

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
        problems += object_problems(
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

"""File checks: each image file read once (in parallel, with progress) for what it is:
missing, unreadable, truncated, of another size than the JSON says, constant or black,
a copy of another; its size and pixel statistics are kept on the way."""

from __future__ import annotations

import os
from collections.abc import Sequence
from concurrent.futures import Executor, ThreadPoolExecutor
from pathlib import Path

from cocowidget.data.files import FileReport, inspect_image_file
from cocowidget.data.problems import ERROR, WARNING, Problem
from cocowidget.data.quality import QualityThresholds
from cocowidget.data.table import Table
from cocowidget.progress import run_in_parallel


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

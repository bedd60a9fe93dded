"""Panoptic predictions (a JSON and a folder of PNGs) as a prediction run.

Each predicted segment becomes a detection with its mask from the PNG; its area and box
are the PNG's (panopticapi takes a prediction's area from its PNG, whatever the JSON
says), its score the record's ``score`` where it has one, else 1. The run's parameters
keep each image's PNG, which the panoptic evaluation reads again. A segment the PNG does
not have, or a record whose PNG cannot be read, is left out with a problem (panopticapi
refuses the whole file instead).
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any

import numpy as np

from cocowidget.data.assembly import read_run
from cocowidget.data.grouping import IdIndex, ObjectTable
from cocowidget.data.json_bytes import Source
from cocowidget.data.problems import Problem, ProblemLog
from cocowidget.data.table import Table
from cocowidget.formats.panoptic import STUFF, THING, UNKNOWN, png_folder
from cocowidget.formats.panoptic_json import last_per_image, read_document
from cocowidget.formats.panoptic_scan import report, scan_records
from cocowidget.progress import Stage

_RESULT_PATH = re.compile(r"^\[(\d+)\]")


def read_panoptic_run(
    source: Any,
    png_dir: Any,
    name: str,
    images: Table,
    categories: Table,
    *,
    strict: bool,
    stage: Stage,
) -> tuple[ObjectTable, list[Problem], dict[str, Any]]:
    """The run's segments grouped by image, its problems and its parameters
    (``png_dir``, and ``png_files``: each image id's PNG path)."""
    folder = png_folder(png_dir)
    log = ProblemLog("", strict=strict, run=name)
    stage("reading")
    document = read_document(source, log)
    records = last_per_image(document.records, log) if document is not None else []
    rows = IdIndex(images["id"]).rows([record.image_id for record in records]).tolist()
    sizes = [
        (int(images["height"][row]), int(images["width"][row])) if row >= 0 else None
        for row in rows
    ]
    scans = scan_records(folder, records, sizes)
    results: list[dict[str, Any]] = []
    paths: list[str] = []
    segment_ids: list[int] = []
    png_files: dict[int, str] = {}
    for record, scan in zip(records, scans, strict=True):
        report(record, scan, log, ground_truth=False)
        if not scan.has_masks or scan.size is None or scan.path is None:
            continue
        png_files[record.image_id] = str(scan.path)
        for segment, geometry in zip(record.segments, scan.geometry, strict=True):
            if geometry is None:
                continue
            score = segment.extras.get("score", 1.0)
            results.append(
                {
                    "id": len(results) + 1,
                    "image_id": record.image_id,
                    "category_id": segment.category_id,
                    "segmentation": {"size": list(scan.size), "counts": geometry.rle},
                    "score": score if isinstance(score, int | float) else 1.0,
                }
            )
            paths.append(record.path(segment))
            segment_ids.append(segment.id)
    file_name = document.source.name if document is not None else log.file
    loaded, objects = read_run(
        Source(file_name, python=results) if results else Source(file_name, data=b"[]"),
        name,
        images,
        categories,
        stage=stage,
        match="id",
        reference=None,
        category_map=None,
        strict=strict,
    )
    record_paths = np.array(paths, dtype=object)
    objects.record_paths = record_paths
    table = objects.table
    table["segment_id"] = np.array(segment_ids, dtype=np.int64)[table["file_index"]]
    table["thing_or_stuff"] = thing_or_stuff(table["category_id"], categories)
    problems = log.problems + [_relocated(p, record_paths) for p in loaded.problems]
    parameters = {"png_dir": str(folder), "png_files": png_files}
    return objects, problems, parameters


def thing_or_stuff(category_ids: np.ndarray, categories: Table) -> np.ndarray:
    """``"thing"``, ``"stuff"`` or ``"unknown"`` by the categories' ``isthing``."""
    isthing = (
        dict(zip(categories["id"].tolist(), categories["isthing"].tolist(), strict=True))
        if "isthing" in categories
        else {}
    )
    kinds = [
        UNKNOWN if (known := isthing.get(c)) is None else THING if known else STUFF
        for c in category_ids.tolist()
    ]
    return np.array(kinds, dtype=object)


def _relocated(problem: Problem, paths: np.ndarray) -> Problem:
    found = _RESULT_PATH.match(problem.json_path)
    if found is None or int(found.group(1)) >= len(paths):
        return problem
    place = str(paths[int(found.group(1))])
    json_path = place + problem.json_path[found.end() :]
    return replace(
        problem, json_path=json_path, message=problem.message.replace(found.group(0), place, 1)
    )

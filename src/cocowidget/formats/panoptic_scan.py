"""Each panoptic record's PNG read once: its segments' masks, areas and boxes, and what
disagrees with the JSON, each problem at the record's or segment's JSON path.

PNGs are decoded on a few threads (Pillow's decoder and numpy release the GIL); the
problems are logged afterwards in file order, so they never depend on the threads.
"""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from pycocotools import mask as mask_api

from cocowidget.data.files import resolve
from cocowidget.data.problems import ERROR, INFO, WARNING, ProblemLog
from cocowidget.formats.panoptic_json import PanopticRecord
from cocowidget.formats.panoptic_png import VOID, PngIds, PngTrouble, read_ids, scan_segments
from cocowidget.progress import run_in_parallel

#: Threads decoding PNGs (the machines this runs on have few cores; more only queue).
THREADS = 2


@dataclass(frozen=True)
class Geometry:
    """One segment as its PNG has it."""

    rle: str  # compressed COCO RLE counts
    area: int
    bbox: tuple[int, int, int, int]


@dataclass
class RecordScan:
    """What one record's PNG says, aligned with ``record.segments``."""

    path: Path | None = None
    trouble: PngTrouble | None = None
    size: tuple[int, int] | None = None  # (height, width) of the PNG
    alpha: bool = False
    geometry: list[Geometry | None] = field(default_factory=list)
    #: Ids the PNG has and the record does not list (void excluded): (id, pixels).
    unlisted: list[tuple[int, int]] = field(default_factory=list)
    void_pixels: int = 0

    @property
    def has_masks(self) -> bool:
        return self.size is not None and self.trouble is None


def scan_record(png_dir: Path, record: PanopticRecord, size: tuple[int, int] | None) -> RecordScan:
    """Read the record's PNG; ``size`` (height, width) is its image's, when known. A PNG
    of another size gives no masks (they would not fit the image)."""
    if record.file_name is None:
        return RecordScan()
    path = resolve(png_dir, record.file_name, allow_outside=False)
    if path is None:
        reason = f"the PNG name {record.file_name!r} leads outside {png_dir}"
        return RecordScan(trouble=PngTrouble("unreadable_png", reason))
    read = read_ids(path)
    if isinstance(read, PngTrouble):
        return RecordScan(path, read)
    return _scanned(path, read, record, size)


def _scanned(
    path: Path, read: PngIds, record: PanopticRecord, size: tuple[int, int] | None
) -> RecordScan:
    ids = read.ids
    shape = (int(ids.shape[0]), int(ids.shape[1]))
    scan = RecordScan(path, size=shape, alpha=read.alpha)
    if size is not None and size != shape:
        scan.trouble = PngTrouble(
            "png_size_mismatch",
            f"{path.name} is {shape[1]}x{shape[0]} but its image is {size[1]}x{size[0]}",
        )
        return scan
    segments = scan_segments(ids)
    wanted = np.array([s.id for s in record.segments], dtype=np.int64)
    positions = segments.index(wanted).tolist()
    found = [p for p in positions if p >= 0]
    uncompressed = [{"counts": segments.rle_counts(p), "size": list(shape)} for p in found]
    rles = mask_api.frPyObjects(uncompressed, *shape) if found else []  # it refuses []
    by_position = {p: rle for p, rle in zip(found, rles, strict=True)}
    for position in positions:
        if position < 0:
            scan.geometry.append(None)
            continue
        x, y, w, h = (int(v) for v in segments.bboxes[position])
        counts = by_position[position]["counts"]
        scan.geometry.append(
            Geometry(counts.decode("ascii"), int(segments.areas[position]), (x, y, w, h))
        )
    listed = set(wanted.tolist())
    for segment_id, area in zip(segments.ids.tolist(), segments.areas.tolist(), strict=True):
        if segment_id == VOID:
            scan.void_pixels = int(area)
        elif segment_id not in listed:
            scan.unlisted.append((int(segment_id), int(area)))
    return scan


def scan_records(
    png_dir: Path, records: Sequence[PanopticRecord], sizes: Sequence[tuple[int, int] | None]
) -> list[RecordScan]:
    """:func:`scan_record` of every record, in order, on :data:`THREADS` threads."""
    work = list(zip(records, sizes, strict=True))

    def scan_batch(batch: list[tuple[PanopticRecord, tuple[int, int] | None]]) -> list[RecordScan]:
        return [scan_record(png_dir, record, size) for record, size in batch]

    if len(work) < 8:
        return scan_batch(work)
    with ThreadPoolExecutor(THREADS, thread_name_prefix="cocowidget-png") as executor:
        return run_in_parallel(scan_batch, work, executor, "Reading panoptic PNGs", batch=16)


def report(
    record: PanopticRecord, scan: RecordScan, log: ProblemLog, *, ground_truth: bool
) -> None:
    """The record's problems with its PNG: the PNG itself, then each segment."""
    image = {"image_id": record.image_id}
    if scan.trouble is not None:
        action = "its segments have no masks" if ground_truth else "its segments were left out"
        log.format_error(
            scan.trouble.kind, f"{record.path()}.file_name", scan.trouble.reason, action, ids=image
        )
        return
    if not scan.has_masks:
        return
    if scan.alpha:
        log.format_error(
            "png_mode",
            f"{record.path()}.file_name",
            f"{scan.path.name if scan.path else 'the PNG'} has an alpha channel",
            "it was ignored, as panopticapi ignores it",
            severity=INFO,
            ids=image,
        )
    seen: dict[int, int] = {}
    for segment, geometry in zip(record.segments, scan.geometry, strict=True):
        ids = {"image_id": record.image_id, "category_id": segment.category_id}
        where = record.path(segment)
        if segment.id in seen:
            log.format_error(
                "duplicate_segment_id",
                f"{where}.id",
                f"segment id {segment.id} is listed twice in the image (also "
                f"segments_info[{seen[segment.id]}])",
                "panopticapi evaluates the last of them",
                ids=ids,
            )
        seen.setdefault(segment.id, segment.index)
        if segment.id == VOID:
            log.format_error(
                "invalid_field",
                f"{where}.id",
                "segment id 0 is the PNG's void (unlabelled) colour",
                "its mask is the void pixels",
                severity=WARNING,
                ids=ids,
            )
        if geometry is None:
            log.format_error(
                "segment_missing_from_png",
                f"{where}.id",
                f"segment {segment.id} is not in the PNG (no pixel has its colour)",
                "it has no mask" if ground_truth else "it was left out",
                ids=ids,
            )
            continue
        if ground_truth:
            _compare(segment.area, segment.bbox, geometry, where, ids, log)
    for segment_id, pixels in scan.unlisted:
        log.format_error(
            "unlisted_png_segment",
            f"{record.path()}.segments_info",
            f"the PNG has {pixels} pixels of segment id {segment_id}, which segments_info "
            "does not list",
            "they count as unlabelled" if ground_truth else "they count as void",
            severity=ERROR,
            ids=image,
        )


def _compare(
    area: float | None,
    bbox: tuple[float, float, float, float] | None,
    geometry: Geometry,
    where: str,
    ids: dict[str, int],
    log: ProblemLog,
) -> None:
    if area is not None and area != geometry.area:
        log.format_error(
            "segment_area_mismatch",
            f"{where}.area",
            f"area {area:g} but the PNG has {geometry.area} pixels of the segment",
            "the file's area is kept (panopticapi uses it for the IoU)",
            severity=WARNING,
            ids=ids,
        )
    if bbox is not None and tuple(bbox) != tuple(float(v) for v in geometry.bbox):
        shown = ", ".join(f"{v:g}" for v in bbox)
        log.format_error(
            "segment_bbox_mismatch",
            f"{where}.bbox",
            f"bbox [{shown}] but the PNG's segment spans {list(geometry.bbox)}",
            "the file's bbox is kept",
            severity=WARNING,
            ids=ids,
        )

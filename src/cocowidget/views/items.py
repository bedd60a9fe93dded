"""What a thumbnail grid shows: whole images, or crops of single objects.

A grid is indifferent to which: it orders rows, asks for their thumbnails, previews and
overlays, and reports selected ids. :class:`ImageItems` serves a dataset's images;
:class:`ObjectItems` serves annotations or one run's detections as crops around each
object, so "every false positive of class X" is browsable with the same widget.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from concurrent.futures import Future
from typing import TYPE_CHECKING, Any

import numpy as np

from cocowidget.data.table import Table
from cocowidget.protocol.messages import DetectionMatch, ImageTitle, Overlay, TruthMatch
from cocowidget.views import evaluation_filters as filters
from cocowidget.views.matches import MatchData
from cocowidget.views.measured import MeasuredStatistics
from cocowidget.views.overlays import ObjectLayer, OverlayBatch

if TYPE_CHECKING:
    from cocowidget.dataset import CocoDataset
    from cocowidget.media import Thumbnail, ThumbnailService

# A crop shows this much of the surroundings on each side, relative to the object.
CROP_CONTEXT = 0.25
CROP_MIN_SIDE = 24.0


class ImageItems:
    """Rows are the dataset's images; overlays show all their objects."""

    kind = "image"
    #: Which table's ids ``ids`` are, for mapping them to the file's own (user_ids).
    id_table: str | None = "images"
    #: The table whose tags the items carry (``None``: they cannot be tagged).
    tag_table: str | None = "images"

    def __init__(self, dataset: CocoDataset) -> None:
        self.dataset = dataset
        self.matches: MatchData | None = None
        self._measured = MeasuredStatistics(dataset)

    @property
    def table(self) -> Table:
        return self.dataset.images

    @property
    def ids(self) -> np.ndarray:
        return self.dataset.images["id"]

    @property
    def tag_ids(self) -> np.ndarray:
        """Per row, the id its tags are kept under (in :attr:`tag_table`)."""
        return self.ids

    @property
    def image_ids(self) -> np.ndarray:
        """Per row, the id of its image (slices hold images)."""
        return self.ids

    def evaluation_counts(
        self, rows: np.ndarray, iou: float, score: float, category_id: int | None = None
    ) -> dict[str, int]:
        """TP, FP and FN summed over the images at ``rows`` (none without matches), of
        one class's objects only if ``category_id``."""
        if self.matches is None:
            return {}
        evaluation = self.matches.evaluation
        counts = evaluation.image_counts(iou, score, category_id=category_id)
        shown = np.isin(evaluation.image_ids, self.ids[rows])
        return {
            "tp": int(counts.tp[shown].sum()),
            "fp": int(counts.fp[shown].sum()),
            "fn": int(counts.fn[shown].sum()),
        }

    def thumbnail(
        self, service: ThumbnailService, row: int, side: int | None = None
    ) -> Future[Thumbnail]:
        """The image's thumbnail (long side ``side``, default the service's); the decode
        that makes it also fills the dataset's pixel statistics for the image (written on
        the kernel's thread, see :mod:`cocowidget.views.measured`)."""
        future = submit_image(self.dataset, row, lambda path: service.submit(path, max_side=side))
        future.add_done_callback(lambda done: self._keep_statistics(row, done))
        return future

    def cached_thumbnail(self, service: ThumbnailService, row: int) -> Thumbnail | None:
        thumb = lookup_image(self.dataset, row, service.cached)
        if thumb is not None:
            self._measured.put(row, thumb.statistics)
        return thumb

    def _keep_statistics(self, row: int, done: Future[Thumbnail]) -> None:
        if not done.cancelled() and done.exception() is None:
            self._measured.put(row, done.result().statistics)

    def preview(self, service: ThumbnailService, row: int) -> Future[Thumbnail]:
        return submit_image(self.dataset, row, service.submit_preview)

    def full(self, service: ThumbnailService, row: int) -> Future[Thumbnail]:
        return submit_image(self.dataset, row, service.submit_full)

    def overlay(self, row: int, batch: OverlayBatch) -> Overlay:
        images = self.dataset.images
        image_id = int(images["id"][row])
        layers = image_layers(self.dataset, image_id, self.matches)
        return batch.add(
            int(images["width"][row]), int(images["height"][row]), layers, self.dataset.categories
        )

    preview_overlay = overlay

    def title(self, row: int) -> ImageTitle:
        return image_title(self.dataset, row)


class ObjectItems:
    """Rows are objects (annotations, or detections of ``run``), shown as crops."""

    kind = "object"

    def __init__(
        self, dataset: CocoDataset, run: str | None = None, ids: Sequence[int] | None = None
    ) -> None:
        self.dataset = dataset
        self.run = run
        self.id_table: str | None = "annotations" if run is None else None
        # Tags are the ground truth's: a run's detections are not tagged.
        self.tag_table: str | None = self.id_table
        self.matches: MatchData | None = None
        table = dataset.annotations if run is None else dataset.predictions[run]
        if ids is not None:
            wanted = np.asarray(list(ids), dtype=np.int64)
            position = {int(i): k for k, i in enumerate(table["id"].tolist())}
            missing = [int(i) for i in wanted if int(i) not in position]
            if missing:
                raise KeyError(f"unknown object ids: {missing[:10]}")
            rows = np.array([position[int(i)] for i in wanted], dtype=np.int64)
        else:
            rows = np.arange(len(table), dtype=np.int64)
        #: Each item's row in its source table, which overlays name objects by.
        self._source_rows = rows
        self._table = table.take(rows) if ids is not None else table
        self._image_rows = dataset.image_rows(self._table["image_id"])

    @property
    def table(self) -> Table:
        return self._table

    @property
    def ids(self) -> np.ndarray:
        return self._table["id"]

    @property
    def tag_ids(self) -> np.ndarray:
        return self.ids

    @property
    def image_ids(self) -> np.ndarray:
        return self._table["image_id"]

    def evaluation_counts(
        self, rows: np.ndarray, iou: float, score: float, category_id: int | None = None
    ) -> dict[str, int]:
        """Among the objects at ``rows`` (of one class only if ``category_id``): TP and
        FP if they are the evaluated run's detections, TP (found) and FN (missed) if they
        are annotations."""
        matches = self.matches
        if matches is None or (self.run is not None and self.run != matches.run):
            return {}
        evaluation = matches.evaluation
        if category_id is not None:
            rows = rows[self._table["category_id"][rows] == category_id]
        shown = self.ids[rows]
        if self.run is None:
            truth_ids = evaluation.ground_truth["id"]
            found = filters.found_mask(evaluation, iou_threshold=iou, score_threshold=score)
            missed = filters.missed_mask(evaluation, iou_threshold=iou, score_threshold=score)
            return {
                "tp": _count_in(shown, truth_ids[found]),
                "fn": _count_in(shown, truth_ids[missed]),
            }
        detection_ids = evaluation.detections["id"]
        tp = detection_ids[
            filters.true_positive_mask(evaluation, iou_threshold=iou, score_threshold=score)
        ]
        fp = detection_ids[
            filters.false_positive_mask(evaluation, iou_threshold=iou, score_threshold=score)
        ]
        return {"tp": _count_in(shown, tp), "fp": _count_in(shown, fp)}

    def crop_box(self, row: int) -> tuple[float, float, float, float]:
        """The region shown for an object: its box with some context, inside the image."""
        image = int(self._image_rows[row])
        width = float(self.dataset.images["width"][image])
        height = float(self.dataset.images["height"][image])
        x, y, w, h = (float(v) for v in self._table["bbox"][row])
        if not all(math.isfinite(v) for v in (x, y, w, h)):  # kept as read: show it whole
            return 0.0, 0.0, width, height
        margin_x = max(w * CROP_CONTEXT, (CROP_MIN_SIDE - w) / 2, 0.0)
        margin_y = max(h * CROP_CONTEXT, (CROP_MIN_SIDE - h) / 2, 0.0)
        left, top = max(0.0, x - margin_x), max(0.0, y - margin_y)
        right, bottom = min(width, x + w + margin_x), min(height, y + h + margin_y)
        if right - left < 1 or bottom - top < 1:  # a box outside its image: show it whole
            return 0.0, 0.0, width, height
        return left, top, right, bottom

    def thumbnail(
        self, service: ThumbnailService, row: int, side: int | None = None
    ) -> Future[Thumbnail]:
        return self._region(service, row, side or service.max_side)

    def cached_thumbnail(self, service: ThumbnailService, row: int) -> Thumbnail | None:
        box = self.crop_box(row)
        return lookup_image(
            self.dataset,
            int(self._image_rows[row]),
            lambda path: service.cached(path, box=box, max_side=service.max_side),
        )

    def preview(self, service: ThumbnailService, row: int) -> Future[Thumbnail]:
        return submit_image(self.dataset, int(self._image_rows[row]), service.submit_preview)

    def full(self, service: ThumbnailService, row: int) -> Future[Thumbnail]:
        return submit_image(self.dataset, int(self._image_rows[row]), service.submit_full)

    def overlay(self, row: int, batch: OverlayBatch) -> Overlay:
        """The object alone, in the coordinates of its crop."""
        image = int(self._image_rows[row])
        image_id = int(self.dataset.images["id"][image])
        layer = _object_layer(
            self.dataset, self.run, image_id, int(self._source_rows[row]), self.matches
        )
        left, top, right, bottom = self.crop_box(row)
        record = batch.add(
            int(self.dataset.images["width"][image]),
            int(self.dataset.images["height"][image]),
            [layer],
            self.dataset.categories,
        )
        record.view = (left, top, right - left, bottom - top)
        return record

    def preview_overlay(self, row: int, batch: OverlayBatch) -> Overlay:
        """The whole image with all its objects, this one emphasised."""
        image = int(self._image_rows[row])
        images = self.dataset.images
        record = batch.add(
            int(images["width"][image]),
            int(images["height"][image]),
            image_layers(self.dataset, int(images["id"][image]), self.matches),
            self.dataset.categories,
        )
        source = 0 if self.run is None else self.dataset.runs[self.run].number
        record.emphasis = [f"{source}:{int(self._source_rows[row])}"]
        return record

    def title(self, row: int) -> ImageTitle:
        """The title of the object's image (the preview shows the whole image)."""
        return image_title(self.dataset, int(self._image_rows[row]))

    def _region(self, service: ThumbnailService, row: int, side: int) -> Future[Thumbnail]:
        box = self.crop_box(row)
        return submit_image(
            self.dataset,
            int(self._image_rows[row]),
            lambda path: service.submit_region(path, box, max_side=side),
        )


def image_title(dataset: CocoDataset, image_row: int) -> ImageTitle:
    """The preview's title for the image at ``image_row``: its file, id and size."""
    images = dataset.images
    (image_id,) = dataset.user_ids(images["id"][image_row : image_row + 1])
    return ImageTitle(
        file_name=str(images["file_name"][image_row]),
        image_id=str(image_id),
        width=int(images["width"][image_row]),
        height=int(images["height"][image_row]),
    )


def image_layers(
    dataset: CocoDataset, image_id: int, matches: MatchData | None = None
) -> list[ObjectLayer]:
    """Ground truth and every prediction run of one image (toggling runs only redraws)."""
    layers = [object_layer(dataset, image_id, None, 0, matches)]
    for run in dataset.runs.runs():
        layers.append(object_layer(dataset, image_id, run.name, run.number, matches))
    return layers


def object_layer(
    dataset: CocoDataset,
    image_id: int,
    run: str | None,
    source: int,
    matches: MatchData | None = None,
) -> ObjectLayer:
    objects = dataset.objects_of(image_id, run)
    rows = dataset.object_rows(image_id, run)
    match_records: Sequence[DetectionMatch | TruthMatch] | None = None
    if matches is not None:
        if run is None:
            match_records = matches.ground_truth(rows)
        elif run == matches.run:
            match_records = matches.detections(rows)
    return ObjectLayer(
        source=source,
        rows=np.arange(rows.start, rows.stop, dtype=np.int64),
        category_ids=objects["category_id"],
        bboxes=objects["bbox"],
        areas=objects["area"],
        iscrowd=_column_or(objects, "iscrowd", 0),
        segmentations=dataset.segmentations_of(image_id, run),
        scores=objects.get("score"),
        matches=match_records,
        keypoints=objects.get("keypoints"),
    )


def _object_layer(
    dataset: CocoDataset,
    run: str | None,
    image_id: int,
    object_row: int,
    matches: MatchData | None,
) -> ObjectLayer:
    source = 0 if run is None else dataset.runs[run].number
    layer = object_layer(dataset, image_id, run, source, matches)
    return layer.select(np.flatnonzero(layer.rows == object_row))


def _count_in(shown: np.ndarray, ids: np.ndarray) -> int:
    return int(np.isin(shown, ids).sum())


def _column_or(table: Table, name: str, default: float) -> np.ndarray:
    values = table.get(name)
    return np.full(len(table), default) if values is None else values


def submit_image(dataset: CocoDataset, image_row: int, submit: Any) -> Future[Thumbnail]:
    """``submit(path)`` for the image at ``image_row``, or a failed thumbnail saying why
    it has no path."""
    path = dataset.image_path_at(image_row)
    if path is None:
        done: Future[Thumbnail] = Future()
        done.set_running_or_notify_cancel()
        done.set_result(_unlocated(dataset))
        return done
    future: Future[Thumbnail] = submit(path)
    return future


def lookup_image(dataset: CocoDataset, image_row: int, lookup: Any) -> Thumbnail | None:
    """``lookup(path)`` (a cached thumbnail or ``None``) for the image at ``image_row``."""
    path = dataset.image_path_at(image_row)
    if path is None:
        return _unlocated(dataset)
    cached: Thumbnail | None = lookup(path)
    return cached


def _unlocated(dataset: CocoDataset) -> Thumbnail:
    from cocowidget.media import Thumbnail

    if dataset.image_dir is None:
        return Thumbnail.failed("no image_dir given")
    return Thumbnail.failed("file name leads outside image_dir")

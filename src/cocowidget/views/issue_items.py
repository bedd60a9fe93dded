"""Candidate label mistakes as grid items: one crop per candidate of a
:func:`~cocowidget.analysis.label_issues.label_issues` table, showing the label and the
model's detection it disagrees with together (a duplicate: both labels), and the
candidate's kind, score and suggested fix as its caption.

The review's decisions are the caller's (``LabelIssuesView`` in
widgets/label_issues_view.py); this module only shows: its :attr:`IssueItems.table`
is the candidates' table with a ``status`` and a ``caption`` column the review keeps
current.
"""

from __future__ import annotations

import math
from concurrent.futures import Future
from typing import TYPE_CHECKING

import numpy as np

from cocowidget.data.table import Table
from cocowidget.protocol.messages import ImageTitle, Overlay
from cocowidget.views.items import (
    CROP_CONTEXT,
    CROP_MIN_SIDE,
    image_layers,
    image_title,
    lookup_image,
    object_layer,
    submit_image,
)
from cocowidget.views.matches import MatchData
from cocowidget.views.overlays import ObjectLayer, OverlayBatch

if TYPE_CHECKING:
    from cocowidget.dataset import CocoDataset
    from cocowidget.media import Thumbnail, ThumbnailService

#: A review's decision on a candidate.
STATUSES = ("to review", "accepted", "rejected")
_MARK = {"to review": "", "accepted": "✓ ", "rejected": "✗ "}
_FIX_TEXT = {
    "add_label": "add label",
    "change_class": "relabel",
    "replace_box": "new box",
    "remove_label": "remove",
}


class IssueItems:
    """Rows are the candidates (rows of ``issues``), shown as crops of their image."""

    kind = "object"
    id_table: str | None = None  # the ids are the candidates' rows
    #: Tags are given to the candidates' images.
    tag_table: str | None = "images"

    def __init__(self, dataset: CocoDataset, run: str, issues: Table) -> None:
        self.dataset = dataset
        self.run = run
        self.matches: MatchData | None = None
        self._issues = issues
        self._image_rows = dataset.image_rows(issues["image_id"])
        self._source = dataset.runs[run].number
        status = np.full(len(issues), STATUSES[0], dtype="<U9")
        self._table = Table({**{name: issues[name] for name in issues.columns}, "status": status})
        self._table["caption"] = self._caption_texts()

    @property
    def table(self) -> Table:
        return self._table

    @property
    def ids(self) -> np.ndarray:
        return np.arange(len(self._issues), dtype=np.int64)

    @property
    def tag_ids(self) -> np.ndarray:
        return self._issues["image_id"]

    image_ids = tag_ids

    def set_status(self, rows: np.ndarray, status: str) -> None:
        """Record the review's decision on the candidates at ``rows``."""
        self._table["status"][rows] = status
        self._table["caption"] = self._caption_texts()

    def evaluation_counts(
        self, rows: np.ndarray, iou: float, score: float, category_id: int | None = None
    ) -> dict[str, int]:
        return {}  # candidates are not counted as TP / FP

    def crop_box(self, row: int) -> tuple[float, float, float, float]:
        """The candidate's objects together (the union of their boxes), with context."""
        image = int(self._image_rows[row])
        width = float(self.dataset.images["width"][image])
        height = float(self.dataset.images["height"][image])
        boxes = [
            box
            for box in self._boxes(row)
            if all(math.isfinite(v) for v in box) and box[2] >= 0 and box[3] >= 0
        ]
        if not boxes:
            return 0.0, 0.0, width, height
        left = min(b[0] for b in boxes)
        top = min(b[1] for b in boxes)
        right = max(b[0] + b[2] for b in boxes)
        bottom = max(b[1] + b[3] for b in boxes)
        w, h = right - left, bottom - top
        margin_x = max(w * CROP_CONTEXT, (CROP_MIN_SIDE - w) / 2, 0.0)
        margin_y = max(h * CROP_CONTEXT, (CROP_MIN_SIDE - h) / 2, 0.0)
        left, top = max(0.0, left - margin_x), max(0.0, top - margin_y)
        right, bottom = min(width, right + margin_x), min(height, bottom + margin_y)
        if right - left < 1 or bottom - top < 1:
            return 0.0, 0.0, width, height
        return left, top, right, bottom

    def thumbnail(
        self, service: ThumbnailService, row: int, side: int | None = None
    ) -> Future[Thumbnail]:
        box = self.crop_box(row)
        side = side or service.max_side
        return submit_image(
            self.dataset,
            int(self._image_rows[row]),
            lambda path: service.submit_region(path, box, max_side=side),
        )

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
        """The candidate's label(s) and detection, in the coordinates of its crop."""
        image = int(self._image_rows[row])
        left, top, right, bottom = self.crop_box(row)
        record = batch.add(
            int(self.dataset.images["width"][image]),
            int(self.dataset.images["height"][image]),
            self._layers(row),
            self.dataset.categories,
        )
        record.view = (left, top, right - left, bottom - top)
        return record

    def preview_overlay(self, row: int, batch: OverlayBatch) -> Overlay:
        """The whole image with all its objects, the candidate's emphasised."""
        image = int(self._image_rows[row])
        images = self.dataset.images
        record = batch.add(
            int(images["width"][image]),
            int(images["height"][image]),
            image_layers(self.dataset, int(images["id"][image])),
            self.dataset.categories,
        )
        record.emphasis = self._emphasis(row)
        return record

    def title(self, row: int) -> ImageTitle:
        return image_title(self.dataset, int(self._image_rows[row]))

    # -- the candidate's objects -----------------------------------------------------------
    def _annotation_rows(self, row: int) -> list[int]:
        issues = self._issues
        rows = (int(issues["annotation_row"][row]), int(issues["other_annotation_row"][row]))
        return [r for r in rows if r >= 0]

    def _detection_row(self, row: int) -> int:
        return int(self._issues["detection_row"][row])

    def _boxes(self, row: int) -> list[tuple[float, float, float, float]]:
        boxes = self.dataset.annotations["bbox"]
        found = [tuple(float(v) for v in boxes[r]) for r in self._annotation_rows(row)]
        detection = self._detection_row(row)
        if detection >= 0:
            found.append(
                tuple(float(v) for v in self.dataset.predictions[self.run]["bbox"][detection])
            )
        return found  # type: ignore[return-value]

    def _layers(self, row: int) -> list[ObjectLayer]:
        image_id = int(self._issues["image_id"][row])
        truth = object_layer(self.dataset, image_id, None, 0)
        layers = [truth.select(np.flatnonzero(np.isin(truth.rows, self._annotation_rows(row))))]
        detection = self._detection_row(row)
        if detection >= 0:
            found = object_layer(self.dataset, image_id, self.run, self._source)
            layers.append(found.select(np.flatnonzero(found.rows == detection)))
        return layers

    def _emphasis(self, row: int) -> list[str]:
        keys = [f"0:{r}" for r in self._annotation_rows(row)]
        detection = self._detection_row(row)
        if detection >= 0:
            keys.append(f"{self._source}:{detection}")
        return keys

    def _caption_texts(self) -> np.ndarray:
        """``"✓ wrong_class 0.91 · relabel"``: decision, kind, score, suggested fix."""
        table = self._table
        texts = [
            f"{_MARK[str(status)]}{kind} {score:.2f} · {_FIX_TEXT.get(str(fix), str(fix))}"
            for status, kind, score, fix in zip(
                table["status"].tolist(),
                table["kind"].tolist(),
                table["score"].tolist(),
                table["fix"].tolist(),
                strict=True,
            )
        ]
        return np.array(texts, dtype=object)

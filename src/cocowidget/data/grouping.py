"""Id lookups and objects grouped by image.

:class:`IdIndex` maps ids to table rows (vectorised by binary search, one id in constant
time by a dict built on first use). :class:`ObjectTable` holds annotations or detections
sorted (stably) by image row, so one image's objects are ``offsets[row]:offsets[row + 1]``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from cocowidget.data.table import Table

MISSING = -1
_MAX_TABLE = 8_000_000  # entries (32 MB) of a dense id → row table
_MAX_SPREAD = 16  # ... and at most this many entries per id


class IdIndex:
    """Rows of ids in a column; with duplicate ids, the last row wins, as in
    pycocotools' index (``imgs[img["id"]] = img`` keeps the last image of an id)."""

    def __init__(self, ids: np.ndarray) -> None:
        self.ids = ids
        self._order = np.argsort(ids, kind="stable")
        self._sorted = ids[self._order]
        self._dict: dict[int, int] | None = None
        self._table: np.ndarray | None = None
        self._sparse = False

    def __len__(self) -> int:
        return len(self.ids)

    def rows(self, ids: npt.ArrayLike) -> np.ndarray:
        """Row of each id, or -1 where the id is not present."""
        wanted = np.asarray(ids, dtype=np.int64)
        if len(self._sorted) == 0:
            return np.full(wanted.shape, MISSING, dtype=np.int64)
        table = self._lookup_table()
        if table is not None:
            low = int(self._sorted[0])
            offset = wanted - low
            inside = (offset >= 0) & (offset < len(table))
            found = np.full(wanted.shape, MISSING, dtype=np.int64)
            found[inside] = table[offset[inside]]
            return found
        # The last of equal ids in the stable sort is the last row of that id.
        position = np.searchsorted(self._sorted, wanted, side="right") - 1
        np.maximum(position, 0, out=position)
        missing = self._sorted[position] != wanted
        rows: np.ndarray = self._order[position]
        rows[missing] = MISSING
        return rows

    def _lookup_table(self) -> np.ndarray | None:
        """Row by ``id - min(id)`` when ids are dense enough (COCO's are: 118k images
        with ids below 600k), which is several times faster than a binary search."""
        if self._table is None and not self._sparse:
            low, high = int(self._sorted[0]), int(self._sorted[-1])
            span = high - low + 1
            if span > _MAX_TABLE or span > _MAX_SPREAD * len(self._sorted):
                self._sparse = True
                return None
            table = np.full(span, MISSING, dtype=np.int32 if len(self.ids) < 2**31 else np.int64)
            # Of duplicate ids the last row wins. numpy does not promise which of
            # repeated indices an assignment keeps, so each id is written once: the last
            # of equal ids in the stable sort is its last row.
            last = np.r_[self._sorted[1:] != self._sorted[:-1], True]
            table[self._sorted[last] - low] = self._order[last]
            self._table = table
        return self._table

    def row(self, id_: int) -> int:
        """Row of one id in constant time; KeyError if absent."""
        if self._dict is None:
            # Built in row order: of duplicate ids the last row wins.
            self._dict = dict(zip(self.ids.tolist(), range(len(self.ids)), strict=True))
        return self._dict[int(id_)]

    def known_rows(self, ids: npt.ArrayLike) -> np.ndarray:
        """Rows of many ids; KeyError naming (a few of) those that are unknown."""
        wanted = np.asarray(ids, dtype=np.int64).reshape(-1)
        rows = self.rows(wanted)
        if (rows < 0).any():
            raise KeyError(f"unknown image ids: {wanted[rows < 0][:5].tolist()}")
        return rows

    def __contains__(self, id_: object) -> bool:
        try:
            self.row(int(id_))  # type: ignore[call-overload]
        except (KeyError, TypeError, ValueError):
            return False
        return True

    def duplicated(self) -> np.ndarray:
        """Boolean mask of rows whose id already occurred in an earlier row (lookups
        find the last row of such an id)."""
        mask = np.zeros(len(self.ids), dtype=bool)
        same = self._sorted[1:] == self._sorted[:-1]
        mask[self._order[1:][same]] = True
        return mask


@dataclass
class ObjectTable:
    """Annotations (or one run's detections) grouped by image.

    ``table`` rows are sorted by ``image_index`` (the row of the image in the images
    table); objects whose image is unknown (``image_index == -1``) come last and belong
    to no image's slice. ``file_index`` keeps each object's position in the source file.
    ``segmentation`` and ``extras`` hold raw JSON aligned with the rows.
    """

    table: Table
    segmentation: np.ndarray
    extras: dict[str, np.ndarray]
    offsets: np.ndarray
    #: The source array the rows came from, for JSON paths ("" for a results list).
    section: str = "annotations"
    #: Records as read (``msgspec.Raw``), by file index, where the row's values cannot say
    #: them (a detection's NaN score): export writes these.
    originals: dict[int, Any] = field(default_factory=dict, repr=False)
    #: JSON paths of the records by file index, where a reader of another format
    #: (panoptic: ``annotations[i].segments_info[j]``) knows them; None: ``section[i]``.
    record_paths: np.ndarray | None = field(default=None, repr=False)
    _ids: IdIndex | None = field(default=None, repr=False)
    cache: dict[str, Any] = field(default_factory=dict, repr=False)

    @classmethod
    def group(
        cls,
        table: Table,
        segmentation: np.ndarray,
        extras: dict[str, np.ndarray],
        image_index: np.ndarray,
        n_images: int,
        section: str = "annotations",
    ) -> ObjectTable:
        """Group rows by image. Reorders ``table``'s columns in place (one column at a
        time, so a million-row table never exists twice in memory)."""
        key = np.where(image_index < 0, n_images, image_index)
        counts = np.bincount(key, minlength=n_images + 1)[:n_images]
        offsets = np.zeros(n_images + 1, dtype=np.int64)
        np.cumsum(counts, out=offsets[1:])
        if len(key) and bool(np.all(key[1:] >= key[:-1])):
            table["image_index"] = image_index  # already grouped, as generated files are
            return cls(table, segmentation, dict(extras), offsets, section)
        order = np.argsort(key, kind="stable")
        for name in table.columns:
            table[name] = table[name][order]
        table["image_index"] = image_index[order]
        return cls(
            table,
            segmentation[order],
            {name: values[order] for name, values in extras.items()},
            offsets,
            section,
        )

    def __len__(self) -> int:
        return len(self.table)

    def path(self, row: int) -> str:
        """JSON path of a row's record in the source file."""
        file_index = int(self.table["file_index"][row])
        if self.record_paths is not None:
            return str(self.record_paths[file_index])
        return f"{self.section}[{file_index}]"

    def rows_of(self, image_row: int) -> slice:
        return slice(int(self.offsets[image_row]), int(self.offsets[image_row + 1]))

    @property
    def ids(self) -> IdIndex:
        if self._ids is None:
            self._ids = IdIndex(self.table["id"])
        return self._ids

    def rows_for_images(self, image_rows: np.ndarray) -> np.ndarray:
        """Rows of the objects of the given images, in :meth:`for_images` order."""
        starts = self.offsets[image_rows]
        result: np.ndarray = ranges(starts, self.offsets[image_rows + 1] - starts)
        return result

    def for_images(self, image_rows: np.ndarray) -> ObjectTable:
        """The objects of the given images (rows of the old images table), grouped in
        that order; the result's image rows are ``0..len(image_rows)-1``."""
        starts = self.offsets[image_rows]
        counts = self.offsets[image_rows + 1] - starts
        rows = ranges(starts, counts)
        table = self.table.take(rows)
        table["image_index"] = np.repeat(np.arange(len(image_rows), dtype=np.int64), counts)
        offsets = np.zeros(len(image_rows) + 1, dtype=np.int64)
        np.cumsum(counts, out=offsets[1:])
        return ObjectTable(
            table,
            self.segmentation[rows],
            {name: values[rows] for name, values in self.extras.items()},
            offsets,
            self.section,
            self.originals,
            self.record_paths,
        )

    def take(self, rows: np.ndarray, n_images: int) -> ObjectTable:
        """Selected rows (kept grouped as they are sorted)."""
        rows = np.sort(np.asarray(rows, dtype=np.int64))
        table = self.table.take(rows)
        key = np.where(table["image_index"] < 0, n_images, table["image_index"])
        counts = np.bincount(key, minlength=n_images + 1)[:n_images]
        offsets = np.zeros(n_images + 1, dtype=np.int64)
        np.cumsum(counts, out=offsets[1:])
        return ObjectTable(
            table,
            self.segmentation[rows],
            {name: values[rows] for name, values in self.extras.items()},
            offsets,
            self.section,
            self.originals,
            self.record_paths,
        )


def ranges(starts: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """Concatenation of ``arange(s, s + c)`` for each start and count, vectorised."""
    total = int(counts.sum())
    if total == 0:
        return np.zeros(0, dtype=np.int64)
    nonempty = counts > 0
    starts, counts = starts[nonempty], counts[nonempty]
    steps = np.ones(total, dtype=np.int64)
    boundaries = np.cumsum(counts)[:-1]
    steps[0] = starts[0]
    steps[boundaries] = starts[1:] - (starts[:-1] + counts[:-1] - 1)
    return np.cumsum(steps)


def object_array(values: Iterable[Any], n: int) -> np.ndarray:
    return np.fromiter(values, dtype=object, count=n)

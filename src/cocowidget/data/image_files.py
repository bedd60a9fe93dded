"""ImageFiles: a dataset's image files and the statistics only they give.

Where each image's file is (``image_dir / file_name``, never outside ``image_dir`` unless
the user opts out), whether ``image_dir`` holds the files, and the columns that need the
files: ``file_size`` and the pixel statistics. It is their one writer, on the kernel's
thread (measurements a grid's thumbnail workers make come through
:mod:`cocowidget.views.measured`), and tells its listeners which columns got values.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Sequence
from concurrent.futures import Executor
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from cocowidget.data import quality as checks
from cocowidget.data.file_checks import default_executor
from cocowidget.data.files import FileReport, resolve
from cocowidget.data.listeners import Listeners
from cocowidget.data.problems import ERROR, WARNING, Problem
from cocowidget.data.statistics import PIXEL_STATISTICS
from cocowidget.data.table import Table
from cocowidget.progress import run_in_parallel

if TYPE_CHECKING:
    from cocowidget.media.statistics import PixelStatistics

#: How many image files a load looks for in ``image_dir`` (evenly spread over the images).
FILE_SAMPLE = 64


class ImageFiles:
    """The image files of one images table."""

    def __init__(
        self,
        images: Table,
        image_dir: Path | None,
        allow_outside: bool,
        *,
        statistics_complete: bool = False,
    ) -> None:
        self._images = images
        self.image_dir = image_dir
        self.allow_outside = allow_outside
        self._statistics_complete = statistics_complete
        self._listeners = Listeners()

    # -- where the files are ----------------------------------------------------------------
    def path_at(self, row: int) -> Path | None:
        """``image_dir / file_name`` of row ``row``, resolved; None without an
        ``image_dir`` or when the name would lead outside it."""
        if self.image_dir is None:
            return None
        return resolve(self.image_dir, str(self._images["file_name"][row]), self.allow_outside)

    def paths(self) -> list[Path | None]:
        """:meth:`path_at` of every row."""
        if self.image_dir is None:
            return [None] * len(self._images)
        root = self.image_dir
        names = self._images["file_name"].tolist()
        return [resolve(root, name, self.allow_outside) for name in names]

    def missing_dir(self) -> Problem | None:
        """The problem of an ``image_dir`` that is not a folder (``None`` if it is one, or
        if there is no ``image_dir``)."""
        if self.image_dir is None or self.image_dir.is_dir():
            return None
        return Problem(
            "missing_image_dir",
            ERROR,
            f"image_dir {str(self.image_dir)!r} is not a folder: no image file can be read",
        )

    def unfound_files(self) -> Problem | None:
        """An ``image_dir`` that is a folder but lacks files of a sample of the images
        (``from_coco(val.json, image_dir="train2017/")``): an error when none is there, a
        warning when some are missing. A few dozen stats, cheap enough for every load."""
        images = self._images
        if self.image_dir is None or not self.image_dir.is_dir() or not len(images):
            return None
        rows = np.unique(np.linspace(0, len(images) - 1, FILE_SAMPLE).astype(np.int64))
        names = images["file_name"]
        located = [(row, path) for row in rows.tolist() if (path := self.path_at(row))]
        missing = [str(names[row]) for row, path in located if not path.is_file()]
        if not missing:
            return None
        found = len(located) - len(missing)
        sample = "" if len(located) == len(images) else f" (a sample of {len(images)})"
        message = (
            f"{found} of {len(located)} image files found{sample} in image_dir "
            f"{str(self.image_dir)!r}; not found e.g. {missing[0]!r}"
        )
        if found == 0:
            message += ": is image_dir the folder of these annotations' images?"
        return Problem("image_files_not_found", ERROR if found == 0 else WARNING, message)

    def unsafe_names(self) -> list[Problem]:
        """File names that lead outside ``image_dir`` (none when the user allowed it)."""
        return [] if self.allow_outside else checks.unsafe_file_names(self._images)

    # -- what only the files tell -------------------------------------------------------------
    @property
    def statistics_complete(self) -> bool:
        return self._statistics_complete

    def on_change(self, listener: Callable[[tuple[str, ...]], None]) -> None:
        """Call ``listener(columns)`` after ``columns`` got values; a bound method is held
        weakly (a closed widget stops listening)."""
        self._listeners.add(listener)

    def write_pixels(self, rows: Sequence[int], statistics: Sequence[PixelStatistics]) -> None:
        """Store several images' pixel statistics, measured by whoever decoded them."""
        columns = [self._images[name] for name in PIXEL_STATISTICS]
        for row, measured in zip(rows, statistics, strict=True):
            for name, column in zip(PIXEL_STATISTICS, columns, strict=True):
                column[row] = getattr(measured, name)
        if len(rows):
            self._listeners(PIXEL_STATISTICS)

    def measure_pixels(self, rows: np.ndarray, executor: Executor | None) -> None:
        """Decode the images at ``rows`` for brightness, contrast and sharpness;
        unreadable images stay NaN."""
        from cocowidget.media import ImageDecodeError, compute_pixel_statistics

        paths = self.paths()

        def measure(batch: list[int]) -> list[tuple[float, float, float]]:
            measured = []
            for row in batch:
                path = paths[row]
                try:
                    stats = None if path is None else compute_pixel_statistics(path)
                except ImageDecodeError:
                    stats = None
                if stats is None:
                    measured.append((np.nan, np.nan, np.nan))
                else:
                    measured.append((stats.brightness, stats.contrast, stats.sharpness))
            return measured

        own = executor is None
        pool = default_executor() if executor is None else executor
        try:
            values = run_in_parallel(measure, rows.tolist(), pool, "Measuring pixels", batch=16)
        finally:
            if own:
                pool.shutdown(cancel_futures=True)
        array = np.asarray(values, dtype=np.float64).reshape(len(rows), 3)
        for column, name in enumerate(PIXEL_STATISTICS):
            self._images[name][rows] = array[:, column]
        if len(rows) == len(self._images):
            self._statistics_complete = True
        self._listeners(PIXEL_STATISTICS)

    def measure_sizes(self) -> np.ndarray:
        """Fill ``file_size`` (bytes; NaN where the file is missing or unsafe)."""
        sizes = np.full(len(self._images), np.nan)
        for row, path in enumerate(self.paths()):
            if path is not None:
                with contextlib.suppress(OSError):
                    sizes[row] = path.stat().st_size
        self._images["file_size"] = sizes
        self._listeners(("file_size",))
        return sizes

    def keep_reports(self, reports: list[FileReport | None]) -> None:
        """Store what a full file check read (one report per row, None where unread)."""
        self._images["file_size"] = np.array(
            [r.file_size if r and r.file_size >= 0 else np.nan for r in reports], dtype=np.float64
        )
        for name in PIXEL_STATISTICS:
            self._images[name] = np.array([getattr(r, name) if r else np.nan for r in reports])
        self._statistics_complete = True
        self._listeners((*PIXEL_STATISTICS, "file_size"))

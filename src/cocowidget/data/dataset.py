"""CocoData: a COCO dataset's tables, runs and derived columns, without analyses.

:class:`cocowidget.dataset.CocoDataset` is this plus the analyses built on it
(evaluation); data never imports them.

Images, annotations and categories are :class:`~cocowidget.data.table.Table` s of numpy
columns, statistics included. Annotations are grouped by image, so one image's objects
are a slice. Prediction runs are annotation tables with a score, one per name.
"""

from __future__ import annotations

import contextlib
import os
import warnings
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import Executor
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from cocowidget._arguments import checked_methods
from cocowidget.data import export
from cocowidget.data import quality as checks
from cocowidget.data.columns import (
    Columns,
    annotation_columns,
    category_columns,
    image_columns,
    repair_missing_areas,
)
from cocowidget.data.derived import RUN_TABLE_PREFIX, DerivedColumns, run_table
from cocowidget.data.files import resolve
from cocowidget.data.grouping import IdIndex, ObjectTable
from cocowidget.data.identity import UserIds, identity_key, pending_of, resolve_ids
from cocowidget.data.listeners import Listeners
from cocowidget.data.loading import (
    GROUND_TRUTH_LAYOUT,
    Document,
    load_document,
    read_source,
    reread_raw_fields,
)
from cocowidget.data.masks import image_masks, object_rle, segmentation_value
from cocowidget.data.predictions import Match, load_run
from cocowidget.data.problems import (
    ERROR,
    INFO,
    NO_ID,
    WARNING,
    CocoFormatError,
    Problem,
    ProblemLog,
    problems_table,
)
from cocowidget.data.runs import Run, RunRegistry
from cocowidget.data.segment_scan import mask_areas, segmentation_values
from cocowidget.data.statistics import (
    PIXEL_STATISTICS,
    category_statistics,
    image_statistics,
    object_statistics,
)
from cocowidget.data.table import Table

if TYPE_CHECKING:
    from typing_extensions import Self

    from cocowidget.media.statistics import PixelStatistics

PathLike = str | os.PathLike[str]


#: How many image files a load looks for in ``image_dir`` (evenly spread over the images).
FILE_SAMPLE = 64


@checked_methods
class CocoData:
    """A COCO dataset (and any number of prediction runs) as columnar tables.

    Build one with :meth:`from_coco`. Tables:

    - :attr:`images`: ``id, file_name, width, height, file_index`` and statistics
      ``aspect_ratio, megapixels, file_size, object_count, category_count,
      object_density, smallest_object_area, brightness, contrast, sharpness``;
    - :attr:`annotations`: ``id, image_id, category_id, bbox`` (N×4 ``x, y, w, h``),
      ``bbox_x, bbox_y, bbox_w, bbox_h, area, iscrowd, file_index, image_index,
      category_index`` and statistics ``relative_area, aspect_ratio, size_bucket,
      mask_area, touches_border, category_name``; sorted by image;
    - :attr:`categories`: ``id, name, supercategory, file_index, annotation_count,
      image_count, mean_area, median_area``;
    - :attr:`predictions`: one annotation-like table per run, plus ``score`` and the
      records' own values ``file_id, file_bbox, file_area, file_iscrowd`` (``bbox`` and
      ``area`` are completed as ``COCO.loadRes`` completes them; see
      :meth:`add_predictions`).
    """

    def __init__(
        self,
        *,
        images: Table,
        image_extras: dict[str, np.ndarray],
        annotations: ObjectTable,
        categories: Table,
        category_extras: dict[str, np.ndarray],
        top_extras: dict[str, Any],
        source_name: str,
        load_problems: list[Problem],
        image_dir: Path | None,
        allow_outside_image_dir: bool,
        strict: bool,
        runs: dict[str, ObjectTable] | None = None,
        run_problems: dict[str, list[Problem]] | None = None,
        pixel_statistics_complete: bool = False,
        originals: dict[str, export.Originals] | None = None,
        user_ids: UserIds | None = None,
    ) -> None:
        self._images = images
        self._image_extras = image_extras
        self._annotations = annotations
        self._categories = categories
        self._category_extras = category_extras
        self._top_extras = top_extras
        self._source_name = source_name
        self._load_problems = load_problems
        self._image_dir = image_dir
        self._allow_outside = allow_outside_image_dir
        self._strict = strict
        #: Every run by name (detections today), each with a number never reused.
        self.runs = RunRegistry()
        for name, objects in (runs or {}).items():
            problems = (run_problems or {}).get(name, [])
            self.runs.add(Run(name, "detections", objects, problems=problems))
        #: Every computed column with what computed it (evaluations, comparisons).
        self.derived = DerivedColumns(self._table_named)
        self.runs.on_change(self._on_run_change)
        self._pixel_statistics_complete = pixel_statistics_complete
        self._statistics_listeners = Listeners()
        self._image_ids = IdIndex(images["id"])
        self._category_ids = IdIndex(categories["id"])
        #: Records kept as read (by table, then file index), written back by to_coco.
        self._originals: dict[str, export.Originals] = dict(originals or {})
        #: Ids that are not int64s in the file: internal id -> the file's id, by table.
        self._user_ids: UserIds = dict(user_ids or {})
        self._internal_ids: dict[str, dict[Any, int]] = {}
        #: Sections the file had as something other than an array (Raw), or not at all
        #: (None): written back so while their tables are empty.
        self._sections_as_read: dict[str, Any] = {}

    @property
    def _runs(self) -> dict[str, ObjectTable]:
        return {run.name: run.objects for run in self.runs.runs()}

    @property
    def _run_problems(self) -> dict[str, list[Problem]]:
        return {run.name: run.problems for run in self.runs.runs()}

    def _table_named(self, name: str) -> Table:
        """A table by the derived-columns registry's name for it."""
        if name.startswith(RUN_TABLE_PREFIX):
            return self.runs[name[len(RUN_TABLE_PREFIX) :]].objects.table
        tables = {"images": self._images, "annotations": self.annotations}
        if name == "categories":
            return self._categories
        return tables[name]

    def _on_run_change(self, event: str, name: str, new_name: str | None) -> None:
        # Whatever was computed from a run goes with it: its evaluation columns, its
        # comparisons; a renamed run's columns would carry the old name, so they go too.
        if event in ("removed", "renamed"):
            self.derived.drop_run(name)

    # -- construction --------------------------------------------------------------------
    @classmethod
    def from_coco(
        cls,
        source: Any,
        image_dir: PathLike | None = None,
        strict: bool = False,
        *,
        allow_outside_image_dir: bool = False,
    ) -> Self:
        """Load an instances JSON (path or bytes), a dict, or a ``pycocotools.coco.COCO``.

        ``strict=False`` loads what can be loaded, warns about what it found, and lists
        every problem in :meth:`quality`; ``strict=True`` raises :class:`CocoFormatError`
        at the first error, naming the file, the JSON path and what is wrong (and
        ``NotADirectoryError`` for an ``image_dir`` that is not a folder). Image files are
        looked up as ``image_dir / file_name`` and never outside ``image_dir`` unless
        ``allow_outside_image_dir``.
        """
        data = read_source(source)
        log = ProblemLog(data.name, strict=strict)
        document = load_document(data, GROUND_TRUTH_LAYOUT, log)
        _report_missing_sections(document, log)
        images = image_columns(document.sections["images"], log)
        reread = "annotations" in document.rereadable
        annotations = annotation_columns(document.sections["annotations"], log, raw=not reread)
        categories = category_columns(document.sections["categories"])
        for section in document.sections.values():
            section.records = []  # the columns hold everything now; free the structs
        if reread:
            annotations.segmentation, annotations.extras = reread_raw_fields(
                document, "annotations"
            )
        document.data = None
        repair_missing_areas(annotations, document.sections["annotations"], log)
        user_ids = _resolve_ids(document, images, annotations, categories)
        dataset = cls._assemble(
            images,
            annotations,
            categories,
            document.top_extras,
            data.name,
            log.problems,
            image_dir=Path(image_dir) if image_dir is not None else None,
            allow_outside_image_dir=allow_outside_image_dir,
            strict=strict,
        )
        dataset._user_ids = user_ids
        dataset._originals = {
            name: section.originals
            for name, section in document.sections.items()
            if section.originals
        }
        if document.readable:
            dataset._sections_as_read = {
                name: section.as_read
                for name, section in document.sections.items()
                if section.as_read is not None or not section.present
            }
        if strict:
            dataset._raise_first_error(
                dataset._table_problems(None) + dataset._segmentation_problems()
            )
            missing_dir = dataset._missing_image_dir()
            if missing_dir is not None:
                raise NotADirectoryError(missing_dir.message)
            unfound = dataset._unfound_image_files()
            if unfound is not None and unfound.severity == ERROR:
                raise FileNotFoundError(unfound.message)
        else:
            # Said at once, not only in quality(): these images would fail to show, and
            # annotations of a duplicate image id go to its last image.
            at_load = dataset._unsafe_file_names() if dataset._image_dir is not None else []
            at_load += checks.duplicate_record_ids(
                dataset._images, "images", "image", dataset._image_ids, user_ids
            )
            missing_dir = dataset._missing_image_dir()
            if missing_dir is not None:
                at_load.append(missing_dir)
            elif (unfound := dataset._unfound_image_files()) is not None:
                at_load.append(unfound)
            _warn_about(data.name, log.problems + at_load)
            duplicates = duplicate_annotation_ids_message(dataset.annotations["id"], data.name)
            if duplicates is not None:
                warnings.warn(duplicates, stacklevel=2)
        return dataset

    @classmethod
    def _assemble(
        cls,
        images: Columns,
        annotations: Columns,
        categories: Columns,
        top_extras: dict[str, Any],
        source_name: str,
        problems: list[Problem],
        *,
        image_dir: Path | None,
        allow_outside_image_dir: bool,
        strict: bool,
    ) -> Self:
        image_table = images.table
        category_table = categories.table
        image_ids = IdIndex(image_table["id"])
        objects = _group(annotations, image_ids, IdIndex(category_table["id"]), len(image_table))
        _add_object_statistics(objects, image_table, category_table)
        for name, values in image_statistics(image_table, objects, len(category_table)).items():
            image_table[name] = values
        image_table["file_size"] = np.full(len(image_table), -1, dtype=np.int64)
        for name in PIXEL_STATISTICS:
            image_table[name] = np.full(len(image_table), np.nan)
        for name, values in category_statistics(category_table, objects.table).items():
            category_table[name] = values
        return cls(
            images=image_table,
            image_extras=images.extras,
            annotations=objects,
            categories=category_table,
            category_extras=categories.extras,
            top_extras=top_extras,
            source_name=source_name,
            load_problems=problems,
            image_dir=image_dir,
            allow_outside_image_dir=allow_outside_image_dir,
            strict=strict,
        )

    def refresh_statistics(self) -> None:
        """Recompute the annotation statistics columns of images, annotations, runs and
        categories (done at load; call again after editing annotation columns in place).
        File sizes and pixel statistics are kept."""
        _add_object_statistics(self._annotations, self._images, self._categories)
        for run in self._runs.values():
            _add_object_statistics(run, self._images, self._categories)
        counts = image_statistics(self._images, self._annotations, len(self._categories))
        for name, values in counts.items():
            self._images[name] = values
        for name, values in category_statistics(self._categories, self.annotations).items():
            self._categories[name] = values

    # -- tables --------------------------------------------------------------------------
    @property
    def images(self) -> Table:
        return self._images

    @property
    def annotations(self) -> Table:
        return self._annotations.table

    @property
    def categories(self) -> Table:
        return self._categories

    @property
    def predictions(self) -> Mapping[str, Table]:
        """Detections per run name (read-only mapping of tables)."""
        return MappingProxyType({name: run.table for name, run in self._runs.items()})

    @property
    def image_dir(self) -> Path | None:
        return self._image_dir

    @property
    def source_name(self) -> str:
        return self._source_name

    def __len__(self) -> int:
        return len(self._images)

    def __repr__(self) -> str:
        runs = f", runs {list(self._runs)}" if self._runs else ""
        return (
            f"{type(self).__name__}({len(self._images)} images, "
            f"{len(self._annotations)} annotations, "
            f"{len(self._categories)} categories{runs})"
        )

    # -- lookups -------------------------------------------------------------------------
    def image_row(self, image_id: Any) -> int:
        """Row of an image in :attr:`images` (constant time); KeyError if unknown. An id
        the file has as a string (or beyond int64) may be given as the file has it."""
        try:
            return self._image_ids.row(self._internal_id("images", image_id))
        except KeyError:
            raise KeyError(f"no image with id {image_id!r}") from None

    def user_ids(self, ids: npt.ArrayLike, table: str = "images") -> list[Any]:
        """The ids as the file has them, for ids of :attr:`images` (or of
        ``table="annotations"``/``"categories"``): the same ints, except where the file's
        id is not a 64-bit integer (``"abc"``, ``2**70``, ``1.5``, null), which the table
        holds as an internal id. Give selections back to the user with it."""
        if table not in ("images", "annotations", "categories"):
            raise ValueError(f"table must be images, annotations or categories, not {table!r}")
        values = np.asarray(ids, dtype=np.int64).reshape(-1).tolist()
        labels = self._user_ids.get(table)
        if not labels:
            return values
        return [labels.get(value, value) for value in values]

    def _internal_id(self, table: str, user_id: Any) -> int:
        """The table's id of an id as the user (or the file) gives it."""
        labels = self._user_ids.get(table)
        if labels:
            if table not in self._internal_ids:
                self._internal_ids[table] = {
                    identity_key(original): internal for internal, original in labels.items()
                }
            with contextlib.suppress(TypeError):
                found = self._internal_ids[table].get(identity_key(user_id))
                # A usable int is its own id (True == 1 must not find a file's true).
                usable = isinstance(user_id, int | np.integer) and -(2**63) <= user_id < 2**63
                if found is not None and not usable:
                    return found
        try:
            return int(user_id)
        except (TypeError, ValueError, OverflowError):
            raise KeyError(user_id) from None

    def internal_ids(self, ids: Sequence[Any], table: str = "images") -> list[int]:
        """The table's ids of ids as the user (or the file) gives them: the inverse of
        :meth:`user_ids`; ``KeyError`` for a value that is neither."""
        return [self._internal_id(table, value) for value in ids]

    def image_rows(self, image_ids: npt.ArrayLike) -> np.ndarray:
        """Rows of many images at once; -1 where an id is unknown."""
        return self._image_ids.rows(image_ids)

    def category_row(self, category_id: Any) -> int:
        try:
            return self._category_ids.row(self._internal_id("categories", category_id))
        except KeyError:
            raise KeyError(f"no category with id {category_id!r}") from None

    def _objects(self, run: str | None) -> ObjectTable:
        if run is None:
            return self._annotations
        try:
            return self.runs[run].objects
        except KeyError:
            known = ", ".join(map(repr, self.runs)) or "none"
            raise KeyError(f"no prediction run {run!r}; runs are: {known}") from None

    def object_rows(self, image_id: Any, run: str | None = None) -> slice:
        """Rows of an image's annotations (or a run's detections) in their table."""
        return self._objects(run).rows_of(self.image_row(image_id))

    def objects_of(self, image_id: Any, run: str | None = None) -> Table:
        """An image's annotations (or detections of ``run``): a slice, no search."""
        objects = self._objects(run)
        return objects.table.take(objects.rows_of(self.image_row(image_id)))

    def image_path(self, image_id: Any) -> Path | None:
        """Where the image file is: ``image_dir / file_name``, resolved; None without an
        ``image_dir`` or when the name would lead outside it."""
        return self.image_path_at(self.image_row(image_id))

    def image_path_at(self, row: int) -> Path | None:
        """:meth:`image_path` of the image in row ``row`` of :attr:`images`."""
        if self._image_dir is None:
            return None
        return resolve(self._image_dir, str(self._images["file_name"][row]), self._allow_outside)

    def image_paths(self) -> list[Path | None]:
        """:meth:`image_path` of every image, in table order."""
        if self._image_dir is None:
            return [None] * len(self._images)
        root = self._image_dir
        return [
            resolve(root, name, self._allow_outside) for name in self._images["file_name"].tolist()
        ]

    # -- masks ---------------------------------------------------------------------------
    def masks(
        self, image_id: Any, size: tuple[int, int] | None = None, run: str | None = None
    ) -> np.ndarray:
        """``(N, H, W)`` uint8 masks of the image's objects in :meth:`objects_of` order.

        ``size=(height, width)`` rasterises at that size (default: the image's); at the
        image's size each mask equals ``pycocotools.coco.COCO.annToMask``.
        """
        return image_masks(self._objects(run), self.image_row(image_id), self._images, size)

    def segmentations_of(self, image_id: Any, run: str | None = None) -> list[Any]:
        """An image's segmentations as read (polygon lists or RLE dicts), in
        :meth:`objects_of` order; ``None`` where an object has none or it is malformed."""
        objects = self._objects(run)
        rows = objects.rows_of(self.image_row(image_id))
        return [segmentation_value(objects, row) for row in range(rows.start, rows.stop)]

    def segmentations(self, run: str | None = None) -> list[Any]:
        """Every object's segmentation as read, aligned with the rows of
        :attr:`annotations` (or of ``predictions[run]``); ``None`` where an object has
        none or it is malformed. One bulk pass: use it rather than a loop over images."""
        return segmentation_values(self._objects(run))

    def annotation_rle(self, annotation_id: int, run: str | None = None) -> dict[str, Any]:
        """Compressed RLE of one annotation's mask (as ``COCO.annToRLE``)."""
        objects = self._objects(run)
        try:
            row = objects.ids.row(annotation_id)
        except KeyError:
            raise KeyError(f"no annotation with id {annotation_id}") from None
        return object_rle(objects, row, self._images)

    def compute_mask_areas(self, run: str | None = None) -> np.ndarray:
        """Fill the ``mask_area`` column by rasterising every segmentation (slow on big
        datasets: about 10-20 µs per polygon annotation)."""
        objects = self._objects(run)
        areas = mask_areas(objects, self._images)
        objects.table["mask_area"] = areas
        return areas

    # -- predictions ---------------------------------------------------------------------
    def add_predictions(
        self,
        source: Any,
        name: str,
        *,
        match: Match = "id",
        reference: Any = None,
        category_map: Mapping[str, str] | None = None,
        replace: bool = False,
        strict: bool | None = None,
    ) -> Table:
        """Add a run of detections: a COCO results list (path, bytes or list), or a COCO
        dict whose annotations have scores.

        Detections are completed exactly as ``pycocotools.coco.COCO.loadRes`` completes
        them, by the branch its first record chooses: with a ``bbox``, ``area = w * h``;
        else with a ``segmentation``, the mask's area (and its box where none is given);
        else with ``keypoints``, their extent. The records' own values stay readable
        (``file_id``, ``file_bbox``, ``file_area``, ``file_iscrowd``; NaN or -1, and
        ``-2**63`` for ids, where a record had none) and :meth:`predictions_to_coco`
        writes them back. NaN scores are kept and flagged, as pycocotools keeps them.

        ``match="id"`` takes ``image_id``/``category_id`` as ground-truth ids;
        ``match="name"`` maps them by ``file_name`` and category ``name`` through the
        source's own images/categories (or those of ``reference``, a COCO file or dict);
        ``category_map`` renames the detections' categories first (e.g.
        ``{"tv": "tvmonitor"}`` for VOC names against COCO). Detections whose image or
        category has no match keep -1 there (their own ids stay in ``file_image_id`` /
        ``file_category_id``) and are left out of evaluation.

        A ``name`` already in use is refused unless ``replace=True``, which also drops
        the columns the old run's evaluations added to the images, annotations and
        categories.
        """
        if match not in ("id", "name"):
            raise ValueError(f"match must be 'id' or 'name', got {match!r}")
        if category_map is not None and match != "name":
            raise ValueError("category_map renames categories for match='name'; pass both")
        if name in self._runs and not replace:
            raise ValueError(
                f"a prediction run {name!r} exists already: pass replace=True to replace it "
                "(its evaluation columns are dropped), or choose another name"
            )
        strict = self._strict if strict is None else strict
        loaded = load_run(
            source,
            name,
            self._images,
            self._categories,
            match=match,
            reference=reference,
            category_map=category_map,
            strict=strict,
        )
        objects = _group(
            loaded.columns, self._image_ids, self._category_ids, len(self._images), loaded.section
        )
        objects.originals = loaded.originals
        _add_object_statistics(objects, self._images, self._categories)
        if strict:
            subject = checks.Subject(objects, "detection", name)
            self._raise_first_error(
                self._subject_problems(subject, ground_truth=False)
                + checks.segmentation_problems(subject, self._images)
            )
        else:
            # Kept detections with unusable boxes, said with what loading dropped; the
            # rest (references, ...) the load problems already summarise.
            subject = checks.Subject(objects, "detection", name)
            boxes = checks.box_problems(
                subject, self._images, checks.QualityThresholds(), ground_truth=False
            )
            _warn_about(f"predictions {name!r}", loaded.problems + boxes)
        _warn_about_kept(f"predictions {name!r}", loaded.problems)
        parameters = {"match": match, "category_map": dict(category_map or {})}
        source_name = getattr(source, "name", None) or (
            str(source) if isinstance(source, str | os.PathLike) else f"<{type(source).__name__}>"
        )
        self.runs.add(
            Run(name, "detections", objects, str(source_name), parameters, loaded.problems),
            replace=replace,
        )
        return objects.table

    def remove_predictions(self, name: str) -> None:
        """Remove a run, and every column computed from it (its evaluations', its
        comparisons'); open widgets drop it too."""
        self.runs.remove(name)

    def rename_predictions(self, old: str, new: str) -> None:
        """Rename a run. Columns computed from it carried the old name: they are
        removed (evaluate again); open widgets show the new name."""
        self.runs.rename(old, new)

    # -- statistics that need the files ---------------------------------------------------
    @property
    def pixel_statistics_complete(self) -> bool:
        """Every image's file was decoded for brightness, contrast and sharpness (by
        :meth:`compute_pixel_statistics` or :meth:`quality`); images a grid showed have
        them either way. Unreadable images stay NaN."""
        return self._pixel_statistics_complete

    def on_statistics_change(self, listener: Callable[[tuple[str, ...]], None]) -> None:
        """Call ``listener(columns)`` after image columns measured from the files (pixel
        statistics, ``file_size``) got new values, with their names, on the thread that
        wrote them; a bound method is held weakly (a closed widget stops listening)."""
        self._statistics_listeners.add(listener)

    def set_pixel_statistics(
        self, rows: Sequence[int], statistics: Sequence[PixelStatistics]
    ) -> None:
        """Store several images' pixel statistics (measured by whoever decoded them: the
        thumbnail pass does) and tell the listeners once."""
        for row, measured in zip(rows, statistics, strict=True):
            for name in PIXEL_STATISTICS:
                self._images[name][row] = getattr(measured, name)
        if len(rows):
            self._statistics_listeners(PIXEL_STATISTICS)

    def set_pixel_statistics_at(self, row: int, statistics: PixelStatistics | None) -> None:
        """Store one image's pixel statistics, measured by whoever decoded it (the
        thumbnail pass does); ``None`` (not measured) leaves the row as it was."""
        if statistics is None:
            return
        for name in PIXEL_STATISTICS:
            self._images[name][row] = getattr(statistics, name)

    def compute_pixel_statistics(
        self, executor: Executor | None = None, image_ids: npt.ArrayLike | None = None
    ) -> None:
        """Fill brightness, contrast and sharpness with :mod:`cocowidget.media` (one
        decode per image); unreadable images stay NaN."""
        from cocowidget.media import ImageDecodeError, compute_pixel_statistics

        rows = self._known_rows(image_ids) if image_ids is not None else np.arange(len(self))
        paths = self.image_paths()

        def measure(row: int) -> tuple[float, float, float]:
            path = paths[row]
            if path is None:
                return (np.nan, np.nan, np.nan)
            try:
                stats = compute_pixel_statistics(path)
            except ImageDecodeError:
                return (np.nan, np.nan, np.nan)
            return (stats.brightness, stats.contrast, stats.sharpness)

        values = _map(measure, rows.tolist(), executor)
        array = np.asarray(values, dtype=np.float64).reshape(len(rows), 3)
        for column, name in enumerate(PIXEL_STATISTICS):
            self._images[name][rows] = array[:, column]
        if image_ids is None:
            self._pixel_statistics_complete = True
        self._statistics_listeners(PIXEL_STATISTICS)

    def compute_file_sizes(self) -> np.ndarray:
        """Fill ``file_size`` (bytes; -1 where the file is missing or unsafe)."""
        sizes = np.full(len(self), -1, dtype=np.int64)
        for row, path in enumerate(self.image_paths()):
            if path is not None:
                with contextlib.suppress(OSError):
                    sizes[row] = path.stat().st_size
        self._images["file_size"] = sizes
        return sizes

    def _known_rows(self, image_ids: npt.ArrayLike) -> np.ndarray:
        ids = np.asarray(image_ids, dtype=np.int64).reshape(-1)
        rows = self._image_ids.rows(ids)
        if (rows < 0).any():
            missing = ids[rows < 0][:5].tolist()
            raise KeyError(f"unknown image ids: {missing}")
        return rows

    # -- quality -------------------------------------------------------------------------
    def quality(
        self,
        *,
        check_files: bool = True,
        check_segmentations: bool = True,
        executor: Executor | None = None,
        thresholds: checks.QualityThresholds | None = None,
    ) -> Table:
        """Every problem found: loading problems, table checks, segmentation checks and
        (with ``check_files`` and an ``image_dir``) file checks, which read each image
        once on ``executor`` and also fill ``file_size`` and the pixel statistics.

        Columns: ``kind, severity, image_id, annotation_id, category_id, run, json_path,
        message``; ids are -1 where they do not apply. Errors come first.
        """
        limits = thresholds or checks.QualityThresholds()
        problems = list(self._load_problems)
        for run_problems in self._run_problems.values():
            problems += run_problems
        found = self._table_problems(limits)
        if check_segmentations:
            found += self._segmentation_problems(executor)
        problems += _not_reported_at_load(found, self._load_problems)
        if check_files:
            problems += self._file_problems(executor, limits)
        elif (missing_dir := self._missing_image_dir()) is not None:
            problems.append(missing_dir)
        if (unfound := self._unfound_image_files()) is not None:
            problems.append(unfound)  # the likely cause of the missing_file rows
        return problems_table(problems)

    def loading_problems(self) -> Table:
        """The problems found while loading (a part of :meth:`quality`)."""
        problems = list(self._load_problems)
        for run_problems in self._run_problems.values():
            problems += run_problems
        return problems_table(problems)

    def _subject_problems(
        self,
        subject: checks.Subject,
        *,
        ground_truth: bool,
        limits: checks.QualityThresholds | None = None,
    ) -> list[Problem]:
        limits = limits or checks.QualityThresholds()
        problems = checks.duplicate_ids(self._images, subject, self._categories)
        problems += checks.dangling_references(subject, self._categories)
        problems += checks.box_problems(subject, self._images, limits, ground_truth=ground_truth)
        if ground_truth:
            problems += checks.near_duplicates(subject, limits)
        return problems

    def _missing_image_dir(self) -> Problem | None:
        """The problem of an ``image_dir`` that is not a folder (``None`` if it is one, or
        if there is no ``image_dir``)."""
        if self._image_dir is None or self._image_dir.is_dir():
            return None
        return Problem(
            "missing_image_dir",
            ERROR,
            f"image_dir {str(self._image_dir)!r} is not a folder: no image file can be read",
        )

    def _unfound_image_files(self) -> Problem | None:
        """An ``image_dir`` that is a folder but lacks files of a sample of the images
        (``from_coco(val.json, image_dir="train2017/")``): an error when none is there, a
        warning when some are missing. A few dozen stats, cheap enough for every load."""
        if self._image_dir is None or not self._image_dir.is_dir() or not len(self._images):
            return None
        rows = np.unique(np.linspace(0, len(self._images) - 1, FILE_SAMPLE).astype(np.int64))
        names = self._images["file_name"]
        located = [(row, path) for row in rows.tolist() if (path := self.image_path_at(row))]
        missing = [str(names[row]) for row, path in located if not path.is_file()]
        if not missing:
            return None
        found = len(located) - len(missing)
        sample = "" if len(located) == len(self._images) else f" (a sample of {len(self._images)})"
        message = (
            f"{found} of {len(located)} image files found{sample} in image_dir "
            f"{str(self._image_dir)!r}; not found e.g. {missing[0]!r}"
        )
        if found == 0:
            message += ": is image_dir the folder of these annotations' images?"
        return Problem("image_files_not_found", ERROR if found == 0 else WARNING, message)

    def _unsafe_file_names(self) -> list[Problem]:
        return [] if self._allow_outside else checks.unsafe_file_names(self._images)

    @np.errstate(invalid="ignore", over="ignore", divide="ignore")  # NaN kept as read
    def _table_problems(self, limits: checks.QualityThresholds | None) -> list[Problem]:
        problems = self._unsafe_file_names()
        problems += self._subject_problems(
            checks.Subject(self._annotations, "annotation", user_ids=self._user_ids),
            ground_truth=True,
            limits=limits,
        )
        problems += checks.unused_categories(self._categories)
        problems += checks.duplicate_category_names(self._categories)
        for name, run in self._runs.items():
            problems += self._subject_problems(
                checks.Subject(run, "detection", name, self._user_ids),
                ground_truth=False,
                limits=limits,
            )
        return problems

    def _segmentation_problems(self, executor: Executor | None = None) -> list[Problem]:
        subjects = [checks.Subject(self._annotations, "annotation")]
        subjects += [checks.Subject(run, "detection", name) for name, run in self._runs.items()]
        problems = []
        for subject in subjects:
            problems += checks.segmentation_problems(subject, self._images, executor)
        return problems

    def _file_problems(
        self, executor: Executor | None, limits: checks.QualityThresholds
    ) -> list[Problem]:
        if self._image_dir is None:
            return [
                Problem(
                    "files_not_checked",
                    INFO,
                    "image files were not checked: the dataset has no image_dir",
                )
            ]
        if (missing_dir := self._missing_image_dir()) is not None:
            return [missing_dir]
        reports = checks.inspect_files(self.image_paths(), executor)
        self._images["file_size"] = np.array(
            [r.file_size if r else -1 for r in reports], dtype=np.int64
        )
        for name in PIXEL_STATISTICS:
            self._images[name] = np.array([getattr(r, name) if r else np.nan for r in reports])
        self._pixel_statistics_complete = True
        self._statistics_listeners((*PIXEL_STATISTICS, "file_size"))
        return checks.file_problems(self._images, reports, limits)

    def _raise_first_error(self, problems: list[Problem]) -> None:
        for problem in problems:
            if problem.severity == ERROR:
                raise CocoFormatError(
                    self._source_name, problem.json_path, problem.message, problem.kind
                )

    # -- subsets and export --------------------------------------------------------------
    def subset(self, image_ids: npt.ArrayLike) -> Self:
        """A dataset of the given images (in the given order, repeats removed) with their
        annotations and detections. Categories are all kept; their statistics are
        recomputed. Raw segmentations are shared, not copied."""
        ids = np.asarray(image_ids, dtype=np.int64).reshape(-1)
        rows = self._known_rows(ids)
        _, first = np.unique(rows, return_index=True)
        rows = rows[np.sort(first)]
        images = self._images.take(rows)
        kept_ids = set(images["id"].tolist())
        # (Derived columns are not taken with the rows: they are carried below, those that
        # hold row by row; per-class metrics, of the whole dataset, stay behind.)
        categories = self._categories.take(np.arange(len(self._categories)))
        annotations = self._annotations.for_images(rows)
        for name, values in category_statistics(categories, annotations.table).items():
            categories[name] = values

        def belongs(problem: Problem) -> bool:
            return problem.image_id == NO_ID or problem.image_id in kept_ids

        subset = type(self)(
            images=images,
            image_extras={name: values[rows] for name, values in self._image_extras.items()},
            annotations=annotations,
            categories=categories,
            category_extras=self._category_extras,
            top_extras=self._top_extras,
            source_name=self._source_name,
            load_problems=[p for p in self._load_problems if belongs(p)],
            image_dir=self._image_dir,
            allow_outside_image_dir=self._allow_outside,
            strict=self._strict,
            runs={name: run.for_images(rows) for name, run in self._runs.items()},
            run_problems={
                name: [p for p in ps if belongs(p)] for name, ps in self._run_problems.items()
            },
            pixel_statistics_complete=self._pixel_statistics_complete,
            originals=self._originals,
            user_ids=self._user_ids,
        )
        taken = {"images": rows, "annotations": self._annotations.rows_for_images(rows)}
        for run in self.runs.runs():
            taken[run_table(run.name)] = run.objects.rows_for_images(rows)
        self.derived.carry_to(subset.derived, taken)
        return subset

    def _sections(self, repaired: bool = False) -> list[tuple[str, Any]]:
        originals = {} if repaired else self._originals
        tables = {"images": self._images, "annotations": self.annotations}
        tables["categories"] = self._categories
        as_read = {
            name: value
            for name, value in self._sections_as_read.items()
            if not repaired and len(tables[name]) == 0
        }
        return export.dataset_sections(
            export.image_chunks(self._images, self._image_extras, originals.get("images")),
            export.object_chunks(
                self._annotations, with_score=False, originals=originals.get("annotations")
            ),
            export.category_chunks(
                self._categories, self._category_extras, originals.get("categories")
            ),
            self._top_extras,
            as_read,
        )

    def to_coco(self, path: PathLike, *, repaired: bool = False) -> Path:
        """Write the dataset as a COCO instances JSON (annotations in original order,
        segmentations and extra fields exactly as read). Records with a problem (see
        :meth:`quality`) are written as read, so a file loads and writes back unchanged;
        ``repaired=True`` writes the tables instead: stand-ins (areas computed, a size
        of 0 for unknown) and internal ids for ids that are not 64-bit integers. The
        file is replaced only once it is completely written."""
        return export.write_object(self._sections(repaired), path)

    def to_dict(self, *, repaired: bool = False) -> dict[str, Any]:
        """The dataset as a COCO dict of plain Python values (e.g. for pycocotools);
        ``repaired`` as in :meth:`to_coco`."""
        return export.sections_as_python(self._sections(repaired))

    def predictions_to_coco(self, name: str, path: PathLike) -> Path:
        """Write a run as a COCO results list: each detection as it was read (its own
        fields and values, not those completed for evaluation), with ground-truth ids
        where ``match="name"`` mapped them."""
        return export.write_array(export.result_chunks(self._objects(name)), path)

    def predictions_to_list(self, name: str) -> list[dict[str, Any]]:
        """A run as a COCO results list of plain Python values."""
        return export.records_as_python(export.result_chunks(self._objects(name)))


# -- helpers -------------------------------------------------------------------------------
def _group(
    columns: Columns,
    image_ids: IdIndex,
    category_ids: IdIndex,
    n_images: int,
    section: str = "annotations",
) -> ObjectTable:
    table = columns.table
    image_index = image_ids.rows(table["image_id"])
    table["category_index"] = category_ids.rows(table["category_id"])
    return ObjectTable.group(
        table, columns.segmentation, columns.extras, image_index, n_images, section
    )


def _add_object_statistics(objects: ObjectTable, images: Table, categories: Table) -> None:
    table = objects.table
    statistics = object_statistics(table, images, categories)
    for name in ("bbox_x", "bbox_y", "bbox_w", "bbox_h"):
        table[name] = statistics.pop(name)
    for name in ("relative_area", "aspect_ratio", "size_bucket"):
        table[name] = statistics.pop(name)
    if "mask_area" not in table:
        table["mask_area"] = np.full(len(table), np.nan)  # filled by compute_mask_areas
    for name, values in statistics.items():
        table[name] = values


def _not_reported_at_load(found: list[Problem], at_load: list[Problem]) -> list[Problem]:
    """Each problem once: a check's finding at a place loading reported already (a NaN in
    a box, which is also "negative") is left out. A place is a JSON path, and a number's
    path (``bbox[2]``) also covers its array (``bbox``)."""
    places: set[str] = set()
    for problem in at_load:
        path = problem.json_path
        if path:
            places.add(path)
            if path.endswith("]"):
                places.add(path[: path.rindex("[")])
    if not places:
        return found
    return [problem for problem in found if problem.json_path not in places]


def _resolve_ids(
    document: Document, images: Columns, annotations: Columns, categories: Columns
) -> UserIds:
    """Internal ids for ids that are not int64s, by identity (see identity.py)."""
    sections = document.sections
    pending = {name: section.pending for name, section in sections.items()}
    if not any(pending.values()):
        return {}
    objects = annotations.table
    user_ids = {
        "images": resolve_ids(
            pending_of(images.table["id"], pending["images"], "id"),
            [pending_of(objects["image_id"], pending["annotations"], "image_id")],
        ),
        "categories": resolve_ids(
            pending_of(categories.table["id"], pending["categories"], "id"),
            [pending_of(objects["category_id"], pending["annotations"], "category_id")],
        ),
        "annotations": resolve_ids(pending_of(objects["id"], pending["annotations"], "id"), []),
    }
    return {name: labels for name, labels in user_ids.items() if labels}


def _report_missing_sections(document: Document, log: ProblemLog) -> None:
    sections = document.sections
    if not document.readable:
        return  # the reason is reported already
    if not sections["images"].present:
        log.format_error("invalid_structure", "", "missing 'images'", "the dataset has no images")
    if not sections["annotations"].present:
        log.format_error(
            "invalid_structure",
            "",
            "no 'annotations'",
            "the dataset has no annotations",
            severity=INFO,
        )
    if not sections["categories"].present and sections["annotations"].records:
        log.format_error(
            "invalid_structure",
            "",
            "missing 'categories'",
            "every category is undefined",
            severity=WARNING,
        )


def _warn_about_kept(source: str, problems: list[Problem]) -> None:
    """Detections that are kept as they are but evaluate differently than they read."""
    non_finite = [p for p in problems if p.kind == "non_finite_score"]
    if non_finite:
        warnings.warn(
            f"{source}: {len(non_finite)} detection{'s have' if len(non_finite) != 1 else ' has'}"
            f" a NaN or infinite score (first: {non_finite[0].message}); see .quality()",
            stacklevel=3,
        )


def duplicate_annotation_ids_message(ids: np.ndarray, source: str) -> str | None:
    """Why evaluation numbers differ from pycocotools' when annotation ids repeat (None
    when they do not): its COCO index keeps the last annotation of an id."""
    unique, counts = np.unique(ids, return_counts=True)
    repeated = unique[counts > 1]
    if not len(repeated):
        return None
    examples = ", ".join(str(i) for i in repeated[:5].tolist())
    return (
        f"{source}: {len(repeated):,} annotation id{'s are' if len(repeated) != 1 else ' is'} "
        f"used more than once (e.g. {examples}): pycocotools' COCO index keeps the last "
        "annotation of such an id and evaluates it once per duplicate; cocowidget evaluates "
        "every annotation as it is, so its numbers differ from pycocotools' for this file"
    )


def _warn_about(source: str, problems: list[Problem]) -> None:
    errors = sum(1 for p in problems if p.severity == ERROR)
    if errors:
        warnings.warn(
            f"{source}: {errors} error{'s' if errors != 1 else ''} while loading "
            f"(first: {next(p.message for p in problems if p.severity == ERROR)}); "
            "see .quality() for the full list",
            stacklevel=3,
        )


def _map(
    function: Callable[[int], Any], items: Iterable[int], executor: Executor | None
) -> list[Any]:
    if executor is None:
        pool = checks.default_executor()
        try:
            return list(pool.map(function, items))
        finally:
            pool.shutdown()
    return list(executor.map(function, items))

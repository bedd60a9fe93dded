"""CocoData: a COCO dataset's tables, runs and derived columns, without analyses.

:class:`cocowidget.dataset.CocoDataset` is this plus the analyses built on it
(evaluation); data never imports them.

Images, annotations and categories are :class:`~cocowidget.data.table.Table` s of numpy
columns, statistics included. Annotations are grouped by image, so one image's objects
are a slice. Prediction runs are annotation tables with a score, one per name.

The class is a façade over single-job parts: reading (:mod:`~cocowidget.data.assembly`),
ids both ways (:class:`~cocowidget.data.identity.IdLookup`), runs
(:class:`~cocowidget.data.runs.RunRegistry`), derived columns
(:class:`~cocowidget.data.derived.DerivedColumns`), image files and the statistics they
give (:class:`~cocowidget.data.image_files.ImageFiles`), checks
(:class:`~cocowidget.data.dataset_checks.DatasetChecks`) and export
(:mod:`~cocowidget.data.export`). It is longer than 400 lines because it is the
user's API: most of its lines are the docstrings of the methods that delegate.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Executor
from dataclasses import replace
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from cocowidget._arguments import checked_methods
from cocowidget.data import export
from cocowidget.data import quality as checks
from cocowidget.data.assembly import (
    read_parts,
    read_run,
    refresh_statistics,
    source_label,
)
from cocowidget.data.dataset_checks import DatasetChecks
from cocowidget.data.derived import RUN_TABLE_PREFIX, DerivedColumns, run_table
from cocowidget.data.grouping import IdIndex, ObjectTable
from cocowidget.data.identity import IdLookup, UserIds
from cocowidget.data.image_files import ImageFiles
from cocowidget.data.keypoint_statistics import joints_table
from cocowidget.data.masks import image_masks, object_rle, segmentation_value
from cocowidget.data.predictions import Match
from cocowidget.data.problems import NO_ID, Problem, ProblemTable, problems_table
from cocowidget.data.runs import Run, RunRegistry
from cocowidget.data.segment_scan import mask_areas, segmentation_values
from cocowidget.data.slices import Slices
from cocowidget.data.statistics import category_statistics
from cocowidget.data.table import Table
from cocowidget.progress import stages

if TYPE_CHECKING:
    from typing_extensions import Self

    from cocowidget.media.statistics import PixelStatistics

PathLike = str | os.PathLike[str]


@checked_methods
class CocoData:
    """A COCO dataset (and any number of prediction runs) as columnar tables.

    Build one with :meth:`from_coco`. Tables:

    - :attr:`images`: ``id, file_name, width, height, file_index`` and statistics
      ``aspect_ratio, megapixels, file_size, object_count, category_count,
      object_density, smallest_object_area, brightness, contrast, sharpness`` (the last
      four NaN until the files are read: :meth:`quality`, :meth:`compute_file_sizes`,
      :meth:`compute_pixel_statistics`, or a grid showing the image);
    - :attr:`annotations`: ``id, image_id, category_id, bbox`` (N×4 ``x, y, w, h``),
      ``bbox_x, bbox_y, bbox_w, bbox_h, area, iscrowd, file_index, image_index,
      category_index`` and statistics ``relative_area, aspect_ratio, size_bucket,
      mask_area, touches_border, category_name``; sorted by image; with person
      keypoints also ``keypoints`` (N×K×3), ``num_keypoints, keypoints_labeled,
      keypoints_visible, person_scale`` (see :mod:`~cocowidget.data.keypoints`);
    - :attr:`categories`: ``id, name, supercategory, file_index, annotation_count,
      image_count, mean_area, median_area`` (with keypoints: ``num_joints,
      keypoint_names, skeleton``; per joint: :meth:`keypoint_joints`);
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
        runs: dict[str, ObjectTable | Run] | None = None,
        run_problems: dict[str, list[Problem]] | None = None,
        pixel_statistics_complete: bool = False,
        originals: dict[str, export.Originals] | None = None,
        user_ids: UserIds | None = None,
        sections_as_read: dict[str, Any] | None = None,
    ) -> None:
        self._images = images
        self._image_extras = image_extras
        self._annotations = annotations
        self._categories = categories
        self._category_extras = category_extras
        self._top_extras = top_extras
        self._strict = strict
        #: Every run by name (detections today), each with a number never reused.
        self.runs = RunRegistry()
        for name, given in (runs or {}).items():
            problems = (run_problems or {}).get(name, [])
            if isinstance(given, Run):  # a subset's: its kind, source and parameters kept
                self.runs.add(replace(given, problems=problems, number=0))
            else:
                self.runs.add(Run(name, "detections", given, problems=problems))
        #: Every computed column with what computed it (evaluations, comparisons).
        self.derived = DerivedColumns(self._table_named)
        self.runs.on_change(self._on_run_change)
        #: Named sets of images (``ds.slices.add(name, ids or predicate)``).
        self.slices = Slices(lambda: self.images, self.derived, self.subset)
        self._image_ids = IdIndex(images["id"])
        self._category_ids = IdIndex(categories["id"])
        #: Ids that are not int64s in the file, both ways.
        self._ids = IdLookup(dict(user_ids or {}))
        self._files = ImageFiles(
            images,
            image_dir,
            allow_outside_image_dir,
            statistics_complete=pixel_statistics_complete,
        )
        self._checks = DatasetChecks(
            source_name=source_name,
            images=images,
            annotations=annotations,
            categories=categories,
            runs=self.runs,
            files=self._files,
            load_problems=load_problems,
            user_ids=self._ids.labels,
        )
        #: Records kept as read (by table, then file index), written back by to_coco.
        self._originals: dict[str, export.Originals] = dict(originals or {})
        #: Sections the file had as something other than an array (Raw), or not at all
        #: (None): written back so while their tables are empty.
        self._sections_as_read: dict[str, Any] = dict(sections_as_read or {})

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
        parts = read_parts(
            source,
            Path(image_dir) if image_dir is not None else None,
            strict=strict,
            allow_outside_image_dir=allow_outside_image_dir,
        )
        return cls._from_parts(parts, strict=strict)

    @classmethod
    def _from_parts(cls, parts: dict[str, Any], *, strict: bool) -> Self:
        """A dataset of a reader's parts (this format's or another's), checked as at
        load: strictly (the first error raises) or with a warning."""
        dataset = cls(**parts)
        if strict:
            dataset._checks.check_strictly()
        else:
            dataset._checks.warn_at_load(dataset._image_ids)
        return dataset

    def refresh_statistics(self) -> None:
        """Recompute the annotation statistics columns of images, annotations, runs and
        categories (done at load; call again after editing annotation columns in place).
        File sizes and pixel statistics are kept."""
        runs = [run.objects for run in self.runs.runs()]
        refresh_statistics(self._images, self._annotations, runs, self._categories)

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
        return MappingProxyType({run.name: run.objects.table for run in self.runs.runs()})

    @property
    def image_dir(self) -> Path | None:
        return self._files.image_dir

    @property
    def source_name(self) -> str:
        return self._checks.source_name

    def __len__(self) -> int:
        return len(self._images)

    def __repr__(self) -> str:
        runs = f", runs {list(self.runs)}" if len(self.runs) else ""
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
            if not self._ids.labels:  # the common case, on the hot path of every lookup
                return self._image_ids.row(image_id)
            return self._image_ids.row(self._ids.internal_id("images", image_id))
        except (KeyError, TypeError, ValueError, OverflowError):
            raise KeyError(f"no image with id {image_id!r}") from None

    def user_ids(self, ids: npt.ArrayLike, table: str = "images") -> list[Any]:
        """The ids as the file has them, for ids of :attr:`images` (or of
        ``table="annotations"``/``"categories"``): the same ints, except where the file's
        id is not a 64-bit integer (``"abc"``, ``2**70``, ``1.5``, null), which the table
        holds as an internal id. Give selections back to the user with it."""
        return self._ids.user_ids(ids, table)

    def internal_ids(self, ids: Sequence[Any], table: str = "images") -> list[int]:
        """The table's ids of ids as the user (or the file) gives them: the inverse of
        :meth:`user_ids`; ``KeyError`` for a value that is neither."""
        return [self._ids.internal_id(table, value) for value in ids]

    def image_rows(self, image_ids: npt.ArrayLike) -> np.ndarray:
        """Rows of many images at once; -1 where an id is unknown."""
        return self._image_ids.rows(image_ids)

    def category_row(self, category_id: Any) -> int:
        try:
            return self._category_ids.row(self._ids.internal_id("categories", category_id))
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
        return self._files.path_at(self.image_row(image_id))

    def image_path_at(self, row: int) -> Path | None:
        """:meth:`image_path` of the image in row ``row`` of :attr:`images`."""
        return self._files.path_at(row)

    def image_paths(self) -> list[Path | None]:
        """:meth:`image_path` of every image, in table order."""
        return self._files.paths()

    def keypoint_joints(self) -> Table:
        """Per category with keypoints and per joint: objects with keypoints, how many
        have the joint labelled (``v > 0``) and visible (``v == 2``), the labelled share."""
        return joints_table(self._categories, self.annotations)

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
        if name in self.runs and not replace:
            raise ValueError(
                f"a prediction run {name!r} exists already: pass replace=True to replace it "
                "(its evaluation columns are dropped), or choose another name"
            )
        strict = self._strict if strict is None else strict
        with stages(f"Adding {name}", ("reading", "grouping", "checks")) as stage:
            loaded, objects = read_run(
                source,
                name,
                self._images,
                self._categories,
                stage=stage,
                match=match,
                reference=reference,
                category_map=category_map,
                strict=strict,
            )
            stage("checks")
            self._checks.check_run(objects, name, loaded.problems, strict=strict)
        parameters = {"match": match, "category_map": dict(category_map or {})}
        self.runs.add(
            Run(name, "detections", objects, source_label(source), parameters, loaded.problems),
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
        return self._files.statistics_complete

    def on_statistics_change(self, listener: Callable[[tuple[str, ...]], None]) -> None:
        """Call ``listener(columns)`` after image columns measured from the files (pixel
        statistics, ``file_size``) got new values, with their names, on the thread that
        wrote them; a bound method is held weakly (a closed widget stops listening)."""
        self._files.on_change(listener)

    def set_pixel_statistics(
        self, rows: Sequence[int], statistics: Sequence[PixelStatistics]
    ) -> None:
        """Store several images' pixel statistics (measured by whoever decoded them: the
        thumbnail pass does) and tell the listeners once. On the kernel's thread: a
        worker's measurements go through :class:`cocowidget.views.measured.MeasuredStatistics`."""
        self._files.write_pixels(rows, statistics)

    def set_pixel_statistics_at(self, row: int, statistics: PixelStatistics | None) -> None:
        """:meth:`set_pixel_statistics` of one image; ``None`` (not measured) leaves the
        row as it was."""
        if statistics is not None:
            self._files.write_pixels([row], [statistics])

    def compute_pixel_statistics(
        self, executor: Executor | None = None, image_ids: npt.ArrayLike | None = None
    ) -> None:
        """Fill brightness, contrast and sharpness with :mod:`cocowidget.media` (one
        decode per image); unreadable images stay NaN."""
        rows = (
            self._image_ids.known_rows(image_ids) if image_ids is not None else np.arange(len(self))
        )
        self._files.measure_pixels(rows, executor)

    def compute_file_sizes(self) -> np.ndarray:
        """Fill ``file_size`` (bytes; NaN where the file is missing or unsafe)."""
        return self._files.measure_sizes()

    # -- quality -------------------------------------------------------------------------
    def quality(
        self,
        *,
        check_files: bool = True,
        check_segmentations: bool = True,
        executor: Executor | None = None,
        thresholds: checks.QualityThresholds | None = None,
    ) -> ProblemTable:
        """Every problem found: loading problems, table checks, segmentation checks and
        (with ``check_files`` and an ``image_dir``) file checks, which read each image
        once on ``executor`` and also fill ``file_size`` and the pixel statistics.

        Columns: ``kind, category, severity, image_id, annotation_id, category_id, run,
        json_path, message``; ids are -1 where they do not apply. Errors come first.
        ``category`` groups the kinds (``"file"``, ``"format"``, ``"reference"``,
        ``"box"``, ``"segmentation"``, ``"keypoints"``, ``"label"``, ``"score"``); the table's
        ``image_ids(kind=..., category=..., severity=...)`` lists the images concerned,
        e.g. ``ds.quality().image_ids(category="file")`` for those with a broken file.
        """
        return self._checks.quality(
            check_files=check_files,
            check_segmentations=check_segmentations,
            executor=executor,
            thresholds=thresholds,
        )

    def loading_problems(self) -> ProblemTable:
        """The problems found while loading (a part of :meth:`quality`)."""
        return problems_table(self._checks.loading_problems())

    # -- subsets and export --------------------------------------------------------------
    def subset(self, image_ids: npt.ArrayLike) -> Self:
        """A dataset of the given images (in the given order, repeats removed) with their
        annotations and detections. Categories are all kept; their statistics are
        recomputed. Raw segmentations are shared, not copied."""
        ids = np.asarray(image_ids, dtype=np.int64).reshape(-1)
        rows = self._image_ids.known_rows(ids)
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
            source_name=self.source_name,
            load_problems=[p for p in self._checks.load_problems if belongs(p)],
            image_dir=self._files.image_dir,
            allow_outside_image_dir=self._files.allow_outside,
            strict=self._strict,
            runs={
                run.name: replace(run, objects=run.objects.for_images(rows))
                for run in self.runs.runs()
            },
            run_problems={
                run.name: [p for p in run.problems if belongs(p)] for run in self.runs.runs()
            },
            pixel_statistics_complete=self._files.statistics_complete,
            originals=self._originals,
            user_ids=self._ids.labels,
        )
        taken = {"images": rows, "annotations": self._annotations.rows_for_images(rows)}
        for run in self.runs.runs():
            taken[run_table(run.name)] = run.objects.rows_for_images(rows)
        self.derived.carry_to(subset.derived, taken)
        return subset

    def _sections(self, repaired: bool = False) -> list[tuple[str, Any]]:
        return export.coco_sections(
            self._images,
            self._image_extras,
            self._annotations,
            self._categories,
            self._category_extras,
            self._top_extras,
            originals={} if repaired else self._originals,
            sections_as_read={} if repaired else self._sections_as_read,
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

"""DatasetChecks: every problem of a dataset, found once and said once.

The checks themselves are in :mod:`cocowidget.data.quality`; this part runs them over a
dataset's tables, runs and files, in the order :meth:`CocoData.quality` lists them, and
decides what is said at load (a warning) and what stops a strict load (an exception).
"""

from __future__ import annotations

from concurrent.futures import Executor

import numpy as np

from cocowidget._warnings import warn
from cocowidget.data import quality as checks
from cocowidget.data.file_checks import file_problems, inspect_files
from cocowidget.data.grouping import IdIndex, ObjectTable
from cocowidget.data.identity import UserIds
from cocowidget.data.image_files import ImageFiles
from cocowidget.data.problems import (
    ERROR,
    INFO,
    CocoFormatError,
    Problem,
    ProblemTable,
    problems_table,
)
from cocowidget.data.runs import RunRegistry
from cocowidget.data.segmentation_checks import segmentation_problems
from cocowidget.data.table import Table


class DatasetChecks:
    """The checks of one dataset's parts (held by reference: they see later edits)."""

    def __init__(
        self,
        *,
        source_name: str,
        images: Table,
        annotations: ObjectTable,
        categories: Table,
        runs: RunRegistry,
        files: ImageFiles,
        load_problems: list[Problem],
        user_ids: UserIds,
    ) -> None:
        self.source_name = source_name
        self._images = images
        self._annotations = annotations
        self._categories = categories
        self._runs = runs
        self._files = files
        self.load_problems = load_problems
        self.user_ids = user_ids

    def loading_problems(self) -> list[Problem]:
        problems = list(self.load_problems)
        for run in self._runs.runs():
            problems += run.problems
        return problems

    def quality(
        self,
        *,
        check_files: bool,
        check_segmentations: bool,
        executor: Executor | None,
        thresholds: checks.QualityThresholds | None,
    ) -> ProblemTable:
        limits = thresholds or checks.QualityThresholds()
        problems = self.loading_problems()
        found = self.table_problems(limits)
        if check_segmentations:
            found += self.segmentation_problems(executor)
        problems += _not_reported_at_load(found, self.load_problems)
        if check_files:
            problems += self._file_problems(executor, limits)
        elif (missing_dir := self._files.missing_dir()) is not None:
            problems.append(missing_dir)
        if (unfound := self._files.unfound_files()) is not None:
            problems.append(unfound)  # the likely cause of the missing_file rows
        return problems_table(problems)

    def subject_problems(
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

    @np.errstate(invalid="ignore", over="ignore", divide="ignore")  # NaN kept as read
    def table_problems(self, limits: checks.QualityThresholds | None) -> list[Problem]:
        problems = self._files.unsafe_names()
        problems += self.subject_problems(
            checks.Subject(self._annotations, "annotation", user_ids=self.user_ids),
            ground_truth=True,
            limits=limits,
        )
        problems += checks.unused_categories(self._categories)
        problems += checks.duplicate_category_names(self._categories)
        for run in self._runs.runs():
            problems += self.subject_problems(
                checks.Subject(run.objects, "detection", run.name, self.user_ids),
                ground_truth=False,
                limits=limits,
            )
        return problems

    def segmentation_problems(self, executor: Executor | None = None) -> list[Problem]:
        subjects = [checks.Subject(self._annotations, "annotation")]
        for run in self._runs.runs():
            subjects.append(checks.Subject(run.objects, "detection", run.name))
        problems = []
        for subject in subjects:
            problems += segmentation_problems(subject, self._images, executor)
        return problems

    def _file_problems(
        self, executor: Executor | None, limits: checks.QualityThresholds
    ) -> list[Problem]:
        if self._files.image_dir is None:
            return [
                Problem(
                    "files_not_checked",
                    INFO,
                    "image files were not checked: the dataset has no image_dir",
                )
            ]
        if (missing_dir := self._files.missing_dir()) is not None:
            return [missing_dir]
        reports = inspect_files(self._files.paths(), executor)
        self._files.keep_reports(reports)
        return file_problems(self._images, reports, limits)

    # -- at load -------------------------------------------------------------------------------
    def raise_first_error(self, problems: list[Problem]) -> None:
        for problem in problems:
            if problem.severity == ERROR:
                raise CocoFormatError(
                    self.source_name, problem.json_path, problem.message, problem.kind
                )

    def check_strictly(self) -> None:
        """What a strict load refuses: the first error of the tables, the segmentations
        and the image folder."""
        self.raise_first_error(self.table_problems(None) + self.segmentation_problems())
        missing_dir = self._files.missing_dir()
        if missing_dir is not None:
            raise NotADirectoryError(missing_dir.message)
        unfound = self._files.unfound_files()
        if unfound is not None and unfound.severity == ERROR:
            raise FileNotFoundError(unfound.message)

    def warn_at_load(self, image_ids: IdIndex) -> None:
        """Said at once, not only in quality(): these images would fail to show, and
        annotations of a duplicate image id go to its last image."""
        at_load = self._files.unsafe_names() if self._files.image_dir is not None else []
        at_load += checks.duplicate_record_ids(
            self._images, "images", "image", image_ids, self.user_ids
        )
        missing_dir = self._files.missing_dir()
        if missing_dir is not None:
            at_load.append(missing_dir)
        elif (unfound := self._files.unfound_files()) is not None:
            at_load.append(unfound)
        warn_about(self.source_name, self.load_problems + at_load)
        ids = self._annotations.table["id"]
        duplicates = duplicate_annotation_ids_message(ids, self.source_name)
        if duplicates is not None:
            warn(duplicates)

    def check_run(
        self, objects: ObjectTable, name: str, load_problems: list[Problem], *, strict: bool
    ) -> None:
        """A new run's problems: the first error raised when ``strict``, else warned."""
        subject = checks.Subject(objects, "detection", name)
        if strict:
            self.raise_first_error(
                self.subject_problems(subject, ground_truth=False)
                + segmentation_problems(subject, self._images)
            )
        else:
            # Kept detections with unusable boxes, said with what loading dropped; the
            # rest (references, ...) the load problems already summarise.
            boxes = checks.box_problems(
                subject, self._images, checks.QualityThresholds(), ground_truth=False
            )
            warn_about(f"predictions {name!r}", load_problems + boxes)
        _warn_about_kept(f"predictions {name!r}", load_problems)


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


def _warn_about_kept(source: str, problems: list[Problem]) -> None:
    """Detections that are kept as they are but evaluate differently than they read."""
    non_finite = [p for p in problems if p.kind == "non_finite_score"]
    if non_finite:
        warn(
            f"{source}: {len(non_finite)} detection{'s have' if len(non_finite) != 1 else ' has'}"
            f" a NaN or infinite score (first: {non_finite[0].message}); see .quality()"
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


def warn_about(source: str, problems: list[Problem]) -> None:
    """One warning for the errors of a load, pointing to quality() for the list."""
    errors = sum(1 for p in problems if p.severity == ERROR)
    if errors:
        warn(
            f"{source}: {errors} error{'s' if errors != 1 else ''} while loading "
            f"(first: {next(p.message for p in problems if p.severity == ERROR)}); "
            "see .quality() for the full list"
        )

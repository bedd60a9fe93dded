"""``cw.check_augmentations(ds, transform)``: what an augmentation does to the labels.

Runs ``transform`` over the dataset's images (``draws`` times each, on an executor, with
a progress bar) with their boxes and masks, and follows every label through it: kept,
clipped by the frame, or dropped (and by which of Albumentations' tests), how much of it
stayed in view, whether it became small, degenerate, a box much larger than its object
(a rotated box around a rotated mask), or left a mirrored copy without a label (reflect
padding); per image, what was dropped and which classes were lost; per class, the
counts. A transform that raises, or returns something else than it was given, is a
problem of that image (message and traceback); the run goes on.

Two kinds of transform:

- an Albumentations ``Compose`` with ``bbox_params=A.BboxParams(format="coco",
  label_fields=[...])`` (:mod:`cocowidget.analysis.augment_albumentations`: the boxes
  reported are the ones Albumentations returns; Albumentations is the optional
  ``augment`` extra, imported only here);
- any callable ``(image, boxes, labels, masks) -> (image, boxes, labels, masks)``, whose
  exact contract is in :mod:`cocowidget.analysis.augment_run`.

Results are the same for a given ``seed`` on any executor: each draw of each image has
its own seed (:func:`~cocowidget.analysis.augment_run.draw_seed`, in ``images["seed"]``).
"""

from __future__ import annotations

import functools
import importlib
import pickle
from collections.abc import Callable
from concurrent.futures import Executor, ProcessPoolExecutor
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from cocowidget._arguments import checked_keywords
from cocowidget._warnings import warn
from cocowidget.analysis.augment_run import (
    AlbumentationsRunner,
    CallableRunner,
    ImageJob,
    run_batch,
    seeds_for,
)
from cocowidget.analysis.augment_tables import (
    STATUSES,
    box_table,
    image_table,
    label_table,
    problem_table,
)
from cocowidget.data.file_checks import default_executor
from cocowidget.data.table import Table
from cocowidget.progress import run_in_parallel

if TYPE_CHECKING:
    from cocowidget.data.dataset import CocoData

INSTALL_HINT = "pip install cocowidget[augment]"
#: Images per task: enough to pay for a task's hand-off and the transform's private copy.
BATCH = 8


class AugmentationCheck:
    """The result of :func:`check_augmentations`.

    - ``labels``: one row per annotation per draw: ``image_id``, ``annotation_id``,
      ``category_id``, ``draw``, ``status`` (:data:`STATUSES`: kept, clipped, dropped, or
      failed where the draw raised; clipped: Albumentations' filter cut the box at the
      frame, or for a callable, which says nothing of clipping, the box touches the
      output's frame and did not touch the input's), ``drop_reason`` (the first of
      Albumentations' filter tests failed, "removed by a transform", or "not returned"),
      ``bbox_before`` / ``bbox_after`` (the primary box returned: the largest of the
      label's, the first of equals; ``boxes`` has them all), ``area_before`` /
      ``area_after``, ``visible_fraction`` (the share of the box Albumentations' filter
      saw in the frame, multiplied over its passes; NaN for a callable),
      ``small_before``, ``shrunk`` (shorter side under ``min_size`` px after),
      ``degenerate`` (returned with zero or negative size, or outside the image),
      ``copies`` (boxes returned beyond the primary: labelled mirrored copies),
      ``mirrored`` (copies a reflect step made), ``mask_pixels``, ``unlabelled_pixels``
      (the label's mask pixels after, outside every box of the label),
      ``reflected_unlabelled`` (those pixels are a mirrored copy with no label),
      ``keypoints_before`` / ``keypoints_after`` / ``keypoints_lost`` (labelled joints,
      those an Albumentations ``Compose`` with ``keypoint_params`` returned, the
      difference; NaN where not followed),
      ``box_mask_ratio`` (the box's area over the tight box of its transformed mask, for
      labels with a segmentation: above 1 the box has grown around its object).
    - ``images``: one row per image per draw: ``seed``, sizes before and after, counts of
      the above, ``classes_lost`` and ``lost_category_ids``, ``problem`` / ``error`` /
      ``traceback`` (empty strings when the draw ran).
    - ``boxes``: every box the transform returned, with its annotation and draw.
    - ``problems``: the draws that raised or returned the wrong structure.
    """

    def __init__(
        self,
        labels: Table,
        images: Table,
        boxes: Table,
        categories: Table,
        min_size: float,
    ) -> None:
        self.labels = labels
        self.images = images
        self.boxes = boxes
        self.problems = problem_table(images)
        self.min_size = min_size
        self._categories = categories

    def __repr__(self) -> str:
        counts = ", ".join(
            f"{int(np.count_nonzero(self.labels['status'] == s))} {s}" for s in STATUSES
        )
        return (
            f"AugmentationCheck({len(self.images)} image draws, {len(self.labels)} labels: "
            f"{counts}; {len(self.problems)} problems)"
        )

    def category_names(self, category_ids: np.ndarray) -> np.ndarray:
        """The class name of each category id (empty text for an unknown one)."""
        names = dict(
            zip(self._categories["id"].tolist(), self._categories["name"].tolist(), strict=True)
        )
        return np.array([str(names.get(c, "")) for c in category_ids.tolist()], dtype=object)

    def summary(self) -> Table:
        """Per class: labels (over all draws) kept, clipped, dropped, failed, small before,
        shrunk, degenerate, with a reflected unlabelled copy, labelled copies, and the
        image draws that lost the class."""
        labels = self.labels
        ids = np.unique(np.concatenate([self._categories["id"], labels["category_id"]]))
        index = np.searchsorted(ids, labels["category_id"])

        def count(mask: np.ndarray) -> np.ndarray:
            return np.bincount(index[mask], minlength=len(ids)).astype(np.int64)

        status = labels["status"]
        lost = np.array(
            [c for ids in self.images["lost_category_ids"] for c in ids], dtype=np.int64
        )
        copies = np.nan_to_num(labels["copies"]).astype(np.int64)
        return Table(
            {
                "category_id": ids,
                "name": self.category_names(ids),
                "labels": count(np.ones(len(labels), dtype=bool)),
                **{name: count(status == name) for name in STATUSES},
                "small_before": count(labels["small_before"]),
                "shrunk": count(labels["shrunk"]),
                "degenerate": count(labels["degenerate"]),
                "reflected_unlabelled": count(labels["reflected_unlabelled"]),
                "copies": np.bincount(index, weights=copies, minlength=len(ids)).astype(np.int64),
                "images_lost": np.bincount(np.searchsorted(ids, lost), minlength=len(ids)).astype(
                    np.int64
                ),
            }
        )

    def small_objects(self, min_size: float | None = None) -> Table:
        """Per class: how many labels have their shorter side under ``min_size`` px
        (default: the check's) before the transform, and after it among those it kept;
        ``became_small`` counts those that were not before. With
        ``LongestMaxSize + PadIfNeeded`` this answers how many objects a training
        resolution makes too small."""
        size = self.min_size if min_size is None else float(min_size)
        labels = self.labels
        ids = np.unique(np.concatenate([self._categories["id"], labels["category_id"]]))
        index = np.searchsorted(ids, labels["category_id"])
        ran = labels["status"] != "failed"
        kept = np.isin(labels["status"], ("kept", "clipped")) & ~labels["degenerate"]
        with np.errstate(invalid="ignore"):
            before = ran & (
                np.minimum(labels["bbox_before"][:, 2], labels["bbox_before"][:, 3]) < size
            )
            after = kept & (
                np.minimum(labels["bbox_after"][:, 2], labels["bbox_after"][:, 3]) < size
            )

        def count(mask: np.ndarray) -> np.ndarray:
            return np.bincount(index[mask], minlength=len(ids)).astype(np.int64)

        return Table(
            {
                "category_id": ids,
                "name": self.category_names(ids),
                "labels": count(ran),
                "small_before": count(before),
                "kept": count(kept),
                "small_after": count(after),
                "became_small": count(after & ~before),
                "dropped": count(labels["status"] == "dropped"),
            }
        )

    @property
    def sizes_before(self) -> np.ndarray:
        """√area (px) of every label of the draws that ran, for a histogram."""
        ran = self.labels["status"] != "failed"
        sizes: np.ndarray = np.sqrt(np.maximum(self.labels["area_before"][ran], 0.0))
        return sizes

    @property
    def sizes_after(self) -> np.ndarray:
        """√area (px) of every label kept, after the transform."""
        kept = np.isin(self.labels["status"], ("kept", "clipped"))
        sizes: np.ndarray = np.sqrt(np.maximum(self.labels["area_after"][kept], 0.0))
        return sizes


def is_albumentations(transform: object) -> bool:
    """Whether ``transform`` is an Albumentations object (by its classes' modules, so
    this needs no import of Albumentations)."""
    return any(
        (klass.__module__ or "").split(".")[0] in ("albumentations", "albumentationsx")
        for klass in type(transform).__mro__
    )


def albumentations_runner(transform: Any) -> AlbumentationsRunner:
    """The runner of an Albumentations ``Compose``; ImportError naming the extra if
    Albumentations is not installed."""
    try:
        augment_albumentations = importlib.import_module(
            "cocowidget.analysis.augment_albumentations"
        )
    except ImportError as error:
        raise ImportError(
            f"checking an Albumentations transform needs Albumentations: {INSTALL_HINT} ({error})"
        ) from error
    return AlbumentationsRunner(augment_albumentations.checked_compose(transform))


@checked_keywords
def check_augmentations(
    ds: CocoData,
    transform: Any,
    draws: int = 1,
    images: npt.ArrayLike | None = None,
    executor: Executor | None = None,
    min_size: float = 32,
    seed: int = 0,
) -> AugmentationCheck:
    """Run ``transform`` ``draws`` times over each image of ``ds`` (or of ``images``,
    image ids) with its boxes and masks, and report what it did to every label: see
    :class:`AugmentationCheck` and this module's notes for the transforms taken.

    ``executor``: where images are transformed (default: a thread pool for this call;
    :func:`cocowidget.media.process_executor` gives processes, which need a transform
    that pickles). ``min_size``: the shorter side (px) under which a label is small.
    ``seed``: every draw's seed derives from it, so the result is the same on any executor.
    """
    if isinstance(draws, bool) or not isinstance(draws, int | np.integer) or draws < 1:
        raise ValueError(f"draws must be a positive integer, not {draws!r}")
    if not np.isfinite(min_size) or min_size < 0:
        raise ValueError(f"min_size must be a non-negative number of pixels, not {min_size!r}")
    runner = _runner(transform)
    rows = _image_rows(ds, images)
    jobs = image_jobs(ds, rows, int(draws), int(seed))
    own = executor is None
    pool = default_executor() if executor is None else executor
    if _uses_processes(pool):
        _check_pickles(runner)
    try:
        work: Callable[[list[ImageJob]], list[Any]] = functools.partial(run_batch, runner)
        outcomes = run_in_parallel(work, jobs, pool, "Checking augmentations", batch=BATCH)
    finally:
        if own:
            pool.shutdown(cancel_futures=True)
    result = check_result(ds, jobs, outcomes, float(min_size))
    if len(result.problems):
        failed = len(np.unique(result.problems["image_id"]))
        first = result.problems["message"][0]
        warn(
            f"{len(result.problems)} draws of {failed} images had problems (result.problems); "
            f"the first: {first}"
        )
    return result


def check_result(
    ds: CocoData, jobs: list[ImageJob], outcomes: list[list[Any]], min_size: float
) -> AugmentationCheck:
    """The tables of ``jobs``' draws (``outcomes``: per job, its draws' outcomes)."""
    annotation_ids = [ds.annotations["id"][ds.object_rows(job.image_id)] for job in jobs]
    labels = label_table(jobs, outcomes, annotation_ids, min_size)
    return AugmentationCheck(
        labels,
        image_table(jobs, outcomes, labels),
        box_table(jobs, outcomes, annotation_ids),
        ds.categories,
        min_size,
    )


def runner_for(transform: Any) -> CallableRunner | AlbumentationsRunner:
    """The runner of an Albumentations ``Compose`` or of a plain callable (checked)."""
    return _runner(transform)


def _runner(transform: Any) -> CallableRunner | AlbumentationsRunner:
    if is_albumentations(transform):
        return albumentations_runner(transform)
    if not callable(transform):
        raise TypeError(
            f"transform must be an Albumentations Compose or a callable "
            f"(image, boxes, labels, masks) -> same, not {type(transform).__name__}"
        )
    return CallableRunner(transform)


def image_rows(ds: CocoData, images: npt.ArrayLike | None) -> np.ndarray:
    """Rows of ``images`` (ids; all when None), a clear KeyError for an unknown id."""
    return _image_rows(ds, images)


def _image_rows(ds: CocoData, images: npt.ArrayLike | None) -> np.ndarray:
    if images is None:
        return np.arange(len(ds.images))
    ids = np.asarray(images).reshape(-1)
    rows = ds.image_rows(ids) if len(ids) else np.zeros(0, dtype=np.int64)
    unknown = ids[rows < 0]
    if len(unknown):
        raise KeyError(f"no image with id {unknown[0]!r} (images= takes ids of ds.images)")
    return np.asarray(rows, dtype=np.int64)


def image_jobs(ds: CocoData, rows: np.ndarray, draws: int, seed: int) -> list[ImageJob]:
    """What the workers need of the images at ``rows``: path, size, boxes, classes,
    segmentations and each draw's seed."""
    table = ds.annotations
    image_ids = ds.images["id"][rows]
    # One bulk pass over the segmentations pays off beyond a small part of the dataset.
    everything = ds.segmentations() if len(rows) * 5 > len(ds.images) else None
    seeds = seeds_for(seed, image_ids.tolist(), draws)
    # Every path at once for a large part of the dataset; a few one by one (a preview).
    paths = ds.image_paths() if everything is not None else None
    jobs = []
    for row, image_id, image_seeds in zip(rows.tolist(), image_ids.tolist(), seeds, strict=True):
        objects = ds.object_rows(image_id)
        segmentations = (
            everything[objects] if everything is not None else ds.segmentations_of(image_id)
        )
        path = paths[row] if paths is not None else ds.image_path_at(row)
        jobs.append(
            ImageJob(
                image_id=int(image_id),
                path=None if path is None else str(path),
                height=int(ds.images["height"][row]),
                width=int(ds.images["width"][row]),
                boxes=np.asarray(table["bbox"][objects], dtype=np.float64).reshape(-1, 4),
                category_ids=np.asarray(table["category_id"][objects], dtype=np.int64),
                segmentations=list(segmentations),
                seeds=image_seeds,
                keypoints=(
                    np.asarray(table["keypoints"][objects], dtype=np.float64)
                    if "keypoints" in table
                    else None
                ),
            )
        )
    return jobs


def _uses_processes(executor: Executor) -> bool:
    from cocowidget.media.executors import ProcessesWhenReady

    return isinstance(executor, ProcessPoolExecutor | ProcessesWhenReady)


def _check_pickles(runner: CallableRunner | AlbumentationsRunner) -> None:
    try:
        pickle.dumps(runner)
    except (pickle.PicklingError, TypeError, AttributeError) as error:
        raise TypeError(
            f"the transform cannot be sent to worker processes ({error}); define it at a "
            "module's top level, or pass a thread executor"
        ) from error

"""The worker's side of an augmentation check: one image, decoded once, through every
draw of the transform.

Everything here runs on an executor, threads or worker processes, so it takes plain
picklable values (:class:`ImageJob`) and returns them (:class:`DrawOutcome`); it never
sees the dataset.

The contract of a plain callable transform (anything that is not Albumentations)::

    transform(image, boxes, labels, masks) -> (image, boxes, labels, masks)

- ``image``: ``(H, W, 3)`` ``uint8`` RGB numpy array (EXIF orientation applied);
- ``boxes``: ``(N, 4)`` ``float64`` COCO ``[x, y, width, height]`` in pixels;
- ``labels``: ``(N,)`` ``int64``, the annotation's index in the image (``0..N-1``), so
  that what was dropped is known: return, for each box kept, the label of the box it
  came from (one label may be returned for several boxes: copies);
- ``masks``: a list of ``N`` ``(H, W)`` ``uint8`` 0/1 arrays, one per annotation in the
  same order (the box itself for an annotation without a segmentation); return them one
  per *input* label, in input order (as Albumentations does: masks are never dropped),
  at the output image's size, or ``None`` to skip the mask checks.

A callable that draws random numbers should take a keyword ``rng``: it gets a
``numpy.random.Generator`` seeded from ``(seed, image id, draw)``, which makes the check
deterministic on any executor.
"""

from __future__ import annotations

import inspect
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from pycocotools import mask as mask_api

from cocowidget.analysis.augment_labels import (
    LabelOutcomes,
    StepSummary,
    label_outcomes,
    summarise_steps,
)
from cocowidget.data import segments

#: How much of a traceback a problem keeps (its last lines: where it was raised).
TRACEBACK_CHARACTERS = 1500


@dataclass(frozen=True)
class ImageJob:
    """What a worker needs of one image."""

    image_id: int
    path: str | None
    height: int
    width: int
    boxes: np.ndarray  # (N, 4) float64, COCO xywh
    category_ids: np.ndarray  # (N,) int64
    segmentations: list[Any]  # parsed segmentation per annotation, None if none
    seeds: tuple[int, ...]  # one per draw
    keypoints: np.ndarray | None = None  # (N, K, 3) COCO x, y, v; None without keypoints


@dataclass
class DrawOutcome:
    """One draw of one image: what came back, or the problem that stopped it."""

    image_id: int
    draw: int
    seed: int
    size_after: tuple[int, int]  # (height, width); (-1, -1) if the draw failed
    boxes: np.ndarray  # (M, 4) every box returned
    box_labels: np.ndarray  # (M,) label index of each
    steps: StepSummary | None  # Albumentations' filter decisions (None for a callable)
    labels: LabelOutcomes | None  # per input label (None if the draw failed)
    problem: str = ""  # "" | "image" | "raised" | "wrong output"
    message: str = ""
    traceback: str = ""
    # Kept only for a preview (run_previews): the output image and masks, per input label.
    image: np.ndarray | None = None
    masks: np.ndarray | None = None
    # The labelled keypoints returned: (P, 2) x, y and (P,) annotation * K + joint; None
    # when they were not followed (a callable, or a Compose without keypoint_params).
    keypoints: np.ndarray | None = None
    keypoint_index: np.ndarray | None = None


@dataclass
class Ran:
    """What one draw of a runner returned."""

    image: np.ndarray
    boxes: np.ndarray
    labels: np.ndarray
    masks: np.ndarray | None
    steps: StepSummary | None
    keypoints: np.ndarray | None
    keypoint_index: np.ndarray | None


class CallableRunner:
    """A plain callable, checked against the contract above."""

    def __init__(self, transform: Callable[..., Any]) -> None:
        self.transform = transform
        try:
            parameters = inspect.signature(transform).parameters
        except (TypeError, ValueError):
            parameters = {}  # type: ignore[assignment]  # a builtin: no rng
        self.takes_rng = "rng" in parameters

    def session(self) -> CallableRunner:
        return self

    def run(self, image: np.ndarray, job: ImageJob, masks: list[np.ndarray], draw: int) -> Ran:
        count = len(job.boxes)
        given = np.arange(count, dtype=np.int64)
        keywords = {"rng": np.random.default_rng(job.seeds[draw])} if self.takes_rng else {}
        # Copies: a transform that works in place must not change the next draw's input.
        inputs = (image.copy(), job.boxes.copy(), given.copy(), [m.copy() for m in masks])
        result = self.transform(*inputs, **keywords)
        if not isinstance(result, tuple | list) or len(result) != 4:
            raise WrongOutputError(
                f"returned {_described(result)}; a transform returns a tuple "
                "(image, boxes, labels, masks)"
            )
        out_image, out_boxes, out_labels, out_masks = result
        out_image = np.asarray(out_image)
        if out_image.ndim not in (2, 3) or 0 in out_image.shape[:2]:
            raise WrongOutputError(
                f"returned an image of shape {out_image.shape}; expected (H, W, C)"
            )
        boxes = _boxes(out_boxes)
        labels = _labels(out_labels, len(boxes), count)
        masks_out = _masks(out_masks, count, out_image.shape[:2])
        return Ran(out_image, boxes, labels, masks_out, None, None, None)


class WrongOutputError(Exception):
    """A transform's result that does not follow the contract."""


def _described(value: Any) -> str:
    if isinstance(value, tuple | list):
        return f"a {type(value).__name__} of {len(value)} items"
    return f"a {type(value).__name__}"


def _boxes(value: Any) -> np.ndarray:
    try:
        boxes = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise WrongOutputError(
            f"returned boxes that are not numbers ({_described(value)})"
        ) from None
    if boxes.size == 0:
        return np.zeros((0, 4))
    if boxes.ndim != 2 or boxes.shape[1] != 4:
        raise WrongOutputError(f"returned boxes of shape {boxes.shape}; expected (M, 4) COCO xywh")
    return boxes


def _labels(value: Any, boxes: int, given: int) -> np.ndarray:
    labels = np.asarray(value).reshape(-1)
    if len(labels) != boxes:
        raise WrongOutputError(
            f"returned {boxes} boxes but {len(labels)} labels, so which labels were dropped "
            "is unknown: return the input label of each box kept"
        )
    if not len(labels):
        return np.zeros(0, dtype=np.int64)
    if labels.dtype.kind not in "iu" and not (
        labels.dtype.kind == "f" and np.array_equal(labels, np.round(labels))
    ):
        raise WrongOutputError(f"returned labels of type {labels.dtype}; expected the input labels")
    labels = labels.astype(np.int64)
    unknown = labels[(labels < 0) | (labels >= given)]
    if len(unknown):
        raise WrongOutputError(
            f"returned label {int(unknown[0])}, which was not given (labels are 0..{given - 1}: "
            "return the input label of each box kept)"
        )
    return labels


def _masks(value: Any, count: int, size: tuple[int, int]) -> np.ndarray | None:
    if value is None:
        return None
    masks = [np.asarray(mask) for mask in value]
    if len(masks) != count:
        raise WrongOutputError(
            f"returned {len(masks)} masks for {count} labels; return one per input label "
            "(in input order) or None"
        )
    for mask in masks:
        if mask.shape != size:
            raise WrongOutputError(f"returned a mask of shape {mask.shape}; the image is {size}")
    return np.stack(masks) if masks else np.zeros((0, *size), dtype=np.uint8)


class AlbumentationsRunner:
    """An Albumentations ``Compose``; each batch works on a private copy."""

    def __init__(self, transform: Any) -> None:
        self.transform = transform

    def session(self) -> Any:
        from cocowidget.analysis.augment_albumentations import Session

        return _AlbumentationsSession(Session(self.transform))


class _AlbumentationsSession:
    def __init__(self, session: Any) -> None:
        self.session = session

    def run(self, image: np.ndarray, job: ImageJob, masks: list[np.ndarray], draw: int) -> Ran:
        output = self.session(
            image, job.boxes.copy(), job.category_ids, masks, job.seeds[draw], job.keypoints
        )
        steps = summarise_steps(output.log, len(job.boxes))
        return Ran(
            output.image,
            output.boxes,
            output.labels,
            output.masks,
            steps,
            output.keypoints,
            output.keypoint_index,
        )


def run_batch(
    runner: CallableRunner | AlbumentationsRunner, jobs: list[ImageJob]
) -> list[list[DrawOutcome]]:
    """Every draw of every image of ``jobs``; a problem stops one image or one draw."""
    session = runner.session()
    return [_run_image(session, job) for job in jobs]


def run_previews(
    runner: CallableRunner | AlbumentationsRunner, jobs: list[ImageJob]
) -> tuple[list[np.ndarray | None], list[list[DrawOutcome]]]:
    """As :func:`run_batch`, keeping what a preview draws: each input image (None if it
    could not be read) and each draw's output image and masks."""
    session = runner.session()
    originals: list[np.ndarray | None] = []
    for job in jobs:
        try:
            originals.append(decode_rgb(job))
        except Exception:  # the outcomes say what went wrong
            originals.append(None)
    outcomes = [
        _run_image(session, job, keep_pixels=True, image=original)
        for job, original in zip(jobs, originals, strict=True)
    ]
    return originals, outcomes


def _run_image(
    session: Any, job: ImageJob, keep_pixels: bool = False, image: np.ndarray | None = None
) -> list[DrawOutcome]:
    try:
        image = decode_rgb(job) if image is None else image
        masks = job_masks(job)
    except Exception as error:  # an unreadable image is one problem
        message = f"image {job.image_id}: {error}"
        return [_failed(job, draw, "image", message, error) for draw in range(len(job.seeds))]
    has_segmentation = np.array([value is not None for value in job.segmentations], dtype=bool)
    outcomes = []
    for draw in range(len(job.seeds)):
        try:
            ran = session.run(image, job, masks, draw)
        except WrongOutputError as error:
            message = f"image {job.image_id}, draw {draw}: the transform {error}"
            outcomes.append(_failed(job, draw, "wrong output", message, None))
            continue
        except Exception as error:  # the run goes on; the problem is kept
            raised = f"{type(error).__name__}: {error}"
            message = f"image {job.image_id}, draw {draw}: the transform raised {raised}"
            outcomes.append(_failed(job, draw, "raised", message, error))
            continue
        measured = label_outcomes(
            ran.boxes, ran.labels, len(job.boxes), ran.masks, has_segmentation
        )
        size = (int(ran.image.shape[0]), int(ran.image.shape[1]))
        outcome = DrawOutcome(
            job.image_id, draw, job.seeds[draw], size, ran.boxes, ran.labels, ran.steps, measured
        )
        outcome.keypoints, outcome.keypoint_index = ran.keypoints, ran.keypoint_index
        if keep_pixels:
            outcome.image, outcome.masks = ran.image, ran.masks
        outcomes.append(outcome)
    return outcomes


def _failed(
    job: ImageJob, draw: int, kind: str, message: str, error: BaseException | None
) -> DrawOutcome:
    excerpt = ""
    if error is not None:
        text = "".join(traceback.format_exception(type(error), error, error.__traceback__))
        excerpt = text[-TRACEBACK_CHARACTERS:]
    return DrawOutcome(
        job.image_id,
        draw,
        job.seeds[draw],
        (-1, -1),
        np.zeros((0, 4)),
        np.zeros(0, dtype=np.int64),
        None,
        None,
        kind,
        message,
        excerpt,
    )


def decode_rgb(job: ImageJob) -> np.ndarray:
    """The job's image as an (H, W, 3) uint8 RGB array, EXIF orientation applied; an
    error if it is not the size the dataset says."""
    from cocowidget.media.decode import decode_image, open_image_file

    if job.path is None:
        raise ValueError("no image file (no image_dir, or a file name outside it)")
    file, _ = open_image_file(job.path)
    with file:
        decoded = decode_image(file, max(job.height, job.width, 1) * 8)
    image = np.asarray(decoded.image)
    if image.shape[:2] != (job.height, job.width):
        raise ValueError(
            f"the file is {image.shape[1]}x{image.shape[0]} but the dataset says "
            f"{job.width}x{job.height}, so its boxes and masks do not fit it"
        )
    return image


def job_masks(job: ImageJob) -> list[np.ndarray]:
    """One ``(H, W)`` uint8 mask per annotation: its segmentation as ``annToMask``
    rasterises it, or its box where it has none (as ``ds.masks`` gives them)."""
    height, width = job.height, job.width
    rles: list[dict[str, Any]] = []
    resized: dict[int, np.ndarray] = {}
    at: list[int] = []
    for i, value in enumerate(job.segmentations):
        rle = (
            segments.box_rle(job.boxes[i], height, width)
            if value is None
            else segments.to_rle(value, height, width)
        )
        if list(rle["size"]) != [height, width]:
            resized[i] = segments.resize_nearest(mask_api.decode(rle), height, width)
            continue
        rles.append(rle)
        at.append(i)
    masks: list[np.ndarray] = [np.zeros(0, dtype=np.uint8)] * len(job.segmentations)
    if rles:
        decoded = mask_api.decode(rles)
        for k, i in enumerate(at):
            masks[i] = np.ascontiguousarray(decoded[:, :, k])
    for i, mask in resized.items():
        masks[i] = mask
    return masks


def draw_seed(seed: int, image_id: int, draw: int) -> int:
    """The seed of one draw of one image: the same whatever the executor, the batch or
    the other images checked. ``transform.set_random_seed(draw_seed(...))`` on a copy of
    an Albumentations ``Compose`` repeats the draw."""
    entropy = [int(seed) % 2**64, int(image_id) % 2**64, int(draw)]
    return int(np.random.SeedSequence(entropy).generate_state(1, np.uint32)[0])


def seeds_for(seed: int, image_ids: Sequence[int], draws: int) -> list[tuple[int, ...]]:
    return [tuple(draw_seed(seed, image_id, d) for d in range(draws)) for image_id in image_ids]

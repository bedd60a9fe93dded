"""A preview of augmentation draws as a small COCO dataset: for each image the original and
its draws, each a JPEG with its transformed labels, so any grid draws them as it draws
any dataset (boxes, masks, hover-zoom), and the draws' check tables beside.

The draws run in this process (a handful of images): the same runners, seeds and label
bookkeeping as :func:`~cocowidget.analysis.augmentations.check_augmentations`, so a
preview's numbers are the check's for the same images and seed.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt
from PIL import Image
from pycocotools import mask as mask_api

from cocowidget.analysis.augment_run import DrawOutcome, ImageJob, run_previews
from cocowidget.analysis.augmentations import (
    AugmentationCheck,
    check_result,
    image_jobs,
    image_rows,
    runner_for,
)

if TYPE_CHECKING:
    from cocowidget.data.dataset import CocoData

#: Draw number of the original image in the preview's ``draw`` column.
ORIGINAL = -1
JPEG_QUALITY = 90


@dataclass(frozen=True, eq=False)
class PreviewDraws:
    """``coco``: the preview as a COCO dict (its images in ``folder``); ``image_id`` and
    ``draw`` per preview image (the source image, :data:`ORIGINAL` or the draw number);
    ``captions`` per preview image; ``check``: the draws' tables."""

    coco: dict[str, Any]
    folder: Path
    image_id: np.ndarray
    draw: np.ndarray
    captions: list[str]
    check: AugmentationCheck


def preview_draws(
    ds: CocoData,
    transform: Any,
    image_ids: npt.ArrayLike,
    *,
    draws: int,
    seed: int,
    folder: Path,
    min_size: float = 32,
) -> PreviewDraws:
    """Run ``draws`` draws of ``transform`` on each of ``image_ids`` and write the
    preview into ``folder`` (created; files of an earlier preview there are replaced)."""
    if isinstance(draws, bool) or not isinstance(draws, int | np.integer) or draws < 1:
        raise ValueError(f"draws must be a positive integer, not {draws!r}")
    runner = runner_for(transform)
    jobs = image_jobs(ds, image_rows(ds, image_ids), int(draws), int(seed))
    originals, outcomes = run_previews(runner, jobs)
    check = check_result(ds, jobs, outcomes, float(min_size))
    folder.mkdir(parents=True, exist_ok=True)
    writer = _Writer(ds, folder, seed)
    for job, original, image_outcomes in zip(jobs, originals, outcomes, strict=True):
        writer.original(job, original)
        for outcome in image_outcomes:
            writer.draw(job, outcome, check)
    return PreviewDraws(
        coco=writer.coco(),
        folder=folder,
        image_id=np.array(writer.source, dtype=np.int64),
        draw=np.array(writer.draws, dtype=np.int64),
        captions=writer.captions,
        check=check,
    )


class _Writer:
    """Collects the preview's images (written as JPEGs) and annotations."""

    def __init__(self, ds: CocoData, folder: Path, seed: int) -> None:
        self._ds = ds
        self._folder = folder
        self._seed = seed
        self._images: list[dict[str, Any]] = []
        self._annotations: list[dict[str, Any]] = []
        self.source: list[int] = []
        self.draws: list[int] = []
        self.captions: list[str] = []

    def coco(self) -> dict[str, Any]:
        categories = self._ds.categories
        records = []
        for row, (i, n) in enumerate(
            zip(categories["id"].tolist(), categories["name"].tolist(), strict=True)
        ):
            record: dict[str, Any] = {"id": int(i), "name": str(n)}
            names = categories["keypoint_names"][row] if "keypoint_names" in categories else None
            if names:
                record["keypoints"] = list(names)
                skeleton = categories["skeleton"][row]
                if skeleton is not None:
                    record["skeleton"] = (np.asarray(skeleton) + 1).tolist()  # 1-based
            records.append(record)
        return {"images": self._images, "annotations": self._annotations, "categories": records}

    def original(self, job: ImageJob, image: np.ndarray | None) -> None:
        size = (job.height, job.width)
        self._add_image(job, ORIGINAL, image, size, f"{job.image_id} · original")
        for label, (box, category, segmentation) in enumerate(
            zip(job.boxes, job.category_ids.tolist(), job.segmentations, strict=True)
        ):
            points = None if job.keypoints is None else job.keypoints[label]
            self._add_annotation(box, int(category), _rle(segmentation, size), points)

    def draw(self, job: ImageJob, outcome: DrawOutcome, check: AugmentationCheck) -> None:
        mine = (check.images["image_id"] == job.image_id) & (check.images["draw"] == outcome.draw)
        row = int(np.flatnonzero(mine)[0])
        caption = f"{job.image_id} · draw {outcome.draw + 1} · " + _draw_summary(check, row)
        if outcome.image is None:
            self._add_image(job, outcome.draw, None, (job.height, job.width), caption)
            return
        size = (int(outcome.image.shape[0]), int(outcome.image.shape[1]))
        self._add_image(job, outcome.draw, outcome.image, size, caption)
        copies = np.bincount(outcome.box_labels, minlength=len(job.boxes))
        for box, label in zip(outcome.boxes, outcome.box_labels.tolist(), strict=True):
            mask = None
            # A label's mask holds all its copies: drawn with one box only.
            if outcome.masks is not None and copies[label] == 1 and job.segmentations[label]:
                mask = _encode(np.asarray(outcome.masks[label], dtype=np.uint8))
            points = _moved_keypoints(job, outcome, label) if copies[label] == 1 else None
            self._add_annotation(box, int(job.category_ids[label]), mask, points)

    def _add_image(
        self,
        job: ImageJob,
        draw: int,
        image: np.ndarray | None,
        size: tuple[int, int],
        caption: str,
    ) -> None:
        number = len(self._images) + 1
        name = f"{job.image_id}-{'original' if draw == ORIGINAL else f'draw{draw + 1}'}.jpg"
        if image is not None:
            pixels = image if image.ndim == 3 else np.repeat(image[..., None], 3, axis=2)
            Image.fromarray(np.ascontiguousarray(pixels[..., :3]).astype(np.uint8)).save(
                self._folder / name, quality=JPEG_QUALITY
            )
        else:
            (self._folder / name).unlink(missing_ok=True)  # shown as unreadable
        self._images.append({"id": number, "file_name": name, "height": size[0], "width": size[1]})
        self.source.append(job.image_id)
        self.draws.append(draw)
        self.captions.append(caption)

    def _add_annotation(
        self,
        box: np.ndarray,
        category: int,
        mask: dict[str, Any] | None,
        keypoints: np.ndarray | None = None,
    ) -> None:
        x, y, w, h = (float(v) for v in box)
        record: dict[str, Any] = {
            "id": len(self._annotations) + 1,
            "image_id": len(self._images),
            "category_id": category,
            "bbox": [x, y, max(w, 0.0), max(h, 0.0)],
            "area": max(w, 0.0) * max(h, 0.0),
            "iscrowd": 0,
        }
        if mask is not None:
            record["segmentation"] = mask
        if keypoints is not None and np.isfinite(keypoints).all():
            record["keypoints"] = [float(v) for v in keypoints.reshape(-1)]
            record["num_keypoints"] = int(np.count_nonzero(keypoints[:, 2] > 0))
        self._annotations.append(record)


def _moved_keypoints(job: ImageJob, outcome: DrawOutcome, label: int) -> np.ndarray | None:
    """The label's joints after the transform as COCO ``(K, 3)`` triplets (a joint not
    returned is unlabelled), or None where keypoints were not followed."""
    if job.keypoints is None or outcome.keypoints is None or outcome.keypoint_index is None:
        return None
    joints = job.keypoints.shape[1]
    moved = np.zeros((joints, 3))
    mine = outcome.keypoint_index // joints == label
    joint = outcome.keypoint_index[mine] % joints
    moved[joint, :2] = outcome.keypoints[mine]
    before = job.keypoints[label, :, 2]
    moved[joint, 2] = np.where(np.isfinite(before[joint]), before[joint], 2)
    return moved


def _draw_summary(check: AugmentationCheck, row: int) -> str:
    images = check.images
    if images["problem"][row]:
        return str(images["problem"][row])
    parts = [
        f"{int(images[column][row])} {word}"
        for column, word in (("dropped", "dropped"), ("clipped", "clipped"), ("shrunk", "small"))
        if column in images and int(images[column][row])
    ]
    return ", ".join(parts) or "all kept"


def _rle(segmentation: Any, size: tuple[int, int]) -> dict[str, Any] | None:
    """A parsed segmentation as compressed RLE at ``size`` (None without one)."""
    if not segmentation:
        return None
    height, width = size
    if isinstance(segmentation, list):
        rles = mask_api.frPyObjects(segmentation, height, width)
        rle = mask_api.merge(rles)
    elif isinstance(segmentation.get("counts"), list):
        rle = mask_api.frPyObjects(segmentation, height, width)
    else:
        rle = segmentation
    return {"size": [height, width], "counts": _text(rle["counts"])}


def _encode(mask: np.ndarray) -> dict[str, Any]:
    rle = mask_api.encode(np.asfortranarray(mask))
    return {"size": [int(mask.shape[0]), int(mask.shape[1])], "counts": _text(rle["counts"])}


def _text(counts: Any) -> Any:
    return counts.decode("ascii") if isinstance(counts, bytes) else counts

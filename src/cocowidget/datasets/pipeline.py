"""From image index to finished JSON entries and image files, serially or on a pool.

Each image is produced from (seed, index) alone, so a process pool can render images in
any order; results are written in index order, and annotation ids are given while
writing, so output bytes never depend on the number of workers.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field, replace
from functools import partial
from pathlib import Path
from typing import Any

from cocowidget.datasets import coco_json
from cocowidget.datasets.annotate import AnnotatedObject, annotate
from cocowidget.datasets.categories import coco_categories
from cocowidget.datasets.detector import detect
from cocowidget.datasets.mistakes import LabelMistakes, plant, with_ids
from cocowidget.datasets.render import render
from cocowidget.datasets.scene import (
    STREAM_MISTAKES,
    ImageSpec,
    Scene,
    image_spec,
    sample_scene,
    stream,
)
from cocowidget.datasets.special_files import (
    EXTENSIONS,
    SPECIAL_KINDS,
    UNREADABLE,
    encode_jpeg,
    write_special,
)
from cocowidget.media.workers import NO_MAIN
from cocowidget.progress import progress

SPECIAL_SIZE = (640, 427)  # landscape, so a rotated file is visibly rotated
SERIAL_BELOW = 64  # by default; a pool costs more than it saves on a handful of images


@dataclass(frozen=True)
class Job:
    seed: int
    n_images: int
    predictions: bool
    broken_images: bool = False
    image_dir: Path | None = None  # None: annotations only, no pixels
    label_mistakes: LabelMistakes | None = None  # planted after the detector has run

    @property
    def total_images(self) -> int:
        return self.n_images + (len(SPECIAL_KINDS) if self.broken_images else 0)


@dataclass(frozen=True)
class Planned:
    spec: ImageSpec
    content_index: int  # whose scene it shows
    special: str | None


def plan(job: Job, index: int) -> Planned:
    if index < job.n_images:
        return Planned(image_spec(job.seed, index), index, None)
    kind = SPECIAL_KINDS[index - job.n_images]
    spec = image_spec(job.seed, index, EXTENSIONS.get(kind, ".jpg"))
    if kind == "duplicate":
        source = image_spec(job.seed, 0)
        return Planned(replace(spec, width=source.width, height=source.height), 0, kind)
    width, height = SPECIAL_SIZE
    return Planned(replace(spec, width=width, height=height), index, kind)


@dataclass
class ImageResult:
    annotations: list[bytes]  # encoded, without "id"
    predictions: list[bytes]
    segmentation_kinds: dict[str, int]  # polygon / rle / crowd_rle counts
    special: dict[str, Any] | None = None
    mistakes: list[dict[str, Any]] = field(default_factory=list)  # by position


@dataclass(frozen=True)
class ImageContent:
    planned: Planned
    scene: Scene
    objects: list[AnnotatedObject]
    annotations: list[dict[str, Any]]  # without "id"
    predictions: list[dict[str, Any]]
    mistakes: list[dict[str, Any]]  # planted label mistakes, annotations by position


def image_content(job: Job, index: int) -> ImageContent:
    """One image's scene, annotations and predictions (no pixels yet)."""
    planned = plan(job, index)
    scene = sample_scene(job.seed, planned.spec, planned.content_index)
    objects = annotate(scene)
    annotations = [obj.coco(planned.spec.id) for obj in objects]
    predictions: list[dict[str, Any]] = []
    if job.predictions and planned.special not in UNREADABLE:
        predictions = detect(scene, objects)
    mistakes: list[dict[str, Any]] = []
    if job.label_mistakes is not None:
        # After the detector, from a stream of their own: the detections still see the
        # true objects, and the rest of the image comes out as without mistakes.
        rng = stream(job.seed, planned.content_index, STREAM_MISTAKES)
        annotations, mistakes = plant(job.label_mistakes, rng, scene, annotations)
    return ImageContent(planned, scene, objects, annotations, predictions, mistakes)


def process(job: Job, index: int) -> ImageResult:
    """Everything about image `index`, encoded; draws and writes the file if asked."""
    content = image_content(job, index)
    planned = content.planned
    kinds = {"polygon": 0, "rle": 0, "crowd_rle": 0}
    for ann in content.annotations:
        if ann["iscrowd"]:
            kinds["crowd_rle"] += 1
        elif isinstance(ann["segmentation"], list):
            kinds["polygon"] += 1
        else:
            kinds["rle"] += 1
    special = None
    if job.image_dir is not None:
        image = render(content.scene, content.objects)
        path = job.image_dir / planned.spec.file_name
        if planned.special is None:
            path.write_bytes(encode_jpeg(image))
        else:
            data, details = write_special(planned.special, image)
            if data is not None:
                path.write_bytes(data)
            special = {
                "kind": planned.special,
                "file_name": planned.spec.file_name,
                "image_id": planned.spec.id,
                **details,
            }
            if planned.special == "duplicate":
                source = image_spec(job.seed, 0)
                special |= {"duplicate_of": source.file_name, "duplicate_of_id": source.id}
    return ImageResult(
        annotations=[coco_json.encode(a) for a in content.annotations],
        predictions=[coco_json.encode(p) for p in content.predictions],
        segmentation_kinds=kinds,
        special=special,
        mistakes=content.mistakes,
    )


def default_workers() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def results(job: Job, workers: int | None = None) -> Iterator[ImageResult]:
    """Every image's result, in index order."""
    total = job.total_images
    if workers is None:
        workers = default_workers() if total >= SERIAL_BELOW else 1
    workers = min(workers, total)
    work = partial(process, job)
    if workers <= 1:
        yield from map(work, range(total))
        return
    # spawn, not fork (forking a process that runs threads, as Jupyter does, can deadlock),
    # and without the parent's main module: a script without a __main__ guard runs once.
    context = NO_MAIN
    chunk = max(1, min(32, total // (workers * 8)))
    with context.Pool(workers) as pool:
        yield from pool.imap(work, range(total), chunksize=chunk)


@dataclass
class Summary:
    images: int = 0
    annotations: int = 0
    predictions: int = 0
    segmentation_kinds: dict[str, int] = field(
        default_factory=lambda: {"polygon": 0, "rle": 0, "crowd_rle": 0}
    )
    special_files: dict[str, dict[str, Any]] = field(default_factory=dict)
    mistakes: list[dict[str, Any]] = field(default_factory=list)  # with annotation ids


def write(
    job: Job,
    annotations_path: Path,
    predictions_path: Path | None,
    workers: int | None = None,
) -> Summary:
    """Stream the instances JSON (and results JSON) to disk; images too if the job has an
    image folder."""
    summary = Summary()
    with ExitStack() as stack:
        instances = stack.enter_context(
            coco_json.InstancesWriter(annotations_path, coco_categories())
        )
        detections = (
            stack.enter_context(coco_json.ResultsWriter(predictions_path))
            if predictions_path is not None
            else None
        )
        for index in range(job.total_images):
            instances.add_image(plan(job, index).spec.coco())
        advance = stack.enter_context(progress(job.total_images, "Generating the demo images"))
        for result in results(job, workers):
            advance()
            summary.mistakes.extend(with_ids(result.mistakes, instances.n_annotations + 1))
            for fragment in result.annotations:
                instances.add_annotation(fragment)
            if detections is not None:
                for prediction in result.predictions:
                    detections.add(prediction)
            for kind, count in result.segmentation_kinds.items():
                summary.segmentation_kinds[kind] += count
            if result.special is not None:
                summary.special_files[result.special["kind"]] = result.special
        summary.images = instances.n_images
        summary.annotations = instances.n_annotations
        summary.predictions = detections.count if detections is not None else 0
    return summary


def coco_dict(
    n_images: int,
    seed: int,
    *,
    predictions: bool = True,
    label_mistakes: LabelMistakes | None = None,
    mistakes: list[dict[str, Any]] | None = None,
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The whole dataset in memory, as `json.load` would return the written files;
    the planted mistakes' records are appended to `mistakes`."""
    job = Job(seed=seed, n_images=n_images, predictions=predictions, label_mistakes=label_mistakes)
    images: list[dict[str, Any]] = []
    annotations: list[dict[str, Any]] = []
    results_list: list[dict[str, Any]] = []
    for index in range(n_images):
        content = image_content(job, index)
        images.append(content.planned.spec.coco())
        if mistakes is not None:
            mistakes.extend(with_ids(content.mistakes, len(annotations) + 1))
        for ann in content.annotations:
            ann["id"] = len(annotations) + 1
            annotations.append(ann)
        results_list.extend(content.predictions)
    dataset = {
        "info": dict(coco_json.INFO),
        "licenses": [dict(lic) for lic in coco_json.LICENSES],
        "images": images,
        "annotations": annotations,
        "categories": coco_categories(),
    }
    return dataset, results_list

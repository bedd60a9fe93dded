"""The person-keypoints demo: people with COCO's 17 joints and skeleton, a pose model's
results, and (on disk) images of the people drawn as figures.

``generate_keypoints_dict(n_images, seed)`` gives the ``person_keypoints``-style dict
and the results list in memory (about 2.2 people per image, six in ten with keypoints;
see :mod:`cocowidget.datasets.people` and :mod:`cocowidget.datasets.pose_detector`).
``generate_keypoints_demo(out_dir, n_images, seed)`` writes them with the images:

    manifest.json                            written last (format_version, params, counts)
    annotations/person_keypoints_demo.json
    predictions/keypoints_demo.json          (if predictions=True)
    images/<12-digit id>.jpg

Images have the demo's sizes and ids (:func:`cocowidget.datasets.scene.image_spec`).
Same seed, same bytes.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image, ImageDraw

from cocowidget._arguments import checked_keywords
from cocowidget.datasets.coco_json import INFO
from cocowidget.datasets.demo import DemoPaths, _exclusive, read_manifest
from cocowidget.datasets.people import (
    PERSON_CATEGORY,
    SKELETON,
    Person,
    annotation,
    image_people,
)
from cocowidget.datasets.pose_detector import detect_poses
from cocowidget.datasets.scene import image_spec
from cocowidget.datasets.special_files import encode_jpeg

FORMAT_VERSION = 1
MANIFEST_NAME = "manifest.json"
ANNOTATIONS_NAME = "annotations/person_keypoints_demo.json"
PREDICTIONS_NAME = "predictions/keypoints_demo.json"
IMAGES_NAME = "images"
STREAM_PEOPLE_PIXELS = 12


def _image(seed: int, index: int) -> tuple[dict[str, Any], list[tuple[Person, dict[str, Any]]]]:
    spec = image_spec(seed, index)
    people = image_people(seed, index, spec.width, spec.height)
    annotated = []
    for person in people:
        record = annotation(person, spec.id, spec.width, spec.height)
        if record is not None:
            annotated.append((person, record))
    return spec.coco(), annotated


@checked_keywords
def generate_keypoints_dict(
    n_images: int, seed: int = 0, *, predictions: bool = True
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The person-keypoints dataset and the pose model's results list, in memory."""
    if n_images < 0 or seed < 0:
        raise ValueError("n_images and seed must be non-negative")
    images: list[dict[str, Any]] = []
    annotations: list[dict[str, Any]] = []
    results: list[dict[str, Any]] = []
    for index in range(n_images):
        image, annotated = _image(seed, index)
        images.append(image)
        for _, record in annotated:
            annotations.append({"id": len(annotations) + 1, **record})
        if predictions:
            found = [(person, float(record["area"])) for person, record in annotated]
            results += detect_poses(
                seed, index, int(image["id"]), found, int(image["width"]), int(image["height"])
            )
    dataset = {
        "info": dict(INFO, description="cocowidget synthetic person keypoints"),
        "images": images,
        "annotations": annotations,
        "categories": [json.loads(json.dumps(PERSON_CATEGORY))],
    }
    return dataset, results


def render_people(
    seed: int, index: int, people: list[Person], width: int, height: int
) -> Image.Image:
    """A graded background and each person as a figure: limbs, torso and head."""
    rng = np.random.default_rng([seed, index, STREAM_PEOPLE_PIXELS])
    top = rng.integers(90, 200, 3)
    bottom = rng.integers(40, 150, 3)
    t = np.linspace(0.0, 1.0, height)[:, None]
    column = (top[None, :] * (1 - t) + bottom[None, :] * t).astype(np.uint8)
    pixels = np.repeat(column[:, None, :], width, axis=1)
    noise = rng.integers(0, 12, (height // 8 + 1, width // 8 + 1, 1), dtype=np.uint8)
    pixels = pixels + np.kron(noise, np.ones((8, 8, 1), dtype=np.uint8))[:height, :width]
    image = Image.fromarray(pixels.astype(np.uint8))
    draw = ImageDraw.Draw(image)
    for person in people:
        joints = [tuple(p) for p in person.joints.tolist()]
        width_px = max(1, round(person.limb * 2))
        skin = (214, 170, 140)
        torso = [joints[5], joints[6], joints[12], joints[11]]
        draw.polygon(torso, fill=person.colour)
        for a, b in SKELETON:
            if a > 5 and b > 5:  # limbs and torso edges; the face is drawn as a head
                draw.line([joints[a - 1], joints[b - 1]], fill=person.colour, width=width_px)
        x, y = joints[0]
        radius = 0.065 * person.height
        draw.ellipse([x - radius, y - 1.2 * radius, x + radius, y + 0.8 * radius], fill=skin)
    return image


@checked_keywords
def generate_keypoints_demo(
    out_dir: str | os.PathLike[str],
    n_images: int = 200,
    seed: int = 0,
    *,
    predictions: bool = True,
) -> DemoPaths:
    """Write the person-keypoints demo to ``out_dir`` (or reuse it when it holds this
    version's complete output for the same parameters)."""
    if n_images < 0 or seed < 0:
        raise ValueError("n_images and seed must be non-negative")
    root = Path(out_dir)
    root.mkdir(parents=True, exist_ok=True)
    paths = DemoPaths(
        root=root,
        annotations=root / ANNOTATIONS_NAME,
        image_dir=root / IMAGES_NAME,
        predictions=root / PREDICTIONS_NAME if predictions else None,
    )
    params = {"n_images": n_images, "seed": seed, "predictions": predictions}
    with _exclusive(root):
        manifest = read_manifest(root)
        if (
            manifest is not None
            and manifest.get("complete")
            and manifest.get("format_version") == FORMAT_VERSION
            and manifest.get("params") == params
            and paths.annotations.is_file()
        ):
            return paths
        for name in ("annotations", "predictions", IMAGES_NAME):
            shutil.rmtree(root / name, ignore_errors=True)
        paths.image_dir.mkdir(parents=True)
        paths.annotations.parent.mkdir(parents=True)
        dataset, results = generate_keypoints_dict(n_images, seed, predictions=predictions)
        for index in range(n_images):
            image, annotated = _image(seed, index)
            people = [person for person, _ in annotated]
            picture = render_people(seed, index, people, int(image["width"]), int(image["height"]))
            (paths.image_dir / str(image["file_name"])).write_bytes(encode_jpeg(picture))
        paths.annotations.write_text(json.dumps(dataset))
        if paths.predictions is not None:
            paths.predictions.parent.mkdir(parents=True)
            paths.predictions.write_text(json.dumps(results))
        manifest = {
            "format_version": FORMAT_VERSION,
            "complete": True,
            "params": params,
            "counts": {
                "images": len(dataset["images"]),
                "annotations": len(dataset["annotations"]),
                "predictions": len(results),
            },
        }
        (root / MANIFEST_NAME).write_text(json.dumps(manifest, indent=2) + "\n")
    return paths

"""A segmentation dataset as folders: greyscale images, index masks and a model's
probability maps, seeded (the mask-folder variant of the demo).

Layout of ``out_dir``::

    mask_manifest.json        written last: params, counts, complete
    images/<id>.jpg           textured greyscale pictures (as RGB JPEGs)
    masks/<id>.png            index masks: 0 background, 1.. the classes (255 ignored
                              rings around objects with ``ignore_border``)
    probabilities/<id>.png    the model's foreground probability, 0-255 (or .npy float32)

Scenes look like seismic salt images: a quarter of the images empty, others with one to
four blobs (ellipses and a wavy layer from the bottom), each of a class, brighter or
darker than the surrounding texture. The model sees the foreground with realistic
errors: blurred, under-confident edges, boundaries shifted by a pixel or two, a
confidence per image, low-frequency noise, objects missed now and then (more often small
ones) and spurious blobs, so IoU depends on the threshold as a real model's does.
Everything about image ``i`` comes from ``np.random.default_rng((seed, i))``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, ImageFilter

MANIFEST = "mask_manifest.json"
FORMAT_VERSION = 1
IGNORE_VALUE = 255


@dataclass(frozen=True)
class MaskFolderPaths:
    root: Path
    image_dir: Path
    mask_dir: Path
    probability_dir: Path | None
    classes: tuple[str, ...]
    ignore: int | None


def generate_mask_folders(
    out_dir: str | Path,
    n_images: int = 200,
    seed: int = 0,
    *,
    size: int = 128,
    classes: tuple[str, ...] = ("salt",),
    probabilities: str | None = "png",
    ignore_border: bool = False,
) -> MaskFolderPaths:
    """Write (or reuse) the folders; ``probabilities`` ``"png"``, ``"npy"`` or ``None``."""
    if probabilities not in ("png", "npy", None):
        raise ValueError(f"probabilities must be 'png', 'npy' or None, not {probabilities!r}")
    root = Path(out_dir)
    params = {
        "version": FORMAT_VERSION,
        "n_images": n_images,
        "seed": seed,
        "size": size,
        "classes": list(classes),
        "probabilities": probabilities,
        "ignore_border": ignore_border,
    }
    paths = MaskFolderPaths(
        root,
        root / "images",
        root / "masks",
        root / "probabilities" if probabilities else None,
        tuple(classes),
        IGNORE_VALUE if ignore_border else None,
    )
    manifest = root / MANIFEST
    if manifest.exists() and json.loads(manifest.read_text()).get("params") == params:
        return paths
    for folder in (paths.image_dir, paths.mask_dir, paths.probability_dir):
        if folder is not None:
            folder.mkdir(parents=True, exist_ok=True)
    for index in range(n_images):
        write_image(paths, index, seed, size, len(classes), probabilities, ignore_border)
    manifest.write_text(json.dumps({"params": params, "images": n_images, "complete": True}))
    return paths


def write_image(
    paths: MaskFolderPaths,
    index: int,
    seed: int,
    size: int,
    n_classes: int,
    probabilities: str | None,
    ignore_border: bool,
) -> None:
    rng = np.random.default_rng((seed, index))
    stem = f"{index + 1:06d}"
    objects = _objects(rng, size, n_classes)
    mask = np.zeros((size, size), dtype=np.uint8)
    for category, pixels in objects:
        mask[pixels] = category
    picture = _picture(rng, size, objects)
    Image.fromarray(picture).convert("RGB").save(paths.image_dir / f"{stem}.jpg", quality=92)
    truth = mask.copy()
    if ignore_border:
        grown = np.asarray(Image.fromarray(mask).filter(ImageFilter.MaxFilter(5)))
        truth[(grown > 0) & (mask == 0)] = IGNORE_VALUE
    Image.fromarray(truth).save(paths.mask_dir / f"{stem}.png")
    if probabilities is None or paths.probability_dir is None:
        return
    probability = _model(rng, size, objects)
    if probabilities == "npy":
        np.save(paths.probability_dir / f"{stem}.npy", probability.astype(np.float32))
    else:
        levels = np.rint(probability * 255).astype(np.uint8)
        Image.fromarray(levels).save(paths.probability_dir / f"{stem}.png")


def _objects(rng: np.random.Generator, size: int, n_classes: int) -> list[tuple[int, np.ndarray]]:
    if rng.random() < 0.25:
        return []
    yy, xx = np.mgrid[0:size, 0:size].astype(np.float64)
    found = []
    for _ in range(int(rng.integers(1, 5))):
        category = int(rng.integers(1, n_classes + 1))
        if rng.random() < 0.3:  # a layer from the bottom with a wavy top
            phase, level = rng.uniform(0, 2 * np.pi), rng.uniform(0.45, 0.9) * size
            wave = level + rng.uniform(2, size / 8) * np.sin(xx / size * rng.uniform(2, 8) + phase)
            pixels = yy > wave
        else:
            cy, cx = rng.uniform(0, size, 2)
            ry, rx = rng.uniform(size / 30, size / 4, 2)
            angle = rng.uniform(0, np.pi)
            dy, dx = yy - cy, xx - cx
            u = dx * np.cos(angle) + dy * np.sin(angle)
            v = -dx * np.sin(angle) + dy * np.cos(angle)
            pixels = (u / rx) ** 2 + (v / ry) ** 2 <= 1
        if pixels.any():
            found.append((category, pixels))
    return found


def _smooth_noise(rng: np.random.Generator, size: int, cells: int) -> np.ndarray:
    coarse = (rng.random((cells, cells)) * 255).astype(np.uint8)
    image = Image.fromarray(coarse).resize((size, size), Image.Resampling.BICUBIC)
    return np.asarray(image, dtype=np.float64) / 255.0


def _picture(
    rng: np.random.Generator, size: int, objects: list[tuple[int, np.ndarray]]
) -> np.ndarray:
    texture = 0.5 * _smooth_noise(rng, size, 6) + 0.25 * _smooth_noise(rng, size, 24)
    for category, pixels in objects:
        texture[pixels] += (0.18 if category % 2 else -0.18) * rng.uniform(0.6, 1.2)
    texture += rng.normal(0, 0.05, texture.shape)
    return np.clip(texture * 255, 0, 255).astype(np.uint8)


def _model(
    rng: np.random.Generator, size: int, objects: list[tuple[int, np.ndarray]]
) -> np.ndarray:
    seen = np.zeros((size, size), dtype=np.float64)
    for _, pixels in objects:
        small = pixels.sum() < (size * size) / 200
        if rng.random() < (0.35 if small else 0.08):
            continue  # missed
        shifted = np.roll(pixels, tuple(rng.integers(-2, 3, 2)), axis=(0, 1))
        seen[shifted] = np.maximum(seen[shifted], rng.uniform(0.65, 1.0))
    if rng.random() < 0.2:  # a spurious blob
        cy, cx = rng.uniform(0, size, 2)
        r = rng.uniform(size / 40, size / 10)
        yy, xx = np.mgrid[0:size, 0:size]
        seen[(yy - cy) ** 2 + (xx - cx) ** 2 <= r * r] = rng.uniform(0.35, 0.8)
    blurred = Image.fromarray((seen * 255).astype(np.uint8)).filter(
        ImageFilter.GaussianBlur(rng.uniform(1.0, 3.5))
    )
    probability = np.asarray(blurred, dtype=np.float64) / 255.0
    probability = probability * rng.uniform(0.75, 1.05) + 0.3 * (_smooth_noise(rng, size, 5) - 0.5)
    return np.clip(probability, 0.0, 1.0)

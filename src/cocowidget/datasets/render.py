"""Pixels for a scene: a cheap textured background, then the objects back to front.

Objects are painted through the very masks pycocotools rasterises from their
annotations, so overlays line up with the pixels exactly, edge pixels included.
"""

from __future__ import annotations

from functools import cache

import numpy as np
import numpy.typing as npt
from PIL import Image
from pycocotools import mask as mask_utils

from cocowidget.datasets.annotate import AnnotatedObject
from cocowidget.datasets.masks import Rle, decode_box, polygon_rle
from cocowidget.datasets.scene import STREAM_PIXELS, Scene, stream

Pixels = npt.NDArray[np.uint8]  # (h, w, 3)

# (sky top, sky at horizon, ground at horizon, ground at bottom) per theme.
PALETTES: dict[str, tuple[tuple[int, int, int], ...]] = {
    "street": ((120, 160, 210), (200, 210, 220), (120, 120, 125), (70, 70, 75)),
    "indoor": ((215, 200, 175), (190, 170, 140), (150, 110, 75), (95, 70, 50)),
    "field": ((110, 160, 220), (210, 225, 235), (120, 160, 70), (60, 110, 40)),
}
POST_COLOUR = (62, 58, 55)
TEXTURE_SIZE = 2560  # covers the largest images (2400 px panoramas) with room to shift
TEXTURE_PEAK = 24  # texture values are 0..24, so base colours stay <= 255 - 24
BASE_MAX = 255 - TEXTURE_PEAK


@cache
def _texture() -> npt.NDArray[np.uint8]:
    """Soft blotches plus fine grain, shared by every image (each sees it at its own
    random offset). Computed once per process from a fixed seed, so deterministic; one
    uint8 add per pixel is much cheaper than fresh noise per image."""
    rng = np.random.default_rng(20240101)
    coarse = rng.normal(0.0, 1.0, (TEXTURE_SIZE // 8, TEXTURE_SIZE // 8))
    coarse = np.clip((coarse + 2.5) * (16 / 5), 0, 16).astype(np.uint8)
    blotches = Image.fromarray(coarse).resize(
        (TEXTURE_SIZE, TEXTURE_SIZE), Image.Resampling.BILINEAR
    )
    grain = rng.integers(0, TEXTURE_PEAK - 16 + 1, (TEXTURE_SIZE, TEXTURE_SIZE), dtype=np.uint8)
    texture: npt.NDArray[np.uint8] = np.asarray(blotches) + grain
    return texture


def _texture_at(rng: np.random.Generator, width: int, height: int) -> npt.NDArray[np.uint8]:
    """A (height, width) window of the texture at a random offset."""
    ox = int(rng.integers(0, TEXTURE_SIZE - width + 1))
    oy = int(rng.integers(0, TEXTURE_SIZE - height + 1))
    return _texture()[oy : oy + height, ox : ox + width]


def render(scene: Scene, objects: list[AnnotatedObject]) -> Image.Image:
    rng = stream(scene.seed, scene.content_index, STREAM_PIXELS)
    width, height = scene.spec.width, scene.spec.height
    if max(width, height) > TEXTURE_SIZE:
        raise ValueError(f"images larger than {TEXTURE_SIZE} px are not supported")
    pixels = _background(rng, scene.theme, scene.horizon, width, height)
    for item in objects:
        obj = item.obj
        if obj.iscrowd:
            for member in obj.members:
                colour = np.array(obj.colour) * np.exp(0.25 * rng.standard_normal(3))
                _paint(rng, pixels, polygon_rle(member, height, width), colour)
            continue
        if obj.cut_by_post:
            _paint(rng, pixels, item.silhouette, np.array(POST_COLOUR, dtype=np.float64), shade=0.1)
        _paint(rng, pixels, item.annotated, np.array(obj.colour, dtype=np.float64))
    return Image.fromarray(pixels)


def _background(
    rng: np.random.Generator, theme: str, horizon: float, width: int, height: int
) -> Pixels:
    """Sky over ground, graded vertically, with the shared texture on top."""
    sky_top, sky_low, ground_high, ground_low = (
        np.array(c, dtype=np.float64) * np.exp(0.08 * rng.standard_normal(3))
        for c in PALETTES[theme]
    )
    y = np.linspace(0.0, 1.0, height)[:, None]
    column = np.where(
        y < horizon,
        sky_top + (sky_low - sky_top) * (y / horizon),
        ground_high + (ground_low - ground_high) * ((y - horizon) / (1.0 - horizon)),
    )
    base = np.clip(column, 0, BASE_MAX).astype(np.uint8)
    texture = _texture_at(rng, width, height)
    pixels: Pixels = np.empty((height, width, 3), dtype=np.uint8)
    for c in range(3):  # per channel: broadcasting over a length-3 axis is ~5x slower
        np.add(texture, base[:, c : c + 1], out=pixels[:, :, c])
    return pixels


def _paint(
    rng: np.random.Generator,
    pixels: Pixels,
    rle: Rle,
    colour: npt.NDArray[np.float64],
    shade: float = 0.35,
) -> None:
    """Fill a mask with `colour`, lit from above (brighter top, darker bottom), textured."""
    x, y, w, h = (int(v) for v in mask_utils.toBbox(rle))
    if w == 0 or h == 0:
        return
    inside = decode_box(rle, x, y, w, h)
    rows = colour[None, :] * np.linspace(1.0 + shade / 2, 1.0 - shade / 2, h)[:, None]
    base = np.clip(rows, 0, BASE_MAX).astype(np.uint8)
    texture = _texture_at(rng, w, h)
    fill = np.empty((h, w), dtype=np.uint8)
    for c in range(3):
        np.add(texture, base[:, c : c + 1], out=fill)
        np.copyto(pixels[y : y + h, x : x + w, c], fill, where=inside)

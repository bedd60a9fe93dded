"""Pixel statistics of an image: brightness, contrast and sharpness.

All three are measured on the luma of the displayed RGB image (EXIF orientation applied,
transparency composited over the neutral grey), resampled (bicubic) so that its long side
is exactly :data:`ANALYSIS_SIDE` pixels, upscaled if the original is smaller. Measuring
every image at one scale, relative to its own extent, is what makes the numbers
comparable between a 320 px and a 6000 px image, and independent of the thumbnail size.

- luma ``Y`` = ITU-R 601 weights (0.299 R + 0.587 G + 0.114 B) / 255, in 0..1
  (Pillow's ``L`` conversion);
- ``brightness`` = mean of ``Y`` (0 black .. 1 white);
- ``contrast`` = standard deviation of ``Y`` (0 flat .. 0.5 half black, half white);
- ``sharpness`` = variance of the 4-neighbour Laplacian of ``Y``
  (``Y[x-1,y] + Y[x+1,y] + Y[x,y-1] + Y[x,y+1] - 4 Y[x,y]``, interior pixels only).
  0 for a flat or very smooth image. On the 160 COCO images of ``coco_tiny`` the middle
  90 % lie between 0.006 and 0.09 (median 0.02); blurred images score lower, noisy ones
  higher.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from cocowidget.media.decode import DecodedImage

__all__ = ["ANALYSIS_SIDE", "PixelStatistics", "measure_pixels"]

ANALYSIS_SIDE = 320


@dataclass(frozen=True, slots=True)
class PixelStatistics:
    """Brightness, contrast and sharpness of one image (definitions in the module doc)."""

    brightness: float
    contrast: float
    sharpness: float


def measure_pixels(decoded: DecodedImage) -> PixelStatistics:
    """Statistics of a decoded image, at ANALYSIS_SIDE whatever scale it was decoded at."""
    # Resampling one luma channel costs a third of resampling RGB.
    analysed = decoded.luma().resample(ANALYSIS_SIDE, upscale=True)
    # Mean and deviation from the 256-bin histogram (exact for 8-bit luma), the Laplacian
    # in 16-bit integers and its variance from two sums: a third of the time of the
    # textbook float expressions, which matters at hundreds of images per second.
    histogram = np.asarray(analysed.histogram(), dtype=np.float64)
    count = histogram.sum()
    mean = float(histogram @ _LEVELS) / count
    variance = max(0.0, float(histogram @ _LEVELS_SQUARED) / count - mean * mean)
    brightness, contrast = mean / 255, math.sqrt(variance) / 255
    if analysed.width < 3 or analysed.height < 3:
        return PixelStatistics(brightness, contrast, 0.0)
    luma = np.asarray(analysed, dtype=np.int16)
    laplacian = (
        (luma[:-2, 1:-1] + luma[2:, 1:-1] + luma[1:-1, :-2] + luma[1:-1, 2:] - 4 * luma[1:-1, 1:-1])
        .ravel()
        .astype(np.float32)
    )
    n = laplacian.size
    first = float(laplacian.sum(dtype=np.float64)) / n
    second = float(np.dot(laplacian, laplacian)) / n
    return PixelStatistics(brightness, contrast, max(0.0, second - first * first) / 255**2)


_LEVELS = np.arange(256, dtype=np.float64)
_LEVELS_SQUARED = _LEVELS * _LEVELS

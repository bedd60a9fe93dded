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
  0 for a flat or very smooth image; typical photographs give roughly 0.005 to 0.1, blurred
  or out-of-focus images less, noisy ones more.
"""

from __future__ import annotations

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
    luma = np.asarray(analysed, dtype=np.float32) * np.float32(1 / 255)
    brightness = float(luma.mean(dtype=np.float64))
    contrast = float(luma.std(dtype=np.float64))
    if luma.shape[0] < 3 or luma.shape[1] < 3:
        return PixelStatistics(brightness, contrast, 0.0)
    centre = luma[1:-1, 1:-1]
    laplacian = luma[:-2, 1:-1] + luma[2:, 1:-1] + luma[1:-1, :-2] + luma[1:-1, 2:] - 4 * centre
    return PixelStatistics(brightness, contrast, float(laplacian.var(dtype=np.float64)))

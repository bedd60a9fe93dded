"""Turn a decoded Pillow image of any mode into displayable 8-bit RGB.

Rules, per mode:

- ``RGB``: unchanged. ``L``, ``1``, ``RGBX``, ``YCbCr``, ``HSV``: Pillow's conversion.
- With alpha (``RGBA``, ``RGBa``, ``LA``, ``La``, ``PA``, and ``P`` with a transparency
  entry): composited over :data:`NEUTRAL_BACKGROUND`, a mid grey on which both dark and
  light content stays visible. Pixel statistics therefore see that grey where the image
  is transparent.
- ``I;16``, ``I;16L``, ``I;16B``, ``I;16N`` (16-bit PNG and TIFF): the full 0..65535 range
  maps linearly onto 0..255 (Pillow's own conversion clips everything above 255 to white).
- ``I`` (32-bit integers): values already within 0..255 are used as they are, values
  within 0..65535 are treated as 16-bit, anything else is stretched from its minimum to
  its maximum.
- ``F`` (32-bit float): values within 0..1 scale by 255, anything else is stretched from
  its minimum to its maximum; NaN shows as black.
- ``CMYK`` with an embedded ICC profile, and ``LAB``: converted to sRGB by LittleCMS.
  ``CMYK`` without a profile uses Pillow's naive formula.

Any other mode raises :class:`UnsupportedModeError`.
"""

from __future__ import annotations

import io
import threading
from functools import lru_cache

import numpy as np
import numpy.typing as npt
from PIL import Image, ImageCms

__all__ = ["NEUTRAL_BACKGROUND", "UnsupportedModeError", "to_rgb"]

NEUTRAL_BACKGROUND = (128, 128, 128)

_PILLOW_CONVERTS = frozenset({"L", "1", "RGBX", "YCbCr", "HSV"})
_WITH_ALPHA = frozenset({"RGBA", "RGBa", "LA", "PA"})
_SIXTEEN_BIT = frozenset({"I;16", "I;16L", "I;16B", "I;16N"})


class UnsupportedModeError(ValueError):
    """An image mode with no known mapping to RGB."""


def to_rgb(image: Image.Image) -> Image.Image:
    """``image`` as mode ``RGB`` (the same object if it already is)."""
    mode = image.mode
    if mode == "RGB":
        return image
    if mode in _PILLOW_CONVERTS:
        return image.convert("RGB")
    if mode == "La":
        # Pillow cannot convert premultiplied La to anything but LA.
        return _over_background(image.convert("LA"))
    if mode in _WITH_ALPHA:
        return _over_background(image)
    if mode == "P":
        if "transparency" in image.info:
            return _over_background(image.convert("RGBA"))
        return image.convert("RGB")
    if mode in _SIXTEEN_BIT:
        return _grey_to_rgb(_sixteen_to_eight(np.asarray(image)))
    if mode == "I":
        return _grey_to_rgb(_int_to_eight(np.asarray(image)))
    if mode == "F":
        return _grey_to_rgb(_float_to_eight(np.asarray(image)))
    if mode == "CMYK":
        profile = image.info.get("icc_profile")
        if profile:
            return _cms_to_srgb(image, bytes(profile))
        return image.convert("RGB")
    if mode == "LAB":
        return _cms_to_srgb(image, None)
    raise UnsupportedModeError(f"unsupported image mode {mode}")


def _over_background(image: Image.Image) -> Image.Image:
    rgba = image.convert("RGBA")
    background = Image.new("RGB", rgba.size, NEUTRAL_BACKGROUND)
    background.paste(rgba.convert("RGB"), mask=rgba.getchannel("A"))
    return background


def _grey_to_rgb(grey: npt.NDArray[np.uint8]) -> Image.Image:
    return Image.fromarray(np.ascontiguousarray(grey), mode="L").convert("RGB")


def _sixteen_to_eight(values: npt.NDArray[np.integer]) -> npt.NDArray[np.uint8]:
    # Round to nearest: 65535 -> 255, 32896 (the 16-bit midpoint of 128) -> 128.
    wide = values.astype(np.uint32)
    return ((wide * 255 + 32767) // 65535).astype(np.uint8)


def _int_to_eight(values: npt.NDArray[np.integer]) -> npt.NDArray[np.uint8]:
    if values.size == 0:
        return values.astype(np.uint8)
    low, high = int(values.min()), int(values.max())
    if low >= 0 and high <= 255:
        return values.astype(np.uint8)
    if low >= 0 and high <= 65535:
        return _sixteen_to_eight(values)
    return _stretch(values.astype(np.float64), low, high)


def _float_to_eight(values: npt.NDArray[np.floating]) -> npt.NDArray[np.uint8]:
    finite = np.isfinite(values)
    if not finite.any():
        return np.zeros(values.shape, dtype=np.uint8)
    clean = np.where(finite, values, np.nan).astype(np.float64)
    low, high = float(np.nanmin(clean)), float(np.nanmax(clean))
    if low >= 0.0 and high <= 1.0:
        scaled = np.rint(np.nan_to_num(clean, nan=0.0) * 255.0)
        return scaled.astype(np.uint8)
    return _stretch(clean, low, high)


def _stretch(values: npt.NDArray[np.float64], low: float, high: float) -> npt.NDArray[np.uint8]:
    span = high - low
    if span <= 0:
        return np.zeros(values.shape, dtype=np.uint8)
    scaled = np.rint((np.nan_to_num(values, nan=low) - low) * (255.0 / span))
    return np.clip(scaled, 0, 255).astype(np.uint8)


class _Transform:
    """A LittleCMS transform; its one-pixel cache makes it unsafe to share unlocked."""

    def __init__(self, transform: ImageCms.ImageCmsTransform) -> None:
        self._transform = transform
        self._lock = threading.Lock()

    def apply(self, image: Image.Image) -> Image.Image:
        with self._lock:
            converted = self._transform.apply(image)
        return converted


@lru_cache(maxsize=8)
def _transform_to_srgb(mode: str, profile: bytes | None) -> _Transform:
    srgb = ImageCms.createProfile("sRGB")
    source = (
        ImageCms.ImageCmsProfile(io.BytesIO(profile))
        if profile is not None
        else ImageCms.createProfile("LAB")  # LAB carries no profile: use the D50 Lab space
    )
    return _Transform(ImageCms.buildTransform(source, srgb, mode, "RGB"))


def _cms_to_srgb(image: Image.Image, profile: bytes | None) -> Image.Image:
    try:
        transform = _transform_to_srgb(image.mode, profile)
    except (ImageCms.PyCMSError, OSError, ValueError):
        if image.mode == "LAB":
            raise UnsupportedModeError("LAB image could not be converted to sRGB") from None
        return image.convert("RGB")  # unreadable embedded profile: fall back to the formula
    return transform.apply(image)

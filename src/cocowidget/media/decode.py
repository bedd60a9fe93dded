"""Open an image file safely and decode it at the smallest scale a rendering needs.

:func:`open_image_file` opens a path for reading (never blocking on a FIFO) and returns the
file's identity (path, size, modification time) taken from the open descriptor, so a cache
key always describes the bytes that were read. :func:`decode_image` decodes it:

- The declared size is checked against ``max_pixels`` before any pixel is decoded: a
  decompression bomb is refused, not decoded. (Above ``PIL.Image.MAX_IMAGE_PIXELS``
  Pillow itself warns once; above twice that it refuses, whatever ``max_pixels`` says.)
- JPEGs decode with DCT scaling (Pillow's ``draft``) at the smallest of 1/1, 1/2, 1/4, 1/8
  that still covers the requested size; other formats decode fully, and large results are
  box-reduced by an integer factor that keeps them at or above the requested size.
- A region (``box``) is cropped before anything else, so zooming into a large image
  converts and rotates only the part shown.
- EXIF orientation is read from the tag and applied to the small decoded image, not the
  full one; all coordinates (``box``, sizes) are in the *oriented* image, as displayed.
- Every mode becomes RGB (:mod:`cocowidget.media.modes`). Multi-frame files (TIFF pages,
  animations) show their first frame.

Failures raise :class:`ImageDecodeError` whose ``reason`` is a short, user-facing phrase:
"file not found", "zero-byte file", "not an image", "truncated JPEG", "image too large
(120 megapixels > limit 89.5)", ... A file that ends early is refused, never shown half
decoded, even if only the JPEG end marker is missing: a partial decode would need
Pillow's process-wide ``LOAD_TRUNCATED_IMAGES`` switch, and a truncated file is a data
problem worth surfacing rather than papering over.
"""

from __future__ import annotations

import math
import os
import re
import stat
from dataclasses import dataclass, replace
from typing import BinaryIO

from PIL import ExifTags, Image, UnidentifiedImageError

from cocowidget.media.modes import UnsupportedModeError, to_rgb

__all__ = [
    "DEFAULT_MAX_PIXELS",
    "DecodedImage",
    "FileIdentity",
    "ImageDecodeError",
    "decode_image",
    "open_image_file",
]

# Pillow's own warning threshold: below it, Pillow never warns about a bomb.
DEFAULT_MAX_PIXELS = 89_478_485

Box = tuple[int, int, int, int]
FloatBox = tuple[float, float, float, float]

_OPEN_FLAGS = os.O_RDONLY | getattr(os, "O_BINARY", 0) | getattr(os, "O_NONBLOCK", 0)
#: EXIF orientations that turn the image a quarter turn (width and height swap).
SWAPS_AXES = frozenset({5, 6, 7, 8})
_TRANSPOSE = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}
# Modes whose channels can be box-averaged as they are (no palette, no straight alpha).
_REDUCIBLE = frozenset({"L", "RGB", "RGBX", "CMYK", "YCbCr", "I", "F"})
_SIGNATURES = (
    (b"\xff\xd8\xff", "JPEG"),
    (b"\x89PNG\r\n\x1a\n", "PNG"),
    (b"GIF8", "GIF"),
    (b"II*\x00", "TIFF"),
    (b"MM\x00*", "TIFF"),
    (b"BM", "BMP"),
)
_BOMB_SIZE = re.compile(r"\((\d+) pixels\)")


class ImageDecodeError(Exception):
    """An image that cannot be shown; ``reason`` says why in a few words."""

    def __init__(self, reason: str, *, original_size: tuple[int, int] | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.original_size = original_size


@dataclass(frozen=True, slots=True)
class FileIdentity:
    """Which version of a file was read: a change of size or mtime means new content."""

    path: str
    size: int
    mtime_ns: int


@dataclass(frozen=True, slots=True)
class DecodedImage:
    """An oriented image (RGB, or L after :meth:`luma`) covering ``region`` of the original.

    ``image`` may extend slightly beyond ``region`` and be larger than any rendering of
    it; ``region_in_image`` says exactly where the region lies in ``image``.
    :meth:`resample` produces a rendering.
    """

    image: Image.Image
    region_in_image: FloatBox
    region: Box
    original_size: tuple[int, int]

    def luma(self) -> DecodedImage:
        """The same region as 8-bit luma (Pillow's ``L``, ITU-R 601 weights)."""
        return replace(self, image=self.image.convert("L"))

    @property
    def decoded_long_side(self) -> float:
        """The region's long side in ``image`` pixels (at the decoded scale)."""
        left, top, right, bottom = self.region_in_image
        return max(right - left, bottom - top)

    @property
    def region_size(self) -> tuple[int, int]:
        left, top, right, bottom = self.region
        return right - left, bottom - top

    def resample(self, long_side: int, *, upscale: bool = False) -> Image.Image:
        """The region with its long side ``long_side`` px (never above 1:1 unless ``upscale``)."""
        width, height = self.region_size
        longest = max(width, height)
        target = long_side if upscale else min(long_side, longest)
        size = (max(1, round(width * target / longest)), max(1, round(height * target / longest)))
        whole = (0.0, 0.0, float(self.image.width), float(self.image.height))
        if size == self.image.size and self.region_in_image == whole:
            return self.image
        return self.image.resize(
            size, Image.Resampling.BICUBIC, box=self.region_in_image, reducing_gap=3.0
        )


def open_image_file(path: str | os.PathLike[str]) -> tuple[BinaryIO, FileIdentity]:
    """Open ``path`` for binary reading; raises :class:`ImageDecodeError` with the reason."""
    name = os.fspath(path)
    try:
        descriptor = os.open(name, _OPEN_FLAGS)
    except FileNotFoundError:
        raise ImageDecodeError("file not found") from None
    except IsADirectoryError:
        raise ImageDecodeError("not a regular file") from None
    except PermissionError:
        raise ImageDecodeError("permission denied") from None
    except OSError as error:
        raise ImageDecodeError(f"cannot open file ({error.strerror or error})") from None
    try:
        status = os.fstat(descriptor)
    except OSError as error:
        os.close(descriptor)
        raise ImageDecodeError(f"cannot read file ({error.strerror or error})") from None
    if not stat.S_ISREG(status.st_mode) or status.st_size == 0:
        os.close(descriptor)
        raise ImageDecodeError(
            "not a regular file" if not stat.S_ISREG(status.st_mode) else "zero-byte file"
        )
    return os.fdopen(descriptor, "rb"), FileIdentity(name, status.st_size, status.st_mtime_ns)


def decode_image(
    file: BinaryIO,
    min_long_side: int,
    *,
    box: Box | None = None,
    max_pixels: int = DEFAULT_MAX_PIXELS,
) -> DecodedImage:
    """Decode ``file`` so that ``box`` (default: the whole image) is at least
    ``min_long_side`` px on its long side, or at full resolution if it is smaller.

    ``box`` is ``(left, top, right, bottom)`` in pixels of the oriented original; it is
    clamped to the image, and a box entirely outside raises :class:`ImageDecodeError`.
    """
    image = _open(file)
    stored_size = image.size
    # Before anything else: reading the orientation of a PNG may decode all of it.
    pixels = stored_size[0] * stored_size[1]
    if pixels > max_pixels:
        raise ImageDecodeError(
            f"image too large ({pixels / 1e6:.3g} megapixels > limit {max_pixels / 1e6:.3g})",
            original_size=stored_size,
        )
    if pixels == 0:
        raise ImageDecodeError("empty image (0 pixels)", original_size=stored_size)
    orientation = exif_orientation(image)
    oriented = (stored_size[1], stored_size[0]) if orientation in SWAPS_AXES else stored_size
    region = _clamp(box, oriented) if box is not None else (0, 0, *oriented)
    stored_region = _to_stored(region, orientation, stored_size)

    _draft(image, stored_region, min_long_side)
    _load(image)
    image, within = _crop(image, stored_region, stored_size)
    image, within = _reduce(image, within, min_long_side)
    try:
        image = to_rgb(image)
    except UnsupportedModeError as error:
        raise ImageDecodeError(str(error), original_size=oriented) from None
    if orientation in _TRANSPOSE:
        within = _to_oriented(within, orientation, image.size)
        image = image.transpose(_TRANSPOSE[orientation])
    return DecodedImage(image=image, region_in_image=within, region=region, original_size=oriented)


def _draft(image: Image.Image, stored_region: Box, min_long_side: int) -> None:
    """Ask a JPEG to decode at the coarsest DCT scale still covering the target."""
    left, top, right, bottom = stored_region
    scale = min_long_side / max(right - left, bottom - top)
    if scale < 1.0:
        width, height = image.size
        image.draft(None, (max(1, math.ceil(width * scale)), max(1, math.ceil(height * scale))))


def _crop(
    image: Image.Image, stored_region: Box, stored_size: tuple[int, int]
) -> tuple[Image.Image, FloatBox]:
    """Cut the whole pixels around the region; return where exactly it lies in the cut."""
    fx, fy = image.width / stored_size[0], image.height / stored_size[1]
    left, top, right, bottom = stored_region
    exact = (left * fx, top * fy, right * fx, bottom * fy)
    crop = (
        math.floor(exact[0]),
        math.floor(exact[1]),
        min(image.width, math.ceil(exact[2])),
        min(image.height, math.ceil(exact[3])),
    )
    if crop != (0, 0, image.width, image.height):
        image = image.crop(crop)
    return image, (exact[0] - crop[0], exact[1] - crop[1], exact[2] - crop[0], exact[3] - crop[1])


def _reduce(
    image: Image.Image, within: FloatBox, min_long_side: int
) -> tuple[Image.Image, FloatBox]:
    """Box-average by an integer factor that keeps the region at least min_long_side."""
    factor = math.floor(max(within[2] - within[0], within[3] - within[1]) / min_long_side)
    if factor < 2 or image.mode not in _REDUCIBLE:
        return image, within
    return image.reduce(factor), (
        within[0] / factor,
        within[1] / factor,
        within[2] / factor,
        within[3] / factor,
    )


def _open(file: BinaryIO) -> Image.Image:
    try:
        return Image.open(file)
    except Image.DecompressionBombError as error:
        found = _BOMB_SIZE.search(str(error))
        size = f"{int(found.group(1)) / 1e6:.3g} megapixels" if found else "too many pixels"
        limit = (Image.MAX_IMAGE_PIXELS or 0) * 2 / 1e6
        raise ImageDecodeError(f"image too large ({size} > Pillow's limit {limit:.3g})") from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError):
        file.seek(0)
        head = file.read(16)
        for signature, format_name in _SIGNATURES:
            if head.startswith(signature):
                raise ImageDecodeError(f"corrupt {format_name} header") from None
        if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
            raise ImageDecodeError("corrupt WebP header") from None
        raise ImageDecodeError("not an image") from None


def _load(image: Image.Image) -> None:
    format_name = image.format or "image"
    try:
        image.load()
    except OSError as error:
        message = str(error)
        if "truncated" in message.lower():
            raise ImageDecodeError(f"truncated {format_name}") from None
        raise ImageDecodeError(f"corrupt {format_name} data ({message})") from None
    except (SyntaxError, ValueError, EOFError, IndexError) as error:
        raise ImageDecodeError(f"corrupt {format_name} data ({error})") from None


def exif_orientation(image: Image.Image) -> int:
    """The EXIF orientation tag of an opened image, 1 where absent or malformed."""
    if image.format == "JPEG" and "exif" not in image.info:
        return 1  # the common case, without parsing anything
    try:
        value = image.getexif().get(ExifTags.Base.Orientation, 1)
    except Exception:
        # Malformed EXIF fails in many ways inside Pillow; it must not hide the image.
        return 1
    return value if isinstance(value, int) and 1 <= value <= 8 else 1


def _clamp(box: Box, size: tuple[int, int]) -> Box:
    left, top, right, bottom = (int(v) for v in box)
    left, right = max(0, left), min(size[0], right)
    top, bottom = max(0, top), min(size[1], bottom)
    if right <= left or bottom <= top:
        raise ImageDecodeError("region outside the image", original_size=size)
    return left, top, right, bottom


def _to_stored(box: Box, orientation: int, stored: tuple[int, int]) -> Box:
    """Map a box in the oriented image to the image as stored in the file."""
    w, h = stored
    left, top, right, bottom = box

    def point(x: int, y: int) -> tuple[int, int]:
        return {
            1: (x, y),
            2: (w - x, y),
            3: (w - x, h - y),
            4: (x, h - y),
            5: (y, x),
            6: (y, h - x),
            7: (w - y, h - x),
            8: (w - y, x),
        }[orientation]

    (x0, y0), (x1, y1) = point(left, top), point(right, bottom)
    return min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1)


def _to_oriented(box: FloatBox, orientation: int, stored: tuple[int, int]) -> FloatBox:
    """Map a box in an image as stored to the same image after orientation."""
    w, h = stored
    left, top, right, bottom = box

    def point(x: float, y: float) -> tuple[float, float]:
        return {
            1: (x, y),
            2: (w - x, y),
            3: (w - x, h - y),
            4: (x, h - y),
            5: (y, x),
            6: (h - y, x),
            7: (h - y, w - x),
            8: (y, w - x),
        }[orientation]

    (x0, y0), (x1, y1) = point(left, top), point(right, bottom)
    return min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1)

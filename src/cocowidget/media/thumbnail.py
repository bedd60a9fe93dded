"""Render images for display: grid thumbnails, hover previews and zoomed regions.

Every renderer returns a :class:`Thumbnail` (a rendered image of any of the three kinds)
and never raises for a bad file: a missing, empty, truncated, corrupt, non-image or
oversized file gives ``data=None`` and ``error`` set to the reason, which the widget
shows in a placeholder.

- :func:`render_thumbnail` -- a small JPEG (long side :data:`THUMBNAIL_SIDE` by default),
  plus the :class:`~cocowidget.media.statistics.PixelStatistics` computed from the same
  decoded pixels.
- :func:`render_preview` -- a large JPEG for hover-zoom, decoded from the original file:
  long side between :data:`PREVIEW_MIN_SIDE` and :data:`PREVIEW_SIDE` (whichever the
  cheapest JPEG decode scale gives), or the original's size if smaller; never upscaled.
  A 4000x3000 photo, for instance, decodes at 1/4 scale straight to 1000x750 instead of
  at 1/2 scale and resampled to 1024x768: measured here, 73 ms instead of 106 ms.
- :func:`render_region` -- a crop of the full-resolution original for deeper zoom.
- :func:`compute_pixel_statistics` -- only the statistics, by the thumbnail's code path
  (identical numbers to a thumbnail of ``max_side <= ANALYSIS_SIDE``).

Why JPEG and not WebP: measured on COCO val2017 thumbnails at 256 px, WebP (quality 80)
is about 20 % smaller but encodes about 2.5 times slower than JPEG, which would cost the
cold-throughput target; browsers display both.

A :class:`RenderSpec` names everything that affects the output; with the file identity
and :data:`RENDERER_VERSION` it forms the cache key.
"""

from __future__ import annotations

import io
import math
import os
import tempfile
import threading
from dataclasses import dataclass
from typing import BinaryIO, Literal

from PIL import Image

from cocowidget.media.decode import (
    DEFAULT_MAX_PIXELS,
    Box,
    FileIdentity,
    ImageDecodeError,
    decode_image,
    open_image_file,
)
from cocowidget.media.statistics import ANALYSIS_SIDE, PixelStatistics, measure_pixels

__all__ = [
    "PREVIEW_MIN_SIDE",
    "PREVIEW_QUALITY",
    "PREVIEW_SIDE",
    "RENDERER_VERSION",
    "THUMBNAIL_QUALITY",
    "THUMBNAIL_SIDE",
    "RenderSpec",
    "Thumbnail",
    "compute_pixel_statistics",
    "enclosing_box",
    "render",
    "render_file",
    "render_files",
    "render_preview",
    "render_region",
    "render_thumbnail",
]

# Bump whenever a change here or in decode/modes/statistics alters output for the same
# input, so disk caches written by older code are not served.
RENDERER_VERSION = 2

# 320 px: the grid's default 160 px cell at a device pixel ratio of 2, and cells up to
# 320 px at 1; and COCO's 640 px originals at exactly 1/2 DCT scale, so most COCO
# thumbnails are decoded straight to size, without resampling. Quality 75 keeps them
# about 14 KB; the browser's downscaling on 1x screens hides its artifacts.
THUMBNAIL_SIDE = 320
THUMBNAIL_QUALITY = 75
PREVIEW_SIDE = 1024
PREVIEW_MIN_SIDE = 800
PREVIEW_QUALITY = 85
# Zooming into a preview loads the original at up to this long side (a 4K frame fits).
FULL_RESOLUTION_SIDE = 4096

Kind = Literal["thumbnail", "preview", "region"]


@dataclass(frozen=True, slots=True)
class RenderSpec:
    """What to render: ``kind``, long side, JPEG quality, region, pixel limit.

    The long side is ``max_side``, or anything down to ``min_side`` (default: exactly
    ``max_side``) if a coarser JPEG decode scale gives that without resampling; never
    more than the original's.
    """

    kind: Kind
    max_side: int
    quality: int
    box: Box | None = None
    max_pixels: int = DEFAULT_MAX_PIXELS
    min_side: int | None = None

    def __post_init__(self) -> None:
        if self.kind not in ("thumbnail", "preview", "region"):
            raise ValueError(f"unknown rendering kind {self.kind!r}")
        if self.max_side < 1:
            raise ValueError(f"max_side must be at least 1, not {self.max_side}")
        if self.min_side is not None and not 1 <= self.min_side <= self.max_side:
            raise ValueError(f"min_side must be within 1..max_side, not {self.min_side}")
        if not 1 <= self.quality <= 100:
            raise ValueError(f"quality must be within 1..100, not {self.quality}")
        if self.max_pixels < 1:
            raise ValueError(f"max_pixels must be at least 1, not {self.max_pixels}")
        if (self.kind == "region") != (self.box is not None):
            raise ValueError("a box is required for a region, and only for a region")
        if self.box is not None:
            left, top, right, bottom = self.box
            if right <= left or bottom <= top:
                raise ValueError(f"box {self.box} is empty: need left < right and top < bottom")

    @property
    def least_side(self) -> int:
        return self.max_side if self.min_side is None else self.min_side

    @property
    def cache_key(self) -> str:
        """Text naming the output exactly, for cache keys (includes the renderer version)."""
        box = ",".join(map(str, self.box)) if self.box else "-"
        return (
            f"v{RENDERER_VERSION}:{self.kind}:jpeg:side={self.least_side}-{self.max_side}"
            f":q={self.quality}"
            f":box={box}:limit={self.max_pixels}"
        )


@dataclass(frozen=True, slots=True)
class Thumbnail:
    """A rendered image (thumbnail, preview or region), or the reason there is none.

    ``width``/``height`` are the encoded image's; ``original_width``/``original_height``
    the full image's after EXIF orientation (0 if unknown); ``region`` the part of the
    oriented original shown, as ``(left, top, right, bottom)``, so overlays can be
    mapped onto it. ``statistics`` is set for thumbnails only. ``file`` identifies the
    file version read (``None`` if it could not be opened).
    """

    data: bytes | None
    width: int
    height: int
    original_width: int
    original_height: int
    region: Box | None
    statistics: PixelStatistics | None
    error: str | None
    file: FileIdentity | None
    mime: str = "image/jpeg"

    @property
    def ok(self) -> bool:
        return self.error is None

    @classmethod
    def failed(
        cls,
        reason: str,
        file: FileIdentity | None = None,
        original_size: tuple[int, int] | None = None,
    ) -> Thumbnail:
        width, height = original_size or (0, 0)
        return cls(None, 0, 0, width, height, None, None, reason, file)


def render_thumbnail(
    path: str | os.PathLike[str],
    max_side: int = THUMBNAIL_SIDE,
    quality: int = THUMBNAIL_QUALITY,
    *,
    max_pixels: int = DEFAULT_MAX_PIXELS,
) -> Thumbnail:
    """A thumbnail of ``path`` with its pixel statistics; never raises for a bad file."""
    return render_file(path, RenderSpec("thumbnail", max_side, quality, max_pixels=max_pixels))


def render_preview(
    path: str | os.PathLike[str],
    max_side: int = PREVIEW_SIDE,
    quality: int = PREVIEW_QUALITY,
    *,
    min_side: int = PREVIEW_MIN_SIDE,
    max_pixels: int = DEFAULT_MAX_PIXELS,
) -> Thumbnail:
    """A hover-zoom preview, long side within ``min_side..max_side`` (or the original's)."""
    spec = RenderSpec(
        "preview", max_side, quality, max_pixels=max_pixels, min_side=min(min_side, max_side)
    )
    return render_file(path, spec)


def render_region(
    path: str | os.PathLike[str],
    box: tuple[float, float, float, float],
    max_side: int = PREVIEW_SIDE,
    quality: int = PREVIEW_QUALITY,
    *,
    min_side: int = PREVIEW_MIN_SIDE,
    max_pixels: int = DEFAULT_MAX_PIXELS,
) -> Thumbnail:
    """``box`` (oriented original pixels, clamped to the image) at up to full resolution,
    long side within ``min_side..max_side`` like a preview.

    Raises ``ValueError`` for an empty box (a caller's mistake, not a file's).
    """
    spec = RenderSpec(
        "region",
        max_side,
        quality,
        box=enclosing_box(box),
        max_pixels=max_pixels,
        min_side=min(min_side, max_side),
    )
    return render_file(path, spec)


def enclosing_box(box: tuple[float, float, float, float]) -> Box:
    """The whole-pixel box containing ``box``, so a fractional zoom box is fully shown."""
    left, top, right, bottom = box
    return math.floor(left), math.floor(top), math.ceil(right), math.ceil(bottom)


def compute_pixel_statistics(
    path: str | os.PathLike[str], *, max_pixels: int = DEFAULT_MAX_PIXELS
) -> PixelStatistics:
    """The pixel statistics of ``path``; raises :class:`ImageDecodeError` with a reason."""
    file, _identity = open_image_file(path)
    with file:
        decoded = decode_image(file, ANALYSIS_SIDE, max_pixels=max_pixels)
    return measure_pixels(decoded)


def render_file(path: str | os.PathLike[str], spec: RenderSpec) -> Thumbnail:
    """Open ``path`` and :func:`render` it; never raises for a bad file."""
    try:
        file, identity = open_image_file(path)
    except ImageDecodeError as error:
        return Thumbnail.failed(error.reason)
    with file:
        return render(file, identity, spec)


def render_files(paths: list[str], spec: RenderSpec) -> list[Thumbnail]:
    """:func:`render_file` for each of ``paths``: one task for a worker process carries a
    few files, which halves the executor's per-task cost (pickling, queue hand-offs)."""
    return [render_file(path, spec) for path in paths]


def render(file: BinaryIO, identity: FileIdentity | None, spec: RenderSpec) -> Thumbnail:
    """Render an open image file; never raises for a bad file."""
    try:
        return _render(file, identity, spec)
    except ImageDecodeError as error:
        return Thumbnail.failed(error.reason, identity, error.original_size)
    except MemoryError:
        return Thumbnail.failed("out of memory while decoding", identity)
    except Exception as error:
        # Pillow's format plugins fail on malformed input in many undocumented ways
        # (struct.error, IndexError, ZeroDivisionError, ...); a bad file must still only
        # give a placeholder.
        return Thumbnail.failed(f"cannot decode ({type(error).__name__}: {error})", identity)


def _render(file: BinaryIO, identity: FileIdentity | None, spec: RenderSpec) -> Thumbnail:
    with_statistics = spec.kind == "thumbnail"
    # Statistics need the image at ANALYSIS_SIDE at least, whatever the thumbnail's size.
    decode_side = max(spec.least_side, ANALYSIS_SIDE) if with_statistics else spec.least_side
    decoded = decode_image(file, decode_side, box=spec.box, max_pixels=spec.max_pixels)
    # As decoded, if that is already within least_side..max_side: no resampling.
    target = min(spec.max_side, max(spec.least_side, math.floor(decoded.decoded_long_side)))
    shown = decoded.resample(target)
    statistics = measure_pixels(decoded) if with_statistics else None
    original_width, original_height = decoded.original_size
    return Thumbnail(
        data=_encode_jpeg(shown, spec.quality),
        width=shown.width,
        height=shown.height,
        original_width=original_width,
        original_height=original_height,
        region=decoded.region,
        statistics=statistics,
        error=None,
        file=identity,
    )


def _encode_jpeg(image: Image.Image, quality: int) -> bytes:
    # Pillow holds the GIL for a whole encode into a BytesIO, but releases it when the
    # target has a file descriptor (its encode_to_file). Encoding into a per-thread scratch
    # file in memory lets encoder threads run in parallel.
    scratch = _scratch_file()
    scratch.seek(0)
    scratch.truncate()
    image.save(scratch, "JPEG", quality=quality)
    return os.pread(scratch.fileno(), scratch.tell(), 0)


class _ScratchFile:
    """An in-memory file (memfd on Linux, else an unlinked temporary file)."""

    def __init__(self) -> None:
        if hasattr(os, "memfd_create"):
            descriptor = os.memfd_create("cocowidget-encode", os.MFD_CLOEXEC)
        else:
            with tempfile.TemporaryFile() as temporary:
                descriptor = os.dup(temporary.fileno())
        self.file = io.FileIO(descriptor, "w+")

    def __del__(self) -> None:
        self.file.close()  # when its thread ends


_scratch = threading.local()


def _scratch_file() -> io.FileIO:
    holder: _ScratchFile | None = getattr(_scratch, "holder", None)
    if holder is None:
        holder = _scratch.holder = _ScratchFile()
    return holder.file

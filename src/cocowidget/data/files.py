"""Image files: safe path resolution and the one-read inspection behind file checks.

:func:`inspect_image_file` reads a file once: the bytes give the content hash, the header
gives the stored size and EXIF orientation, and one small decode (by
:mod:`cocowidget.media`, so truncated or corrupt files are judged exactly as the grid
judges them) gives the pixel statistics used for near-black and constant images.
"""

from __future__ import annotations

import hashlib
import io
import os
from dataclasses import dataclass
from pathlib import Path

from PIL import Image

from cocowidget.media import ImageDecodeError, UnsafePathError, resolve_image_path
from cocowidget.media.decode import SWAPS_AXES, decode_image, exif_orientation, open_image_file
from cocowidget.media.statistics import ANALYSIS_SIDE, measure_pixels


def unsafe_file_name_reason(file_name: str) -> str | None:
    """Why a ``file_name`` may not be read relative to an image directory, judged from
    the name alone (absolute, climbing out with ``..``, empty, NUL byte), or None."""
    if not file_name:
        return "the file name is empty"
    if "\x00" in file_name:
        return "the file name contains a NUL byte"
    normalized = file_name.replace("\\", "/")
    if normalized.startswith("/") or (len(normalized) > 1 and normalized[1] == ":"):
        return f"the file name {file_name!r} is absolute"
    depth = 0
    for part in normalized.split("/"):
        if part == "..":
            depth -= 1
            if depth < 0:
                return f"the file name {file_name!r} climbs out of the image directory"
        elif part not in ("", "."):
            depth += 1
    return None


def resolve(image_dir: Path, file_name: str, allow_outside: bool) -> Path | None:
    """The file's path inside ``image_dir``, or None where reading it would be unsafe."""
    if not allow_outside and unsafe_file_name_reason(file_name) is not None:
        return None
    try:
        return resolve_image_path(image_dir, file_name, allow_outside=allow_outside)
    except UnsafePathError:
        return None


@dataclass(frozen=True, slots=True)
class FileReport:
    """What one image file turned out to be. ``failure`` is None for a good file, else
    (kind, reason) with kind one of missing_file, unreadable_file, truncated_file."""

    file_size: int = -1
    failure: tuple[str, str] | None = None
    stored_size: tuple[int, int] | None = None  # width, height of the stored pixels
    orientation: int = 1
    digest: str = ""
    brightness: float = float("nan")
    contrast: float = float("nan")
    sharpness: float = float("nan")

    @property
    def displayed_size(self) -> tuple[int, int] | None:
        if self.stored_size is None:
            return None
        width, height = self.stored_size
        return (height, width) if self.orientation in SWAPS_AXES else (width, height)


def inspect_image_file(path: str | os.PathLike[str]) -> FileReport:
    try:
        file, identity = open_image_file(path)
    except ImageDecodeError as error:
        kind = "missing_file" if error.reason == "file not found" else "unreadable_file"
        try:
            size = Path(path).stat().st_size
        except OSError:
            size = -1
        return FileReport(size, failure=(kind, error.reason))
    with file:
        try:
            data = file.read()
        except OSError as error:
            return FileReport(identity.size, ("unreadable_file", f"cannot read file ({error})"))
    digest = hashlib.blake2b(data, digest_size=16).hexdigest()
    try:
        with Image.open(io.BytesIO(data)) as header:
            stored_size = header.size
            orientation = exif_orientation(header)
    except Exception:  # any header failure is reported by the decode below
        stored_size, orientation = None, 1
    try:
        decoded = decode_image(io.BytesIO(data), ANALYSIS_SIDE)
    except ImageDecodeError as error:
        kind = "truncated_file" if "truncated" in error.reason else "unreadable_file"
        return FileReport(len(data), (kind, error.reason), stored_size, orientation, digest)
    pixels = measure_pixels(decoded)
    return FileReport(
        len(data),
        None,
        stored_size,
        orientation,
        digest,
        pixels.brightness,
        pixels.contrast,
        pixels.sharpness,
    )

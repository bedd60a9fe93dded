"""Deliberately problematic image files, for quality checks and the thumbnail pipeline.

With `broken_images=True` these images follow the normal ones, listed in the instances
JSON like any other image (with annotations from their scene). Each is a rendered scene
written in an unusual or damaged way.

EXIF orientation: the `exif_rotated` file stores its pixels rotated (portrait for a
landscape scene) with orientation tag 6, so a viewer must rotate it 90° clockwise. Its
JSON width/height and annotations are those of the displayed, upright image, which is
what annotation tools show people and what COCO tools assume. A viewer that ignores the
tag sees transposed dimensions and misaligned overlays.
"""

from __future__ import annotations

import io
from typing import Any

import numpy as np
from PIL import Image

JPEG_QUALITY = 85

# Order matters: image n_images + k is of kind SPECIAL_KINDS[k].
SPECIAL_KINDS: tuple[str, ...] = (
    "truncated_jpeg",  # cut off mid-scan: decoders raise or give a grey bottom
    "zero_byte",  # an empty file
    "missing_file",  # listed in the JSON, absent from disk
    "size_mismatch",  # the file is half the width/height the JSON says
    "near_black",  # valid, but almost all pixels are close to 0
    "duplicate",  # the same bytes as the dataset's first image, another name and id
    "grayscale_jpeg",  # mode L
    "rgba_png",  # mode RGBA, transparent towards the corners
    "palette_png",  # mode P, 64 colours
    "gray16_png",  # mode I;16, 16-bit grayscale
    "cmyk_jpeg",  # mode CMYK (Adobe JPEG)
    "exif_rotated",  # stored rotated, EXIF orientation 6
)
EXTENSIONS = {"rgba_png": ".png", "palette_png": ".png", "gray16_png": ".png"}
# A detector could not have run on these, so they get no predictions.
UNREADABLE = frozenset({"truncated_jpeg", "zero_byte", "missing_file"})
EXIF_ORIENTATION_TAG = 0x0112


def encode_jpeg(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=JPEG_QUALITY)
    return buffer.getvalue()


def _encode(image: Image.Image, fmt: str, **options: Any) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, fmt, **options)
    return buffer.getvalue()


def write_special(kind: str, image: Image.Image) -> tuple[bytes | None, dict[str, Any]]:
    """The file's bytes (None: no file at all) and what the manifest says about it."""
    width, height = image.size
    if kind == "truncated_jpeg":
        full = encode_jpeg(image)
        kept = len(full) * 6 // 10
        return full[:kept], {"bytes_kept": kept, "bytes_full": len(full)}
    if kind == "zero_byte":
        return b"", {}
    if kind == "missing_file":
        return None, {}
    if kind == "size_mismatch":
        small = image.resize((max(1, width // 2), max(1, height // 2)), Image.Resampling.BILINEAR)
        return encode_jpeg(small), {"json_size": [width, height], "file_size": list(small.size)}
    if kind == "near_black":
        dark = image.point(lambda v: v // 24)
        return encode_jpeg(dark), {"max_value": int(np.asarray(dark).max())}
    if kind == "duplicate":
        return encode_jpeg(image), {}  # the caller adds which image it duplicates
    if kind == "grayscale_jpeg":
        return encode_jpeg(image.convert("L")), {"mode": "L"}
    if kind == "rgba_png":
        return _encode(_with_vignette_alpha(image), "PNG"), {"mode": "RGBA"}
    if kind == "palette_png":
        palette = image.quantize(colors=64, method=Image.Quantize.MEDIANCUT)
        return _encode(palette, "PNG"), {"mode": "P"}
    if kind == "gray16_png":
        wide = np.asarray(image.convert("L"), dtype=np.uint16) * np.uint16(257)
        gray = Image.fromarray(wide)  # uint16 → mode I;16
        return _encode(gray, "PNG"), {"mode": "I;16"}
    if kind == "cmyk_jpeg":
        return _encode(image.convert("CMYK"), "JPEG", quality=JPEG_QUALITY), {"mode": "CMYK"}
    if kind == "exif_rotated":
        exif = Image.Exif()
        exif[EXIF_ORIENTATION_TAG] = 6
        # Orientation 6 means "rotate 90° clockwise to display", so store it rotated 90°
        # counter-clockwise.
        stored = image.transpose(Image.Transpose.ROTATE_90)
        data = _encode(stored, "JPEG", quality=JPEG_QUALITY, exif=exif.tobytes())
        return data, {
            "orientation": 6,
            "stored_size": list(stored.size),
            "json_size": [width, height],
        }
    raise ValueError(f"unknown special image kind {kind!r}")


def _with_vignette_alpha(image: Image.Image) -> Image.Image:
    """Opaque in the middle, fading to transparent in the corners."""
    width, height = image.size
    gradient = Image.radial_gradient("L").resize((width, height))  # 0 centre, 255 edges
    alpha = gradient.point(lambda v: max(0, 255 - max(0, v - 128) * 2))
    rgba = image.convert("RGBA")
    rgba.putalpha(alpha)
    return rgba

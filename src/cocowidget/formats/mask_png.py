"""Mask PNGs of a segmentation folder: each pixel's class, or why a PNG gives none.

Three layouts (:class:`MaskLayout`):

- **index**: an 8-bit greyscale or palette PNG whose value is the class (0 background);
  ``ignore`` (e.g. 255, VOC's border) marks pixels that count for nothing;
- **binary**: the index layout of a one-class dataset, whose masks may also be 0/255
  (255 is then the class too, unless it is the ignore value), or 1-bit;
- **palette**: an RGB(A) or palette PNG whose colour is the class (``(0, 0, 0)``
  background unless the palette names it).

:func:`read_classes` gives a ``(height, width)`` int16 map of category ids (0 background,
:data:`IGNORED` for ignored pixels and for values the layout does not know, which it
counts), or a :class:`~cocowidget.formats.panoptic_png.PngTrouble`.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import numpy.typing as npt
from PIL import Image, UnidentifiedImageError

from cocowidget.formats.panoptic_png import PngTrouble, read_png_bytes

#: A pixel that counts for nothing: the ignore value, or one the layout does not know.
IGNORED = -1
BACKGROUND = 0
_UNKNOWN = -2
_COLOUR_TYPES = {0: "greyscale", 2: "RGB", 3: "palette", 4: "greyscale + alpha", 6: "RGBA"}
Colour = tuple[int, int, int]
ClassMap = npt.NDArray[np.int16]


@dataclass(frozen=True)
class MaskLayout:
    """How a folder's masks say the class of a pixel."""

    #: Category id -> class name, in the order given.
    names: dict[int, str]
    #: Index layout: mask value -> category id (empty for the palette layout).
    values: dict[int, int] = field(default_factory=dict)
    #: Palette layout: RGB colour -> category id.
    palette: dict[Colour, int] | None = None
    ignore: int | Colour | None = None
    #: 4 (edges) or 8 (edges and corners): which pixels make one connected component.
    connectivity: int = 4

    @property
    def kind(self) -> str:
        return "palette" if self.palette is not None else "index"


@dataclass(frozen=True)
class ReadMask:
    classes: ClassMap
    #: Values (index) or colours (palette) the layout does not know: value -> pixels.
    unknown: dict[int | Colour, int]


def read_classes(path: Path, layout: MaskLayout) -> ReadMask | PngTrouble:
    """The category id of every pixel of the mask PNG at ``path``, or why there is none."""
    read = read_png_bytes(path, "mask PNG")
    if isinstance(read, PngTrouble):
        return read
    data, bit_depth, colour_type = read
    if bit_depth == 16:
        return PngTrouble(
            "png_16_bit",
            f"{path.name} has 16 bits per sample; mask PNGs have 8 (save as mode 'L' or 'P')",
        )
    mode = _COLOUR_TYPES.get(colour_type, f"colour type {colour_type}")
    if layout.palette is None:
        greyscale = colour_type == 0 and bit_depth in (1, 8)
        if not (greyscale or colour_type == 3):
            return PngTrouble(
                "png_mode",
                f"{path.name} is {mode} ({bit_depth}-bit); index masks are 8-bit greyscale "
                "or palette PNGs whose value is the class (pass palette= for colour masks)",
            )
    elif colour_type not in (2, 3, 6):
        return PngTrouble(
            "png_mode",
            f"{path.name} is {mode} ({bit_depth}-bit); colour masks are RGB, RGBA or palette "
            "PNGs (leave out palette= for index masks)",
        )
    try:
        with Image.open(io.BytesIO(data)) as image:
            if layout.palette is not None:
                pixels = np.asarray(image.convert("RGB"))
            elif image.mode == "1":
                pixels = np.asarray(image, dtype=np.uint8) * np.uint8(255)
            else:
                pixels = np.asarray(image)
    except (OSError, UnidentifiedImageError, ValueError, SyntaxError) as error:
        return PngTrouble("unreadable_png", f"{path.name} cannot be decoded ({error})")
    if layout.palette is not None:
        return _colour_classes(pixels, layout)
    return _index_classes(pixels, layout)


def value_table(layout: MaskLayout) -> npt.NDArray[np.int16]:
    """Category id of each 8-bit value (:data:`IGNORED` for the ignore value)."""
    table = np.full(256, _UNKNOWN, dtype=np.int16)
    table[0] = BACKGROUND
    if len(layout.names) == 1:
        table[255] = next(iter(layout.names))  # a binary 0/255 mask
    for value, category_id in layout.values.items():
        table[value] = category_id
    if isinstance(layout.ignore, int):
        table[layout.ignore] = IGNORED
    return table


def _index_classes(pixels: np.ndarray, layout: MaskLayout) -> ReadMask:
    table = value_table(layout)
    values = pixels.astype(np.uint8, copy=False)
    present = np.flatnonzero(np.bincount(values.ravel(), minlength=256))
    unknown: dict[int | Colour, int] = {}
    if (table[present] == _UNKNOWN).any():
        counts = np.bincount(values.ravel(), minlength=256)
        unknown = {int(v): int(counts[v]) for v in present if table[v] == _UNKNOWN}
        table = np.where(table == _UNKNOWN, IGNORED, table).astype(np.int16)
    return ReadMask(table[values], unknown)


def _colour_classes(pixels: np.ndarray, layout: MaskLayout) -> ReadMask:
    assert layout.palette is not None
    rgb = pixels.astype(np.uint32)
    codes = (rgb[..., 0] << 16) | (rgb[..., 1] << 8) | rgb[..., 2]
    found, inverse, counts = np.unique(codes.ravel(), return_inverse=True, return_counts=True)
    by_code = {(r << 16) | (g << 8) | b: c for (r, g, b), c in layout.palette.items()}
    by_code.setdefault(0, BACKGROUND)
    if isinstance(layout.ignore, tuple):
        r, g, b = layout.ignore
        by_code[(r << 16) | (g << 8) | b] = IGNORED
    ids = np.array([by_code.get(int(code), IGNORED) for code in found], dtype=np.int16)
    unknown: dict[int | Colour, int] = {
        _colour(int(code)): int(count)
        for code, count in zip(found.tolist(), counts.tolist(), strict=True)
        if int(code) not in by_code
    }
    return ReadMask(ids[inverse].reshape(codes.shape), unknown)


def _colour(code: int) -> Colour:
    return (code >> 16) & 255, (code >> 8) & 255, code & 255

"""COCO panoptic PNGs: segment ids per pixel, and each segment's pixels in one scan.

A panoptic PNG colours every pixel with its segment's id as ``R + 256·G + 256²·B``
(0 is void). :func:`read_ids` decodes one into a ``(height, width)`` uint32 id map, or
says why it cannot (missing, unreadable, not 8-bit RGB). :func:`scan_segments` reads
every segment of an id map from its runs in column-major order (the order COCO's RLE
uses), so areas, boxes and RLE counts come from a few thousand runs rather than from one
full-size mask per segment.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt
from PIL import Image, UnidentifiedImageError

VOID = 0
_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_COLOUR_TYPES = {0: "greyscale", 2: "RGB", 3: "palette", 4: "greyscale + alpha", 6: "RGBA"}
#: Colour types whose first three channels are R, G, B, read as the reference reads them
#: (``np.array(Image.open(path))[..., :3]``; an alpha channel is ignored).
_RGB_TYPES = (2, 6)

IdMap = npt.NDArray[np.uint32]


@dataclass(frozen=True)
class PngTrouble:
    """Why a PNG gives no id map: ``kind`` is a problem kind, ``reason`` says what."""

    kind: str  # "missing_png", "unreadable_png", "png_mode", "png_16_bit"
    reason: str


@dataclass(frozen=True)
class PngIds:
    ids: IdMap
    #: The PNG has an alpha channel (ignored, as the reference ignores it).
    alpha: bool = False


def read_png_bytes(path: Path, what: str) -> tuple[bytes, int, int] | PngTrouble:
    """The file's bytes with its bit depth and colour type, read once, or why not (a
    missing file, an unreadable one, not a PNG); ``what`` names it in the message."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return PngTrouble("missing_png", f"no {what} at {path}")
    except OSError as error:
        return PngTrouble("unreadable_png", f"{path} cannot be read ({error.strerror or error})")
    header = png_header(data)
    if header is None:
        return PngTrouble("unreadable_png", f"{path.name} is not a PNG file")
    return data, header[0], header[1]


def read_ids(path: Path) -> PngIds | PngTrouble:
    """The id map of the PNG at ``path``, or why there is none."""
    read = read_png_bytes(path, "PNG")
    if isinstance(read, PngTrouble):
        return read
    data, bit_depth, colour_type = read
    if bit_depth == 16:
        # Pillow reads a 16-bit RGB PNG as 8-bit RGB (keeping the high bytes), which
        # would give every segment a wrong id: refuse it rather than guess.
        return PngTrouble(
            "png_16_bit", f"{path.name} has 16 bits per channel; panoptic PNGs have 8"
        )
    if colour_type not in _RGB_TYPES or bit_depth != 8:
        mode = _COLOUR_TYPES.get(colour_type, f"colour type {colour_type}")
        return PngTrouble(
            "png_mode",
            f"{path.name} is {mode} ({bit_depth}-bit); panoptic PNGs are 8-bit RGB "
            "(a segment id in R + 256·G + 256²·B)",
        )
    try:
        with Image.open(io.BytesIO(data)) as image:  # the bytes read above, not again
            rgbx = image.convert("RGBX")  # 4 bytes a pixel: a uint32 view, no arithmetic
            ids = np.asarray(rgbx).view("<u4")[..., 0] & np.uint32(0xFFFFFF)
    except (OSError, UnidentifiedImageError, ValueError, SyntaxError) as error:
        return PngTrouble("unreadable_png", f"{path.name} cannot be decoded ({error})")
    return PngIds(np.ascontiguousarray(ids, dtype=np.uint32), alpha=colour_type == 6)


def png_header(data: bytes) -> tuple[int, int] | None:
    """(bit depth, colour type) from the IHDR chunk, which a PNG must start with."""
    if len(data) < 26 or not data.startswith(_PNG_SIGNATURE) or data[12:16] != b"IHDR":
        return None
    return data[24], data[25]


def rgb_to_id(rgb: npt.NDArray[np.uint8]) -> IdMap:
    """Ids of an ``(..., 3)`` RGB array (panopticapi's ``rgb2id``)."""
    channels = rgb.astype(np.uint32)
    ids: IdMap = channels[..., 0] + 256 * channels[..., 1] + 65536 * channels[..., 2]
    return ids


def id_to_rgb(ids: npt.ArrayLike) -> npt.NDArray[np.uint8]:
    """RGB of ids (panopticapi's ``id2rgb``), for writing panoptic PNGs."""
    values = np.asarray(ids, dtype=np.uint32)
    rgb = np.empty((*values.shape, 3), dtype=np.uint8)
    for channel in range(3):
        rgb[..., channel] = (values >> np.uint32(8 * channel)) & np.uint32(255)
    return rgb


@dataclass(frozen=True)
class SegmentScan:
    """Every id of an id map (void included) with its pixels, in increasing id order."""

    height: int
    width: int
    ids: npt.NDArray[np.uint32]
    areas: npt.NDArray[np.int64]
    #: ``(N, 4)`` pixel-inclusive boxes ``x, y, w, h`` (as COCO's panoptic converters
    #: and ``pycocotools.mask.toBbox`` give them).
    bboxes: npt.NDArray[np.int64]
    #: RLE counts (zeros first, column-major) of id ``i``: ``counts[starts[i]:starts[i+1]]``.
    counts: npt.NDArray[np.int64]
    starts: npt.NDArray[np.int64]

    def index(self, segment_ids: npt.ArrayLike) -> npt.NDArray[np.int64]:
        """Position of each id in :attr:`ids`, -1 where the map has no such pixel."""
        wanted = np.asarray(segment_ids, dtype=np.int64)
        position = np.searchsorted(self.ids, wanted).astype(np.int64)
        position = np.minimum(position, max(len(self.ids) - 1, 0))
        found = (self.ids[position] == wanted) if len(self.ids) else np.zeros(wanted.shape, bool)
        return np.where(found, position, -1)

    def rle_counts(self, position: int) -> list[int]:
        """Uncompressed RLE counts of the id at ``position`` (summing to h·w), as
        ``pycocotools.mask.encode`` counts them."""
        counts: list[int] = self.counts[self.starts[position] : self.starts[position + 1]].tolist()
        return counts


def scan_segments(ids: IdMap) -> SegmentScan:
    """Area, box and RLE of every id in ``ids``, from its column-major runs."""
    height, width = ids.shape
    flat = np.ascontiguousarray(ids.T).ravel()
    n = flat.size
    if n == 0:
        empty = np.zeros(0, dtype=np.int64)
        return SegmentScan(
            height, width, np.zeros(0, np.uint32), empty, np.zeros((0, 4), np.int64), empty,
            np.zeros(1, np.int64),
        )  # fmt: skip
    change = np.flatnonzero(flat[1:] != flat[:-1]) + 1
    run_starts = np.concatenate(([0], change)).astype(np.int64)
    run_ends = np.concatenate((change, [n])).astype(np.int64)
    labels = flat[run_starts]
    # Runs grouped by id, each group in pixel order (a stable sort keeps it).
    order = np.argsort(labels, kind="stable")
    labels, run_starts, run_ends = labels[order], run_starts[order], run_ends[order]
    first = np.flatnonzero(np.concatenate(([True], labels[1:] != labels[:-1])))
    last = np.concatenate((first[1:], [len(labels)])) - 1
    lengths = run_ends - run_starts
    areas = np.add.reduceat(lengths, first)
    # A run may go on past the bottom of a column into the next one: it then covers
    # every row.
    x0, x1 = run_starts // height, (run_ends - 1) // height
    wraps = x0 != x1
    y0 = np.where(wraps, 0, run_starts % height)
    y1 = np.where(wraps, height - 1, (run_ends - 1) % height)
    left, right = x0[first], x1[last]
    top, bottom = np.minimum.reduceat(y0, first), np.maximum.reduceat(y1, first)
    bboxes = np.stack([left, top, right - left + 1, bottom - top + 1], axis=1)
    # RLE: for each id, the gap before each of its runs, the run, and the gap to the end.
    group = np.repeat(np.arange(len(first)), last - first + 1)
    previous_end = np.concatenate(([0], run_ends[:-1]))
    previous_end[first] = 0
    # (A final gap of 0 is left out, as pycocotools' own encoding leaves it out.)
    tail = n - run_ends[last]
    per_group = 2 * (last - first + 1) + (tail > 0)
    starts = np.zeros(len(first) + 1, dtype=np.int64)
    np.cumsum(per_group, out=starts[1:])
    counts = np.empty(int(starts[-1]), dtype=np.int64)
    slot = starts[group] + 2 * (np.arange(len(labels)) - first[group])
    counts[slot] = run_starts - previous_end
    counts[slot + 1] = lengths
    counts[(starts[1:] - 1)[tail > 0]] = tail[tail > 0]
    return SegmentScan(
        height, width, labels[first].astype(np.uint32), areas, bboxes, counts, starts
    )

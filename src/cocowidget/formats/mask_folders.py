"""A folder of images and a folder of their masks (semantic or binary segmentation) as a
dataset's tables.

Images and masks pair by file stem (``abc.jpg`` with ``abc.png``, or ``abc_mask.png``
with ``mask_suffix="_mask"``). Each class's connected components of a mask become
annotations (``iscrowd`` 0, area and box of the component, compressed RLE), so grids,
the explorer and evaluation treat them as instances; the class masks stay readable
(:func:`cocowidget.formats.mask_png.read_classes`, ``ds.class_mask``). Images gain
``mask_file``, ``has_mask``, ``coverage.<class>`` (the share of the image's pixels of
each class), ``coverage`` (all classes), ``coverage_class`` (bins of ``coverage``: 0
empty, ``i`` for ``((i-1)/bins, i/bins]``, as salt-segmentation kernels stratify their
folds; -1 without a mask), ``empty_mask`` and ``ignored_fraction``.

The components go through the instances reader (:func:`~cocowidget.data.assembly.read_parts`)
as an instances document; problems (a mask without an image and the reverse, a PNG of
another size, mode or depth, values the classes or palette do not know) name the file.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image, UnidentifiedImageError
from pycocotools import mask as mask_api

from cocowidget.data.assembly import read_parts
from cocowidget.data.json_bytes import Source
from cocowidget.data.problems import ERROR, WARNING, ProblemLog
from cocowidget.data.table import Table
from cocowidget.formats.mask_png import IGNORED, ClassMap, Colour, MaskLayout, read_classes
from cocowidget.formats.panoptic_png import PngTrouble, scan_segments
from cocowidget.progress import run_in_parallel

IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".bmp", ".tif", ".tiff", ".webp")
THREADS = 2
#: (category id, area, (x, y, w, h), compressed RLE counts) of a connected component.
Component = tuple[int, int, tuple[int, int, int, int], str]


@dataclass
class MaskScan:
    """One image's mask: what it holds, or why it gives nothing."""

    path: Path | None
    trouble: PngTrouble | None = None
    size: tuple[int, int] | None = None  # (height, width)
    pixels: dict[int, int] = field(default_factory=dict)  # category id -> pixels
    ignored: int = 0
    unknown: dict[int | Colour, int] = field(default_factory=dict)
    #: (category id, area, (x, y, w, h), compressed RLE counts) per component.
    components: list[Component] = field(default_factory=list)

    @property
    def usable(self) -> bool:
        return self.trouble is None and self.size is not None


def make_layout(
    classes: Sequence[str] | Mapping[int, str],
    palette: Mapping[tuple[int, int, int], str] | None,
    ignore: int | Sequence[int] | None,
    connectivity: int,
) -> MaskLayout:
    """The layout the arguments describe, checked (a ``ValueError`` says what is wrong)."""
    if isinstance(classes, Mapping):
        names = {int(value): str(name) for value, name in classes.items()}
    elif isinstance(classes, str) or not isinstance(classes, Sequence):
        raise TypeError("classes must be a list of class names or a dict {value: name}")
    else:
        names = {index + 1: str(name) for index, name in enumerate(classes)}
    if not names:
        raise ValueError("classes is empty: name at least one class")
    if len(set(names.values())) != len(names):
        raise ValueError(f"class names repeat: {list(names.values())}")
    if connectivity not in (4, 8):
        raise ValueError(f"connectivity must be 4 or 8, not {connectivity!r}")
    if palette is not None:
        by_name = {name: category_id for category_id, name in names.items()}
        colours: dict[Colour, int] = {}
        for colour, name in palette.items():
            rgb = tuple(int(c) for c in colour)
            if len(rgb) != 3 or not all(0 <= c <= 255 for c in rgb):
                raise ValueError(f"palette colour {colour!r} is not an RGB triple of 0-255")
            if name not in by_name:
                raise ValueError(f"palette names {name!r}, which is not one of the classes")
            colours[(rgb[0], rgb[1], rgb[2])] = by_name[name]
        ignored: int | Colour | None = None
        if ignore is not None:
            if isinstance(ignore, int) or len(ignore) != 3:
                raise ValueError("with a palette, ignore is an RGB colour such as (255, 255, 255)")
            ignored = (int(ignore[0]), int(ignore[1]), int(ignore[2]))
        return MaskLayout(names, {}, colours, ignored, connectivity)
    for value in names:
        if not 1 <= value <= 255:
            raise ValueError(f"class value {value} is outside 1-255 (0 is the background)")
    if ignore is not None and not isinstance(ignore, int):
        raise ValueError("without a palette, ignore is a mask value such as 255")
    if ignore is not None and (ignore in names or not 0 < ignore <= 255):
        raise ValueError(f"ignore value {ignore} is a class value, the background or not 8-bit")
    return MaskLayout(names, {v: v for v in names}, None, ignore, connectivity)


def pair_files(
    image_dir: Path, mask_dir: Path, mask_suffix: str, log: ProblemLog
) -> tuple[list[tuple[str, Path]], dict[str, Path]]:
    """Images (stem, path) in stem order, and the masks by the stem they belong to;
    a stem two files share is reported, the first (by name) kept."""
    images = _by_stem(
        (p for p in sorted(image_dir.iterdir()) if p.suffix.lower() in IMAGE_SUFFIXES),
        lambda p: p.stem,
        log,
        image_dir,
    )
    masks = _by_stem(
        (p for p in sorted(mask_dir.iterdir()) if p.suffix.lower() == ".png"),
        lambda p: p.stem[: len(p.stem) - len(mask_suffix)] if mask_suffix else p.stem,
        log,
        mask_dir,
        suffix=mask_suffix,
    )
    return sorted(images.items()), masks


def _by_stem(
    paths: Any, stem_of: Any, log: ProblemLog, folder: Path, suffix: str = ""
) -> dict[str, Path]:
    found: dict[str, Path] = {}
    for path in paths:
        if not path.is_file():
            continue
        if suffix and not path.stem.endswith(suffix):
            log.format_error(
                "mask_without_image",
                str(path),
                f"mask name does not end with mask_suffix {suffix!r}",
                "the mask was left out",
                severity=WARNING,
            )
            continue
        stem = stem_of(path)
        if stem in found:
            log.format_error(
                "ambiguous_stem",
                str(path),
                f"{found[stem].name} and {path.name} in {folder} share the stem {stem!r}",
                f"{found[stem].name} was used",
                severity=WARNING,
            )
            continue
        found[stem] = path
    return found


def image_size(path: Path) -> tuple[int, int] | None:
    """(height, width) from the image file's header, or None if it cannot be read."""
    try:
        with Image.open(path) as image:
            return image.height, image.width
    except (OSError, UnidentifiedImageError, ValueError):
        return None


def scan_mask(path: Path, size: tuple[int, int] | None, layout: MaskLayout) -> MaskScan:
    """Read one mask: its classes' pixels and connected components."""
    read = read_classes(path, layout)
    if isinstance(read, PngTrouble):
        return MaskScan(path, read)
    classes = read.classes
    shape = (int(classes.shape[0]), int(classes.shape[1]))
    scan = MaskScan(path, size=shape, unknown=read.unknown)
    if size is not None and size != shape:
        scan.trouble = PngTrouble(
            "png_size_mismatch",
            f"{path.name} is {shape[1]}x{shape[0]} but its image is {size[1]}x{size[0]}",
        )
        return scan
    counts = np.bincount((classes.ravel().astype(np.int64) - IGNORED), minlength=1)
    scan.ignored = int(counts[0])
    scan.pixels = {
        category_id: int(counts[category_id - IGNORED])
        if category_id - IGNORED < len(counts)
        else 0
        for category_id in layout.names
    }
    scan.components, _ = components(classes, layout)
    return scan


def components(classes: ClassMap, layout: MaskLayout) -> tuple[list[Component], np.ndarray]:
    """Each class's connected components (in class order, then scipy's label order:
    first pixel in row-major order), with area, box and compressed RLE; and the map of
    component numbers (1, 2, ...; 0 elsewhere)."""
    from scipy import ndimage  # the "masks" extra; only loading mask folders needs it

    structure = ndimage.generate_binary_structure(2, 1 if layout.connectivity == 4 else 2)
    ids = np.zeros(classes.shape, dtype=np.uint32)
    category_of: list[int] = []
    for category_id, pixels in _present(classes, layout):
        labels, n = ndimage.label(pixels, structure=structure)
        if n:
            ids[pixels] = labels[pixels].astype(np.uint32) + np.uint32(len(category_of))
            category_of.extend([category_id] * n)
    if not category_of:
        return [], ids
    segments = scan_segments(ids)
    shape = classes.shape
    positions = segments.index(np.arange(1, len(category_of) + 1)).tolist()
    uncompressed = [{"counts": segments.rle_counts(p), "size": list(shape)} for p in positions]
    rles = mask_api.frPyObjects(uncompressed, *shape)
    found = []
    for category_id, position, rle in zip(category_of, positions, rles, strict=True):
        x, y, w, h = (int(v) for v in segments.bboxes[position])
        found.append(
            (category_id, int(segments.areas[position]), (x, y, w, h), rle["counts"].decode())
        )
    return found, ids


def _present(classes: ClassMap, layout: MaskLayout) -> list[tuple[int, np.ndarray]]:
    return [
        (category_id, pixels)
        for category_id in layout.names
        if (pixels := classes == category_id).any()
    ]


def scan_masks(
    masks: Sequence[Path | None], sizes: Sequence[tuple[int, int] | None], layout: MaskLayout
) -> list[MaskScan]:
    """:func:`scan_mask` of each (``None``: no mask), in order, on :data:`THREADS` threads."""
    work = list(zip(masks, sizes, strict=True))

    def scan_batch(batch: list[tuple[Path | None, tuple[int, int] | None]]) -> list[MaskScan]:
        return [MaskScan(None) if p is None else scan_mask(p, s, layout) for p, s in batch]

    if len(work) < 8:
        return scan_batch(work)
    with ThreadPoolExecutor(THREADS, thread_name_prefix="cocowidget-mask") as executor:
        return run_in_parallel(scan_batch, work, executor, "Reading masks", batch=16)


def report_unknown(scan: MaskScan, layout: MaskLayout, log: ProblemLog, image_id: int) -> None:
    """Values (or colours) the layout does not know: counted as ignored, reported once."""
    if not scan.unknown or scan.path is None:
        return
    what = "colours not in the palette" if layout.kind == "palette" else "values not in the classes"
    listed = ", ".join(f"{value} ({pixels} px)" for value, pixels in list(scan.unknown.items())[:8])
    more = f" and {len(scan.unknown) - 8} more" if len(scan.unknown) > 8 else ""
    log.format_error(
        "mask_value_unknown",
        str(scan.path),
        f"{scan.path.name} has {what}: {listed}{more}",
        "those pixels count as ignored",
        severity=WARNING,
        image_id=image_id,
    )


def read_mask_folder_parts(
    image_dir: Path,
    mask_dir: Path,
    layout: MaskLayout,
    *,
    mask_suffix: str,
    coverage_bins: int,
    strict: bool,
) -> dict[str, Any]:
    """The keyword arguments of :class:`~cocowidget.data.dataset.CocoData` for an image
    folder and its mask folder."""
    for folder, what in ((image_dir, "images"), (mask_dir, "masks")):
        if not folder.is_dir():
            raise NotADirectoryError(f"no folder of {what} at {folder}")
    log = ProblemLog("", strict=strict)  # each problem names its file
    images, masks = pair_files(image_dir, mask_dir, mask_suffix, log)
    image_stems = {stem for stem, _ in images}
    for stem, path in sorted(masks.items()):
        if stem not in image_stems:
            log.format_error(
                "mask_without_image",
                str(path),
                f"{path.name} has no image {stem}.* in {image_dir}",
                "the mask was left out",
                severity=WARNING,
            )
    sizes = [image_size(path) for _, path in images]
    mask_paths = [masks.get(stem) for stem, _ in images]
    scans = scan_masks(mask_paths, sizes, layout)
    records: list[dict[str, Any]] = []
    annotations: list[dict[str, Any]] = []
    for image_id, ((stem, path), size, scan) in enumerate(
        zip(images, sizes, scans, strict=True), 1
    ):
        height, width = size or scan.size or (0, 0)
        file_name = path.relative_to(image_dir).as_posix()
        records.append({"id": image_id, "file_name": file_name, "width": width, "height": height})
        if scan.path is None:
            log.format_error(
                "image_without_mask",
                str(path),
                f"{path.name} has no mask {stem}{mask_suffix}.png in {mask_dir}",
                "the image is kept without labels (coverage NaN)",
                severity=WARNING,
                image_id=image_id,
            )
        elif scan.trouble is not None:
            log.format_error(
                scan.trouble.kind,
                str(scan.path),
                scan.trouble.reason,
                "the image is kept without labels (coverage NaN)",
                severity=ERROR,
                image_id=image_id,
            )
        report_unknown(scan, layout, log, image_id)
        if not scan.usable:
            continue
        for category_id, area, bbox, counts in scan.components:
            annotations.append(
                {
                    "id": len(annotations) + 1,
                    "image_id": image_id,
                    "category_id": category_id,
                    "iscrowd": 0,
                    "area": float(area),
                    "bbox": [float(v) for v in bbox],
                    "segmentation": {"size": [height, width], "counts": counts},
                }
            )
    categories = [
        {"id": category_id, "name": name, "supercategory": ""}
        for category_id, name in layout.names.items()
    ]
    document = {"images": records, "annotations": annotations, "categories": categories}
    parts = read_parts(
        Source(str(mask_dir), python=document),
        image_dir,
        strict=strict,
        allow_outside_image_dir=False,
    )
    parts["load_problems"] = log.problems + parts["load_problems"]
    add_coverage_columns(parts["images"], scans, layout, coverage_bins)
    add_layout_columns(parts["categories"], layout)
    return parts


def coverage_class(coverage: np.ndarray, bins: int) -> np.ndarray:
    """0 for an empty mask, ``i`` for coverage in ``((i-1)/bins, i/bins]``, -1 for NaN
    (the salt kernels' ``cov_to_class``: the least ``i`` with ``coverage·bins <= i``)."""
    classes = np.full(coverage.shape, -1, dtype=np.int64)
    known = np.isfinite(coverage)
    classes[known] = np.ceil(coverage[known] * bins).astype(np.int64)
    return classes


def add_coverage_columns(
    images: Table, scans: Sequence[MaskScan], layout: MaskLayout, bins: int
) -> None:
    """The coverage columns, by image row (images ids are 1..N in scan order)."""
    n = len(images)
    rows = images["id"].astype(np.int64) - 1
    shares = {c: np.full(n, np.nan) for c in layout.names}
    ignored = np.full(n, np.nan)
    paths = np.full(n, None, dtype=object)
    for row, image_index in enumerate(rows.tolist()):
        scan = scans[image_index]
        paths[row] = str(scan.path) if scan.path is not None else None
        if not scan.usable or scan.size is None:
            continue
        total = max(1, scan.size[0] * scan.size[1])
        for category_id, pixels in scan.pixels.items():
            shares[category_id][row] = pixels / total
        ignored[row] = scan.ignored / total
    images["mask_file"] = paths
    images["has_mask"] = np.array([scans[i].usable for i in rows.tolist()], dtype=bool)
    coverage = np.zeros(n)
    for category_id, values in shares.items():
        images[f"coverage.{layout.names[category_id]}"] = values
        coverage = coverage + values
    images["coverage"] = coverage
    images["coverage_class"] = coverage_class(coverage, bins)
    images["empty_mask"] = coverage == 0
    images["ignored_fraction"] = ignored


def add_layout_columns(categories: Table, layout: MaskLayout) -> None:
    """Each category's mask value (index layout, -1 otherwise) and colour (palette)."""
    ids = categories["id"].tolist()
    categories["mask_value"] = np.array(
        [next((v for v, c in layout.values.items() if c == i), -1) for i in ids], dtype=np.int64
    )
    colours = np.full(len(ids), None, dtype=object)
    for colour, category_id in (layout.palette or {}).items():
        for row, i in enumerate(ids):
            if i == category_id and colours[row] is None:
                colours[row] = colour
    categories["color"] = colours

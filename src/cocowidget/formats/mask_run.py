"""A folder of predicted masks (binary PNGs, or probability maps as 8-bit PNGs or ``.npy``
float arrays) as a prediction run of a mask-folder dataset.

Files pair with images by stem, as the ground truth's masks do. Each prediction is
binarised at the run's ``threshold`` (a probability ≥ it) and its connected components
become detections (compressed RLE; score: the component's mean probability, 1 for a
binary mask), so grids draw them and ``ds.evaluate(run, "segm")`` evaluates them.

For the pixel scores, what is kept per image is the counts a threshold needs
(:class:`HistogramCounts`: for PNGs, the pixels at each of the 256 (or 2) levels, inside
the truth's foreground and among all counted pixels), or the file itself for ``.npy``
maps (:class:`FileCounts`, read again per sweep: any float can be a threshold). Pixels
the truth ignores count for nothing. :mod:`cocowidget.evaluation.mask_scores` turns the
counts into IoU, Dice and the salt competition's hit rate.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
from PIL import Image, UnidentifiedImageError

from cocowidget.data.assembly import read_run
from cocowidget.data.grouping import ObjectTable
from cocowidget.data.json_bytes import Source
from cocowidget.data.problems import ERROR, WARNING, Problem, ProblemLog
from cocowidget.data.table import Table
from cocowidget.formats.mask_folders import components
from cocowidget.formats.mask_png import IGNORED, ClassMap, MaskLayout, read_classes
from cocowidget.formats.panoptic_png import PngTrouble, png_header
from cocowidget.progress import Stage

KINDS = ("binary", "probability")
PNG_LEVELS = np.arange(256, dtype=np.float64) / 255.0
BINARY_LEVELS = np.array([0.0, 1.0])


@dataclass(frozen=True)
class PixelCounts:
    """Per image (``image_ids``): the truth's foreground pixels, and for thresholds the
    predicted pixels and those also in the truth."""

    image_ids: npt.NDArray[np.int64]
    truth: npt.NDArray[np.int64]

    def counts_at(
        self, thresholds: npt.NDArray[np.float64]
    ) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
        """``(predicted, intersection)``, each ``(images, thresholds)``: a pixel is
        predicted where its probability ≥ the threshold (compared as float64)."""
        raise NotImplementedError


@dataclass(frozen=True)
class HistogramCounts(PixelCounts):
    #: Probability of each level, ascending (v / 255 for PNGs; 0, 1 for binary masks).
    levels: npt.NDArray[np.float64]
    #: ``(images, levels)``: counted pixels at each level, and those in the truth.
    counted: npt.NDArray[np.int64]
    in_truth: npt.NDArray[np.int64]

    def counts_at(
        self, thresholds: npt.NDArray[np.float64]
    ) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
        # Pixels at or above level i: a cumulative sum from the top; a threshold t
        # predicts the levels from the first one ≥ t (the levels are ascending).
        first = np.searchsorted(self.levels, thresholds, side="left")
        return _from_top(self.counted)[:, first], _from_top(self.in_truth)[:, first]


@dataclass(frozen=True)
class FileCounts(PixelCounts):
    """``.npy`` maps: read again for each set of thresholds."""

    paths: tuple[Path, ...]
    truth_of: Callable[[int], ClassMap | None]  # by image id

    def counts_at(
        self, thresholds: npt.NDArray[np.float64]
    ) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
        order = np.argsort(thresholds, kind="stable")
        ascending = thresholds[order]
        n, m = len(self.paths), len(thresholds)
        predicted = np.zeros((n, m), dtype=np.int64)
        intersection = np.zeros((n, m), dtype=np.int64)
        for i, (image_id, path) in enumerate(zip(self.image_ids.tolist(), self.paths, strict=True)):
            truth = self.truth_of(image_id)
            probability = np.load(path, allow_pickle=False).astype(np.float64, copy=False)
            if truth is None or truth.shape != probability.shape:
                continue
            counted = truth != IGNORED
            # How many thresholds each pixel reaches (p ≥ t), then pixels reaching the k-th.
            values = probability[counted]
            reached = np.searchsorted(ascending, values, side="right")
            reached[np.isnan(values)] = 0  # NaN ≥ t is never true
            in_truth = reached[truth[counted] > 0]
            predicted[i, order] = _reaching(reached, m)
            intersection[i, order] = _reaching(in_truth, m)
        return predicted, intersection


def _reaching(reached: np.ndarray, m: int) -> np.ndarray:
    """Pixels reaching each of ``m`` ascending thresholds, from how many each reaches."""
    return _from_top(np.bincount(reached, minlength=m + 1)[None, :])[0, 1 : m + 1]


def _from_top(histogram: np.ndarray) -> np.ndarray:
    """``out[:, i]`` = sum of ``histogram[:, i:]`` (and a last column of zeros)."""
    total = np.zeros((histogram.shape[0], histogram.shape[1] + 1), dtype=np.int64)
    total[:, :-1] = np.cumsum(histogram[:, ::-1], axis=1, dtype=np.int64)[:, ::-1]
    return total


@dataclass
class _Read:
    """One prediction file: probabilities (or classes, binary) or why there are none."""

    probability: np.ndarray | None = None  # float64 for .npy, uint8 levels for PNG
    classes: ClassMap | None = None  # binary: the predicted classes
    trouble: PngTrouble | None = None


def _read_prediction(path: Path, kind: str, layout: MaskLayout) -> _Read:
    if kind == "binary":
        read = read_classes(path, layout)
        if isinstance(read, PngTrouble):
            return _Read(trouble=read)
        return _Read(classes=read.classes)
    if path.suffix.lower() == ".npy":
        try:
            values = np.load(path, allow_pickle=False)
        except (OSError, ValueError) as error:
            return _Read(trouble=PngTrouble("unreadable_prediction", f"{path.name}: {error}"))
        if values.ndim != 2 or not np.issubdtype(values.dtype, np.floating):
            return _Read(
                trouble=PngTrouble(
                    "prediction_mode",
                    f"{path.name} is {values.dtype} of shape {values.shape}; probability maps "
                    "are 2-D float arrays",
                )
            )
        return _Read(probability=values.astype(np.float64, copy=False))
    try:
        data = path.read_bytes()
    except OSError as error:
        return _Read(trouble=PngTrouble("unreadable_prediction", f"{path}: {error}"))
    header = png_header(data)
    if header is None:
        return _Read(trouble=PngTrouble("unreadable_prediction", f"{path.name} is not a PNG"))
    if header != (8, 0):
        return _Read(
            trouble=PngTrouble(
                "png_16_bit" if header[0] == 16 else "prediction_mode",
                f"{path.name} is not an 8-bit greyscale PNG (bit depth {header[0]}, colour "
                f"type {header[1]}); probability PNGs hold 0-255 for 0-1",
            )
        )
    try:
        with Image.open(io.BytesIO(data)) as image:
            return _Read(probability=np.asarray(image, dtype=np.uint8))
    except (OSError, UnidentifiedImageError, ValueError) as error:
        return _Read(trouble=PngTrouble("unreadable_prediction", f"{path.name}: {error}"))


def prediction_files(folder: Path, kind: str, log: ProblemLog) -> dict[str, Path]:
    """Prediction files by stem (PNGs; for probabilities ``.npy`` too)."""
    suffixes = (".png",) if kind == "binary" else (".png", ".npy")
    found: dict[str, Path] = {}
    for path in sorted(folder.iterdir()):
        if not path.is_file() or path.suffix.lower() not in suffixes:
            continue
        if path.stem in found:
            log.format_error(
                "ambiguous_stem",
                str(path),
                f"{found[path.stem].name} and {path.name} share the stem {path.stem!r}",
                f"{found[path.stem].name} was used",
                severity=WARNING,
            )
            continue
        found[path.stem] = path
    return found


def read_mask_run(
    folder: Path,
    name: str,
    kind: str,
    images: Table,
    categories: Table,
    layout: MaskLayout,
    truth_of: Callable[[int], ClassMap | None],
    *,
    threshold: float,
    strict: bool,
    stage: Stage,
) -> tuple[ObjectTable, list[Problem], dict[str, Any]]:
    """The run's components grouped by image, its problems and its parameters
    (``kind``, ``threshold``, ``files`` by image id and ``counts``)."""
    log = ProblemLog("", strict=strict, run=name)  # each problem names its file
    stage("reading")
    files = prediction_files(folder, kind, log)
    image_ids = images["id"].tolist()
    stems = {
        Path(str(f)).stem: (i, row)
        for row, (i, f) in enumerate(zip(image_ids, images["file_name"].tolist(), strict=True))
    }
    for stem, path in files.items():
        if stem not in stems:
            log.format_error(
                "prediction_without_image",
                str(path),
                f"{path.name} has no image of stem {stem!r}",
                "the prediction was left out",
                severity=WARNING,
            )
    results: list[dict[str, Any]] = []
    kept: list[tuple[int, Path]] = []
    truths: list[int] = []
    counted_rows: list[np.ndarray] = []
    truth_rows: list[np.ndarray] = []
    levels = BINARY_LEVELS if kind == "binary" else PNG_LEVELS
    float_maps = False
    for stem, (image_id, row) in stems.items():
        found = files.get(stem)
        if found is None:
            log.format_error(
                "image_without_prediction",
                str(images["file_name"][row]),
                f"no prediction for image {image_id} in {folder}",
                "the image is left out of the run's scores",
                severity=WARNING,
                image_id=image_id,
            )
            continue
        path = found
        read = _read_prediction(path, kind, layout)
        shape = (int(images["height"][row]), int(images["width"][row]))
        if read.trouble is None:
            got = read.classes if read.classes is not None else read.probability
            assert got is not None
            if got.shape != shape:
                read.trouble = PngTrouble(
                    "png_size_mismatch",
                    f"{path.name} is {got.shape[1]}x{got.shape[0]} but its image is "
                    f"{shape[1]}x{shape[0]}",
                )
        if read.trouble is not None:
            log.format_error(
                read.trouble.kind,
                str(path),
                read.trouble.reason,
                "the prediction was left out",
                severity=ERROR,
                image_id=image_id,
            )
            continue
        probability = _probability(read, levels)
        if probability.dtype == np.float64:
            float_maps = True
            outside = int(np.count_nonzero(~((probability >= 0) & (probability <= 1))))
            if outside:
                log.format_error(
                    "probability_out_of_range",
                    str(path),
                    f"{path.name} has {outside} values outside [0, 1] (NaN included)",
                    "they are compared with thresholds as they are (NaN: never predicted)",
                    severity=WARNING,
                    image_id=image_id,
                )
        results.extend(_detections(read, probability, levels, threshold, layout, image_id, shape))
        truth = truth_of(image_id)
        if truth is None or truth.shape != shape:
            continue  # no truth to score against (reported at load)
        kept.append((image_id, path))
        truths.append(int(np.count_nonzero(truth > 0)))
        if probability.dtype != np.float64:
            counted = truth != IGNORED
            values = probability[counted]
            counted_rows.append(np.bincount(values, minlength=len(levels)))
            truth_rows.append(np.bincount(values[truth[counted] > 0], minlength=len(levels)))
    counts = _counts(kept, truths, levels, counted_rows, truth_rows, float_maps, truth_of, folder)
    stage("grouping")
    loaded, objects = read_run(
        Source(str(folder), python=results) if results else Source(str(folder), data=b"[]"),
        name,
        images,
        categories,
        stage=lambda _: None,
        match="id",
        reference=None,
        category_map=None,
        strict=strict,
    )
    parameters = {
        "kind": kind,
        "threshold": threshold,
        "dir": str(folder),
        "files": {image_id: str(path) for image_id, path in kept},
        "counts": counts,
    }
    return objects, log.problems + loaded.problems, parameters


def _probability(read: _Read, levels: np.ndarray) -> np.ndarray:
    """float64 probabilities (``.npy``) or the index of each pixel's level (PNG, binary)."""
    if read.classes is not None:
        return (read.classes > 0).astype(np.uint8)
    assert read.probability is not None
    return read.probability


def _detections(
    read: _Read,
    probability: np.ndarray,
    levels: np.ndarray,
    threshold: float,
    layout: MaskLayout,
    image_id: int,
    shape: tuple[int, int],
) -> list[dict[str, Any]]:
    if read.classes is not None:
        classes = read.classes
        values = np.ones(shape)
    else:
        values = probability if probability.dtype == np.float64 else levels[probability]
        category_id = next(iter(layout.names))
        classes = np.where(values >= threshold, category_id, 0).astype(np.int16)
    found, numbers = components(classes, layout)
    if not found:
        return []
    sums = np.bincount(numbers.ravel(), weights=values.ravel(), minlength=len(found) + 1)
    return [
        {
            "image_id": image_id,
            "category_id": category_id,
            "segmentation": {"size": list(shape), "counts": counts},
            "score": float(sums[k + 1] / area),
        }
        for k, (category_id, area, _, counts) in enumerate(found)
    ]


def _counts(
    kept: Sequence[tuple[int, Path]],
    truths: list[int],
    levels: np.ndarray,
    counted_rows: list[np.ndarray],
    truth_rows: list[np.ndarray],
    float_maps: bool,
    truth_of: Callable[[int], ClassMap | None],
    folder: Path,
) -> PixelCounts:
    ids = np.array([i for i, _ in kept], dtype=np.int64)
    truth = np.array(truths, dtype=np.int64)
    if float_maps:
        if counted_rows:
            raise ValueError(f"{folder} mixes .npy and PNG probability maps: give one kind per run")
        return FileCounts(ids, truth, tuple(p for _, p in kept), truth_of)
    width = len(levels)
    return HistogramCounts(
        ids,
        truth,
        levels,
        np.array(counted_rows, dtype=np.int64).reshape(-1, width),
        np.array(truth_rows, dtype=np.int64).reshape(-1, width),
    )

"""Problems found in a dataset: the record, the log that collects them, the strict error.

Loading, quality checks and prediction matching all report through a :class:`ProblemLog`.
In lenient mode the log only records; in strict mode the first problem of severity
``error`` raises :class:`CocoFormatError`, naming the file, the JSON path and the reason.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from cocowidget.data.table import Table

ERROR = "error"
WARNING = "warning"
INFO = "info"
SEVERITIES = (ERROR, WARNING, INFO)

#: Id columns of the problems table use this when a problem concerns no such record.
NO_ID = -1

#: What each kind of problem is about, for ``quality().image_ids(category=...)``:
#: ``file`` (the image files), ``format`` (JSON that is not valid COCO), ``reference``
#: (ids that point nowhere), ``box``, ``segmentation``, ``keypoints`` (triplets, visibility
#: flags, ``num_keypoints``, joint names and skeletons), ``label`` (labelling: duplicates,
#: unused or twice-named classes) and ``score`` (detections).
CATEGORIES: Mapping[str, tuple[str, ...]] = {
    "file": (
        "missing_file",
        "unreadable_file",
        "truncated_file",
        "size_mismatch",
        "exif_size_mismatch",
        "constant_image",
        "near_black_image",
        "duplicate_image",
        "unsafe_file_name",
        "missing_image_dir",
        "image_files_not_found",
        "files_not_checked",
        "missing_png",
        "unreadable_png",
        "png_mode",
        "png_16_bit",
        "png_size_mismatch",
        "mask_without_image",
        "image_without_mask",
        "ambiguous_stem",
        "prediction_without_image",
        "image_without_prediction",
        "unreadable_prediction",
        "prediction_mode",
    ),
    "format": (
        "malformed_json",
        "encoding",
        "invalid_structure",
        "invalid_field",
        "invalid_number",
        "duplicate_image_id",
        "duplicate_annotation_id",
        "duplicate_category_id",
        "load_res_failure",
        "other_numbering",
        "panoptic_file",
        "duplicate_panoptic_record",
    ),
    "reference": (
        "dangling_image_ref",
        "dangling_category_ref",
        "undefined_category",
        "unmatched_prediction",
    ),
    "box": (
        "degenerate_box",
        "negative_box",
        "negative_area",
        "box_outside_image",
        "tiny_object",
        "extreme_aspect_ratio",
        "segment_bbox_mismatch",
    ),
    "segmentation": (
        "invalid_segmentation",
        "empty_segmentation",
        "rle_size_mismatch",
        "boxes_only",
        "segment_missing_from_png",
        "unlisted_png_segment",
        "segment_area_mismatch",
        "duplicate_segment_id",
        "mask_value_unknown",
        "probability_out_of_range",
    ),
    "keypoints": (
        "invalid_keypoints",
        "keypoints_length",
        "invalid_visibility",
        "num_keypoints_mismatch",
        "invalid_skeleton",
        "invalid_keypoint_names",
    ),
    "label": ("near_duplicate", "unused_category", "duplicate_category_name"),
    "score": ("non_finite_score",),
}
_CATEGORY_OF = {kind: category for category, kinds in CATEGORIES.items() for kind in kinds}


def category_of(kind: str) -> str:
    """The category of a kind of problem (``"other"`` for a kind not listed)."""
    return _CATEGORY_OF.get(kind, "other")


class CocoFormatError(ValueError):
    """A COCO file (or dict) that strict mode refuses: where, and what is wrong."""

    def __init__(self, file: str, json_path: str, reason: str, kind: str = "invalid_field"):
        self.file = file
        self.json_path = json_path
        self.reason = reason
        self.kind = kind
        super().__init__(located_message(file, json_path, reason))


def located_message(file: str, json_path: str, reason: str) -> str:
    parts = [part for part in (file, json_path) if part]
    return ": ".join([*parts, reason])


@dataclass(frozen=True, slots=True)
class Problem:
    kind: str
    severity: str
    message: str
    image_id: int = NO_ID
    annotation_id: int = NO_ID
    category_id: int = NO_ID
    json_path: str = ""
    run: str = ""


PROBLEM_COLUMNS = (
    "kind",
    "category",
    "severity",
    "image_id",
    "annotation_id",
    "category_id",
    "run",
    "json_path",
    "message",
)


class ProblemLog:
    """Collects problems; in strict mode raises on the first error.

    ``file`` names the source in messages (a file name, or ``<dict>``); ``run`` tags
    problems of a prediction run.
    """

    def __init__(self, file: str, *, strict: bool = False, run: str = "") -> None:
        self.file = file
        self.strict = strict
        self.run = run
        self.problems: list[Problem] = []
        self._paths: set[str] = set()

    def reported(self, json_path: str) -> bool:
        """A problem at exactly this JSON path was reported already (each once)."""
        return json_path in self._paths

    def format_error(
        self,
        kind: str,
        json_path: str,
        reason: str,
        action: str,
        *,
        severity: str = ERROR,
        image_id: int = NO_ID,
        annotation_id: int = NO_ID,
        category_id: int = NO_ID,
        ids: Mapping[str, int] | None = None,
    ) -> None:
        """A problem in the file's content at ``json_path``; ``action`` says what lenient
        loading did about it (e.g. "the annotation was dropped"). ``ids`` may give
        ``image_id``, ``annotation_id``, ``category_id`` as a mapping."""
        if ids:
            image_id = ids.get("image_id", image_id)
            annotation_id = ids.get("annotation_id", annotation_id)
            category_id = ids.get("category_id", category_id)
        if self.strict and severity == ERROR:
            raise CocoFormatError(self.file, json_path, reason, kind)
        self._paths.add(json_path)
        message = located_message(self.file, json_path, reason)
        if action:
            message = f"{message}; {action}"
        self.problems.append(
            Problem(
                kind, severity, message, image_id, annotation_id, category_id, json_path, self.run
            )
        )


class ProblemTable(Table):
    """The problems table, with the questions asked of it most."""

    __slots__ = ()

    def image_ids(
        self,
        *,
        kind: str | Sequence[str] | None = None,
        category: str | Sequence[str] | None = None,
        severity: str | Sequence[str] | None = None,
    ) -> list[int]:
        """Ids of the images with a problem of the given kinds, categories (see
        :data:`CATEGORIES`: ``"file"``, ``"box"``, ...) and severities (each ``None``:
        any), each once, in table order: e.g. ``ds.quality().image_ids(category="file")``."""
        keep = np.asarray(self["image_id"]) != NO_ID
        for column, wanted in (("kind", kind), ("category", category), ("severity", severity)):
            if wanted is not None:
                values = [wanted] if isinstance(wanted, str) else list(wanted)
                keep &= np.isin(self[column].astype(str), values)
        ids = np.asarray(self["image_id"])[keep]
        _, first = np.unique(ids, return_index=True)
        return [int(i) for i in ids[np.sort(first)]]


def problems_table(problems: Sequence[Problem]) -> ProblemTable:
    """The problems as a :class:`ProblemTable`, errors first, then warnings, then info."""
    rank = {severity: i for i, severity in enumerate(SEVERITIES)}
    ordered = sorted(problems, key=lambda p: rank.get(p.severity, len(rank)))
    return ProblemTable(
        {
            "kind": _strings([p.kind for p in ordered]),
            "category": _strings([category_of(p.kind) for p in ordered]),
            "severity": _strings([p.severity for p in ordered]),
            "image_id": np.array([p.image_id for p in ordered], dtype=np.int64),
            "annotation_id": np.array([p.annotation_id for p in ordered], dtype=np.int64),
            "category_id": np.array([p.category_id for p in ordered], dtype=np.int64),
            "run": _strings([p.run for p in ordered]),
            "json_path": _strings([p.json_path for p in ordered]),
            "message": _strings([p.message for p in ordered]),
        }
    )


def _strings(values: list[str]) -> np.ndarray:
    array = np.empty(len(values), dtype=object)
    array[:] = values
    return array

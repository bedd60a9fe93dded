"""msgspec record types for the typed (fast) decoding of COCO JSON.

Each record type has the fields cocowidget reads, typed so that msgspec rejects anything
malformed, plus *extra* fields kept verbatim as raw JSON so export loses nothing. Extra
field names are discovered while decoding (an unknown field makes msgspec stop and name
it; the type is then rebuilt with that field), so records stay compact structs rather
than dicts. Segmentations are ``msgspec.Raw``: bytes of the original JSON, parsed only
when a mask is needed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Annotated, Any

import msgspec
from msgspec import UNSET, Meta, Raw, UnsetType

Int64 = Annotated[int, Meta(ge=-(2**63), le=2**63 - 1)]


class BBox(msgspec.Struct, array_like=True, forbid_unknown_fields=True, gc=False):
    """``[x, y, width, height]``; array_like keeps it a JSON array of exactly 4 numbers
    (forbid_unknown_fields refuses a fifth, which msgspec would otherwise drop)."""

    x: float
    y: float
    w: float
    h: float


# (name, type, default or REQUIRED) of the fields read into columns, per record kind.
REQUIRED: Any = object()

IMAGE_FIELDS: tuple[tuple[str, Any, Any], ...] = (
    ("id", Int64, REQUIRED),
    ("file_name", str, REQUIRED),
    ("width", Int64, REQUIRED),
    ("height", Int64, REQUIRED),
)
ANNOTATION_FIELDS: tuple[tuple[str, Any, Any], ...] = (
    ("id", Int64, REQUIRED),
    ("image_id", Int64, REQUIRED),
    ("category_id", Int64, REQUIRED),
    ("bbox", BBox, REQUIRED),
    # COCO requires area and iscrowd, but converters often leave them out; a missing one
    # is repaired and reported for the whole column at once (see columns.py).
    ("area", float | UnsetType, UNSET),
    ("iscrowd", Int64 | UnsetType, UNSET),
    ("segmentation", Raw | UnsetType, UNSET),
)
# Detections: a COCO results record, or an annotation of a COCO dict that carries scores.
RESULT_FIELDS: tuple[tuple[str, Any, Any], ...] = (
    ("image_id", Int64, REQUIRED),
    ("category_id", Int64, REQUIRED),
    ("score", float, REQUIRED),
    ("bbox", BBox | UnsetType, UNSET),
    ("segmentation", Raw | UnsetType, UNSET),
    ("id", Int64 | UnsetType, UNSET),
    ("area", float | UnsetType, UNSET),
    ("iscrowd", Int64 | UnsetType, UNSET),
)
CATEGORY_FIELDS: tuple[tuple[str, Any, Any], ...] = (
    ("id", Int64, REQUIRED),
    ("name", str, REQUIRED),
    ("supercategory", str | UnsetType, UNSET),
)

# Extra fields common in the wild, declared up front so typical files decode in one pass.
COMMON_EXTRAS: dict[str, tuple[str, ...]] = {
    "image": ("license", "coco_url", "date_captured", "flickr_url"),
    # Annotations have none: each extra slot costs 8 bytes in every one of ~10^6 records,
    # and discovery is cheap when an extra field appears early (as it usually does).
    "annotation": (),
    "result": (),
    "category": ("keypoints", "skeleton", "isthing", "color"),
}

BASE_FIELDS: dict[str, tuple[tuple[str, Any, Any], ...]] = {
    "image": IMAGE_FIELDS,
    "annotation": ANNOTATION_FIELDS,
    "result": RESULT_FIELDS,
    "category": CATEGORY_FIELDS,
}


@dataclass
class RecordType:
    """A record kind's msgspec type with its current set of extra fields."""

    kind: str
    extras: list[str] = field(default_factory=list)
    _type: Any = None

    def __post_init__(self) -> None:
        self.extras = list(COMMON_EXTRAS[self.kind]) + self.extras

    @property
    def base_names(self) -> tuple[str, ...]:
        return tuple(name for name, _, _ in BASE_FIELDS[self.kind])

    def extra_attribute(self, index: int) -> str:
        # Attribute names of extras are synthetic: JSON keys need not be identifiers.
        return f"extra_{index}"

    def add_extra(self, name: str) -> None:
        if name in self.extras or name in self.base_names:
            raise ValueError(f"field {name!r} is already part of the {self.kind} record type")
        self.extras.append(name)
        self._type = None

    @property
    def type(self) -> Any:
        if self._type is None:
            fields: list[tuple[str, Any] | tuple[str, Any, Any]] = []
            for name, annotation, default in BASE_FIELDS[self.kind]:
                if default is REQUIRED:
                    fields.append((name, annotation))
                else:
                    fields.append((name, annotation, default))
            rename = {}
            for i, name in enumerate(self.extras):
                attribute = self.extra_attribute(i)
                fields.append((attribute, Raw | UnsetType, UNSET))
                rename[attribute] = name
            self._type = msgspec.defstruct(
                f"Coco{self.kind.title()}",
                fields,
                rename=rename,
                forbid_unknown_fields=True,
                gc=False,
            )
        return self._type

    def extra_items(self) -> list[tuple[str, str]]:
        """(JSON name, attribute) for each extra field."""
        return [(name, self.extra_attribute(i)) for i, name in enumerate(self.extras)]

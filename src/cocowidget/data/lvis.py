"""The fields an LVIS file adds to COCO's, as the data layer reads them.

LVIS (``lvis`` package, ``LVISEval``) evaluates *federated*: each image lists the
categories verified absent (``neg_category_ids``) and those whose instances are not all
labelled (``not_exhaustive_category_ids``); each category has a ``frequency`` group,
``"r"``are, ``"c"``ommon or ``"f"``requent, by the number of training images it is in.
``from_coco`` keeps these fields as read (export writes them back); this module gives the
frequency as columns (``categories.frequency``, ``annotations.frequency``, text, so
explorers chart it and grids filter on it) and, for an evaluation by LVIS rules, the
image fields as arrays, checked, with the file's places in every message.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import msgspec
import numpy as np

from cocowidget.data.grouping import ObjectTable
from cocowidget.data.table import Table

#: LVIS's frequency groups, in the order of ``LVISEval``'s ``img_count_lbl``.
FREQUENCIES = ("r", "c", "f")
IMAGE_FIELDS = ("neg_category_ids", "not_exhaustive_category_ids")


def add_frequency_columns(
    objects: ObjectTable, categories: Table, category_extras: Mapping[str, np.ndarray]
) -> None:
    """``categories.frequency`` and ``annotations.frequency`` from the categories'
    ``frequency`` field, when the file has one: the text as read (a value that is not
    text as its JSON), ``""`` where a category has none or an object's category is
    unknown."""
    raw = category_extras.get("frequency")
    if raw is None:
        return
    frequency = np.array([_text(value) for value in raw.tolist()] + [""], dtype=object)
    categories["frequency"] = frequency[:-1]
    objects.table["frequency"] = frequency[objects.table["category_index"]]


def _text(value: Any) -> str:
    if value is None:
        return ""
    decoded = msgspec.json.decode(value)
    return decoded if isinstance(decoded, str) else bytes(value).decode()


@dataclass(frozen=True, eq=False)
class CategorySets:
    """A list of category ids per image, flattened: image ``i``'s are
    ``ids[offsets[i]:offsets[i + 1]]``."""

    offsets: np.ndarray
    ids: np.ndarray

    @property
    def image_of(self) -> np.ndarray:
        """The image row of each of :attr:`ids`."""
        return np.repeat(np.arange(len(self.offsets) - 1), np.diff(self.offsets))


@dataclass(frozen=True, eq=False)
class LvisFields:
    """What ``LVISEval`` reads beyond COCO's fields, aligned with the dataset's tables:
    per image row its negative and not-exhaustive categories, per category row its
    frequency (``"r"``, ``"c"`` or ``"f"``), per annotation row its ``ignore`` flag
    (``LVISEval`` ignores an annotation whose ``ignore`` is true; ``False`` where
    absent)."""

    negative: CategorySets
    not_exhaustive: CategorySets
    frequency: np.ndarray
    ignore: np.ndarray


def lvis_fields(
    images: Table,
    image_extras: Mapping[str, np.ndarray],
    categories: Table,
    annotations: ObjectTable,
    source_name: str,
) -> LvisFields:
    """The LVIS fields of a dataset, checked: a ``ValueError`` names every field that is
    missing (with the first record lacking it) and the first value that is not what
    ``LVISEval`` reads (a list of category ids; a frequency of ``"r"``, ``"c"`` or
    ``"f"``)."""
    where = f"{source_name}: " if source_name else ""
    missing = []
    for name in IMAGE_FIELDS:
        raw = image_extras.get(name)
        absent = _absent(raw, len(images))
        if absent.any():
            missing.append(_missing(f"images[{{}}].{name}", "images", images, absent))
    frequency = categories.get("frequency")
    absent = np.ones(len(categories), dtype=bool) if frequency is None else frequency == ""
    if absent.any():
        missing.append(_missing("categories[{}].frequency", "categories", categories, absent))
    if missing:
        raise ValueError(
            f"{where}rules='lvis' needs the LVIS fields, and the file lacks "
            + "; ".join(missing)
            + " (LVISEval reads each image's neg_category_ids and "
            "not_exhaustive_category_ids and each category's frequency)"
        )
    assert frequency is not None
    wrong = np.flatnonzero(~np.isin(frequency, FREQUENCIES))
    if len(wrong):
        row = int(wrong[0])
        raise ValueError(
            f"{where}categories[{int(categories['file_index'][row])}].frequency is "
            f"{frequency[row]!r}: LVIS frequencies are 'r', 'c' or 'f' "
            f"({len(wrong):,} categories have another)"
        )
    return LvisFields(
        negative=_category_sets(image_extras[IMAGE_FIELDS[0]], IMAGE_FIELDS[0], images, where),
        not_exhaustive=_category_sets(
            image_extras[IMAGE_FIELDS[1]], IMAGE_FIELDS[1], images, where
        ),
        frequency=frequency.astype(str),
        ignore=_ignore_flags(annotations),
    )


def _absent(raw: np.ndarray | None, n: int) -> np.ndarray:
    if raw is None:
        return np.ones(n, dtype=bool)
    return np.fromiter((value is None for value in raw.tolist()), dtype=bool, count=n)


def _missing(place: str, noun: str, table: Table, absent: np.ndarray) -> str:
    first = int(table["file_index"][int(np.flatnonzero(absent)[0])])
    count = int(absent.sum())
    share = f"all {count:,} {noun}" if count == len(table) else f"{count:,} of {len(table):,}"
    return f"{place.format('*')} (missing in {share}; first {place.format(first)})"


_ID_LISTS = msgspec.json.Decoder(list[list[int]])


def _category_sets(raw: np.ndarray, name: str, images: Table, where: str) -> CategorySets:
    """Each image's list of ids, decoded in one pass (one array of the lists); only if
    that fails are the lists decoded one by one, to name the first that is not one."""
    values = raw.tolist()
    try:
        lists = _ID_LISTS.decode(b"[" + b",".join(bytes(v) for v in values) + b"]")
    except msgspec.ValidationError:
        lists = []
        for row, value in enumerate(values):
            try:
                lists.append(msgspec.json.decode(value, type=list[int]))
            except msgspec.ValidationError:
                place = f"images[{int(images['file_index'][row])}].{name}"
                raise ValueError(
                    f"{where}{place} is {bytes(value).decode()[:80]}, not a list of category ids"
                ) from None
    lengths = np.fromiter(map(len, lists), dtype=np.int64, count=len(lists))
    offsets = np.zeros(len(lists) + 1, dtype=np.int64)
    np.cumsum(lengths, out=offsets[1:])
    ids = np.fromiter((i for ids in lists for i in ids), dtype=np.int64, count=int(offsets[-1]))
    return CategorySets(offsets=offsets, ids=ids)


def _ignore_flags(annotations: ObjectTable) -> np.ndarray:
    """Python's truth of each annotation's ``ignore`` field (``LVISEval`` tests
    ``if g["ignore"]``), ``False`` where absent."""
    raw = annotations.extras.get("ignore")
    if raw is None:
        return np.zeros(len(annotations.table), dtype=bool)
    return np.fromiter(
        (value is not None and bool(msgspec.json.decode(value)) for value in raw.tolist()),
        dtype=bool,
        count=len(raw),
    )

"""TaggedData: :class:`~cocowidget.data.dataset.CocoData` with tags and slices kept in a
sidecar.

The tags themselves are :class:`~cocowidget.data.tags.Tags` (columns ``"tags.<name>"``),
the slices :class:`~cocowidget.data.slices.Slices` (``ds.slices``, columns
``"slices.<name>"``); the file they are kept in is :mod:`~cocowidget.data.sidecar`. This
class adds the user's calls (``tag``, ``untag``, ``tags``), finds the sidecar on load,
writes it after every change of either, and exports tags as COCO attributes on request.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import numpy.typing as npt
from msgspec import Raw

from cocowidget._arguments import checked_methods
from cocowidget._warnings import warn
from cocowidget.data import export
from cocowidget.data import sidecar as sidecar_file
from cocowidget.data.dataset import CocoData
from cocowidget.data.tags import TAG_TABLES, Listing, Tags, check_table

if TYPE_CHECKING:
    from typing_extensions import Self

PathLike = str | os.PathLike[str]
#: Where the sidecar is: ``None`` beside a file source, a path, or ``False`` for none.
SidecarOption = PathLike | Literal[False] | None


@checked_methods
class TaggedData(CocoData):
    """A dataset whose images and annotations can be tagged (see :meth:`tag`)."""

    def __init__(self, **parts: Any) -> None:
        super().__init__(**parts)
        self._tags = Tags(self.derived, lambda table: self._table_named(table)["id"])
        self._sidecar_path: Path | None = None
        #: Sidecar sections this version does not read, written back as read.
        self._sidecar_other: dict[str, Any] = {}
        self.slices.on_change(self._save)

    @classmethod
    def from_coco(
        cls,
        source: Any,
        image_dir: PathLike | None = None,
        strict: bool = False,
        *,
        allow_outside_image_dir: bool = False,
        sidecar: SidecarOption = None,
    ) -> Self:
        """Load an instances JSON (path or bytes), a dict, or a ``pycocotools.coco.COCO``
        (see :meth:`CocoData.from_coco`), and its tags from the sidecar file.

        ``sidecar``: where tags are kept. ``None``: ``<source>.cocowidget.json`` beside
        a file source (none for a dict or bytes); a path: that file; ``False``: nowhere
        (tags live in memory). The file is read when present and rewritten after each
        :meth:`tag` and :meth:`untag`; the annotation file is never written.
        """
        dataset = super().from_coco(
            source, image_dir, strict, allow_outside_image_dir=allow_outside_image_dir
        )
        if sidecar is None and isinstance(source, str | os.PathLike):
            sidecar = sidecar_file.beside(source)
        if sidecar is not None and sidecar is not False:
            dataset.use_sidecar(sidecar)
        return dataset

    # -- tags ----------------------------------------------------------------------------
    def tag(self, ids: npt.ArrayLike, name: str, table: str = "images") -> int:
        """Tag images (or ``table="annotations"``) by id with ``name``; returns how many
        were newly tagged. The tag is a boolean derived column ``"tags.<name>"`` of the
        table (grids sort and filter by it, explorers chart it) and is written to the
        sidecar file. Names are text (shown as text, never HTML): non-empty strings."""
        added = self._tags.add(table, name, ids)
        self._save()
        return added

    def untag(self, ids: npt.ArrayLike | None, name: str, table: str = "images") -> int:
        """Remove tag ``name`` from ids of ``table`` (``None``: from all of them); returns
        how many were untagged. The column goes with the tag's last id."""
        removed = self._tags.remove(table, name, ids)
        self._save()
        return removed

    @property
    def tags(self) -> Listing:
        """Every tag: ``{name: {"images": [ids], "annotations": [ids]}}`` (a copy)."""
        return self._tags.listing()

    @property
    def sidecar_path(self) -> Path | None:
        """The sidecar file tags are kept in (``None``: in memory only)."""
        return self._sidecar_path

    def use_sidecar(self, path: PathLike) -> Path:
        """Keep tags in sidecar file ``path`` from now on: its tags (if the file exists)
        are read and added to those held, and the file is written."""
        target = Path(path)
        sections = sidecar_file.read(target)
        self._sidecar_path = target
        if sections is not None:
            known = ("tags", "slices", "annotations")
            self._sidecar_other = {k: v for k, v in sections.items() if k not in known}
            slices = self._slices_from_file(target, sections.get("slices", {}))
            self.slices.restore({**slices, **self.slices.listing()})  # held ones win
            merged = self._tags.listing()
            for name, tables in self._from_file(target, sections.get("tags", {})).items():
                for table, ids in tables.items():
                    merged.setdefault(name, {}).setdefault(table, [])
                    merged[name][table] = sorted({*merged[name][table], *ids})
            self._tags.restore(merged)
        self._save()  # (nothing when there are no tags and no file)
        return target

    def _from_file(self, path: Path, tags: dict[str, Any]) -> Listing:
        """A file's tags as table ids; ids the tables lack are left out, with a warning
        (the annotation file changed since)."""
        listing: Listing = {}
        unknown = 0
        for name, tables in tags.items():
            for table, ids in tables.items():
                check_table(table)
                known = self._table_named(table)["id"]
                internal = []
                for value in ids:
                    try:
                        internal.append(self.internal_ids([value], table)[0])
                    except (KeyError, TypeError, ValueError):
                        unknown += 1
                kept = np.asarray(internal, dtype=np.int64)
                unknown += int(np.count_nonzero(~np.isin(kept, known)))
                listing.setdefault(name, {})[table] = kept[np.isin(kept, known)].tolist()
        if unknown:
            warn(f"{path}: {unknown} tagged ids are not in the dataset any more; left out")
        return listing

    def _slices_from_file(self, path: Path, slices: dict[str, Any]) -> dict[str, list[int]]:
        """A file's slices as image ids; ids the images lack are left out, with a
        warning (the annotation file changed since)."""
        known = self.images["id"]
        listing: dict[str, list[int]] = {}
        unknown = 0
        for name, ids in slices.items():
            internal = []
            for value in ids:
                try:
                    internal.append(self.internal_ids([value], "images")[0])
                except (KeyError, TypeError, ValueError):
                    unknown += 1
            kept = np.asarray(internal, dtype=np.int64)
            unknown += int(np.count_nonzero(~np.isin(kept, known)))
            listing[name] = kept[np.isin(kept, known)].tolist()
        if unknown:
            warn(f"{path}: {unknown} image ids of slices are not in the dataset any more; left out")
        return listing

    def _save(self) -> None:
        path = self._sidecar_path
        # Loading a file without tags or slices writes nothing beside it.
        if path is None or not (self._tags.names() or len(self.slices) or path.exists()):
            return
        tags = {
            name: {table: self.user_ids(ids, table) for table, ids in tables.items()}
            for name, tables in self._tags.listing().items()
        }
        slices = {name: self.user_ids(ids, "images") for name, ids in self.slices.listing().items()}
        try:
            # The annotation file's name says whose sidecar it is, for a person reading it.
            sections = {
                **self._sidecar_other,
                "annotations": self.source_name,
                "tags": tags,
                "slices": slices,
            }
            sidecar_file.write(path, sections)
        except OSError as error:  # a read-only folder: the tags still hold in memory
            warn(
                f"tags not written to {path} ({error}); they are kept in memory: "
                "ds.use_sidecar(path) keeps them in a file elsewhere"
            )

    # -- subsets and export --------------------------------------------------------------
    def subset(self, image_ids: npt.ArrayLike) -> Self:
        """:meth:`CocoData.subset`, with the tags of the images and annotations kept
        (held in memory: a subset has no sidecar file of its own), and the slices
        restricted to its images."""
        subset = super().subset(image_ids)
        listing = self._tags.listing()
        for tables in listing.values():
            for table in list(tables):
                kept = subset._table_named(table)["id"]
                tables[table] = [i for i in tables[table] if np.isin(i, kept)]
        subset._tags.restore(listing)
        kept = subset.images["id"]
        subset.slices.restore(
            {name: np.intersect1d(ids, kept) for name, ids in self.slices.listing().items()}
        )
        return subset

    def to_coco(
        self, path: PathLike, *, repaired: bool = False, tags_as_attributes: bool = False
    ) -> Path:
        """:meth:`CocoData.to_coco`; with ``tags_as_attributes``, each tagged image and
        annotation record also gets its tags as ``"attributes": {"tags": [...]}``
        (added to the attributes it has)."""
        return export.write_object(self._tagged_sections(repaired, tags_as_attributes), path)

    def to_dict(
        self, *, repaired: bool = False, tags_as_attributes: bool = False
    ) -> dict[str, Any]:
        """:meth:`CocoData.to_dict`; ``tags_as_attributes`` as in :meth:`to_coco`."""
        sections = self._tagged_sections(repaired, tags_as_attributes)
        return export.sections_as_python(sections)

    def _tagged_sections(self, repaired: bool, tags_as_attributes: bool) -> list[tuple[str, Any]]:
        sections = self._sections(repaired)
        if not tags_as_attributes or not self._tags.names():
            return sections
        # Records come in the order export writes them: images in table order,
        # annotations in file order.
        orders = {
            "images": np.arange(len(self.images)),
            "annotations": np.argsort(self.annotations["file_index"], kind="stable"),
        }
        tagged = []
        for key, value in sections:
            if key in TAG_TABLES and isinstance(value, Iterator):
                names = self._tags.of_rows(key)
                value = _with_tags(value, [names[row] for row in orders[key].tolist()])
            tagged.append((key, value))
        return tagged


def _with_tags(chunks: Iterator[export.Records], names: list[list[str]]) -> Iterator[Any]:
    position = 0
    for chunk in chunks:
        records = []
        for record in chunk:
            tags = names[position]
            position += 1
            records.append(_record_with_tags(record, tags) if tags else record)
        yield records


def _record_with_tags(record: Any, tags: list[str]) -> dict[str, Any]:
    record = _plain(record)
    attributes = _plain(record.get("attributes", {}))
    if not isinstance(attributes, dict):
        raise ValueError(
            f"record {record.get('id')!r} has 'attributes' that are not an object "
            f"({attributes!r}): its tags cannot be added to them"
        )
    return {**record, "attributes": {**attributes, "tags": tags}}


def _plain(value: Any) -> Any:
    if isinstance(value, Raw):
        return export.records_as_python([[value]])[0]
    return value

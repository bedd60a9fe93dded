"""The sidecar file: what cocowidget keeps about a dataset beside its annotations.

The user's annotation file is never rewritten for it. The sidecar is
``<annotations>.cocowidget.json`` (``instances.json.cocowidget.json``) unless the user
names another, a JSON object with a format name, a version and one section per kind of
content::

    {"format": "cocowidget-sidecar", "version": 1, "annotations": "instances.json",
     "tags": {"needs-review": {"images": [1, 2], "annotations": [7]}},
     "slices": {"night": [1, 5, 9]}}

Ids are the file's own (``ds.user_ids``). Sections this version does not know (written
by a later one) are kept as read and written back. A newer version is refused
rather than half understood. Writing is atomic: a temporary file beside, then replaced.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import msgspec

FORMAT = "cocowidget-sidecar"
VERSION = 1
SUFFIX = ".cocowidget.json"


class SidecarError(ValueError):
    """A sidecar file that cannot be read as one (naming the file and what is wrong)."""


def beside(annotations: str | os.PathLike[str]) -> Path:
    """The sidecar's default place: ``<annotations>.cocowidget.json``."""
    path = Path(annotations)
    return path.with_name(path.name + SUFFIX)


def read(path: Path) -> dict[str, Any] | None:
    """The sidecar's sections (``tags`` and any others), or ``None`` without a file."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return None
    try:
        document = msgspec.json.decode(data)
    except msgspec.DecodeError as error:
        raise SidecarError(f"{path}: not JSON ({error})") from None
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise SidecarError(f'{path}: not a cocowidget sidecar (no "format": {FORMAT!r})')
    version = document.get("version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise SidecarError(f'{path}: "version" must be a positive integer, not {version!r}')
    if version > VERSION:
        raise SidecarError(
            f"{path}: written by a newer cocowidget (sidecar version {version}; this one "
            f"reads up to {VERSION}): upgrade cocowidget, or load with sidecar=False"
        )
    sections = {k: v for k, v in document.items() if k not in ("format", "version")}
    _check_tags(path, sections.get("tags", {}))
    _check_slices(path, sections.get("slices", {}))
    return sections


def _check_tags(path: Path, tags: Any) -> None:
    if not isinstance(tags, dict):
        raise SidecarError(f'{path}: "tags" must be an object of tag -> table -> ids')
    for name, tables in tags.items():
        if not isinstance(tables, dict) or not all(
            isinstance(ids, list) for ids in tables.values()
        ):
            raise SidecarError(f"{path}: tags[{name!r}] must be an object of table -> ids")


def _check_slices(path: Path, slices: Any) -> None:
    if not isinstance(slices, dict) or not all(isinstance(v, list) for v in slices.values()):
        raise SidecarError(f'{path}: "slices" must be an object of slice -> image ids')


def write(path: Path, sections: dict[str, Any]) -> Path:
    """Write the sidecar atomically (the old one stays whole until the new one is)."""
    document = {"format": FORMAT, "version": VERSION, **sections}
    encoded = msgspec.json.format(msgspec.json.encode(document), indent=1)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.partial")
    try:
        temporary.write_bytes(encoded)
        temporary.replace(path)
    finally:
        temporary.unlink(missing_ok=True)
    return path

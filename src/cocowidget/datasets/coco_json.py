"""Streaming writers for COCO instances files and results lists.

A train2017-sized instances file is ~390 MB of JSON; building it as one Python structure
would need several GB. These writers take one entry at a time, already encoded, so
memory stays flat whatever the size. One entry per line keeps the files greppable; the
result is ordinary JSON.
"""

from __future__ import annotations

from pathlib import Path
from types import TracebackType
from typing import IO, Any

import msgspec

_encode = msgspec.json.Encoder().encode

INFO: dict[str, Any] = {
    "description": "cocowidget synthetic demo dataset",
    "url": "https://github.com/cocowidget/cocowidget",
    "version": "1.0",
    "year": 2024,
    "contributor": "cocowidget.datasets",
    "date_created": "2024/01/01",  # fixed, so equal inputs give byte-identical files
}

# COCO's own licence table (images carry these ids in `license`).
LICENSES: list[dict[str, Any]] = [
    {"url": f"http://creativecommons.org/licenses/{path}/2.0/", "id": i, "name": name}
    for i, (path, name) in enumerate(
        [
            ("by-nc-sa", "Attribution-NonCommercial-ShareAlike License"),
            ("by-nc", "Attribution-NonCommercial License"),
            ("by-nc-nd", "Attribution-NonCommercial-NoDerivs License"),
            ("by", "Attribution License"),
            ("by-sa", "Attribution-ShareAlike License"),
            ("by-nd", "Attribution-NoDerivs License"),
        ],
        start=1,
    )
] + [
    {"url": "http://flickr.com/commons/usage/", "id": 7, "name": "No known copyright restrictions"},
    {"url": "http://www.usa.gov/copyright.shtml", "id": 8, "name": "United States Government Work"},
]


def encode(value: Any) -> bytes:
    data: bytes = _encode(value)
    return data


def with_id(fragment: bytes, ann_id: int) -> bytes:
    """Append `"id": ann_id` to an encoded annotation, where COCO puts it: last."""
    return b'%s,"id":%d}' % (fragment[:-1], ann_id)


class _AtomicFile:
    """Writes to a temporary sibling and renames on success, so a reader never sees a
    half-written file under the final name."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._partial = path.with_name(path.name + ".partial")
        path.parent.mkdir(parents=True, exist_ok=True)
        self.file: IO[bytes] = self._partial.open("wb", buffering=1 << 20)

    def close(self, success: bool) -> None:
        self.file.close()
        if success:
            self._partial.replace(self.path)
        else:
            self._partial.unlink(missing_ok=True)


class InstancesWriter:
    """`{"info", "licenses", "images": [...], "annotations": [...], "categories"}`,
    written in that order: all images first, then all annotations."""

    def __init__(self, path: Path, categories: list[dict[str, Any]]) -> None:
        self._out = _AtomicFile(path)
        self._categories = categories
        self._section = "images"
        self._first = True
        self.n_images = 0
        self.n_annotations = 0
        f = self._out.file
        f.write(b'{"info":%s,\n"licenses":%s,\n"images":[' % (encode(INFO), encode(LICENSES)))

    def add_image(self, image: dict[str, Any]) -> None:
        if self._section != "images":
            raise RuntimeError("all images must be written before the first annotation")
        self._entry(encode(image))
        self.n_images += 1

    def add_annotation(self, fragment: bytes) -> int:
        """Write an encoded annotation without `id`; returns the id given to it."""
        if self._section == "images":
            self._out.file.write(b'\n],\n"annotations":[')
            self._section, self._first = "annotations", True
        self.n_annotations += 1
        self._entry(with_id(fragment, self.n_annotations))
        return self.n_annotations

    def _entry(self, data: bytes) -> None:
        self._out.file.write(b"\n" if self._first else b",\n")
        self._out.file.write(data)
        self._first = False

    def __enter__(self) -> InstancesWriter:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if exc_type is None:
            if self._section == "images":
                self._out.file.write(b'\n],\n"annotations":[')
            self._out.file.write(b'\n],\n"categories":%s}\n' % encode(self._categories))
        self._out.close(success=exc_type is None)


class ResultsWriter:
    """A COCO results list: `[{"image_id", "category_id", "bbox", "score", ...}, ...]`."""

    def __init__(self, path: Path) -> None:
        self._out = _AtomicFile(path)
        self._out.file.write(b"[")
        self.count = 0

    def add(self, encoded: bytes) -> None:
        self._out.file.write(b"\n" if self.count == 0 else b",\n")
        self._out.file.write(encoded)
        self.count += 1

    def __enter__(self) -> ResultsWriter:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if exc_type is None:
            self._out.file.write(b"\n]\n")
        self._out.close(success=exc_type is None)

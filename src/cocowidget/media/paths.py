"""Keep image reads inside a dataset's image directory.

A COCO file is data from elsewhere: its ``file_name`` fields may be absolute or climb out
with ``..`` (``../../etc/passwd``). :func:`resolve_image_path` joins a ``file_name`` to the
image directory and refuses, with :class:`UnsafePathError`, any result that is not inside
it, unless the caller opts out with ``allow_outside=True``.

Symlinks are resolved on both sides before the comparison, so the image directory may
itself be a symlink, and a link *inside* it that points elsewhere counts as outside. The
returned path is the resolved one, so two names for one file give one cache entry.
"""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["UnsafePathError", "resolve_image_path"]


class UnsafePathError(ValueError):
    """A ``file_name`` that would read outside the image directory."""


def resolve_image_path(
    image_dir: str | os.PathLike[str],
    file_name: str | os.PathLike[str],
    *,
    allow_outside: bool = False,
) -> Path:
    """The resolved path of ``file_name`` inside ``image_dir``.

    Raises :class:`UnsafePathError` for an empty name, a name with a NUL byte, an absolute
    name, or one that resolves (following ``..`` and symlinks) outside ``image_dir``. With
    ``allow_outside=True`` absolute names and escapes are allowed (the path is still
    resolved). The file need not exist: a missing file is the reader's business.
    """
    name = os.fspath(file_name)
    if not name:
        raise UnsafePathError("empty file name")
    if "\x00" in name:
        raise UnsafePathError(f"file name {name!r} contains a NUL byte")
    candidate = Path(name)
    if candidate.is_absolute() and not allow_outside:
        raise UnsafePathError(f"absolute file name {name!r} is outside the image directory")
    root = Path(image_dir).resolve()
    resolved = (root / candidate).resolve()
    if not allow_outside and not resolved.is_relative_to(root):
        raise UnsafePathError(f"file name {name!r} resolves outside the image directory")
    return resolved

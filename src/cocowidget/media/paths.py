"""Keep image reads inside a dataset's image directory.

A COCO file is data from elsewhere: its ``file_name`` fields may be absolute or climb out
with ``..`` (``../../etc/passwd``). :func:`resolve_image_path` joins a ``file_name`` to the
image directory and refuses, with :class:`UnsafePathError`, any result that is not inside
it, unless the caller opts out with ``allow_outside=True``.

The rule is about *names*: a name may not be absolute or climb out with ``..``, judged on
the name itself (normalised without looking at the disk, so a symlinked folder followed by
``..`` cannot be used to climb either). A symlink the user placed inside the image
directory is followed wherever it points, as every tool and the OS do: folders made of
per-file links into a content store (DVC, git-annex, model-hub caches) are ordinary image
folders. The returned path is the resolved one, so two names for one file give one cache
entry.
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
    name, or one whose ``..`` parts climb out of ``image_dir``. Symlinks inside
    ``image_dir`` are followed, wherever they lead. With ``allow_outside=True`` absolute
    names and escapes are allowed (the path is still resolved). The file need not exist: a
    missing file is the reader's business.
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
    if allow_outside:
        return (root / candidate).resolve()
    # ``..`` is applied to the name before any link is followed: "linked_folder/../x" is
    # root/x, never the folder next to the link's target.
    normalized = os.path.normpath(name)
    if normalized == os.pardir or normalized.startswith(os.pardir + os.sep):
        raise UnsafePathError(f"file name {name!r} climbs outside the image directory")
    return (root / normalized).resolve()

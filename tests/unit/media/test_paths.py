from __future__ import annotations

import os
from pathlib import Path

import pytest

from cocowidget.media.paths import UnsafePathError, resolve_image_path


@pytest.fixture
def image_dir(tmp_path: Path) -> Path:
    root = tmp_path / "images"
    (root / "sub").mkdir(parents=True)
    (root / "a.jpg").write_bytes(b"x")
    (root / "sub" / "b.jpg").write_bytes(b"x")
    (tmp_path / "secret.txt").write_text("secret")
    return root


def test_plain_and_nested_names_resolve_inside(image_dir: Path) -> None:
    assert resolve_image_path(image_dir, "a.jpg") == (image_dir / "a.jpg").resolve()
    assert resolve_image_path(image_dir, "sub/b.jpg") == (image_dir / "sub" / "b.jpg").resolve()
    # ".." that stays inside is fine
    assert resolve_image_path(image_dir, "sub/../a.jpg") == (image_dir / "a.jpg").resolve()


def test_missing_file_inside_is_not_a_path_error(image_dir: Path) -> None:
    assert resolve_image_path(image_dir, "missing.jpg") == (image_dir / "missing.jpg").resolve()


@pytest.mark.parametrize(
    "name", ["../secret.txt", "../../etc/passwd", "sub/../../secret.txt", "..", "sub/../.."]
)
def test_escapes_are_refused(image_dir: Path, name: str) -> None:
    with pytest.raises(UnsafePathError, match="outside"):
        resolve_image_path(image_dir, name)


def test_absolute_names_are_refused(image_dir: Path) -> None:
    with pytest.raises(UnsafePathError, match="absolute"):
        resolve_image_path(image_dir, "/etc/passwd")
    # even an absolute name that points inside: file_name must be relative
    with pytest.raises(UnsafePathError, match="absolute"):
        resolve_image_path(image_dir, str(image_dir / "a.jpg"))


@pytest.mark.parametrize("name", ["", "a.jpg\x00.png"])
def test_empty_and_nul_names_are_refused(image_dir: Path, name: str) -> None:
    with pytest.raises(UnsafePathError):
        resolve_image_path(image_dir, name)


def test_symlink_inside_pointing_outside_is_refused(image_dir: Path) -> None:
    (image_dir / "link.txt").symlink_to(image_dir.parent / "secret.txt")
    with pytest.raises(UnsafePathError, match="outside"):
        resolve_image_path(image_dir, "link.txt")


def test_symlinked_image_dir_and_internal_links_are_fine(image_dir: Path, tmp_path: Path) -> None:
    alias = tmp_path / "alias"
    alias.symlink_to(image_dir, target_is_directory=True)
    (image_dir / "also_a.jpg").symlink_to(image_dir / "a.jpg")
    assert resolve_image_path(alias, "a.jpg") == (image_dir / "a.jpg").resolve()
    assert resolve_image_path(alias, "also_a.jpg") == (image_dir / "a.jpg").resolve()


def test_allow_outside_opts_out(image_dir: Path) -> None:
    secret = (image_dir.parent / "secret.txt").resolve()
    assert resolve_image_path(image_dir, "../secret.txt", allow_outside=True) == secret
    assert resolve_image_path(image_dir, os.fspath(secret), allow_outside=True) == secret


def test_unsafe_path_error_is_a_value_error() -> None:
    assert issubclass(UnsafePathError, ValueError)

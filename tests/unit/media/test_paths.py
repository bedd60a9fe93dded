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


def test_a_link_placed_inside_is_followed_wherever_it_points(image_dir: Path) -> None:
    # Per-file links into a content store (DVC, git-annex, hub caches) are image folders.
    store = image_dir.parent / "store"
    store.mkdir()
    (store / "blob").write_bytes(b"jpeg")
    (image_dir / "c.jpg").symlink_to(store / "blob")
    (image_dir / "linked").symlink_to(store, target_is_directory=True)
    assert resolve_image_path(image_dir, "c.jpg") == (store / "blob").resolve()
    assert resolve_image_path(image_dir, "linked/blob") == (store / "blob").resolve()


@pytest.mark.parametrize("name", ["linked/../../secret.txt", "linked/../../store/blob"])
def test_dot_dot_after_a_linked_folder_climbs_by_the_name(image_dir: Path, name: str) -> None:
    # ".." is judged on the name, before the link is followed: still out of the root.
    store = image_dir.parent / "store"
    (store / "deep").mkdir(parents=True)
    (image_dir / "linked").symlink_to(store / "deep", target_is_directory=True)
    with pytest.raises(UnsafePathError, match="outside"):
        resolve_image_path(image_dir, name)


def test_dot_dot_after_a_linked_folder_stays_in_the_root(image_dir: Path) -> None:
    # The OS would read "linked/../a.jpg" next to the link's target; the name means root/a.jpg.
    store = image_dir.parent / "store"
    store.mkdir()
    (store / "a.jpg").write_bytes(b"elsewhere")
    (image_dir / "folder").symlink_to(store, target_is_directory=True)
    assert resolve_image_path(image_dir, "folder/../a.jpg") == (image_dir / "a.jpg").resolve()


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

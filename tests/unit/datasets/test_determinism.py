"""Same parameters and seed give the same bytes, whatever the number of workers."""

from __future__ import annotations

from pathlib import Path

from cocowidget.datasets import generate_demo


def _tree(root: Path) -> dict[str, bytes]:
    return {
        str(path.relative_to(root)): path.read_bytes()
        for path in sorted(root.rglob("*"))
        if path.is_file() and path.name not in {"manifest.json", ".generate.lock"}
    }


def test_same_seed_gives_identical_files_serial_and_parallel(tmp_path: Path) -> None:
    serial = generate_demo(tmp_path / "a", 24, seed=5, broken_images=True, workers=1)
    parallel = generate_demo(tmp_path / "b", 24, seed=5, broken_images=True, workers=2)
    first, second = _tree(serial.root), _tree(parallel.root)
    assert len(first) > 24  # images, special files, both JSON files
    assert first.keys() == second.keys()
    different = [name for name in first if first[name] != second[name]]
    assert different == []


def test_another_seed_gives_other_data(tmp_path: Path) -> None:
    a = generate_demo(tmp_path / "a", 6, seed=1, workers=1)
    b = generate_demo(tmp_path / "b", 6, seed=2, workers=1)
    assert a.annotations.read_bytes() != b.annotations.read_bytes()
    assert _tree(a.root) != _tree(b.root)


def test_images_do_not_depend_on_how_many_follow(tmp_path: Path) -> None:
    """Each image is seeded from (seed, index), so a bigger dataset starts the same."""
    small = generate_demo(tmp_path / "small", 5, seed=9, workers=1)
    large = generate_demo(tmp_path / "large", 12, seed=9, workers=1)
    for path in small.image_dir.iterdir():
        assert (large.image_dir / path.name).read_bytes() == path.read_bytes()

"""Fixtures shared by unit and browser tests: the generated demo dataset and real data."""

from __future__ import annotations

from pathlib import Path

import pytest

from cocowidget.datasets import DemoPaths, generate_demo

SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"


@pytest.fixture(scope="session")
def demo(tmp_path_factory: pytest.TempPathFactory) -> DemoPaths:
    """A small generated dataset with predictions and the deliberately broken files."""
    return generate_demo(tmp_path_factory.mktemp("demo"), n_images=120, seed=7, broken_images=True)


@pytest.fixture(scope="session")
def shared_data() -> Path:
    if not SHARED_DATA.is_dir():
        pytest.skip(f"real COCO data not found at {SHARED_DATA} (it sits beside the project root)")
    return SHARED_DATA


@pytest.fixture(scope="session")
def coco_tiny(shared_data: Path) -> Path:
    path = shared_data / "coco_tiny"
    if not (path / "annotations" / "instances_val2017.json").is_file():
        pytest.skip(f"coco_tiny not found under {shared_data}")
    return path

"""Fixtures shared by unit and browser tests: the generated demo dataset and real data."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from cocowidget.datasets import DemoPaths, generate_demo
from tests.shared_data import COCO_TINY, SHARED_DATA, missing, reason


def pytest_sessionstart(session: pytest.Session) -> None:
    # A user's clone may lack the real data, and skips; CI must not pass without it.
    if os.environ.get("CI") and missing():
        pytest.exit(
            f"CI is set and the real COCO data is missing: {', '.join(missing())}; " + reason(),
            returncode=1,
        )


@pytest.fixture(scope="session")
def demo(tmp_path_factory: pytest.TempPathFactory) -> DemoPaths:
    """A small generated dataset with predictions and the deliberately broken files."""
    return generate_demo(tmp_path_factory.mktemp("demo"), n_images=120, seed=7, broken_images=True)


@pytest.fixture(scope="session")
def shared_data() -> Path:
    if not SHARED_DATA.is_dir():
        pytest.skip(reason())
    return SHARED_DATA


@pytest.fixture(scope="session")
def coco_tiny(shared_data: Path) -> Path:
    if not (COCO_TINY / "annotations" / "instances_val2017.json").is_file():
        pytest.skip(reason("coco_tiny"))
    return COCO_TINY

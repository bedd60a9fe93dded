"""Small generated datasets shared by the dataset generator's tests."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from cocowidget.datasets import DemoPaths, generate_coco_dict, generate_demo

SMALL_IMAGES = 40
SEED = 3


@pytest.fixture(scope="session")
def small_demo(tmp_path_factory: pytest.TempPathFactory) -> DemoPaths:
    """40 normal images plus every special file, with predictions."""
    out = tmp_path_factory.mktemp("small-demo")
    return generate_demo(out, SMALL_IMAGES, SEED, broken_images=True, workers=1)


@pytest.fixture(scope="session")
def coco_300() -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """A larger in-memory dataset for statistics (no pixels)."""
    return generate_coco_dict(300, seed=11)


def image_path(paths: DemoPaths, image: dict[str, Any]) -> Path:
    return paths.image_dir / str(image["file_name"])

"""Where the real COCO data for tests is: ``../shared/data`` beside the project root, or
the folder named by ``COCOWIDGET_SHARED_DATA``.

Tests that need it skip with the reason when it is absent, so a user's clone elsewhere
still runs the rest; with ``CI`` set, its absence fails the run (see ``conftest.py``).
"""

from __future__ import annotations

import os
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = Path(os.environ.get("COCOWIDGET_SHARED_DATA", REPO_ROOT.parent / "shared" / "data"))
COCO_TINY = SHARED_DATA / "coco_tiny"
VAL2014_100 = SHARED_DATA / "cocoapi_val2014_100"

#: What the tests read, each with the file that shows it is there.
REQUIRED = {
    "coco_tiny": COCO_TINY / "annotations" / "instances_val2017.json",
    "cocoapi_val2014_100": VAL2014_100 / "instances_val2014_100.json",
}


def missing() -> list[str]:
    """The parts of the shared data that are not there."""
    return [f"{name} ({path})" for name, path in REQUIRED.items() if not path.is_file()]


def reason(what: str = "real COCO data") -> str:
    return (
        f"{what} not found at {SHARED_DATA} (../shared/data beside the project root, "
        "or set COCOWIDGET_SHARED_DATA)"
    )

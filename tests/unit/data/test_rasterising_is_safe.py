"""Input pycocotools would die on (it does not raise: the process is killed) is refused
before it gets there; the file loads, and the problem is listed."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from cocowidget.data import segments

FAR = 1e10  # pycocotools walks the polygon's edges pixel by pixel: this exhausts memory


@pytest.mark.parametrize(
    ("value", "height", "width"),
    [
        ([[FAR, 1, 2, 3, 4, 5]], 10, 10),
        ([[float("nan"), 1, 2, 3, 4, 5]], 10, 10),
        ([[1, 2, 3, 4, 5, 6]], -5, 10),
        ({"size": [1 << 20, 1 << 20], "counts": "PP"}, 0, 0),
    ],
    ids=["far vertex", "NaN vertex", "negative size", "huge size"],
)
def test_unrasterisable_input_is_refused(value: object, height: int, width: int) -> None:
    with pytest.raises(ValueError, match=r"rasteris|finite"):
        segments.to_rle(value, height, width)


def test_a_file_with_a_far_vertex_loads_in_a_live_process(tmp_path: Path) -> None:
    document = {
        "images": [{"id": 1, "file_name": "a.jpg", "width": 10, "height": 10}],
        "annotations": [
            # No area: loading derives it from the polygon, the path that used to die.
            {
                "id": 1,
                "image_id": 1,
                "category_id": 1,
                "bbox": [1, 1, 2, 2],
                "iscrowd": 0,
                "segmentation": [[FAR, 1, 2, 3, 4, 5]],
            },
        ],
        "categories": [{"id": 1, "name": "thing"}],
    }
    path = tmp_path / "far.json"
    path.write_text(json.dumps(document))
    script = (
        "import warnings; warnings.simplefilter('ignore')\n"
        "import cocowidget as cw\n"
        f"ds = cw.CocoDataset.from_coco({str(path)!r})\n"
        "print(len(ds.annotations), sorted(set(ds.quality(check_files=False)['kind'].tolist())))\n"
        "try:\n    ds.masks(1)\nexcept ValueError as error:\n    print('masks:', error)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.startswith("1 ") and "invalid_segmentation" in done.stdout

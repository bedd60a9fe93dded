"""cocowidget in a plain script without a ``__main__`` guard: the script's body runs once
(worker processes never import it), stderr stays clean, nothing leaks, and a widget that
no front end displays starts no rendering."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from cocowidget.datasets import DemoPaths

TROUBLE = ("Traceback", "bootstrapping", "leaked", "BrokenProcessPool", "ResourceWarning")


def run_script(tmp_path: Path, body: str) -> subprocess.CompletedProcess[str]:
    script = tmp_path / "analysis.py"
    script.write_text(body)
    return subprocess.run(
        # ResourceWarnings (unclosed files, leaked semaphores) are hidden by default: shown.
        [sys.executable, "-W", "default::ResourceWarning", str(script)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_an_unguarded_script_runs_once_with_workers_and_a_clean_stderr(
    tmp_path: Path, demo: DemoPaths
) -> None:
    runs = tmp_path / "runs.txt"
    done = run_script(
        tmp_path,
        "import cocowidget as cw\n"
        "from cocowidget.media.executors import process_executor\n"
        "print('body ran')\n"
        f"with open({str(runs)!r}, 'a') as runs:\n    runs.write('x')\n"
        f"ds = cw.CocoDataset.from_coco({str(demo.annotations)!r},"
        f" image_dir={str(demo.image_dir)!r})\n"
        f"ds.add_predictions({str(demo.predictions)!r}, name='sim')\n"
        "grid = cw.CocoGrid(ds)\n"
        "explorer = cw.CocoExplorer(ds)\n"
        "ds.quality()\n"
        "ds.compute_pixel_statistics()\n"
        "evaluation = ds.evaluate('sim', iou_type='segm')\n"
        "pool = process_executor(2)  # the worker processes thumbnails render on\n"
        "print('workers', pool.submit(sum, [20, 22]).result())\n"
        "pool.shutdown()\n",
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.count("body ran") == 1
    assert runs.read_text() == "x"
    assert "workers 42" in done.stdout
    assert not [word for word in TROUBLE if word in done.stderr], done.stderr[-3000:]


def test_a_grid_no_front_end_displays_starts_no_workers(tmp_path: Path, demo: DemoPaths) -> None:
    done = run_script(
        tmp_path,
        "import multiprocessing\n"
        "import cocowidget as cw\n"
        "from cocowidget.media import executors\n"
        f"ds = cw.CocoDataset.from_coco({str(demo.annotations)!r},"
        f" image_dir={str(demo.image_dir)!r})\n"
        "grid = cw.CocoGrid(ds)\n"
        "print('children', len(multiprocessing.active_children()), executors._shared is None)\n",
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert "children 0 True" in done.stdout


def test_an_unguarded_script_generating_the_demo_on_workers_runs_once(tmp_path: Path) -> None:
    done = run_script(
        tmp_path,
        "from cocowidget.datasets import generate_demo\n"
        "print('body ran')\n"
        f"generate_demo({str(tmp_path / 'demo')!r}, n_images=40, seed=3, workers=2)\n",
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.count("body ran") == 1
    assert not [word for word in TROUBLE if word in done.stderr], done.stderr[-3000:]

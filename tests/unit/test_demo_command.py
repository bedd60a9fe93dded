"""`make demo` prints the URL of the notebook itself, on the chosen port, rooted so the
project's neighbours are reachable."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_demo_url_opens_the_notebook_on_the_chosen_port() -> None:
    done = subprocess.run(
        [
            sys.executable,
            str(ROOT / "scripts" / "demo.py"),
            "--dry-run",
            "--port",
            "8765",
            "--root",
            str(ROOT.parent),
            str(ROOT / "notebooks" / "quickstart.ipynb"),
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    expected = f"http://127.0.0.1:8765/lab/tree/{ROOT.name}/notebooks/quickstart.ipynb?token="
    assert expected in done.stdout
    assert f"--ServerApp.root_dir={ROOT.parent}" in done.stdout
    assert "--ServerApp.ip=127.0.0.1" in done.stdout


def test_a_notebook_outside_the_root_is_refused(tmp_path: Path) -> None:
    done = subprocess.run(
        [
            sys.executable,
            str(ROOT / "scripts" / "demo.py"),
            "--dry-run",
            "--root",
            str(tmp_path),
            str(ROOT / "notebooks" / "quickstart.ipynb"),
        ],
        capture_output=True,
        text=True,
    )
    assert done.returncode != 0
    assert "not inside the file browser's root" in done.stderr

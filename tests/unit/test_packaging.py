"""The wheel ships the built JS bundle, and the package imports from it alone."""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.skipif(shutil.which("npm") is None, reason="building the wheel needs npm")
def test_wheel_contains_the_bundle_and_imports(tmp_path: Path) -> None:
    source = tmp_path / "source"
    # A clean copy without the built bundle, so the wheel build must make it.
    shutil.copytree(
        ROOT,
        source,
        ignore=shutil.ignore_patterns(
            ".venv", "node_modules", "static", ".demo-data", "test-artifacts", ".git", ".cache"
        ),
    )
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", str(source), "--no-deps", "-w", str(tmp_path)],
        check=True,
        capture_output=True,
    )
    (wheel,) = tmp_path.glob("cocowidget-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert "cocowidget/static/grid.js" in names
    assert "cocowidget/static/grid.css" in names
    assert "cocowidget/static/readout.js" in names
    assert "cocowidget/static/summary.js" in names
    assert "cocowidget/static/theme.js" in names

    unpacked = tmp_path / "unpacked"
    zipfile.ZipFile(wheel).extractall(unpacked)
    check = (
        "import sys; sys.path.insert(0, sys.argv[1]); import cocowidget as cw;"
        "assert cw.__file__.startswith(sys.argv[1]), cw.__file__;"
        "from pathlib import Path; bundle = Path(cw.__file__).parent / 'static' / 'grid.js';"
        "assert bundle.stat().st_size > 10_000; assert 'render' in bundle.read_text();"
        "print('ok')"
    )
    result = subprocess.run(
        [sys.executable, "-c", check, str(unpacked)], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "ok"

"""Render the widgets on real data in JupyterLab + headless Chromium and save screenshots
under docs/ (run: .venv/bin/python scripts/screenshots.py)."""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.browser.live import live_notebook  # noqa: E402

TINY = ROOT.parent / "shared" / "data" / "coco_tiny"
DOCS = ROOT / "docs"


def main() -> None:
    DOCS.mkdir(exist_ok=True)
    with live_notebook("screenshots") as notebook:
        page = notebook.page
        notebook.run(
            "import cocowidget as cw\n"
            f"ds = cw.CocoDataset.from_coco('{TINY}/annotations/instances_val2017.json',"
            f" image_dir='{TINY}/val2017')\n"
            "grid = cw.CocoGrid(ds, thumbnail_size=200, height=640)\n"
            "grid"
        )
        page.wait_for_function(
            """() => [...document.querySelectorAll('.cw-cell:not([hidden]) img.cw-thumb')]
                 .filter(i => i.complete && i.naturalWidth > 0).length >= 20"""
        )
        page.wait_for_timeout(500)
        page.locator(".cw-grid").screenshot(path=str(DOCS / "grid-coco_tiny.png"))
        page.locator(".cw-cell[data-position='6']").hover()
        page.locator(".cw-preview:not([hidden]) img[src^='blob:']").wait_for()
        page.wait_for_timeout(300)
        page.screenshot(path=str(DOCS / "grid-hover-zoom.png"))
        page.mouse.move(2, 2)
        page.evaluate(
            "() => window.jupyterapp.commands.execute("
            "'apputils:change-theme', {theme: 'JupyterLab Dark'})"
        )
        page.wait_for_function("() => document.body.dataset.jpThemeLight === 'false'")
        page.wait_for_timeout(800)
        page.locator(".cw-grid").screenshot(path=str(DOCS / "grid-dark.png"))
    print(f"wrote grid-coco_tiny.png, grid-hover-zoom.png and grid-dark.png in {DOCS}")


if __name__ == "__main__":
    main()

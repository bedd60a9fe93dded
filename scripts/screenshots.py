"""Render the widgets on real data in JupyterLab + headless Chromium and save screenshots
under docs/ (run: .venv/bin/python scripts/screenshots.py)."""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS, EMPTY_NOTEBOOK  # noqa: E402
from tests.browser.jupyter_server import JupyterServer  # noqa: E402
from tests.browser.notebook_page import NotebookPage  # noqa: E402

TINY = ROOT.parent / "shared" / "data" / "coco_tiny"
DOCS = ROOT / "docs"


def main() -> None:
    DOCS.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        server = JupyterServer(Path(tmp) / "nb", Path(tmp) / "state")
        server.root_dir.mkdir()
        server.state_dir.mkdir()
        server.start()
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(
                    executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
                )
                page = browser.new_page(viewport={"width": 1400, "height": 1000})
                server.api("PUT", "/api/contents/shots.ipynb", EMPTY_NOTEBOOK)
                page.goto(server.url("/lab/tree/shots.ipynb"))
                notebook = NotebookPage(page)
                notebook.wait_for_kernel()
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
                grid = page.locator(".cw-grid")
                grid.screenshot(path=str(DOCS / "grid-coco_tiny.png"))
                page.locator(".cw-cell[data-position='6']").hover()
                page.locator(".cw-preview:not([hidden]) img[src^='blob:']").wait_for()
                page.wait_for_timeout(300)
                page.screenshot(path=str(DOCS / "grid-hover-zoom.png"))
                browser.close()
        finally:
            server.stop()
    print(f"wrote {DOCS / 'grid-coco_tiny.png'} and {DOCS / 'grid-hover-zoom.png'}")


if __name__ == "__main__":
    main()

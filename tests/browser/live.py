"""JupyterLab + headless Chromium outside pytest, for benchmarks and screenshots."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from playwright.sync_api import sync_playwright

from .conftest import CHROMIUM, CHROMIUM_ARGS, open_notebook
from .jupyter_server import JupyterServer
from .notebook_page import NotebookPage


@contextmanager
def live_notebook(
    name: str = "live",
    viewport: tuple[int, int] = (1400, 1000),
    extra_args: tuple[str, ...] = (),
) -> Iterator[NotebookPage]:
    """A notebook open in a throw-away JupyterLab, its kernel idle."""
    with tempfile.TemporaryDirectory() as tmp:
        server = JupyterServer(Path(tmp) / "nb", Path(tmp) / "state")
        server.root_dir.mkdir()
        server.state_dir.mkdir()
        server.start()
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(
                    executable_path=str(CHROMIUM),
                    headless=True,
                    args=[*CHROMIUM_ARGS, *extra_args],
                )
                try:
                    width, height = viewport
                    page = browser.new_page(viewport={"width": width, "height": height})
                    yield open_notebook(
                        server,
                        page,
                        f"{name}.ipynb",
                        f"/lab/workspaces/{name}/tree/{name}.ipynb?reset",
                    )
                finally:
                    browser.close()
        finally:
            server.stop()

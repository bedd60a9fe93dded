"""The first hour of a new user, walked in one notebook: the demo's URL opens the
notebook itself; a long call shows progress; the grid has a class legend, neutral
placeholders and a titled preview that marks the object pointed at; the explorer puts
its grid beside the charts when there is room; the evaluation view emphasises and counts
the class picked. In the light and the dark theme, wide and at 800 px.

With ``COCOWIDGET_SCREENSHOTS=<folder>`` each step is also saved as a picture there
(``make screenshots`` writes docs/newcomer-*.png this way).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Locator, Page, expect

from cocowidget.datasets import DemoPaths

from .conftest import EMPTY_NOTEBOOK
from .jupyter_server import JupyterServer
from .notebook_page import NotebookPage

ROOT = Path(__file__).resolve().parents[2]
SHOTS = os.environ.get("COCOWIDGET_SHOTS") or os.environ.get("COCOWIDGET_SCREENSHOTS")
LOADED = ".cw-cell:not([hidden]) img.cw-thumb[src^='blob:']"
PREVIEW = "body > .cw-preview:not([hidden])"

VARIANTS = {
    "light-wide": ("JupyterLab Light", 1400),
    "dark-wide": ("JupyterLab Dark", 1400),
    "light-800": ("JupyterLab Light", 800),
}


def shot(page: Page, variant: str, step: str, locator: Locator | None = None) -> None:
    """The page as the user sees it, cut to ``locator``'s part of the viewport (an
    element screenshot of a widget taller than the notebook's scroll area is garbled)."""
    if not SHOTS:
        return
    Path(SHOTS).mkdir(parents=True, exist_ok=True)
    clip = None
    if locator is not None:
        locator.scroll_into_view_if_needed()
        box = locator.bounding_box()
        size = page.viewport_size
        if box is not None and size is not None:
            top = max(box["y"], 0.0)
            bottom = min(box["y"] + box["height"], float(size["height"]))
            clip = {
                "x": max(box["x"], 0.0),
                "y": top,
                "width": box["width"],
                "height": max(bottom - top, 1.0),
            }
    page.screenshot(path=str(Path(SHOTS) / f"newcomer-{step}-{variant}.png"), clip=clip)


def test_the_demo_url_opens_the_notebook_itself(jupyter: JupyterServer, page: Page) -> None:
    """`make demo` prints a URL; opened, it shows the quickstart notebook, not the
    Launcher (scripts/demo.py is asked for the URL of this session's server)."""
    folder = jupyter.root_dir / "project" / "notebooks"
    folder.mkdir(parents=True, exist_ok=True)
    jupyter.api("PUT", "/api/contents/project/notebooks/quickstart.ipynb", EMPTY_NOTEBOOK)
    printed = subprocess.run(
        [
            sys.executable,
            str(ROOT / "scripts" / "demo.py"),
            "--dry-run",
            "--port",
            str(jupyter.port),
            "--root",
            str(jupyter.root_dir),
            str(folder / "quickstart.ipynb"),
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    found = re.search(r"open (http://\S+)", printed)
    assert found, printed
    url = re.sub(r"token=\w+", f"token={jupyter.token}", found.group(1))
    page.goto(url)
    tab = page.locator(".lm-TabBar-tab.jp-mod-current .lm-TabBar-tabLabel")
    expect(tab).to_have_text("quickstart.ipynb", timeout=60_000)
    expect(page.locator(".jp-NotebookPanel:visible")).to_have_count(1)
    expect(page.locator(".jp-Launcher:visible")).to_have_count(0)
    jupyter.shutdown_kernels()


@pytest.fixture
def themed(notebook: NotebookPage, request: pytest.FixtureRequest) -> Iterator[str]:
    """The notebook in the variant's theme and width; the session's theme back to light."""
    variant: str = request.param
    theme, width = VARIANTS[variant]
    page = notebook.page
    page.set_viewport_size({"width": width, "height": 1000})
    page.evaluate(
        "(theme) => window.jupyterapp.commands.execute('apputils:change-theme', {theme})",
        theme,
    )
    dark = theme.endswith("Dark")
    page.wait_for_function(
        "(dark) => document.body.dataset.jpThemeLight === String(!dark)", arg=dark
    )
    try:
        yield variant
    finally:
        page.evaluate(
            "() => window.jupyterapp.commands.execute('apputils:change-theme',"
            " {theme: 'JupyterLab Light'})"
        )


@pytest.mark.parametrize("themed", list(VARIANTS), indirect=True)
def test_a_newcomers_path(notebook: NotebookPage, demo: DemoPaths, themed: str) -> None:
    page = notebook.page
    variant = themed
    notebook.run(
        "import time, cocowidget as cw\n"
        "from concurrent.futures import ThreadPoolExecutor\n"
        "from cocowidget import progress\n"
        f"ds = cw.CocoDataset.from_coco({str(demo.annotations)!r},"
        f" image_dir={str(demo.image_dir)!r})\n"
        f"ds.add_predictions({str(demo.predictions)!r}, name='sim')\n"
        # Slowed, so the bar is seen: a real quality() on 2,000 images takes seconds.
        "class Slow(ThreadPoolExecutor):\n"
        "    def submit(self, fn, *args, **kwargs):\n"
        "        return super().submit(lambda: (time.sleep(1.5), fn(*args, **kwargs))[1])\n"
    )

    # quality() shows its progress in the cell, and the bar goes when it is done.
    index = page.evaluate(
        """async (code) => {
          const app = window.jupyterapp;
          const notebook = app.shell.currentWidget.content;
          notebook.activeCellIndex = notebook.widgets.length - 1;
          await app.commands.execute('notebook:insert-cell-below');
          const cell = notebook.activeCell;
          cell.model.sharedModel.setSource(code);
          cell.node.dataset.cwCell = String(notebook.widgets.indexOf(cell));
          app.commands.execute('notebook:run-cell');
          return notebook.widgets.indexOf(cell);
        }""",
        "problems = ds.quality(executor=Slow(1))\nlen(problems)",
    )
    cell = page.locator(f'[data-cw-cell="{index}"]')
    bar = cell.locator(".widget-hprogress, .jupyter-widget-progress, progress").first
    expect(bar).to_be_visible(timeout=30_000)
    # Not squeezed to nothing by its text in a narrow notebook.
    assert (bar.bounding_box() or {"width": 0})["width"] > 100
    expect(cell.locator(".jp-OutputArea")).to_contain_text("Checking image files")
    shot(page, variant, "progress", cell)
    expect(bar).to_have_count(0, timeout=60_000)
    assert notebook.value("len(problems)") > 0

    # The grid: a legend of the classes in view, no broken-image icons, a titled preview
    # that marks the object pointed at in its list.
    notebook.run("grid = cw.CocoGrid(ds, height=420)\ngrid")
    grid = page.locator(".cw-grid").last
    expect(grid.locator(LOADED).first).to_be_visible(timeout=30_000)
    legend = grid.locator(".cw-class-legend")
    expect(legend).to_be_visible()
    in_view = notebook.value(
        "sorted({str(n) for n in ds.objects_of(ds.images['id'][0])['category_name']})"
    )
    for name in in_view:
        expect(legend).to_contain_text(name)
    broken = grid.locator("img.cw-thumb:not([src])")
    for index in range(broken.count()):
        assert not broken.nth(index).is_visible(), "an image without a source is drawn"
    first = grid.locator(".cw-cell").first
    image_id = first.get_attribute("data-image-id")
    first.hover()
    preview = page.locator(PREVIEW)
    expect(preview.locator(".cw-preview-name")).to_contain_text(f" · id {image_id} · ")
    entry = preview.locator(".cw-preview-objects li").first
    expect(entry).to_be_visible(timeout=30_000)
    entry.hover()
    expect(preview.locator(".cw-preview-objects li.cw-marked")).to_have_count(1)
    shot(page, variant, "grid-preview")
    page.mouse.move(2, 2)
    expect(preview).to_have_count(0)

    # The explorer: its grid beside the charts when the notebook is wide, below at 800 px.
    notebook.run("explorer = cw.CocoExplorer(ds, height=480)\nexplorer")
    explorer = page.locator(".cw-explorer").last
    expect(explorer.locator(LOADED).first).to_be_visible(timeout=30_000)
    panel = explorer.locator(".cw-explorer-panel").bounding_box()
    body = explorer.locator(".cw-explorer-body .cw-grid").bounding_box()
    assert panel is not None and body is not None
    beside = body["x"] >= panel["x"] + panel["width"] - 1
    assert beside == (VARIANTS[variant][1] >= 1400), (panel, body)
    shot(page, variant, "explorer", explorer)

    # The evaluation view: the picked class is emphasised and counted alone.
    notebook.run(
        "ev = ds.evaluate('sim')\n"
        "view = cw.EvaluationView(ds, ev)\n"
        "picked = int(ev.category_ids[0])\n"
        "picked_name = str(ds.categories['name'][ds.category_row(picked)])\n"
        "view"
    )
    evaluation = page.locator(".cw-evaluation").last
    expect(evaluation.locator(LOADED).first).to_be_visible(timeout=30_000)
    notebook.run("view.selected_class = picked")
    name = notebook.value("picked_name")
    expect(evaluation.locator(".cw-grid-status")).to_contain_text(f"({name} only)")
    assert notebook.value("bool(view.grid.emphasized)")
    shot(page, variant, "evaluation", evaluation)

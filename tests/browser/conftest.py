"""Browser-test fixtures: one JupyterLab server and one headless Chromium per session,
a fresh notebook (with its own kernel) per test, and a screenshot when a test fails."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from .jupyter_server import JupyterServer
from .notebook_page import NotebookPage

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"

EMPTY_NOTEBOOK = {
    "type": "notebook",
    "content": {
        "cells": [],
        "metadata": {
            "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}
        },
        "nbformat": 4,
        "nbformat_minor": 5,
    },
}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/browser" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]):  # type: ignore[no-untyped-def]
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


def open_notebook(jupyter: JupyterServer, page: Page, name: str, url: str) -> NotebookPage:
    jupyter.api("PUT", f"/api/contents/{name}", EMPTY_NOTEBOOK)
    page.goto(jupyter.url(url))
    notebook = NotebookPage(page)
    notebook.wait_for_kernel()
    return notebook


@pytest.fixture(scope="session")
def jupyter(tmp_path_factory: pytest.TempPathFactory) -> Iterator[JupyterServer]:
    server = JupyterServer(
        root_dir=tmp_path_factory.mktemp("notebooks"),
        state_dir=tmp_path_factory.mktemp("jupyter-state"),
    )
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.fail(
            f"{CHROMIUM} is missing: browser tests need Debian's chromium "
            "(apt-get install chromium; `make test` installs it when apt is available)",
            pytrace=False,
        )
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def page(browser: Browser, request: pytest.FixtureRequest) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    console: list[str] = []
    page.on("console", lambda message: console.append(f"{message.type}: {message.text}"))
    page.on("pageerror", lambda error: console.append(f"pageerror: {error}"))
    try:
        yield page
    finally:
        report = getattr(request.node, "report_call", None)
        if report is not None and report.failed:
            ARTIFACTS.mkdir(exist_ok=True)
            name = re.sub(r"[^\w.-]+", "_", request.node.nodeid)
            page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
            (ARTIFACTS / f"{name}.console.txt").write_text("\n".join(console))
        context.close()


@pytest.fixture
def notebook(
    jupyter: JupyterServer, page: Page, request: pytest.FixtureRequest
) -> Iterator[NotebookPage]:
    """A new notebook open in JupyterLab, its kernel idle."""
    name = re.sub(r"[^\w]+", "_", request.node.name)[:80]
    try:
        # A fresh workspace per test, so JupyterLab does not reopen earlier tests' notebooks.
        url = f"/lab/workspaces/{name}/tree/{name}.ipynb?reset"
        yield open_notebook(jupyter, page, f"{name}.ipynb", url)
    finally:
        jupyter.shutdown_kernels()


@pytest.fixture
def classic_notebook(
    jupyter: JupyterServer, page: Page, request: pytest.FixtureRequest
) -> Iterator[NotebookPage]:
    """A new notebook open in Jupyter Notebook 7, its kernel idle."""
    name = re.sub(r"[^\w]+", "_", request.node.name)[:80] + ".ipynb"
    try:
        yield open_notebook(jupyter, page, name, f"/notebooks/{name}")
    finally:
        jupyter.shutdown_kernels()

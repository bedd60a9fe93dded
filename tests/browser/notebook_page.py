"""Drive a notebook in JupyterLab from a test: add cells, run them, read their outputs.

Cells are added and run through JupyterLab's own command registry (the server exposes
``window.jupyterapp``), so no keystrokes are simulated for code entry and outputs are
read from the notebook model exactly as they would be saved.
"""

from __future__ import annotations

import json
import time
from typing import Any

from playwright.sync_api import Locator, Page


class CellError(AssertionError):
    """A cell raised in the kernel; the message carries the traceback."""


_ADD_AND_RUN = """
async (code) => {
  const app = window.jupyterapp;
  const notebook = app.shell.currentWidget.content;
  notebook.activeCellIndex = notebook.widgets.length - 1;
  const last = notebook.activeCell;
  if (last.model.sharedModel.getSource() !== '' || last.model.executionCount !== null) {
    await app.commands.execute('notebook:insert-cell-below');
  }
  const cell = notebook.activeCell;
  cell.model.sharedModel.setSource(code);
  const index = notebook.widgets.indexOf(cell);
  cell.node.dataset.cwCell = String(index);
  await app.commands.execute('notebook:run-cell');
  return index;
}
"""

_CELL_DONE = """
(index) => {
  const notebook = window.jupyterapp.shell.currentWidget.content;
  const cell = notebook.widgets[index];
  const prompt = cell.node.querySelector('.jp-InputPrompt')?.textContent ?? '';
  return cell.model.executionCount !== null && !prompt.includes('*');
}
"""

_CELL_OUTPUTS = """
(index) => {
  const notebook = window.jupyterapp.shell.currentWidget.content;
  return notebook.widgets[index].model.outputs.toJSON();
}
"""


class NotebookPage:
    def __init__(self, page: Page) -> None:
        self.page = page

    def wait_for_kernel(self, timeout: float = 60_000) -> None:
        self.page.wait_for_function(
            """() => {
              const panel = window.jupyterapp?.shell?.currentWidget;
              const kernel = panel?.sessionContext?.session?.kernel;
              return !!kernel && kernel.status === 'idle'
                && kernel.connectionStatus === 'connected';
            }""",
            timeout=timeout,
        )

    def run(self, code: str, timeout: float = 60_000) -> str:
        """Run ``code`` in a new cell at the end; return its text output (stdout + results)."""
        index = self.page.evaluate(_ADD_AND_RUN, code)
        self.page.wait_for_function(_CELL_DONE, arg=index, timeout=timeout)
        outputs: list[dict[str, Any]] = self.page.evaluate(_CELL_OUTPUTS, index)
        self.last_index = index
        return _text_of(outputs)

    def value(self, expression: str, timeout: float = 60_000) -> Any:
        """Evaluate a Python expression in the kernel and return it, JSON round-tripped."""
        text = self.run(f"import json as _j; print(_j.dumps({expression}))", timeout=timeout)
        return json.loads(text.strip().splitlines()[-1])

    def value_becomes(self, expression: str, expected: Any, timeout: float = 10.0) -> Any:
        """Evaluate ``expression`` until it equals ``expected`` (state the browser sends
        the kernel, such as a selection, arrives on its own time); the last value."""
        deadline = time.monotonic() + timeout
        while True:
            value = self.value(expression)
            if value == expected or time.monotonic() > deadline:
                return value
            self.page.wait_for_timeout(200)

    def output(self, index: int | None = None) -> Locator:
        """The output area of a cell run by this page (the last one by default)."""
        chosen = self.last_index if index is None else index
        return self.page.locator(f'[data-cw-cell="{chosen}"] .jp-OutputArea')


def _text_of(outputs: list[dict[str, Any]]) -> str:
    parts: list[str] = []
    for output in outputs:
        kind = output.get("output_type")
        if kind == "error":
            traceback = "\n".join(output.get("traceback", []))
            raise CellError(f"{output.get('ename')}: {output.get('evalue')}\n{traceback}")
        if kind == "stream":
            text = output.get("text", "")
            parts.append(text if isinstance(text, str) else "".join(text))
        elif kind in ("execute_result", "display_data"):
            text = output.get("data", {}).get("text/plain", "")
            parts.append(text if isinstance(text, str) else "".join(text))
    return "".join(parts)

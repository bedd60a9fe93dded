"""CocoExplorer at train2017 scale: brush → shown ids in Python, brush end → repainted
grid in headless Chromium.

Run: .venv/bin/python benchmarks/bench_explorer.py [--images 118000] [--repeat 3] [--no-browser]

Data: ``write_annotations_only`` (118,000 images, ~873,000 objects, ~390 MB of JSON),
written once to a cache folder outside the repository (it takes minutes).

Figures (issue #5 targets in brackets), each the median (and worst) over several brush
intervals, beside a baseline measured in the same run:

Python, no browser (the comm is a no-op, so this is the kernel's own work):
- filter change → new shown-id list: ``FilterSet.assign`` + matching ids [≤ 100 ms];
  baseline: pandas, the same filters (boolean columns, ``isin`` for object-level ones).
- a brush release → the grid's new order set (and sent): the explorer updates the grid
  first, the charts after;
- a brush release handled in full by ``CocoExplorer``: shown ids, grid order, emphasis,
  every chart's cross-filtered counts, header; baseline: pandas computing the same ids
  and the same cross-filtered histograms.
  Cases: an image-level brush (width), an object-level brush (area), and a width brush
  while an object-level and a class filter are active.

Browser (JupyterLab + headless Chromium, the same dataset in the kernel):
- pointer released at the end of a brush drag on the width histogram → the grid's
  status and cells show the new result, next frame [≤ 300 ms]; baseline: the kernel
  round trip in the same page (a button whose click handler sets a label's text).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def load_average() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f}, {five:.2f}, {fifteen:.2f} on {os.cpu_count()} cores"


def dataset_file(n_images: int) -> Path:
    from cocowidget.datasets import write_annotations_only

    folder = Path(tempfile.gettempdir()) / "cocowidget-bench-explorer"
    folder.mkdir(exist_ok=True)
    path = folder / f"instances_{n_images}_seed0.json"
    if not path.exists():
        print(f"writing {n_images:,} images of annotations to {folder} (once; minutes) ...")
        write_annotations_only(path, n_images=n_images, seed=0)
    return path


def summary(samples: list[float]) -> str:
    return f"{statistics.median(samples):7.1f} ms (worst {max(samples):6.1f})"


def timed(action: Callable[[], Any]) -> float:
    start = time.perf_counter()
    action()
    return (time.perf_counter() - start) * 1000


# -- pandas baseline ---------------------------------------------------------------------------
class PandasExplorer:
    """The same filters and cross-filtered histograms, written the way one would in
    pandas: boolean columns, ``isin`` for object-level filters, ``np.histogram`` per chart."""

    def __init__(self, ds: Any, charts: dict[str, np.ndarray]) -> None:
        import pandas as pd

        self.images = pd.DataFrame(
            {c: ds.images[c] for c in ("id", "width", "height", "aspect_ratio", "object_count")}
            | {"object_density": ds.images["object_density"]}
        )
        self.objects = pd.DataFrame(
            {
                "image_id": ds.annotations["image_id"],
                "area": ds.annotations["area"],
                "relative_area": ds.annotations["relative_area"],
                "aspect_ratio": ds.annotations["aspect_ratio"],
                "category_name": ds.annotations["category_name"],
            }
        )
        self.charts = charts  # column key -> bin edges (None for the class chart)

    def _masks(self, filters: dict[str, Any], skip: str = "") -> tuple[Any, Any]:
        """Images passing every filter but ``skip`` (object filters: has a matching
        object), and objects passing every object-level filter but ``skip``."""
        images = np.ones(len(self.images), dtype=bool)
        objects = np.ones(len(self.objects), dtype=bool)
        object_filters = False
        for key, value in filters.items():
            if key == skip:
                continue
            if key.startswith("annotations."):
                object_filters = True
                column = self.objects[key.removeprefix("annotations.")]
                objects &= (
                    column.isin(value).to_numpy()
                    if isinstance(value, frozenset)
                    else column.between(*value).to_numpy()
                )
            else:
                images &= self.images[key].between(*value).to_numpy()
        if object_filters:
            matching = self.objects["image_id"][objects].unique()
            images &= self.images["id"].isin(matching).to_numpy()
        return images, objects

    def ids(self, filters: dict[str, Any]) -> list[int]:
        images, _ = self._masks(filters)
        return self.images["id"][images].tolist()  # type: ignore[no-any-return]

    def refresh(self, filters: dict[str, Any]) -> None:
        self.ids(filters)
        image_level = {k: v for k, v in filters.items() if not k.startswith("annotations.")}
        in_shown = (
            self.objects["image_id"].isin(self.images["id"][self._masks(image_level)[0]]).to_numpy()
        )
        for key, edges in self.charts.items():
            images, objects = self._masks(filters, skip=key)
            if key.startswith("annotations."):
                column = self.objects[key.removeprefix("annotations.")][objects & in_shown]
                if edges is None:
                    column.value_counts()
                else:
                    np.histogram(column, edges)
            else:
                np.histogram(self.images[key][images], edges)


# -- Python figures ----------------------------------------------------------------------------
def python_figures(ds: Any, repeat: int) -> None:
    from cocowidget.views.columns import ColumnCatalog
    from cocowidget.views.filters import FilterSet
    from cocowidget.widgets.charts import HistogramChart
    from cocowidget.widgets.explorer import CocoExplorer

    start = time.perf_counter()
    explorer = CocoExplorer(ds)
    built = time.perf_counter() - start
    print(f"CocoExplorer built in {built:.2f} s ({len(explorer.charts)} charts)")
    edges = {
        key: (chart.bins.edges if isinstance(chart, HistogramChart) else None)
        for key, chart in explorer.charts.items()
    }
    baseline = PandasExplorer(ds, edges)
    plain = FilterSet(ColumnCatalog.of(ds))
    image_ids = ds.images["id"]
    rng = np.random.default_rng(0)
    active_objects: dict[str, Any] = {
        "annotations.area": (0.0, 32.0**2),
        "annotations.category_name": frozenset({str(ds.annotations["category_name"][0])}),
    }
    # The grid's order is sent the moment it is set: the browser starts repainting while
    # the charts are still being counted.
    sent: list[float] = []
    explorer.grid.observe(lambda _: sent.append(time.perf_counter()), "_order")
    cases: list[tuple[str, str, dict[str, Any], list[tuple[float, float]]]] = [
        ("image-level brush (width)", "width", {}, _intervals(rng, 200, 640, 7)),
        ("object-level brush (area)", "annotations.area", {}, _intervals(rng, 50, 20_000, 7)),
        ("width brush, area + class active", "width", active_objects, _intervals(rng, 200, 640, 7)),
    ]
    print(f"\nPython, {len(ds.images):,} images, {len(ds.annotations):,} objects")
    print(f"({load_average()}; median of {repeat} × 7 intervals)")
    print(f"{'':36} {'cocowidget':<29}   pandas baseline")
    for title, key, others, intervals in cases:
        chart = explorer.charts[key]
        assert isinstance(chart, HistogramChart)
        explorer.filters = others
        ours_ids, ours_all, theirs_ids, theirs_all, to_grid = [], [], [], [], []
        for _ in range(repeat):
            for lo, hi in intervals:
                filters = {**others, key: (lo, hi)}
                plain.clear()
                ours_ids.append(
                    timed(lambda f=filters: plain.assign(f) and image_ids[plain.rows()])
                )
                theirs_ids.append(timed(lambda f=filters: baseline.ids(f)))
                brush = np.array([lo, hi])
                sent.clear()
                begun = time.perf_counter()
                ours_all.append(timed(lambda b=brush, c=chart: setattr(c.selector, "selected", b)))
                to_grid.append((sent[0] - begun) * 1000)
                theirs_all.append(timed(lambda f=filters: baseline.refresh(f)))
                expected = sorted(baseline.ids(filters))
                assert sorted(explorer.filtered_ids) == expected, title
                assert sorted(explorer.grid.shown_ids) == expected, title
        print(title)
        print(f"  {'filter → shown ids [≤ 100 ms]':34} {summary(ours_ids)}   {summary(theirs_ids)}")
        print(f"  {'brush release → grid order sent':34} {summary(to_grid)}")
        print(f"  {'brush release, everything':34} {summary(ours_all)}   {summary(theirs_all)}")
    explorer.reset()


def _intervals(
    rng: np.random.Generator, low: float, high: float, count: int
) -> list[tuple[float, float]]:
    values = np.sort(rng.uniform(low, high, (count, 2)), axis=1)
    return [(float(a), float(b)) for a, b in values]


# -- browser figures ---------------------------------------------------------------------------
RECORD = """
() => {
  window.__cwEvents = [];
  const up = () => window.__cwEvents.push(['up', performance.now(), '']);
  window.addEventListener('pointerup', up, true);
  const watch = (el, name) => new MutationObserver(() => {
    const text = el.textContent;
    requestAnimationFrame(() => window.__cwEvents.push([name, performance.now(), text]));
  }).observe(el, { childList: true, characterData: true, subtree: true });
  const statuses = document.querySelectorAll('.cw-grid-status');
  watch(statuses[statuses.length - 1], 'grid');
  const labels = document.querySelectorAll('.cw-bench-label');
  watch(labels[labels.length - 1], 'label');
}
"""


QUIET = """
(ms) => {
  const events = window.__cwEvents;
  const last = events.length ? events[events.length - 1][1] : 0;
  return events.some(e => e[0] === 'up') && performance.now() - last > ms;
}
"""


def browser_figures(path: Path, repeat: int) -> None:
    from tests.browser.live import live_notebook

    with live_notebook("bench_explorer", viewport=(1500, 1100)) as notebook:
        page = notebook.page
        start = time.perf_counter()
        notebook.run(
            "import warnings; warnings.simplefilter('ignore')\n"
            "import cocowidget as cw, ipywidgets as w\n"
            f"ds = cw.CocoDataset.from_coco({str(path)!r})\n"
            "explorer = cw.CocoExplorer(ds)\n"
            "label = w.Label('0'); label.add_class('cw-bench-label')\n"
            "button = w.Button(description='round trip')\n"
            "button.on_click(lambda _: setattr(label, 'value', str(int(label.value) + 1)))\n"
            "display(w.HBox([button, label]))\n"
            "explorer",
            timeout=600_000,
        )
        page.locator(".cw-categories .bargroup").first.wait_for(state="attached", timeout=120_000)
        page.locator(".cw-cell").first.wait_for(state="attached", timeout=120_000)
        print(
            f"\nBrowser: dataset loaded and explorer shown in {time.perf_counter() - start:.1f} s"
        )
        page.evaluate(RECORD)
        from cocowidget.widgets.charts.style import MARGIN

        chart = page.locator(".cw-histogram", has_text="image width")
        rng = np.random.default_rng(1)
        brush_ms: list[float] = []
        total = notebook.value("len(ds.images)")
        already_painted = unchanged = 0
        for _ in range(repeat * 5):
            a, b = np.sort(rng.uniform(0.05, 0.95, 2))
            if b - a < 0.1:
                continue
            # Running a cell scrolls the notebook: find the chart again before each drag.
            chart.evaluate("el => el.scrollIntoView({ block: 'center' })")
            box = chart.locator("svg").first.bounding_box()
            assert box is not None
            left = box["x"] + MARGIN["left"]
            width = box["width"] - MARGIN["left"] - MARGIN["right"]
            y = box["y"] + MARGIN["top"] + 40
            page.evaluate("() => { window.__cwEvents = []; }")
            page.mouse.move(left + a * width, y)
            page.mouse.down()
            for step in range(1, 6):  # a quick drag: the release usually finds work pending
                page.mouse.move(left + (a + (b - a) * step / 5) * width, y)
            page.mouse.up()
            # ipywidgets holds a model's updates back while the kernel is busy with the
            # previous one, so a cell run now could overtake the release: wait until the
            # grid has been quiet for a while instead, then check against Python.
            page.wait_for_function(QUIET, arg=1500, timeout=60_000, polling=100)
            shown = notebook.value("len(explorer.filtered_ids)")
            final = f"{shown} of {total} images" if shown != total else f"{total} images"
            events = page.evaluate("() => window.__cwEvents")
            up = next(t for kind, t, _ in events if kind == "up")
            repaints = [e for e in events if e[0] == "grid"]
            if not repaints:
                unchanged += 1  # the brush selected what was already shown
                continue
            assert repaints[-1][2].startswith(final), (repaints[-1][2], final)
            # The grid sets its status at every layout (a thumbnail arriving, a scroll),
            # so the repaint that counts is the first of the final run showing the result.
            first = len(repaints)
            while first > 0 and repaints[first - 1][2].startswith(final):
                first -= 1
            painted = repaints[first][1]
            if painted < up:
                already_painted += 1
            else:
                brush_ms.append(painted - up)

        round_trip_ms: list[float] = []
        for k in range(len(brush_ms)):
            page.evaluate("() => { window.__cwEvents = []; }")
            page.get_by_role("button", name="round trip").click()
            page.wait_for_function(
                "n => window.__cwEvents.some(e => e[0] === 'label' && e[2] === String(n))",
                arg=k + 1,
            )
            events = page.evaluate("() => window.__cwEvents")
            up = next(t for kind, t, _ in events if kind == "up")
            round_trip_ms.append(next(t for kind, t, _ in events if kind == "label") - up)
        print(f"Browser ({load_average()})")
        print(f"  brush end → grid repainted [≤ 300 ms]  {summary(brush_ms)}   n={len(brush_ms)}")
        if already_painted or unchanged:
            print(
                f"  ({already_painted} releases found the result painted during the drag,"
                f" {unchanged} drags changed nothing)"
            )
        print(f"  baseline: kernel round trip (button)   {summary(round_trip_ms)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=118_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--no-browser", action="store_true")
    args = parser.parse_args()
    path = dataset_file(args.images)
    from cocowidget.dataset import CocoDataset

    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ds = CocoDataset.from_coco(path)
    print(f"{ds} loaded in {time.perf_counter() - start:.1f} s")
    python_figures(ds, args.repeat)
    if not args.no_browser:
        del ds
        browser_figures(path, args.repeat)


if __name__ == "__main__":
    main()

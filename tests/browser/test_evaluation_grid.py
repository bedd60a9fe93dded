"""Evaluation in the grid: match colours, worst images first, thresholds that recolour
and recount, and an objects view of false positives."""

from __future__ import annotations

from playwright.sync_api import expect

from cocowidget.datasets import DemoPaths

from .notebook_page import NotebookPage
from .test_grid import LOADED, cell

# Canvas pixels of a status colour (views/colors STATUS_COLORS), over every shown row.
COUNT_COLOUR = """
([r, g, b]) => {
  let n = 0;
  for (const c of document.querySelectorAll('canvas.cw-row-overlay:not([hidden])')) {
    if (!c.width) continue;
    const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    for (let i = 0; i < d.length; i += 4)
      if (d[i + 3] > 200 && Math.abs(d[i] - r) < 8 && Math.abs(d[i + 1] - g) < 8
          && Math.abs(d[i + 2] - b) < 8) n++;
  }
  return n;
}
"""
TP_GREEN = [0x2E, 0x9E, 0x44]
FP_RED = [0xE5, 0x39, 0x35]
MISSED_AMBER = [0xFF, 0xB3, 0x00]


def test_match_colours_worst_first_thresholds_and_false_positive_view(
    notebook: NotebookPage, demo: DemoPaths
) -> None:
    notebook.run(
        "import cocowidget as cw\n"
        f"ds = cw.CocoDataset.from_coco({str(demo.annotations)!r},"
        f" image_dir={str(demo.image_dir)!r})\n"
        f"ds.add_predictions({str(demo.predictions)!r}, name='sim')\n"
        "ev = ds.evaluate('sim')\n"
        "grid = cw.CocoGrid(ds, evaluation=ev, sort_by='sim.ap', show_masks=False)\n"
        "grid"
    )
    page = notebook.page
    expect(page.locator(LOADED).first).to_be_visible(timeout=30_000)
    worst = notebook.value(
        "int(ds.images['id'][__import__('numpy').nanargmin(ds.images['sim.ap'])])"
    )
    expect(cell(notebook, 0)).to_have_attribute("data-image-id", str(worst))
    page.wait_for_function(f"() => ({COUNT_COLOUR})({FP_RED}) > 0")
    assert page.evaluate(COUNT_COLOUR, MISSED_AMBER) > 0
    # The worst images are nearly all misses; the best, true positives.
    notebook.run("grid.sort_by = '-sim.ap'")
    page.wait_for_function(f"() => ({COUNT_COLOUR})({TP_GREEN}) > 500")
    assert page.evaluate(COUNT_COLOUR, TP_GREEN) > 5 * page.evaluate(COUNT_COLOUR, FP_RED)
    notebook.run("grid.sort_by = 'sim.ap'")
    expect(cell(notebook, 0)).to_have_attribute("data-image-id", str(worst))
    page.wait_for_function(f"() => ({COUNT_COLOUR})({FP_RED}) > 0")

    before = notebook.value("grid.evaluation_counts")
    red_before = page.evaluate(COUNT_COLOUR, FP_RED)
    slider = page.locator(".cw-threshold")
    slider.evaluate("el => { el.value = '0.9'; el.dispatchEvent(new Event('input')); }")
    page.wait_for_function(f"() => ({COUNT_COLOUR})({FP_RED}) < {red_before}")
    after = notebook.value("grid.evaluation_counts")
    assert notebook.value("grid.score_threshold") == 0.9
    assert after["fp"] < before["fp"] and after["fn"] > before["fn"]
    expected = notebook.value(
        "[int(x) for x in (lambda c: (c.tp.sum(), c.fp.sum(), c.fn.sum()))"
        "(ev.image_counts(0.5, 0.9))]"
    )
    assert [after["tp"], after["fp"], after["fn"]] == expected
    expect(page.locator(".cw-grid-status").first).to_contain_text(f"FP {after['fp']:,}")

    notebook.run(
        "runs = ds.predictions['sim']\n"
        "wrong = (runs['sim.outcome50'] != 'true positive') & (runs['score'] >= 0.3)\n"
        "objects = cw.ObjectGrid(\n"
        "    ds, run='sim', ids=runs['id'][wrong].tolist(), evaluation=ev, sort_by='-score'\n"
        ")\n"
        "objects"
    )
    objects = page.locator(".cw-grid").last
    expect(objects.locator(".cw-grid-status")).to_contain_text("objects")
    # Its counts are of the crops shown, at the evaluation's score threshold.
    counts = notebook.value("objects.evaluation_counts")
    assert counts == notebook.value(
        "{'tp': 0, 'fp': int(__import__('numpy').isin(objects.shown_ids,"
        " __import__('cocowidget.views.evaluation_filters', fromlist=['x'])"
        ".false_positive_ids(ev)).sum())}"
    )
    assert 0 < counts["fp"] < notebook.value("len(objects.shown_ids)")
    status = objects.locator(".cw-grid-status")
    expect(status).to_contain_text(f"TP 0 · FP {counts['fp']:,} at IoU 0.50, score ≥ 0.50")
    expect(status).not_to_contain_text("FN")
    expect(objects.locator(LOADED).first).to_be_visible(timeout=30_000)
    first = objects.locator(".cw-cell[data-position='0']")
    second = objects.locator(".cw-cell[data-position='1']")
    first.click()
    second.click(modifiers=["Control"])
    expected_ids = notebook.value("objects.shown_ids[:2]")
    page.wait_for_function(
        "() => [...document.querySelectorAll('.cw-grid')].pop()"
        ".querySelectorAll('.cw-cell.cw-selected').length === 2"
    )
    assert sorted(notebook.value("objects.selected")) == sorted(expected_ids)
    outcomes = notebook.value(
        "[str(ds.predictions['sim']['sim.outcome50'][list(ds.predictions['sim']['id']).index(i)])"
        " for i in objects.selected]"
    )
    assert all(outcome != "true positive" for outcome in outcomes)


def test_the_status_names_the_thresholds_its_counts_are_at(
    notebook: NotebookPage, demo: DemoPaths
) -> None:
    notebook.run(
        "import cocowidget as cw\n"
        f"ds = cw.CocoDataset.from_coco({str(demo.annotations)!r},"
        f" image_dir={str(demo.image_dir)!r})\n"
        f"ds.add_predictions({str(demo.predictions)!r}, name='sim')\n"
        "ev = ds.evaluate('sim')\n"
        "runs = ds.predictions['sim']\n"
        "wrong = (runs['sim.outcome50'] != 'true positive') & (runs['score'] >= 0.3)\n"
        "objects = cw.ObjectGrid(ds, run='sim', ids=runs['id'][wrong].tolist(), evaluation=ev)\n"
        "objects"
    )
    page = notebook.page
    status = page.locator(".cw-grid-status")
    expect(status).to_contain_text("at IoU 0.50, score ≥ 0.50")
    counts = notebook.value("objects.evaluation_counts")
    # Crops of false positives at IoU 0.50 are false positives at 0.75 too: the counts
    # stay as they are, and the status still follows the thresholds.
    page.locator(".cw-grid .cw-iou").select_option("0.75")
    assert notebook.value_becomes("objects.iou_threshold", 0.75) == 0.75
    assert notebook.value("objects.evaluation_counts") == counts
    expect(status).to_contain_text(f"FP {counts['fp']:,} at IoU 0.75, score ≥ 0.50")
    notebook.run("objects.score_threshold = 0.6")
    expect(status).to_contain_text("at IoU 0.75, score ≥ 0.60")
    expect(status).to_contain_text(f"FP {notebook.value('objects.evaluation_counts')['fp']:,}")

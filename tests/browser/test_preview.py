"""The hover preview and what the grid says about its colours: where the preview goes and
when it closes, its title and zoom, the object it marks, one vocabulary of outcomes, the
class legend and the outcome on each crop of a detection."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import Locator, Page, expect

from cocowidget.datasets import DemoPaths

from .notebook_page import NotebookPage
from .test_grid import LOADED, cell, open_grid

PREVIEW = ".cw-preview:not([hidden])"
# Pixels of the marked object's white halo on the preview's overlay (nothing else is
# drawn white: category colours are at most 61% light, status colours are not white).
WHITE_PIXELS = """() => {
  const c = document.querySelector('.cw-preview:not([hidden]) .cw-preview-overlay');
  const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
  let n = 0;
  for (let i = 0; i < d.length; i += 4)
    if (d[i] > 245 && d[i + 1] > 245 && d[i + 2] > 245 && d[i + 3] > 245) n++;
  return n;
}"""
# The colours boxes are drawn in by outcome (overlay/colors.ts STATUS_COLORS).
STATUS_RGB = {
    "tp": "rgb(46, 158, 68)",
    "fp": "rgb(229, 57, 53)",
    "found": "rgb(30, 136, 229)",
    "fn": "rgb(255, 179, 0)",
    "ignored": "rgb(158, 158, 158)",
}
# What an outcome reads as, from Python (the browser has the same words, generated).
OUTCOME_HELPER = """
import numpy as _np
from cocowidget.evaluation.operating_point import VERDICT_TEXT, Verdict
from cocowidget.evaluation.outcomes import DetectionOutcome

def outcome_text(grid, ev, detection_id):
    row = int(_np.flatnonzero(ds.predictions[ev.run]['id'] == detection_id)[0])
    k = int(_np.argmin(_np.abs(ev.iou_thresholds - grid.iou_threshold)))
    verdict = Verdict(int(ev.detection_matches.verdicts(k, grid.score_threshold)[row]))
    text = VERDICT_TEXT[verdict]
    if verdict == Verdict.FP:
        text += ' · ' + DetectionOutcome(int(ev.detections['outcome'][row, k])).text
    return text

def detection_facts(grid, ev, detection_id):
    # How the preview names a detection ("source:row"), its class and its outcome.
    row = int(_np.flatnonzero(ds.predictions[ev.run]['id'] == detection_id)[0])
    name = str(ds.predictions[ev.run]['category_name'][row])
    return [f"{ds.runs[ev.run].number}:{row}", name, outcome_text(grid, ev, detection_id)]
"""


def box(locator: Locator) -> dict[str, float]:
    found = locator.bounding_box()
    assert found is not None
    return found


def overlaps(a: dict[str, float], b: dict[str, float]) -> bool:
    return (
        a["x"] < b["x"] + b["width"]
        and b["x"] < a["x"] + a["width"]
        and a["y"] < b["y"] + b["height"]
        and b["y"] < a["y"] + a["height"]
    )


def open_evaluated(notebook: NotebookPage, demo: DemoPaths, grid: str) -> None:
    notebook.run(
        "import cocowidget as cw\n"
        f"ds = cw.CocoDataset.from_coco({str(demo.annotations)!r},"
        f" image_dir={str(demo.image_dir)!r})\n"
        f"ds.add_predictions({str(demo.predictions)!r}, name='sim')\n"
        "ev = ds.evaluate('sim')\n"
        "runs = ds.predictions['sim']\n"
        "wrong = (runs['sim.outcome50'] != 'true positive') & (runs['score'] >= 0.3)\n"
        f"{OUTCOME_HELPER}\n"
        f"grid = {grid}\n"
        "grid"
    )
    expect(notebook.page.locator(LOADED).first).to_be_visible(timeout=30_000)


def move_into(page: Page, target: Locator) -> None:
    """Move the pointer in steps (as a hand does) to the middle of `target`'s left part."""
    where = box(target)
    page.mouse.move(where["x"] + 20, where["y"] + where["height"] / 2, steps=12)


def test_the_preview_sits_beside_its_cell_and_closes_on_click_and_on_leaving(
    notebook: NotebookPage, demo: DemoPaths
) -> None:
    page = notebook.page
    page.set_viewport_size({"width": 800, "height": 900})
    open_grid(notebook, demo.annotations, demo.image_dir)
    preview = page.locator(PREVIEW)
    viewport = {"x": 0, "y": 0, "width": 800, "height": 900}
    for position in (0, 1, 3):
        target = cell(notebook, position)
        image_id = target.get_attribute("data-image-id")
        target.hover()
        expect(preview.locator(".cw-preview-name")).to_contain_text(f" · id {image_id} · ")
        shown = box(preview)
        assert not overlaps(shown, box(target)), f"the preview of {position} covers its cell"
        assert shown["x"] >= 0 and shown["y"] >= 0
        assert shown["x"] + shown["width"] <= viewport["width"]
        assert shown["y"] + shown["height"] <= viewport["height"]

    # A click (selecting) closes it; moving on to another cell previews that one, and
    # coming back previews the clicked one again.
    first = cell(notebook, 0)
    first.click()
    expect(preview).to_have_count(0)
    expect(page.locator(".cw-cell.cw-selected")).to_have_count(1)
    cell(notebook, 1).hover()
    expect(preview.locator(".cw-preview-name")).to_contain_text(
        f" · id {cell(notebook, 1).get_attribute('data-image-id')} · "
    )
    first.hover()
    expect(preview.locator(".cw-preview-name")).to_contain_text(
        f" · id {first.get_attribute('data-image-id')} · "
    )
    # Leaving the grid (not for the preview) closes it.
    page.mouse.move(790, 890)
    expect(preview).to_have_count(0)
    # So does a click on the preview itself, which hides what is under it.
    first.hover()
    expect(preview).to_have_count(1)
    move_into(page, preview.locator(".cw-preview-stage"))
    expect(preview).to_have_count(1)  # the pointer may go over to it
    preview.locator(".cw-preview-stage").click()
    expect(preview).to_have_count(0)


def test_the_title_names_file_id_and_size_and_the_zoom_level_follows_the_wheel(
    notebook: NotebookPage, demo: DemoPaths
) -> None:
    open_grid(notebook, demo.annotations, demo.image_dir)
    page = notebook.page
    target = cell(notebook, 2)
    image_id = int(target.get_attribute("data-image-id") or 0)
    file_name, width, height = notebook.value(
        f"(lambda r: [str(ds.images['file_name'][r]), int(ds.images['width'][r]),"
        f" int(ds.images['height'][r])])(ds.image_row({image_id}))"
    )
    target.hover()
    preview = page.locator(PREVIEW)
    expect(preview.locator(".cw-preview-name")).to_have_text(
        f"{file_name} · id {image_id} · {width}×{height}"
    )
    zoom = preview.locator(".cw-preview-zoom")
    expect(zoom).to_have_text("×1")
    expect(preview.locator(".cw-preview-hint")).to_contain_text("wheel to zoom")
    # Ctrl + wheel over the cell zooms (a plain wheel there scrolls the grid) ...
    page.keyboard.down("Control")
    page.mouse.wheel(0, -300)
    page.keyboard.up("Control")
    expect(zoom).to_have_text("×1.25")
    # ... and a plain wheel over the preview's image zooms, around the pointer.
    move_into(page, preview.locator(".cw-preview-stage"))
    page.mouse.wheel(0, -300)
    expect(zoom).to_have_text("×1.56")
    page.mouse.wheel(0, 300)
    expect(zoom).to_have_text("×1.25")
    assert page.locator(".cw-grid-scroller").evaluate("el => el.scrollTop") == 0


def test_an_object_grid_marks_the_hovered_detection_in_the_image_and_the_list(
    notebook: NotebookPage, demo: DemoPaths
) -> None:
    page = notebook.page
    page.set_viewport_size({"width": 800, "height": 900})
    open_evaluated(
        notebook,
        demo,
        "cw.ObjectGrid(ds, run='sim', ids=runs['id'][wrong].tolist(), evaluation=ev,"
        " sort_by='-score')",
    )
    for position in (0, 3):
        detection = int(cell(notebook, position).get_attribute("data-item-id") or 0)
        key, name, outcome = notebook.value(f"detection_facts(grid, ev, {detection})")
        cell(notebook, position).hover()
        preview = page.locator(PREVIEW)
        expect(preview).to_have_attribute("data-marked", key)
        marked = preview.locator(".cw-preview-objects li.cw-marked")
        expect(marked).to_have_count(1)
        expect(marked).to_have_attribute("data-key", key)
        # Listed first, as what the crop showed: its class and its outcome.
        expect(preview.locator(".cw-preview-objects li").first).to_have_attribute("data-key", key)
        expect(marked).to_contain_text(f"{name} · {outcome} · sim ")
        page.wait_for_function(f"() => ({WHITE_PIXELS})() > 20")
        page.mouse.move(5, 5)
        expect(page.locator(PREVIEW)).to_have_count(0)


def test_pointing_at_an_entry_of_the_list_marks_that_object_in_the_image(
    notebook: NotebookPage, demo: DemoPaths
) -> None:
    open_grid(notebook, demo.annotations, demo.image_dir)
    page = notebook.page
    # An image with a few objects, so that the list has more than one entry.
    position = next(
        p
        for p in range(12)
        if notebook.value(
            f"len(ds.objects_of(int({cell(notebook, p).get_attribute('data-image-id')})))"
        )
        >= 3
    )
    cell(notebook, position).hover()
    preview = page.locator(PREVIEW)
    entries = preview.locator(".cw-preview-objects li")
    expect(entries.nth(2)).to_be_visible()
    expect(preview).to_have_attribute("data-marked", "")
    assert page.evaluate(WHITE_PIXELS) == 0  # nothing marked yet
    for index in (1, 2):
        entry = entries.nth(index)
        move_into(page, entry)
        key = entry.get_attribute("data-key")
        expect(preview).to_have_attribute("data-marked", key or "")
        expect(entry).to_have_class("cw-marked")
        expect(preview.locator("li.cw-marked")).to_have_count(1)
        page.wait_for_function(f"() => ({WHITE_PIXELS})() > 20")
    # Off the list, nothing is marked.
    move_into(page, preview.locator(".cw-preview-stage"))
    expect(preview).to_have_attribute("data-marked", "")
    expect(preview.locator("li.cw-marked")).to_have_count(0)
    page.wait_for_function(f"() => ({WHITE_PIXELS})() === 0")


def test_outcomes_read_tp_fp_fn_in_the_colours_of_their_boxes(
    notebook: NotebookPage, demo: DemoPaths
) -> None:
    open_evaluated(notebook, demo, "cw.CocoGrid(ds, evaluation=ev, sort_by='sim.ap')")
    page = notebook.page
    words: dict[str, str] = notebook.value("{v.key: t for v, t in VERDICT_TEXT.items()}")
    reasons = notebook.value("[o.text for o in DetectionOutcome]")
    legend = page.locator(".cw-legend > span")
    assert legend.all_inner_texts() == [words[v] for v in ("tp", "fp", "found", "fn", "ignored")]
    # The worst images first (misses), and the first with false positives.
    with_fp = notebook.value(
        "(lambda c: next(p for p, i in enumerate(grid.shown_ids)"
        " if c.fp[list(ev.image_ids).index(i)] > 0))"
        "(ev.image_counts(grid.iou_threshold, grid.score_threshold))"
    )
    assert with_fp < 12, "the demo's worst images have no false positive in sight"
    seen: set[str] = set()
    for position in (0, 1, with_fp):
        cell(notebook, position).hover()
        preview = page.locator(PREVIEW)
        expect(preview.locator(".cw-preview-name")).to_contain_text(
            f" · id {cell(notebook, position).get_attribute('data-image-id')} · "
        )
        entries: list[dict[str, Any]] = preview.locator(".cw-preview-objects li").evaluate_all(
            """items => items.filter(li => li.dataset.verdict).map(li => ({
                 verdict: li.dataset.verdict, text: li.textContent,
                 colour: getComputedStyle(li.querySelector('.cw-swatch')).backgroundColor }))"""
        )
        for entry in entries:
            outcome = entry["text"].split(" · ")[1]
            if entry["verdict"] == "fp":
                assert entry["text"].split(" · ")[2] in reasons
            assert outcome == words[entry["verdict"]]
            assert entry["colour"] == STATUS_RGB[entry["verdict"]], entry
            seen.add(entry["verdict"])
        text = f"{page.locator('.cw-grid').inner_text()} {preview.inner_text()}".lower()
        assert "matched" not in text and "missed" not in text
    assert {"fp", "fn"} <= seen


# The cells in the scroller's view (not the overscan above and below it).
IN_VIEW = """() => {
  const view = document.querySelector('.cw-grid-scroller').getBoundingClientRect();
  return [...document.querySelectorAll('.cw-cell:not([hidden])')].filter((c) => {
    const r = c.getBoundingClientRect();
    return r.bottom > view.top && r.top < view.bottom;
  });
}"""


def in_view_image_ids(page: Page) -> list[int]:
    ids: list[int] = page.evaluate(f"() => ({IN_VIEW})().map((c) => Number(c.dataset.imageId))")
    return ids


def test_the_class_legend_names_the_classes_in_view(
    notebook: NotebookPage, demo: DemoPaths
) -> None:
    page = notebook.page
    page.set_viewport_size({"width": 800, "height": 900})
    open_grid(notebook, demo.annotations, demo.image_dir)
    legend = page.locator(".cw-class-legend")
    # It fits the 800 px notebook: it wraps instead of running past the grid. (Measured
    # before running a cell, which scrolls the notebook away.)
    expect(legend.locator(".cw-class").nth(3)).to_be_visible(timeout=20_000)
    grid = box(page.locator(".cw-grid"))
    assert box(legend)["x"] + box(legend)["width"] <= grid["x"] + grid["width"] + 1
    lines = set()
    for entry in legend.locator(".cw-class").all():
        assert box(entry)["x"] + box(entry)["width"] <= grid["x"] + grid["width"] + 1
        lines.add(round(box(entry)["y"]))
    assert len(lines) > 1  # the demo's classes take more than one line there
    scroller = page.locator(".cw-grid-scroller")
    for top in ("0", "el.scrollHeight"):
        scroller.evaluate(f"el => {{ el.scrollTop = {top}; }}")
        page.wait_for_function(f"() => ({IN_VIEW})().every((c) => !c.matches('.cw-loading'))")
        ids = in_view_image_ids(page)
        expected = notebook.value(
            f"sorted({{str(n) for i in {ids} for n in ds.objects_of(i)['category_name']}})"
        )
        page.wait_for_function(
            """(names) => {
              const shown = [...document.querySelectorAll('.cw-class-legend .cw-class')]
                .map((e) => e.textContent).sort();
              return JSON.stringify(shown) === JSON.stringify(names);
            }""",
            arg=sorted(expected),
            timeout=10_000,
        )
        # Each in its class's colour (the grid's boxes are).
        colours = legend.locator(".cw-swatch").evaluate_all(
            "els => els.map((e) => getComputedStyle(e).backgroundColor)"
        )
        assert len(set(colours)) == len(colours)


def test_crops_of_detections_show_their_score_and_outcome(
    notebook: NotebookPage, demo: DemoPaths
) -> None:
    page = notebook.page
    page.set_viewport_size({"width": 800, "height": 900})
    open_evaluated(
        notebook,
        demo,
        "cw.ObjectGrid(ds, run='sim', ids=runs['id'][wrong].tolist(), evaluation=ev,"
        " sort_by='-score')",
    )
    for iou in ("0.5", "0.75"):
        if iou != "0.5":
            page.locator(".cw-grid .cw-iou").select_option(iou)
            assert notebook.value_becomes("grid.iou_threshold", float(iou)) == float(iou)
        expected = notebook.value(
            "[[f\"{float(runs['score'][runs['id'] == i][0]):.2f}\", outcome_text(grid, ev, i)]"
            " for i in grid.shown_ids[:4]]"
        )
        for position, (score, outcome) in enumerate(expected):
            badge = cell(notebook, position).locator(".cw-badge")
            expect(badge.locator(".cw-badge-score")).to_have_text(score)
            expect(badge.locator(".cw-badge-verdict")).to_have_text(outcome)
    # The class legend gives way to the match legend while coloured by match.
    expect(page.locator(".cw-class-legend")).to_be_hidden()
    notebook.run("grid.color_by = 'category'")
    expect(page.locator(".cw-class-legend")).to_be_visible()
    expect(page.locator(".cw-legend")).to_be_hidden()

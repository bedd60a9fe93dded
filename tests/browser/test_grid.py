"""CocoGrid end to end: real JupyterLab, real Chromium, real thumbnails over custom messages."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import expect

from cocowidget.datasets import DemoPaths

from .notebook_page import NotebookPage

LOADED = ".cw-cell:not([hidden]) img.cw-thumb[src^='blob:']"


def open_grid(notebook: NotebookPage, annotations: Path, image_dir: Path, extra: str = "") -> None:
    notebook.run(
        "import cocowidget as cw\n"
        f"ds = cw.CocoDataset.from_coco({str(annotations)!r}, image_dir={str(image_dir)!r})\n"
        f"{extra}\n"
        "grid = cw.CocoGrid(ds)\n"
        "grid"
    )
    expect(notebook.page.locator(LOADED).first).to_be_visible(timeout=30_000)


def cell(notebook: NotebookPage, position: int):
    return notebook.page.locator(f".cw-cell[data-position='{position}']")


def test_thumbnails_arrive_as_binary_and_selection_returns_to_python(
    notebook: NotebookPage, coco_tiny: Path
) -> None:
    open_grid(notebook, coco_tiny / "annotations/instances_val2017.json", coco_tiny / "val2017")
    page = notebook.page
    # Real decoded JPEGs (object URLs made from message buffers, not data URIs).
    page.wait_for_function(
        f"""() => [...document.querySelectorAll("{LOADED}")]
                 .filter(img => img.complete && img.naturalWidth > 0).length >= 8"""
    )
    assert page.locator(".cw-cell img[src^='data:']").count() == 0
    ids = notebook.value("grid.shown_ids[:6]")

    selected = page.locator(".cw-cell.cw-selected")
    cell(notebook, 0).click()
    expect(selected).to_have_count(1)
    cell(notebook, 3).click(modifiers=["Shift"])
    expect(selected).to_have_count(4)
    cell(notebook, 5).click(modifiers=["Control"])
    expect(selected).to_have_count(5)
    cell(notebook, 1).click(modifiers=["Control"])
    expect(selected).to_have_count(4)
    expected = [ids[0], ids[2], ids[3], ids[5]]
    # The last click's change travels to the kernel after the highlight: wait for it.
    assert notebook.value_becomes("sorted(grid.selected)", sorted(expected)) == sorted(expected)
    assert notebook.value("len(grid.selected_dataset())") == 4


def test_selection_from_python_is_highlighted_and_sort_reorders(
    notebook: NotebookPage, coco_tiny: Path
) -> None:
    open_grid(notebook, coco_tiny / "annotations/instances_val2017.json", coco_tiny / "val2017")
    page = notebook.page
    ids = notebook.value("grid.shown_ids[:3]")
    notebook.run(f"grid.selected = {[ids[1], ids[2]]}")
    expect(page.locator(".cw-cell.cw-selected")).to_have_count(2)
    expect(cell(notebook, 1)).to_have_class("cw-cell cw-selected")

    notebook.run("grid.sort_by = '-object_count'")
    most = notebook.value("int(ds.images['id'][ds.images['object_count'].argmax()])")
    expect(cell(notebook, 0)).to_have_attribute("data-image-id", str(most))
    assert notebook.value("grid.shown_ids[0]") == most


def test_broken_files_show_their_reason(notebook: NotebookPage, demo: DemoPaths) -> None:
    open_grid(notebook, demo.annotations, demo.image_dir, extra="")
    notebook.run("grid.show([int(i) for i in ds.images['id'][-12:]])")
    expect(notebook.page.locator(".cw-cell.cw-broken .cw-placeholder").first).to_be_visible(
        timeout=20_000
    )
    reasons = notebook.page.locator(".cw-cell.cw-broken .cw-placeholder").all_inner_texts()
    assert any(
        "truncated" in r.lower() or "zero-byte" in r.lower() or "empty" in r.lower()
        for r in reasons
    ), reasons


def test_grid_works_in_notebook_7(classic_notebook: NotebookPage, coco_tiny: Path) -> None:
    open_grid(
        classic_notebook, coco_tiny / "annotations/instances_val2017.json", coco_tiny / "val2017"
    )
    ids = classic_notebook.value("grid.shown_ids[:2]")
    cell(classic_notebook, 1).click()
    classic_notebook.page.wait_for_function(
        "() => document.querySelectorAll('.cw-cell.cw-selected').length === 1"
    )
    # The selection reaches the kernel on its own time (a message, not this cell).
    assert classic_notebook.value_becomes("grid.selected", [ids[1]]) == [ids[1]]


def test_keyboard_moves_focus_and_selects(notebook: NotebookPage, coco_tiny: Path) -> None:
    open_grid(notebook, coco_tiny / "annotations/instances_val2017.json", coco_tiny / "val2017")
    page = notebook.page
    ids = notebook.value("grid.shown_ids")
    cell(notebook, 0).click()
    keyboard = page.keyboard
    keyboard.press("ArrowRight")
    keyboard.press("Shift+ArrowRight")
    page.wait_for_function("() => document.querySelectorAll('.cw-cell.cw-selected').length === 3")
    assert notebook.value_becomes("sorted(grid.selected)", sorted(ids[:3])) == sorted(ids[:3])

    page.locator(".cw-grid-scroller").focus()
    keyboard.press("Control+a")
    expect(page.locator(".cw-grid-status")).to_contain_text(f"{len(ids)} selected")
    assert notebook.value_becomes("len(grid.selected)", len(ids)) == len(ids)

    page.locator(".cw-grid-scroller").focus()
    keyboard.press("Escape")
    expect(page.locator(".cw-cell.cw-selected")).to_have_count(0)
    assert notebook.value_becomes("grid.selected", []) == []


def test_a_warm_grid_shows_its_first_screen_without_asking_the_kernel(
    notebook: NotebookPage, coco_tiny: Path
) -> None:
    open_grid(notebook, coco_tiny / "annotations/instances_val2017.json", coco_tiny / "val2017")
    page = notebook.page
    page.wait_for_function(
        """() => [...document.querySelectorAll(".cw-cell:not([hidden])")]
                 .every(c => !c.classList.contains('cw-loading'))"""
    )
    # The same images again: their thumbnails are cached, so they come with the state.
    notebook.run(
        "asked = []\n"
        "again = cw.CocoGrid(ds)\n"
        "params, serve = again._handlers['thumbnails']\n"
        "again.serve('thumbnails', params, lambda p: (asked.extend(p.rows), serve(p))[1])\n"
        "again"
    )
    second = page.locator(".cw-grid").last
    expect(second.locator("img.cw-thumb[src^='blob:']").first).to_be_visible(timeout=30_000)
    page.wait_for_function(
        """() => { const grids = document.querySelectorAll('.cw-grid');
                   const grid = grids[grids.length - 1];
                   return [...grid.querySelectorAll('.cw-cell:not([hidden])')]
                     .every(c => !c.classList.contains('cw-loading')); }"""
    )
    items = "again._initial_batch['result']['items']"
    seeded = set(notebook.value(f"[item['row'] for item in {items}]"))
    assert seeded == set(notebook.value("again._shown_rows[:24].tolist()"))
    asked = set(notebook.value("asked"))
    assert asked, "the rows after the first screen are still requested"
    assert not asked & seeded
    shown = second.locator(".cw-cell[data-position='0'] img.cw-thumb")
    assert shown.evaluate("img => img.complete && img.naturalWidth > 0")


def test_large_cells_get_sharper_thumbnails(notebook: NotebookPage, coco_tiny: Path) -> None:
    open_grid(notebook, coco_tiny / "annotations/instances_val2017.json", coco_tiny / "val2017")
    page = notebook.page
    natural = "el => el.naturalWidth"
    first = cell(notebook, 0).locator("img.cw-thumb")
    assert first.evaluate(natural) <= 320
    page.locator(".cw-size").evaluate(
        "el => { el.value = '400'; el.dispatchEvent(new Event('input')); }"
    )
    # coco_tiny's images are 640 px wide: rendered at 640, not 320 shown at 400.
    page.wait_for_function(
        "() => document.querySelector(\".cw-cell[data-position='0'] img.cw-thumb\")"
        ".naturalWidth > 320",
        timeout=15_000,
    )
    assert notebook.value("grid.thumbnail_size") == 400

"""ObjectGrid: crops of single objects, selection returns annotation ids."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import expect

from .notebook_page import NotebookPage
from .test_grid import LOADED, cell


def test_object_crops_render_and_selection_returns_annotation_ids(
    notebook: NotebookPage, coco_tiny: Path
) -> None:
    notebook.run(
        "import cocowidget as cw\n"
        f"ds = cw.CocoDataset.from_coco({str(coco_tiny / 'annotations/instances_val2017.json')!r},"
        f" image_dir={str(coco_tiny / 'val2017')!r})\n"
        "small = ds.annotations['id'][ds.annotations['area'] < 32 ** 2]\n"
        "objects = cw.ObjectGrid(ds, ids=small.tolist(), sort_by='-area')\n"
        "objects"
    )
    page = notebook.page
    expect(page.locator(LOADED).first).to_be_visible(timeout=30_000)
    expect(page.locator(".cw-grid-status")).to_contain_text("objects")
    shown = notebook.value("objects.shown_ids[:3]")
    areas = notebook.value(
        f"[float(ds.annotations['area'][list(ds.annotations['id']).index(i)]) for i in {shown}]"
    )
    assert areas == sorted(areas, reverse=True)
    # The crop is upscaled from the original region, and its overlay outlines the object.
    page.wait_for_function(
        """() => { const c = [...document.querySelectorAll('.cw-row-overlay:not([hidden])')]
                     .find((layer) => layer.style.transform === 'translateY(0px)');
                   const cell = document.querySelector('.cw-cell[data-position="0"]');
                   if (!c || !c.width || !cell) return false;
                   const side = Math.round(cell.getBoundingClientRect().width * devicePixelRatio);
                   const d = c.getContext('2d').getImageData(0, 0, side, c.height).data;
                   for (let i = 3; i < d.length; i += 4) if (d[i]) return true; return false; }"""
    )
    cell(notebook, 0).click()
    cell(notebook, 2).click(modifiers=["Control"])
    page.wait_for_function("() => document.querySelectorAll('.cw-cell.cw-selected').length === 2")
    assert sorted(notebook.value("objects.selected")) == sorted([shown[0], shown[2]])

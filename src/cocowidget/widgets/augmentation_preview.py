"""AugmentationPreview: a few images next to draws of an augmentation pipeline, each with
its transformed labels, and what happened to every label.

The draws are a small dataset of their own (:mod:`cocowidget.analysis.augment_preview`)
shown by a :class:`CocoGrid`, so boxes, masks and hover-zoom are the grid's. Re-roll
draws with the next seed (made ahead, so it shows at once); the seed box fixes one.
Picking a draw lists its labels.
"""

from __future__ import annotations

import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import ipywidgets as widgets
import numpy as np
import numpy.typing as npt
import traitlets

from cocowidget._arguments import checked_keywords, checked_methods
from cocowidget.analysis.augment_preview import ORIGINAL, PreviewDraws, preview_draws
from cocowidget.widgets.charts.panel_styles import PanelStyles
from cocowidget.widgets.grid import CocoGrid
from cocowidget.widgets.snapshot import Described, Snapshot

if TYPE_CHECKING:
    from cocowidget.analysis.augmentations import AugmentationCheck
    from cocowidget.dataset import CocoDataset

#: How many images a preview shows when none are given.
DEFAULT_IMAGES = 8


@checked_methods
class AugmentationPreview(Described, widgets.VBox):  # type: ignore[misc]
    """Originals and ``draws`` draws of ``transform`` (an Albumentations ``Compose`` with
    COCO ``bbox_params``, or a callable ``(image, boxes, labels, masks) -> same``; see
    :func:`cocowidget.check_augmentations`) for ``images`` (ids; by default
    :data:`DEFAULT_IMAGES` picked at random with ``seed``).

    ``seed`` (a trait): the draws' seed; re-roll adds one. ``check`` is the draws'
    :class:`~cocowidget.analysis.augmentations.AugmentationCheck`, ``dataset`` the
    preview as a dataset, ``grid`` its grid. Selecting a draw lists its labels: kept,
    clipped (visible share), dropped (and why), small after, mirrored without a label,
    classes lost.
    """

    seed = traitlets.Int(0)

    @checked_keywords
    def __init__(
        self,
        dataset: CocoDataset,
        transform: Any,
        *,
        images: npt.ArrayLike | None = None,
        draws: int = 4,
        seed: int = 0,
        min_size: float = 32,
        thumbnail_size: int = 180,
        height: int = 560,
    ) -> None:
        self.dataset = dataset
        self.transform = transform
        self.draws = draws
        self.min_size = min_size
        if images is None:
            ids = dataset.images["id"]
            chosen = np.random.default_rng(seed).choice(
                len(ids), size=min(DEFAULT_IMAGES, len(ids)), replace=False
            )
            images = ids[np.sort(chosen)]
        self.image_ids = np.asarray(images).reshape(-1)
        self._folder = tempfile.TemporaryDirectory(prefix="cocowidget-preview-")
        self._thumbnail_size, self._height = thumbnail_size, height
        self.preview: PreviewDraws | None = None
        self.grid: CocoGrid | None = None
        self._current: _Draws | None = None
        self._next: _Draws | None = None
        self.timing = 0.0

        self._reroll = widgets.Button(description="Re-roll", icon="refresh", tooltip="new draws")
        self._reroll.on_click(lambda _: setattr(self, "seed", self.seed + 1))
        self._seed_box = widgets.BoundedIntText(
            value=seed, min=0, max=2**31 - 1, description="seed", layout={"width": "160px"}
        )
        traitlets.link((self._seed_box, "value"), (self, "seed"))
        self._status = widgets.Label()
        self._status.add_class("cw-insight-status")
        self._labels = widgets.VBox()
        self._labels.add_class("cw-preview-labels")
        self._grid_box = widgets.Box(layout=widgets.Layout(width="100%"))
        controls = widgets.HBox([self._reroll, self._seed_box, self._status])
        super().__init__(
            [PanelStyles(), controls, self._grid_box, self._labels],
        )
        self.add_class("cw-insight")
        self.add_class("cw-augmentation-preview")
        self.seed = seed
        self._draw()

    # -- state -----------------------------------------------------------------------------
    @traitlets.observe("seed")
    def _on_seed(self, _change: dict[str, Any]) -> None:
        if self.preview is not None:
            self._draw()

    @property
    def check(self) -> AugmentationCheck:
        assert self.preview is not None
        return self.preview.check

    def snapshot(self) -> Snapshot:
        assert self.grid is not None
        return self.grid.snapshot_as("AugmentationPreview", "draw", None)

    # -- presenting ------------------------------------------------------------------------
    def _draw(self) -> None:
        """Show the draws of ``seed``: the ones made ahead if they are those, else made now;
        then make the next seed's ahead, in a grid laid out out of sight, so that re-roll
        only swaps which grid shows (its thumbnails have loaded meanwhile)."""
        start = time.perf_counter()
        ready = self._next if self._next is not None and self._next.seed == self.seed else None
        if ready is None:
            ready = self._prepare(self.seed)
            if self._next is not None:
                self._next.close()
        self._next = None
        old = self._current
        self._current = ready
        self.preview, self.shown, self.grid = ready.preview, ready.shown, ready.grid
        ready.frame.layout = widgets.Layout(width="100%")
        self._grid_box.children = [ready.frame]  # shown before the next seed is made
        if old is not None:
            old.close()
        self.timing = time.perf_counter() - start
        self._status.value = self._status_text()
        self._list_labels()
        self._next = self._prepare(self.seed + 1)
        self._grid_box.children = [ready.frame, self._next.frame]

    def _prepare(self, seed: int) -> _Draws:
        import cocowidget as cw  # the façade: a widget over a dataset of the draws

        folder = Path(self._folder.name) / f"seed-{seed}"
        preview = preview_draws(
            self.dataset,
            self.transform,
            self.image_ids,
            draws=self.draws,
            seed=seed,
            folder=folder,
            min_size=self.min_size,
        )
        shown = cw.CocoDataset.from_coco(preview.coco, image_dir=folder, sidecar=False)
        shown.images.attach("caption", np.array(preview.captions, dtype=object))
        shown.images.attach("source_image_id", preview.image_id)
        shown.images.attach("draw", preview.draw)
        grid = CocoGrid(
            shown, caption="caption", thumbnail_size=self._thumbnail_size, height=self._height
        )
        grid.observe(lambda _: self._list_labels(), "selected")
        # Laid out at its size (so it loads what it will show) but clipped to nothing.
        frame = widgets.Box(
            [grid], layout=widgets.Layout(width="100%", height="0px", overflow="hidden")
        )
        return _Draws(seed, preview, shown, grid, frame)

    def _status_text(self) -> str:
        check = self.check
        labels = check.labels
        counts = ", ".join(
            f"{int(np.count_nonzero(labels['status'] == s)):,} {s}"
            for s in ("kept", "clipped", "dropped", "failed")
            if np.count_nonzero(labels["status"] == s)
        )
        return (
            f"{len(self.image_ids)} images × {self.draws} draws, seed {self.seed}: {counts}"
            f" · select a draw for its labels"
        )

    def _list_labels(self) -> None:
        assert self.grid is not None and self.preview is not None
        selected = self.grid.selected
        if not selected:
            self._labels.children = [widgets.Label("no draw selected")]
            return
        row = self.shown.image_row(selected[0])
        image_id = int(self.preview.image_id[row])
        draw = int(self.preview.draw[row])
        if draw == ORIGINAL:
            self._labels.children = [widgets.Label(f"{image_id}: the original")]
            return
        lines = [f"{image_id}, draw {draw + 1}:", *draw_lines(self.check, image_id, draw)]
        self._labels.children = [widgets.Label(line) for line in lines]


@dataclass(eq=False)
class _Draws:
    """One seed's draws, ready to show: the preview, its dataset, its grid and frame."""

    seed: int
    preview: PreviewDraws
    shown: CocoDataset
    grid: CocoGrid
    frame: widgets.Box

    def close(self) -> None:
        self.grid.close()
        self.frame.close()


def draw_lines(check: AugmentationCheck, image_id: int, draw: int) -> list[str]:
    """What happened to each label of one draw, one line each, then classes lost."""
    labels = check.labels
    mine = np.flatnonzero((labels["image_id"] == image_id) & (labels["draw"] == draw))
    class_names = check.category_names(labels["category_id"][mine])
    lines = []
    for name, i in zip(class_names.tolist(), mine.tolist(), strict=True):
        status = str(labels["status"][i])
        words = [status]
        if status == "dropped" and labels["drop_reason"][i]:
            words[0] += f" ({labels['drop_reason'][i]})"
        visible = float(labels["visible_fraction"][i])
        if status == "clipped" and np.isfinite(visible):
            words.append(f"{visible:.0%} visible")
        if status in ("kept", "clipped") and labels["shrunk"][i]:
            words.append(f"under {check.min_size:g} px")
        if labels["reflected_unlabelled"][i]:
            words.append("a mirrored copy without a label")
        joints_before, joints_after = (
            float(labels["keypoints_before"][i]),
            float(labels["keypoints_after"][i]),
        )
        followed = np.isfinite(joints_before) and np.isfinite(joints_after)
        if status != "failed" and followed and joints_after < joints_before:
            words.append(f"{joints_after:g} of {joints_before:g} joints kept")
        ratio = float(labels["box_mask_ratio"][i])
        if np.isfinite(ratio) and ratio > 1.2:
            words.append(f"box {ratio:.1f}× its object")
        lines.append(f"#{int(labels['annotation_id'][i])} {name}: " + ", ".join(words))
    images = check.images
    row = np.flatnonzero((images["image_id"] == image_id) & (images["draw"] == draw))
    if len(row):
        lost = images["lost_category_ids"][row[0]]
        if len(lost):
            lost_names = check.category_names(np.asarray(lost, dtype=np.int64))
            lines.append("classes lost: " + ", ".join(map(str, lost_names.tolist())))
        if images["problem"][row[0]]:
            lines.append(str(images["error"][row[0]]))
    return lines or ["no labels"]

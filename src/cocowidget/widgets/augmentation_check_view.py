"""AugmentationCheckView: object sizes before and after a pipeline, overlaid, and the
images behind a brushed size range.

The numbers are :func:`cocowidget.check_augmentations`' tables; this module draws them
and shows, in a grid of the dataset, the images with labels whose size after the
transform falls in the brushed range, those labels drawn at full strength.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import ipywidgets as widgets
import numpy as np
import traitlets

from cocowidget._arguments import checked_keywords, checked_methods
from cocowidget.widgets.charts.overlaid import OverlaidHistogram
from cocowidget.widgets.charts.panel_styles import PanelStyles
from cocowidget.widgets.grid import CocoGrid
from cocowidget.widgets.snapshot import Described, Snapshot

if TYPE_CHECKING:
    from cocowidget.analysis.augmentations import AugmentationCheck
    from cocowidget.dataset import CocoDataset

#: Before (the dataset's labels) and after (what the transform returned).
COLORS = ("#1e88e5", "#fb8c00")


@checked_methods
class AugmentationCheckView(Described, widgets.VBox):  # type: ignore[misc]
    """The sizes (√area, px) of the labels of ``check`` before and after the transform,
    overlaid; brushing a range shows the images whose labels are that size after it (any
    draw), the labels emphasised; below, the count per class of labels under
    ``check.min_size`` before and after. ``interval``: the brushed ``(low, high)``."""

    interval = traitlets.Tuple(
        traitlets.Float(), traitlets.Float(), default_value=None, allow_none=True
    )

    @checked_keywords
    def __init__(
        self,
        dataset: CocoDataset,
        check: AugmentationCheck,
        *,
        height: int = 420,
        thumbnail_size: int = 140,
    ) -> None:
        self.dataset = dataset
        self.check = check
        labels = check.labels
        self._kept = np.isin(labels["status"], ("kept", "clipped"))
        self._after = np.sqrt(np.maximum(labels["area_after"], 0.0))
        self.histogram = OverlaidHistogram(
            COLORS,
            on_interval=lambda interval: self.set_trait("interval", interval),
            note="share of labels per size bin (√area, px) · blue before, orange after ·"
            " brush a size range for the images",
        )
        self.histogram.update("object size (√area, px)", check.sizes_before, check.sizes_after)
        self.grid = CocoGrid(dataset, height=height, thumbnail_size=thumbnail_size)
        self._status = widgets.Label()
        self._status.add_class("cw-insight-status")
        self._classes = widgets.VBox([widgets.Label(line) for line in self._class_lines()])
        self._classes.add_class("cw-preview-labels")
        super().__init__(
            [PanelStyles(), self.histogram.widget, self._classes, self._status, self.grid]
        )
        self.add_class("cw-insight")
        self.add_class("cw-augmentation-check")
        self._on_interval({})

    @traitlets.observe("interval")
    def _on_interval(self, _change: dict[str, Any]) -> None:
        self.histogram.show_interval(self.interval)
        if self.interval is None:
            self.grid.show(None)
            self.grid.emphasize(None)
            self._status.value = (
                f"{len(self.check.labels):,} labels of {len(self.check.images):,} image draws"
                " · brush the histogram"
            )
            return
        low, high = self.interval
        labels = self.check.labels
        with np.errstate(invalid="ignore"):
            inside = self._kept & (self._after >= low) & (self._after <= high)
        image_ids = np.unique(labels["image_id"][inside])
        self.grid.show(image_ids)
        annotation_ids = np.unique(labels["annotation_id"][inside])
        rows = np.flatnonzero(np.isin(self.dataset.annotations["id"], annotation_ids))
        self.grid.emphasize(rows)
        self._status.value = (
            f"size after in [{low:.3g}, {high:.3g}] px: {len(annotation_ids):,} labels in"
            f" {len(image_ids):,} images"
        )

    @property
    def shown_ids(self) -> list[int]:
        return self.grid.shown_ids

    def snapshot(self) -> Snapshot:
        return self.grid.snapshot_as("AugmentationCheckView", "image", None)

    def _class_lines(self) -> list[str]:
        small = self.check.small_objects()
        if not len(small):
            return ["no labels"]
        order = np.argsort(-small["became_small"], kind="stable")[:8]
        size = f"{self.check.min_size:g} px"
        lines = [f"labels under {size} on their shorter side, before → after (most new first):"]
        for i in order.tolist():
            lines.append(
                f"{small['name'][i]}: {int(small['small_before'][i]):,} → "
                f"{int(small['small_after'][i]):,} of {int(small['labels'][i]):,}"
            )
        return lines

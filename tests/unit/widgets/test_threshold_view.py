"""ThresholdView: the sweep drawn, a picked threshold's scores attached and sorted by."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import cocowidget as cw
from cocowidget.datasets.mask_folders_demo import generate_mask_folders


@pytest.fixture(scope="module")
def ds(tmp_path_factory: pytest.TempPathFactory) -> cw.CocoDataset:
    paths = generate_mask_folders(tmp_path_factory.mktemp("masks"), 24, seed=3, size=48)
    dataset = cw.CocoDataset.from_mask_folders(paths.image_dir, paths.mask_dir, list(paths.classes))
    assert paths.probability_dir is not None
    dataset.add_mask_predictions(paths.probability_dir, "unet")
    return dataset


def test_the_sweep_and_a_picked_threshold(ds: cw.CocoDataset, tmp_path: Path) -> None:
    view = cw.ThresholdView(ds, "unet", thresholds=20)
    sweep = ds.threshold_sweep("unet", 20)
    np.testing.assert_array_equal(np.asarray(view.lines.y)[0], sweep["hit_rate"])
    best = float(sweep["threshold"][np.flatnonzero(sweep["best"])[0]])
    assert view.threshold == best
    assert view.grid.sort_by == "unet.picked.iou"
    # A click on the fifth point of the mean-IoU line picks that threshold.
    view._on_point({"new": np.array([20 + 4])})
    picked = float(sweep["threshold"][4])
    assert view.threshold == picked
    expected = ds.mask_scores("unet", picked)["iou"]
    np.testing.assert_array_equal(ds.images["unet.picked.iou"], expected)
    shown = view.grid.shown_ids
    iou = dict(zip(ds.images["id"].tolist(), expected.tolist(), strict=True))
    finite = [iou[i] for i in shown if np.isfinite(iou[i])]
    assert finite == sorted(finite)  # lowest IoU first
    assert np.asarray(view.picked_line.x).tolist() == [picked, picked]
    # Removing the run removes the picked scores with it.
    ds.remove_predictions("unet")
    assert "unet.picked.iou" not in ds.images

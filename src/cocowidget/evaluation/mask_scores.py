"""Pixel scores of a mask-prediction run: per image IoU, Dice and the salt-segmentation
competition's hit rate at a probability threshold, and the sweep over thresholds.

Per image, the truth is its foreground (every class; ignored pixels left out) and the
prediction the counted pixels whose probability is ≥ the threshold. IoU is
``|T ∩ P| / |T ∪ P|`` and Dice ``2|T ∩ P| / (|T| + |P|)``, both 1 when truth and
prediction are empty. The hit rate is the mean over the IoU thresholds
``np.arange(0.5, 1.0, 0.05)`` of ``IoU > s`` (TGS Salt Identification's per-image
score: an empty truth and an empty prediction are a hit at every threshold, one empty
and the other not a miss). Only images with both a truth mask and a prediction count.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from cocowidget.data.derived import Producer
from cocowidget.data.grouping import IdIndex
from cocowidget.data.table import Table
from cocowidget.formats.mask_run import PixelCounts

if TYPE_CHECKING:
    from cocowidget.data.dataset import CocoData

#: The competition's IoU thresholds (0.5, 0.55, ..., 0.95, as numpy's arange gives them).
IOU_THRESHOLDS = np.arange(0.5, 1.0, 0.05)
PRODUCER_KIND = "mask_predictions"


def sweep_thresholds(thresholds: int | Sequence[float] | npt.ArrayLike) -> np.ndarray:
    """An int ``n``: ``n`` evenly spaced thresholds strictly inside (0, 1)
    (``np.linspace(0, 1, n + 2)[1:-1]``); else the values given."""
    if isinstance(thresholds, int | np.integer) and not isinstance(thresholds, bool):
        if thresholds < 1:
            raise ValueError(f"thresholds must be at least 1, not {thresholds}")
        return np.linspace(0.0, 1.0, int(thresholds) + 2)[1:-1]
    values = np.asarray(thresholds, dtype=np.float64).reshape(-1)
    if values.size == 0 or not np.isfinite(values).all():
        raise ValueError("thresholds must be a count or finite probabilities")
    return values


def pixel_scores(
    counts: PixelCounts, thresholds: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """``(iou, dice, hit_rate, predicted, intersection)``, each ``(images, thresholds)``."""
    predicted, intersection = counts.counts_at(thresholds)
    truth = counts.truth[:, None]
    union = truth + predicted - intersection
    total = truth + predicted
    with np.errstate(invalid="ignore", divide="ignore"):
        iou = np.where(union > 0, intersection / union, 1.0)
        dice = np.where(total > 0, 2 * intersection / total, 1.0)
    hits = (iou[..., None] > IOU_THRESHOLDS).mean(axis=-1)
    return iou, dice, hits, predicted, intersection


def threshold_sweep(counts: PixelCounts, thresholds: np.ndarray) -> Table:
    """One row per threshold: ``threshold, mean_iou, mean_dice, hit_rate`` (the
    competition score), ``images``, ``best`` (the highest hit rate, the first of ties)
    and ``best_iou`` (the highest mean IoU)."""
    iou, dice, hits, _, _ = pixel_scores(counts, thresholds)
    n = iou.shape[0]
    with np.errstate(invalid="ignore"):
        mean_iou = iou.mean(axis=0) if n else np.full(len(thresholds), np.nan)
        mean_dice = dice.mean(axis=0) if n else np.full(len(thresholds), np.nan)
        hit_rate = hits.mean(axis=0) if n else np.full(len(thresholds), np.nan)
    best = np.zeros(len(thresholds), dtype=bool)
    best_iou = np.zeros(len(thresholds), dtype=bool)
    if n:
        best[int(np.argmax(hit_rate))] = True
        best_iou[int(np.argmax(mean_iou))] = True
    return Table(
        {
            "threshold": thresholds.astype(np.float64),
            "mean_iou": mean_iou,
            "mean_dice": mean_dice,
            "hit_rate": hit_rate,
            "images": np.full(len(thresholds), n, dtype=np.int64),
            "best": best,
            "best_iou": best_iou,
        }
    )


def image_scores(dataset: CocoData, counts: PixelCounts, threshold: float) -> Table:
    """Per image of ``dataset.images`` (row-aligned): ``image_id, iou, dice, hit_rate,
    truth_pixels, predicted_pixels, intersection`` at ``threshold`` (NaN, -1 where the
    image has no truth or no prediction)."""
    images = dataset.images
    n = len(images)
    rows = IdIndex(images["id"]).rows(counts.image_ids)
    known = rows >= 0
    iou, dice, hits, predicted, intersection = pixel_scores(
        counts, np.array([float(threshold)], dtype=np.float64)
    )
    columns: dict[str, np.ndarray] = {"image_id": images["id"].copy()}
    for name, values, empty in (
        ("iou", iou[:, 0], np.nan),
        ("dice", dice[:, 0], np.nan),
        ("hit_rate", hits[:, 0], np.nan),
        ("truth_pixels", counts.truth, -1),
        ("predicted_pixels", predicted[:, 0], -1),
        ("intersection", intersection[:, 0], -1),
    ):
        column = np.full(n, empty, dtype=np.float64 if isinstance(empty, float) else np.int64)
        column[rows[known]] = values[known]
        columns[name] = column
    return Table(columns)


def attach_mask_scores(dataset: CocoData, run: str, scores: Table) -> list[str]:
    """``"<run>.iou"``, ``"<run>.dice"``, ``"<run>.hit_rate"`` as image columns."""
    producer = Producer(PRODUCER_KIND, run, (run,))
    return dataset.derived.attach(
        producer, "images", {name: scores[name] for name in ("iou", "dice", "hit_rate")}
    )


#: The producer of the per-image scores at a threshold picked after the run was added.
PICKED_KIND = "mask_threshold"


def attach_picked_scores(dataset: CocoData, run: str, scores: Table) -> list[str]:
    """``"<run>.picked.iou"``, ``.dice``, ``.hit_rate``: the scores at a threshold picked
    later (a sweep's), beside the run's own; picking another replaces them, and removing
    the run removes them."""
    producer = Producer(PICKED_KIND, f"{run}.picked", (run,))
    return dataset.derived.attach(
        producer, "images", {name: scores[name] for name in ("iou", "dice", "hit_rate")}
    )

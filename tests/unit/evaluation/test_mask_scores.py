"""Mask predictions: per-image IoU, Dice and hit rate, and the threshold sweep, against a
plain numpy computation on random folders (PNG and .npy probabilities, binary masks)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from cocowidget.dataset import CocoDataset
from cocowidget.datasets.mask_folders_demo import generate_mask_folders

IGNORE = 255
COMPETITION_IOUS = np.arange(0.5, 1.0, 0.05)


def reference_scores(
    truth: np.ndarray, probability: np.ndarray, threshold: float
) -> tuple[float, float, float]:
    """IoU, Dice and the TGS hit rate of one image, pixel by pixel."""
    counted = truth != IGNORE
    t = (truth == 1) & counted
    p = (probability.astype(np.float64) >= threshold) & counted
    intersection = np.logical_and(t, p).sum()
    union = np.logical_or(t, p).sum()
    iou = intersection / union if union else 1.0
    dice = 2 * intersection / (t.sum() + p.sum()) if t.sum() + p.sum() else 1.0
    return iou, dice, float(np.mean([iou > s for s in COMPETITION_IOUS]))


def random_folder(root: Path, seed: int, kind: str) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Random truths (empty ones, ignored pixels) and probabilities (empty ones, values on
    the thresholds), written as images, masks and predictions."""
    rng = np.random.default_rng(seed)
    for folder in ("images", "masks", "predictions"):
        (root / folder).mkdir()
    truths, probabilities = [], []
    for index in range(30):
        shape = (int(rng.integers(5, 30)), int(rng.integers(5, 30)))
        truth = (rng.random(shape) < rng.choice([0.0, 0.1, 0.5, 0.9])).astype(np.uint8)
        truth[rng.random(shape) < 0.05] = IGNORE
        if kind == "png":
            levels = rng.integers(0, 256, shape).astype(np.uint8)
            if index % 7 == 0:
                levels[:] = 0  # an empty prediction
            Image.fromarray(levels).save(root / "predictions" / f"{index}.png")
            probability = levels / 255.0
        else:
            probability = rng.random(shape).astype(rng.choice([np.float32, np.float64]))
            probability.flat[::5] = rng.choice(
                np.linspace(0, 1, 52)[1:-1], probability.size // 5 + 1
            )[: probability.flat[::5].size]
            if index % 7 == 0:
                probability[:] = 0
            np.save(root / "predictions" / f"{index}.npy", probability)
        Image.new("RGB", shape[::-1]).save(root / "images" / f"{index}.jpg")
        Image.fromarray(truth).save(root / "masks" / f"{index}.png")
        truths.append(truth)
        probabilities.append(probability)
    return truths, probabilities


@pytest.mark.parametrize(("kind", "seed"), [("png", 0), ("png", 1), ("npy", 2), ("npy", 3)])
def test_image_scores_and_sweep_equal_numpy(tmp_path: Path, kind: str, seed: int) -> None:
    truths, probabilities = random_folder(tmp_path, seed, kind)
    ds = CocoDataset.from_mask_folders(
        tmp_path / "images", tmp_path / "masks", ["fg"], ignore=IGNORE
    )
    ds.add_mask_predictions(tmp_path / "predictions", "model", "probability", threshold=0.4)
    rows = [
        ds.image_row(ds.images["id"][ds.images["file_name"] == f"{i}.jpg"][0]) for i in range(30)
    ]

    expected = np.array(
        [reference_scores(t, p, 0.4) for t, p in zip(truths, probabilities, strict=True)]
    )
    for column, index in (("model.iou", 0), ("model.dice", 1), ("model.hit_rate", 2)):
        np.testing.assert_allclose(ds.images[column][rows], expected[:, index], rtol=0, atol=1e-12)

    chosen = float(np.linspace(0, 1, 52)[17])  # a value some pixels hold exactly
    scores = ds.mask_scores("model", chosen)
    expected = np.array(
        [reference_scores(t, p, chosen) for t, p in zip(truths, probabilities, strict=True)]
    )
    np.testing.assert_allclose(scores["iou"][rows], expected[:, 0], rtol=0, atol=1e-12)
    np.testing.assert_allclose(scores["dice"][rows], expected[:, 1], rtol=0, atol=1e-12)

    sweep = ds.threshold_sweep("model", 50)
    thresholds = np.linspace(0, 1, 52)[1:-1]
    np.testing.assert_array_equal(sweep["threshold"], thresholds)
    per_threshold = np.array(
        [
            [reference_scores(t, p, h) for t, p in zip(truths, probabilities, strict=True)]
            for h in thresholds
        ]
    )  # (thresholds, images, 3)
    means = per_threshold.mean(axis=1)
    np.testing.assert_allclose(sweep["mean_iou"], means[:, 0], rtol=0, atol=1e-12)
    np.testing.assert_allclose(sweep["mean_dice"], means[:, 1], rtol=0, atol=1e-12)
    np.testing.assert_allclose(sweep["hit_rate"], means[:, 2], rtol=0, atol=1e-12)
    assert (
        sweep["best"].sum() == 1 and sweep["hit_rate"][sweep["best"]][0] == sweep["hit_rate"].max()
    )
    assert sweep["mean_iou"][sweep["best_iou"]][0] == sweep["mean_iou"].max()
    assert (sweep["images"] == 30).all()

    given = ds.threshold_sweep("model", [0.9, 0.1, chosen, 128 / 255])
    np.testing.assert_allclose(
        given["mean_iou"],
        [np.mean([reference_scores(t, p, h)[0] for t, p in zip(truths, probabilities, strict=True)])
         for h in (0.9, 0.1, chosen, 128 / 255)],
        rtol=0, atol=1e-12,
    )  # fmt: skip


def test_binary_predictions(tmp_path: Path) -> None:
    paths = generate_mask_folders(tmp_path / "demo", 16, seed=5, size=40, probabilities="png")
    ds = CocoDataset.from_mask_folders(paths.image_dir, paths.mask_dir, list(paths.classes))
    binary = tmp_path / "binary"
    binary.mkdir()
    expected = []
    for image_id in ds.images["id"].tolist():
        stem = Path(str(ds.images["file_name"][ds.image_row(image_id)])).stem
        levels = np.asarray(Image.open(paths.probability_dir / f"{stem}.png"))  # type: ignore[operator]
        predicted = np.where(levels >= 128, 255, 0).astype(np.uint8)
        Image.fromarray(predicted).save(binary / f"{stem}.png")
        expected.append(reference_scores(ds.class_mask(image_id), predicted / 255.0, 0.5))
    ds.add_mask_predictions(binary, "thresholded", "binary")
    np.testing.assert_allclose(
        ds.images["thresholded.iou"], [e[0] for e in expected], rtol=0, atol=1e-12
    )
    np.testing.assert_allclose(
        ds.images["thresholded.dice"], [e[1] for e in expected], rtol=0, atol=1e-12
    )
    with pytest.raises(ValueError, match="a sweep needs probability maps"):
        ds.threshold_sweep("thresholded")
    assert ds.evaluate("thresholded", "segm").stats.shape == (12,)
    ds.remove_predictions("thresholded")
    assert "thresholded.iou" not in ds.images


def test_prediction_components_are_detections_with_mean_probability(tmp_path: Path) -> None:
    root = tmp_path
    write = {
        "images": Image.new("RGB", (6, 4)),
        "masks": Image.fromarray(np.zeros((4, 6), np.uint8)),
    }
    for folder, image in write.items():
        (root / folder).mkdir()
        image.save(root / folder / ("a.jpg" if folder == "images" else "a.png"))
    (root / "p").mkdir()
    probability = np.zeros((4, 6))
    probability[0:2, 0:2] = [[0.6, 0.8], [0.7, 0.9]]
    probability[3, 4:6] = 0.5
    np.save(root / "p" / "a.npy", probability)
    ds = CocoDataset.from_mask_folders(root / "images", root / "masks", ["x"])
    table = ds.add_mask_predictions(root / "p", "m")
    np.testing.assert_allclose(sorted(table["score"].tolist()), [0.5, 0.75])
    assert sorted(table["area"].tolist()) == [2.0, 4.0]
    assert ds.images["m.iou"][0] == 0.0 and ds.images["m.hit_rate"][0] == 0.0


def test_malformed_predictions_are_problems_and_the_rest_scores(tmp_path: Path) -> None:
    paths = generate_mask_folders(tmp_path / "demo", 6, seed=2, size=32, probabilities="png")
    ds = CocoDataset.from_mask_folders(paths.image_dir, paths.mask_dir, ["salt"])
    folder = paths.probability_dir
    assert folder is not None
    (folder / "000001.png").unlink()
    Image.new("L", (31, 32)).save(folder / "000002.png")
    Image.new("RGB", (32, 32)).save(folder / "000003.png")
    Image.new("L", (32, 32)).save(folder / "stray.png")
    with pytest.warns(UserWarning):
        ds.add_mask_predictions(folder, "model")
    run = ds.runs["model"]
    kinds = {p.kind: p.json_path for p in run.problems}
    assert kinds == {
        "prediction_without_image": str(folder / "stray.png"),
        "image_without_prediction": "000001.jpg",
        "png_size_mismatch": str(folder / "000002.png"),
        "prediction_mode": str(folder / "000003.png"),
    }
    scored = np.isfinite(ds.images["model.iou"])
    assert scored.tolist() == [False, False, False, True, True, True]
    assert (ds.threshold_sweep("model", 5)["images"] == 3).all()


def test_bad_arguments(tmp_path: Path) -> None:
    paths = generate_mask_folders(tmp_path, 3, seed=2, size=16, classes=("a", "b"))
    ds = CocoDataset.from_mask_folders(paths.image_dir, paths.mask_dir, ["a", "b"])
    with pytest.raises(ValueError, match="one-class dataset"):
        ds.add_mask_predictions(paths.probability_dir, "m")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="kind must be"):
        ds.add_mask_predictions(paths.mask_dir, "m", "soft")  # type: ignore[arg-type]
    with pytest.raises(NotADirectoryError):
        ds.add_mask_predictions(tmp_path / "nothing", "m", "binary")

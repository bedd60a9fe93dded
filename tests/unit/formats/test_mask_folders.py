"""CocoDataset.from_mask_folders: pairing, components against scipy.ndimage.label,
coverage columns, class masks, palettes, and malformed folders."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from pycocotools import mask as mask_api
from scipy import ndimage

from cocowidget.data.problems import CocoFormatError, category_of
from cocowidget.dataset import CocoDataset
from cocowidget.datasets.mask_folders_demo import generate_mask_folders
from cocowidget.formats.mask_folders import coverage_class


def write_pair(
    root: Path, stem: str, mask: np.ndarray | None, *, image_size: tuple[int, int] | None = None
) -> None:
    """An image (grey JPEG of ``image_size`` (h, w), else the mask's) and its mask PNG."""
    (root / "images").mkdir(exist_ok=True)
    (root / "masks").mkdir(exist_ok=True)
    height, width = image_size or (mask.shape[:2] if mask is not None else (8, 8))
    Image.new("RGB", (width, height), (90, 90, 90)).save(root / "images" / f"{stem}.jpg")
    if mask is not None:
        Image.fromarray(mask).save(root / "masks" / f"{stem}.png")


def random_index_mask(
    rng: np.random.Generator, shape: tuple[int, int], n_classes: int
) -> np.ndarray:
    """Blobs of several classes touching at edges and corners: a hard case for labelling."""
    coarse = rng.integers(0, n_classes + 1, size=(shape[0] // 4 + 1, shape[1] // 4 + 1))
    mask = np.kron(coarse, np.ones((4, 4), dtype=np.int64))[: shape[0], : shape[1]]
    speckle = rng.random(shape) < 0.08
    mask[speckle] = rng.integers(0, n_classes + 1, size=int(speckle.sum()))
    return mask.astype(np.uint8)


def reference_components(
    mask: np.ndarray, class_ids: list[int], connectivity: int
) -> list[np.ndarray]:
    structure = ndimage.generate_binary_structure(2, 1 if connectivity == 4 else 2)
    found = []
    for class_id in class_ids:
        labels, n = ndimage.label(mask == class_id, structure=structure)
        found.extend(labels == k for k in range(1, n + 1))
    return found


@pytest.mark.parametrize("connectivity", [4, 8])
def test_instances_are_each_class_connected_components(tmp_path: Path, connectivity: int) -> None:
    rng = np.random.default_rng(connectivity)
    masks = [
        random_index_mask(rng, (int(rng.integers(9, 40)), int(rng.integers(9, 40))), 3)
        for _ in range(6)
    ]
    for index, mask in enumerate(masks):
        write_pair(tmp_path, f"img{index}", mask)
    ds = CocoDataset.from_mask_folders(
        tmp_path / "images", tmp_path / "masks", ["a", "b", "c"], connectivity=connectivity
    )
    for image_id, mask in zip(ds.images["id"].tolist(), masks, strict=True):
        objects = ds.objects_of(image_id)
        ours = [
            mask_api.decode(ds.annotation_rle(int(i))).astype(bool) for i in objects["id"].tolist()
        ]
        expected = reference_components(mask, [1, 2, 3], connectivity)
        assert len(ours) == len(expected)
        for got, want, category, area, box in zip(
            ours, expected, objects["category_id"].tolist(), objects["area"].tolist(),
            objects["bbox"].tolist(), strict=True,
        ):  # fmt: skip
            np.testing.assert_array_equal(got, want)
            assert mask[want][0] == category
            assert area == want.sum()
            ys, xs = np.nonzero(want)
            assert box == [xs.min(), ys.min(), xs.max() - xs.min() + 1, ys.max() - ys.min() + 1]
        np.testing.assert_array_equal(ds.class_mask(image_id), mask.astype(np.int16))


def test_coverage_columns_match_the_pixels(tmp_path: Path) -> None:
    rng = np.random.default_rng(3)
    masks = [random_index_mask(rng, (20, 30), 2) for _ in range(5)]
    masks.append(np.zeros((20, 30), np.uint8))  # an empty mask
    masks[0][:2] = 255  # ignored pixels
    for index, mask in enumerate(masks):
        write_pair(tmp_path, f"m{index}", mask)
    ds = CocoDataset.from_mask_folders(
        tmp_path / "images", tmp_path / "masks", {1: "sand", 2: "rock"}, ignore=255,
        coverage_bins=10,
    )  # fmt: skip
    images = ds.images
    for row, mask in enumerate(masks):
        assert images["coverage.sand"][row] == (mask == 1).sum() / mask.size
        assert images["coverage.rock"][row] == (mask == 2).sum() / mask.size
        foreground = (mask == 1).sum() / mask.size + (mask == 2).sum() / mask.size
        assert images["coverage"][row] == foreground
        assert images["ignored_fraction"][row] == (mask == 255).sum() / mask.size
        # the salt kernels' cov_to_class
        expected_class = next(i for i in range(11) if foreground * 10 <= i)
        assert images["coverage_class"][row] == expected_class
    assert images["empty_mask"].tolist() == [False] * 5 + [True]
    assert ds.class_mask(int(images["id"][0]))[0, 0] == -1


def test_coverage_class_bins() -> None:
    coverage = np.array([0.0, 1e-9, 0.1, 0.1000001, 0.5, 1.0, np.nan])
    assert coverage_class(coverage, 10).tolist() == [0, 1, 1, 2, 5, 10, -1]


def test_binary_masks_and_palettes(tmp_path: Path) -> None:
    binary = np.zeros((10, 12), np.uint8)
    binary[2:5, 3:9] = 255
    write_pair(tmp_path, "b", binary)
    ds = CocoDataset.from_mask_folders(tmp_path / "images", tmp_path / "masks", ["salt"])
    assert ds.annotations["area"].tolist() == [18.0]
    assert ds.images["coverage.salt"][0] == 18 / 120

    colours = tmp_path / "colour"
    colours.mkdir()
    rgb = np.zeros((10, 12, 3), np.uint8)
    rgb[:3] = (128, 0, 0)
    rgb[5:7, 2:4] = (0, 128, 0)
    rgb[9] = (224, 224, 192)  # ignored
    rgb[8, 0] = (1, 2, 3)  # not in the palette
    write_pair(colours, "c", rgb)
    ds = CocoDataset.from_mask_folders(
        colours / "images",
        colours / "masks",
        ["plane", "bike"],
        palette={(128, 0, 0): "plane", (0, 128, 0): "bike"},
        ignore=(224, 224, 192),
    )
    classes = ds.class_mask(1)
    assert (classes[:3] == 1).all() and (classes[5:7, 2:4] == 2).all()
    assert (classes[9] == -1).all() and classes[8, 0] == -1
    assert ds.categories["color"].tolist() == [(128, 0, 0), (0, 128, 0)]
    problems = ds.loading_problems()
    assert problems["kind"].tolist() == ["mask_value_unknown"]
    assert "(1, 2, 3) (1 px)" in problems["message"][0]


def test_malformed_folders_are_problems_with_their_file_and_the_rest_loads(tmp_path: Path) -> None:
    good = np.zeros((8, 8), np.uint8)
    good[2:4, 2:4] = 1
    write_pair(tmp_path, "good", good)
    write_pair(tmp_path, "no_mask", None)
    Image.fromarray(good).save(tmp_path / "masks" / "no_image.png")
    write_pair(tmp_path, "wrong_size", good, image_size=(9, 8))
    write_pair(tmp_path, "rgb", np.zeros((8, 8, 3), np.uint8))
    Image.new("RGB", (8, 8)).save(tmp_path / "images" / "deep.jpg")
    Image.fromarray(good.astype(np.uint16) * 300).save(tmp_path / "masks" / "deep.png")
    outside = good.copy()
    outside[0, 0] = 7
    write_pair(tmp_path, "outside", outside)
    with pytest.warns(UserWarning, match="3 errors while loading"):
        ds = CocoDataset.from_mask_folders(tmp_path / "images", tmp_path / "masks", ["a", "b"])
    problems = ds.loading_problems().to_pandas()
    by_kind = dict(zip(problems["kind"], problems["json_path"], strict=True))
    assert by_kind == {
        "mask_without_image": str(tmp_path / "masks" / "no_image.png"),
        "image_without_mask": str(tmp_path / "images" / "no_mask.jpg"),
        "png_size_mismatch": str(tmp_path / "masks" / "wrong_size.png"),
        "png_mode": str(tmp_path / "masks" / "rgb.png"),
        "png_16_bit": str(tmp_path / "masks" / "deep.png"),
        "mask_value_unknown": str(tmp_path / "masks" / "outside.png"),
    }
    assert all(category_of(kind) != "other" for kind in by_kind)
    images = ds.images.to_pandas().set_index("file_name")
    assert len(images) == 6  # every image is kept
    assert images.loc["good.jpg", "has_mask"] and images.loc["outside.jpg", "has_mask"]
    for name in ("no_mask.jpg", "wrong_size.jpg", "rgb.jpg", "deep.jpg"):
        assert not images.loc[name, "has_mask"]
        assert np.isnan(images.loc[name, "coverage"])
        assert images.loc[name, "coverage_class"] == -1
    assert images.loc["outside.jpg", "ignored_fraction"] == 1 / 64
    assert len(ds.annotations) == 2
    (tmp_path / "masks" / "deep.png").unlink()
    with pytest.raises(CocoFormatError, match=r"rgb.png is RGB \(8-bit\); index masks are"):
        CocoDataset.from_mask_folders(tmp_path / "images", tmp_path / "masks", ["a"], strict=True)


def test_bad_arguments_are_clear(tmp_path: Path) -> None:
    with pytest.raises(NotADirectoryError, match="no folder of images"):
        CocoDataset.from_mask_folders(tmp_path / "nope", tmp_path, ["a"])
    with pytest.raises(ValueError, match="outside 1-255"):
        CocoDataset.from_mask_folders(tmp_path, tmp_path, {0: "a"})
    with pytest.raises(ValueError, match="not one of the classes"):
        CocoDataset.from_mask_folders(tmp_path, tmp_path, ["a"], palette={(1, 2, 3): "b"})
    with pytest.raises(ValueError, match="connectivity"):
        CocoDataset.from_mask_folders(tmp_path, tmp_path, ["a"], connectivity=6)
    with pytest.raises(ValueError, match="no mask folders"):
        CocoDataset.from_coco({"images": [], "annotations": [], "categories": []}).class_mask(1)


def test_demo_folders_load_with_ignored_borders(tmp_path: Path) -> None:
    paths = generate_mask_folders(tmp_path, 12, seed=4, size=48, classes=("salt", "shale"),
                                  probabilities=None, ignore_border=True)  # fmt: skip
    ds = CocoDataset.from_mask_folders(paths.image_dir, paths.mask_dir, list(paths.classes),
                                       ignore=paths.ignore)  # fmt: skip
    assert len(ds) == 12 and len(ds.loading_problems()) == 0
    assert (ds.images["ignored_fraction"] > 0).any()
    assert ds.subset([1, 2]).class_mask(2).shape == (48, 48)

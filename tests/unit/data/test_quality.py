"""Quality checks: each kind of problem is found, with its ids, JSON path and message."""

from __future__ import annotations

import shutil
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image

from cocowidget.data import QualityThresholds
from cocowidget.data.problems import CocoFormatError
from cocowidget.dataset import CocoDataset
from cocowidget.datasets import generate_demo

from .helpers import annotation, pycocotools_numpy2_warning, small_coco

pytestmark = pycocotools_numpy2_warning


def problems_of(dataset: CocoDataset, **options: Any) -> list[dict[str, Any]]:
    return list(dataset.quality(**{"check_files": False, **options}).rows())


def kinds(problems: list[dict[str, Any]]) -> set[str]:
    return {p["kind"] for p in problems}


def test_a_clean_dataset_has_only_the_unused_category() -> None:
    problems = problems_of(CocoDataset.from_coco(small_coco()))
    assert [(p["kind"], p["severity"], p["category_id"]) for p in problems] == [
        ("unused_category", "info", 9)
    ]


def test_box_checks() -> None:
    document = small_coco()
    document["annotations"] += [
        annotation(20, 3, 1, [10, 10, 0, 5]),  # degenerate
        annotation(21, 3, 1, [190, 10, 30, 30]),  # past the right edge by 20 px
        annotation(22, 3, 1, [300, 300, 10, 10]),  # entirely outside
        annotation(23, 3, 1, [10, 100, 150, 5]),  # 30:1
        annotation(24, 3, 2, [60, 60, 1.5, 1.5]),  # tiny
        annotation(25, 3, 2, [10, 10, 20, 20], area=-3),  # negative area
    ]
    problems = problems_of(CocoDataset.from_coco(document))
    found = {(p["kind"], p["annotation_id"]): p for p in problems}
    assert found[("degenerate_box", 20)]["severity"] == "warning"
    assert found[("box_outside_image", 21)]["severity"] == "warning"
    assert "extends past the 200x200 image" in found[("box_outside_image", 21)]["message"]
    assert found[("box_outside_image", 22)]["severity"] == "error"
    assert "entirely outside" in found[("box_outside_image", 22)]["message"]
    assert found[("extreme_aspect_ratio", 23)]["severity"] == "warning"
    assert found[("tiny_object", 24)]["severity"] == "info"
    assert found[("negative_area", 25)]["json_path"] == "annotations[10].area"
    assert found[("box_outside_image", 22)]["json_path"] == "annotations[7].bbox"
    assert found[("box_outside_image", 22)]["image_id"] == 3
    # a small border overshoot is normal for polygon-derived boxes
    assert ("box_outside_image", 3) not in found


def test_thresholds_are_configurable() -> None:
    document = small_coco()
    document["annotations"].append(annotation(20, 3, 1, [10, 100, 60, 5]))  # 12:1
    dataset = CocoDataset.from_coco(document)
    assert "extreme_aspect_ratio" not in kinds(problems_of(dataset))
    strict_limits = QualityThresholds(extreme_aspect_ratio=10)
    assert "extreme_aspect_ratio" in kinds(problems_of(dataset, thresholds=strict_limits))


def test_near_duplicates_same_class_only() -> None:
    document = small_coco()
    document["annotations"] += [
        annotation(20, 3, 1, [150, 150, 50, 49]),  # IoU 0.98 with annotation 3 (same class)
        annotation(21, 3, 2, [150, 150, 50, 50]),  # same box, other class
        annotation(22, 3, 1, [150, 150, 50, 40]),  # IoU 0.8
    ]
    problems = problems_of(CocoDataset.from_coco(document))
    duplicates = [p for p in problems if p["kind"] == "near_duplicate"]
    assert [p["annotation_id"] for p in duplicates] == [20]
    assert "overlaps annotation 3" in duplicates[0]["message"]
    assert "IoU 0.980" in duplicates[0]["message"]


def test_references_ids_and_categories() -> None:
    document = small_coco()
    document["annotations"] += [
        annotation(1, 3, 1, [10, 10, 5, 5]),  # duplicate id
        annotation(30, 99, 1, [10, 10, 5, 5]),  # unknown image
        annotation(31, 3, 42, [10, 10, 5, 5]),  # unknown category
        annotation(32, 7, 42, [10, 10, 5, 5]),
    ]
    document["categories"].append({"id": 2, "name": "dog again"})
    problems = problems_of(CocoDataset.from_coco(document))
    found = {(p["kind"], p["annotation_id"], p["category_id"]) for p in problems}
    assert ("duplicate_annotation_id", 1, 1) in found
    assert ("dangling_image_ref", 30, 1) in found
    assert ("dangling_category_ref", 31, 42) in found
    assert ("duplicate_category_id", -1, 2) in found
    undefined = [p for p in problems if p["kind"] == "undefined_category"]
    assert [p["message"] for p in undefined] == [
        "category id 42 is used by 2 annotations but not defined in categories"
    ]


def test_segmentation_checks() -> None:
    document = small_coco()
    document["annotations"][0]["segmentation"] = []
    document["annotations"][1]["segmentation"] = [[1, 2, 3, 4]]
    document["annotations"][2]["segmentation"] = {"size": [10, 10], "counts": [100]}
    document["annotations"][3]["segmentation"] = {"counts": "abc"}
    document["annotations"][4]["segmentation"] = [[1, 2, "x", 4, 5, 6]]
    problems = problems_of(CocoDataset.from_coco(document))
    segmentation_kinds = {"empty_segmentation", "invalid_segmentation", "rle_size_mismatch"}
    found = {p["annotation_id"]: p for p in problems if p["kind"] in segmentation_kinds}
    assert found[1]["kind"] == "empty_segmentation"
    assert found[2]["kind"] == "invalid_segmentation"
    assert found[2]["json_path"] == "annotations[1].segmentation[0]"
    assert "at least 3 points" in found[2]["message"]
    assert found[3]["kind"] == "rle_size_mismatch"
    assert found[4]["kind"] == "invalid_segmentation"
    assert "'size' is missing" in found[4]["message"]
    assert found[5]["kind"] == "invalid_segmentation"
    assert found[5]["json_path"] == "annotations[4].segmentation[0][2]"
    assert "expected a finite number, got the string 'x'" in found[5]["message"]
    without_scan = problems_of(CocoDataset.from_coco(document), check_segmentations=False)
    assert not kinds(without_scan) & segmentation_kinds


def test_masks_of_broken_segmentations_are_empty_not_errors() -> None:
    document = small_coco()
    document["annotations"][1]["segmentation"] = "nonsense"
    dataset = CocoDataset.from_coco(document)
    masks = dataset.masks(7)
    assert masks.shape == (2, 50, 100)
    assert masks[0].sum() == 0 and masks[1].sum() > 0


def test_strict_mode_raises_on_quality_errors_but_not_on_warnings() -> None:
    document = small_coco()
    document["annotations"].append(annotation(20, 3, 1, [190, 10, 30, 30]))  # warning only
    CocoDataset.from_coco(document, strict=True)
    document["annotations"].append(annotation(21, 3, 1, [10, 10, -4, 30]))
    with pytest.raises(CocoFormatError, match=r"^<dict>: annotations\[6\]\.bbox: .*negative"):
        CocoDataset.from_coco(document, strict=True)


def test_without_image_dir_file_checks_are_skipped_and_said_so() -> None:
    problems = list(CocoDataset.from_coco(small_coco()).quality().rows())
    assert "files_not_checked" in kinds(problems)


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Any:
    return generate_demo(tmp_path_factory.mktemp("demo"), 8, seed=1, broken_images=True, workers=1)


def test_file_checks_on_broken_files(demo: Any) -> None:
    dataset = CocoDataset.from_coco(demo.annotations, image_dir=demo.image_dir)
    with ThreadPoolExecutor(2) as executor:
        problems = list(dataset.quality(executor=executor).rows())
    by_kind = {p["kind"]: p for p in problems}
    names = dict(
        zip(dataset.images["id"].tolist(), dataset.images["file_name"].tolist(), strict=True)
    )
    for kind, severity in [
        ("truncated_file", "error"),
        ("unreadable_file", "error"),
        ("missing_file", "error"),
        ("size_mismatch", "error"),
        ("near_black_image", "warning"),
        ("duplicate_image", "warning"),
    ]:
        assert by_kind[kind]["severity"] == severity, kind
        assert names[by_kind[kind]["image_id"]] in by_kind[kind]["message"]
    assert "zero-byte" in by_kind["unreadable_file"]["message"]
    # the EXIF-rotated file's JSON size is its displayed size: nothing to report
    assert "exif_size_mismatch" not in by_kind
    sizes = dataset.images["file_size"]
    missing = dataset.images["file_name"] == names[by_kind["missing_file"]["image_id"]]
    assert (sizes[~missing] >= 0).all() and np.isnan(sizes[missing]).all()
    readable = np.isfinite(dataset.images["brightness"])
    assert readable.sum() == len(dataset) - 3  # truncated, zero-byte, missing


def test_exif_rotation_against_stored_size(tmp_path: Path) -> None:
    image_dir = tmp_path / "images"
    image_dir.mkdir()
    pixels = (np.indices((40, 60)).sum(axis=0) % 256).astype(np.uint8)  # 60 wide, 40 high
    exif = Image.Exif()
    exif[0x0112] = 6  # displayed rotated: 40 wide, 60 high
    Image.fromarray(pixels).convert("RGB").save(image_dir / "r.jpg", exif=exif)
    Image.fromarray(np.full((40, 60), 128, np.uint8)).save(image_dir / "flat.png")
    document = {
        "images": [
            {"id": 1, "file_name": "r.jpg", "width": 60, "height": 40},
            {"id": 2, "file_name": "flat.png", "width": 60, "height": 40},
        ],
        "annotations": [],
        "categories": [],
    }
    problems = list(CocoDataset.from_coco(document, image_dir=image_dir).quality().rows())
    found = {p["kind"]: p for p in problems}
    assert found["exif_size_mismatch"]["image_id"] == 1
    assert (
        "EXIF orientation 6 displays the image as 40x60" in found["exif_size_mismatch"]["message"]
    )
    assert found["constant_image"]["image_id"] == 2
    document["images"][0].update(width=40, height=60)
    problems = list(CocoDataset.from_coco(document, image_dir=image_dir).quality().rows())
    assert "exif_size_mismatch" not in kinds(problems)


def test_unsafe_file_names_are_never_read(tmp_path: Path) -> None:
    image_dir = tmp_path / "images"
    image_dir.mkdir()
    secret = tmp_path / "secret.jpg"
    Image.new("RGB", (8, 8)).save(secret)
    shutil.copy(secret, image_dir / "ok.jpg")
    document = {
        "images": [
            {"id": 1, "file_name": "../secret.jpg", "width": 8, "height": 8},
            {"id": 2, "file_name": str(secret), "width": 8, "height": 8},
            {"id": 3, "file_name": "ok.jpg", "width": 8, "height": 8},
        ],
        "annotations": [],
        "categories": [],
    }
    with pytest.warns(UserWarning, match=r"2 errors while loading \(first: image 1: the file"):
        dataset = CocoDataset.from_coco(document, image_dir=image_dir)
    assert dataset.image_path(1) is None
    assert dataset.image_path(2) is None
    assert dataset.image_path(3) == (image_dir / "ok.jpg").resolve()
    problems = list(dataset.quality().rows())
    unsafe = [p for p in problems if p["kind"] == "unsafe_file_name"]
    assert [p["image_id"] for p in unsafe] == [1, 2]
    np.testing.assert_array_equal(
        dataset.images["file_size"], [np.nan, np.nan, (image_dir / "ok.jpg").stat().st_size]
    )
    opted_out = CocoDataset.from_coco(document, image_dir=image_dir, allow_outside_image_dir=True)
    assert opted_out.image_path(1) == secret.resolve()
    assert "unsafe_file_name" not in opted_out.quality(check_files=False)["kind"].tolist()
    with pytest.raises(CocoFormatError, match="climbs out of the image directory"):
        CocoDataset.from_coco(document, image_dir=image_dir, strict=True)


def test_a_missing_image_dir_is_said_once_at_load(tmp_path: Path) -> None:
    document = {
        "images": [{"id": i, "file_name": f"{i}.jpg", "width": 8, "height": 8} for i in (1, 2)],
        "annotations": [],
        "categories": [],
    }
    missing = tmp_path / "val2071"
    with pytest.warns(UserWarning, match="image_dir '.*val2071' is not a folder"):
        dataset = CocoDataset.from_coco(document, image_dir=missing)
    files = [
        p for p in dataset.quality().rows() if p["kind"] in ("missing_image_dir", "missing_file")
    ]
    assert [p["kind"] for p in files] == ["missing_image_dir"]  # not one per image
    with pytest.raises(NotADirectoryError, match="val2071"):
        CocoDataset.from_coco(document, image_dir=missing, strict=True)
    with pytest.raises(FileNotFoundError, match=r"no COCO JSON file at .*nope\.json"):
        CocoDataset.from_coco(tmp_path / "nope.json")


def test_a_full_pass_marks_the_pixel_statistics_complete(demo: Any) -> None:
    dataset = CocoDataset.from_coco(demo.annotations, image_dir=demo.image_dir)
    dataset.compute_pixel_statistics(image_ids=dataset.images["id"][:2])
    assert not dataset.pixel_statistics_complete
    dataset.compute_pixel_statistics()
    assert dataset.pixel_statistics_complete
    assert dataset.subset(dataset.images["id"][:3]).pixel_statistics_complete


def test_pixel_statistics_from_media(demo: Any) -> None:
    from cocowidget.media import compute_pixel_statistics

    dataset = CocoDataset.from_coco(demo.annotations, image_dir=demo.image_dir)
    dataset.compute_pixel_statistics(image_ids=dataset.images["id"][:3])
    for row in range(3):
        expected = compute_pixel_statistics(dataset.image_path_at(row))
        assert dataset.images["brightness"][row] == expected.brightness
        assert dataset.images["contrast"][row] == expected.contrast
        assert dataset.images["sharpness"][row] == expected.sharpness
    assert np.isnan(dataset.images["brightness"][3:]).all()


def test_segmentation_scan_in_worker_processes_finds_the_same() -> None:
    from concurrent.futures import ProcessPoolExecutor

    document = small_coco()
    document["annotations"][0]["segmentation"] = []
    document["annotations"][1]["segmentation"] = [[1, 2, 3, 4]]
    document["annotations"][2]["segmentation"] = {"size": [10, 10], "counts": [100]}
    serial = problems_of(CocoDataset.from_coco(document))
    with ProcessPoolExecutor(2) as executor:
        parallel = problems_of(CocoDataset.from_coco(document), executor=executor)
    assert parallel == serial
    assert len([p for p in serial if p["severity"] != "info"]) == 3


def _three_images() -> dict[str, Any]:
    return {
        "images": [{"id": i, "file_name": f"{i}.jpg", "width": 8, "height": 8} for i in (1, 2, 3)],
        "annotations": [],
        "categories": [],
    }


def test_an_image_dir_of_other_images_is_said_at_load(tmp_path: Path) -> None:
    # from_coco(val.json, image_dir="train2017/"): a folder, but none of these files.
    train = tmp_path / "train2017"
    train.mkdir()
    Image.new("RGB", (8, 8)).save(train / "other.jpg")
    with pytest.warns(UserWarning, match=r"0 of 3 image files found in image_dir '.*train2017'"):
        dataset = CocoDataset.from_coco(_three_images(), image_dir=train)
    (unfound,) = [p for p in problems_of(dataset) if p["kind"] == "image_files_not_found"]
    assert unfound["severity"] == "error"
    assert "not found e.g. '1.jpg'" in unfound["message"]
    with pytest.raises(FileNotFoundError, match="0 of 3 image files found"):
        CocoDataset.from_coco(_three_images(), image_dir=train, strict=True)


def test_some_missing_image_files_are_a_warning_in_quality(tmp_path: Path) -> None:
    images = tmp_path / "images"
    images.mkdir()
    for name in ("1.jpg", "3.jpg"):
        Image.new("RGB", (8, 8)).save(images / name)
    dataset = CocoDataset.from_coco(_three_images(), image_dir=images)  # no error to warn of
    (unfound,) = [p for p in problems_of(dataset) if p["kind"] == "image_files_not_found"]
    assert unfound["severity"] == "warning"
    assert unfound["message"].startswith("2 of 3 image files found")
    assert "'2.jpg'" in unfound["message"]
    Image.new("RGB", (8, 8)).save(images / "2.jpg")
    assert "image_files_not_found" not in kinds(problems_of(dataset))


def test_a_large_dataset_is_checked_on_a_sample(tmp_path: Path) -> None:
    document = {
        "images": [
            {"id": i, "file_name": f"{i}.jpg", "width": 8, "height": 8} for i in range(1, 1001)
        ],
        "annotations": [],
        "categories": [],
    }
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.warns(UserWarning, match=r"0 of 64 image files found \(a sample of 1000\)"):
        CocoDataset.from_coco(document, image_dir=empty)


def test_per_file_links_out_of_the_image_dir_are_followed(tmp_path: Path) -> None:
    # A DVC / git-annex / hub-cache folder: every image a link into a content store.
    store = tmp_path / "store"
    store.mkdir()
    images = tmp_path / "images"
    images.mkdir()
    noise = np.random.default_rng(0).integers(0, 256, (3, 8, 8, 3), dtype=np.uint8)
    for i in (1, 2, 3):
        Image.fromarray(noise[i - 1]).save(store / f"blob{i}", format="PNG")
        (images / f"{i}.jpg").symlink_to(store / f"blob{i}")
    document = _three_images()
    document["images"].append({"id": 4, "file_name": "../store/blob1", "width": 8, "height": 8})
    with pytest.warns(UserWarning, match="climbs out of the image directory"):
        dataset = CocoDataset.from_coco(document, image_dir=images)
    assert dataset.image_path(2) == (store / "blob2").resolve()
    assert dataset.image_path(4) is None  # the name climbs out: refused, whatever exists there
    problems = list(dataset.quality().rows())
    assert [(p["kind"], p["image_id"]) for p in problems if p["severity"] != "info"] == [
        ("unsafe_file_name", 4)
    ]
    assert dataset.images["file_size"].tolist()[:3] == [
        (store / f"blob{i}").stat().st_size for i in (1, 2, 3)
    ]

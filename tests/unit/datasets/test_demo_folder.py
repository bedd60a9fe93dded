"""generate_demo's folder handling: reuse, regeneration, default location, CLI, and the
annotations-only writer."""

from __future__ import annotations

import json
from pathlib import Path

import msgspec
import pytest

from cocowidget.datasets import (
    default_demo_dir,
    generate_coco_dict,
    generate_demo,
    read_manifest,
    write_annotations_only,
)
from cocowidget.datasets.__main__ import main


def _stamps(root: Path) -> dict[str, int]:
    return {str(p): p.stat().st_mtime_ns for p in root.rglob("*") if p.is_file()}


def test_second_call_reuses_the_dataset(tmp_path: Path) -> None:
    first = generate_demo(tmp_path, 8, seed=1, workers=1)
    before = _stamps(tmp_path)
    again = generate_demo(tmp_path, 8, seed=1, workers=1)
    assert again == first
    assert _stamps(tmp_path) == before  # nothing rewritten


def test_other_parameters_regenerate_and_leave_no_stale_files(tmp_path: Path) -> None:
    generate_demo(tmp_path, 10, seed=1, workers=1)
    paths = generate_demo(tmp_path, 4, seed=2, predictions=False, workers=1)
    manifest = read_manifest(tmp_path)
    assert manifest is not None
    assert manifest["params"] == {
        "n_images": 4,
        "seed": 2,
        "predictions": False,
        "broken_images": False,
    }
    assert paths.predictions is None and not (tmp_path / "predictions").exists()
    files = sorted(p.name for p in paths.image_dir.iterdir())
    listed = sorted(i["file_name"] for i in json.loads(paths.annotations.read_text())["images"])
    assert files == listed


def test_damaged_or_unfinished_dataset_is_regenerated(tmp_path: Path) -> None:
    paths = generate_demo(tmp_path, 6, seed=1, workers=1)
    victim = next(paths.image_dir.iterdir())
    victim.unlink()
    generate_demo(tmp_path, 6, seed=1, workers=1)
    assert victim.exists()
    manifest = read_manifest(tmp_path)
    assert manifest is not None
    manifest["complete"] = False  # as if a previous run had been interrupted
    paths.manifest.write_text(json.dumps(manifest))
    generate_demo(tmp_path, 6, seed=1, workers=1)
    regenerated = read_manifest(tmp_path)
    assert regenerated is not None and regenerated["complete"] is True


def test_manifest_contents(tmp_path: Path) -> None:
    paths = generate_demo(tmp_path, 6, seed=4, workers=1)
    manifest = read_manifest(tmp_path)
    assert manifest is not None
    assert manifest["files"]["annotations"] == str(paths.annotations.relative_to(tmp_path))
    counts = manifest["counts"]
    dataset = json.loads(paths.annotations.read_text())
    assert counts["images"] == counts["image_files"] == len(dataset["images"]) == 6
    assert counts["annotations"] == len(dataset["annotations"])
    assert sum(counts["segmentations"].values()) == counts["annotations"]
    assert paths.predictions is not None
    assert counts["predictions"] == len(json.loads(paths.predictions.read_text()))
    assert manifest["special_files"] == {}


def test_default_demo_dir(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("COCOWIDGET_DEMO_DIR", raising=False)
    default = default_demo_dir()
    assert default.name == "demo-500-0" and default.parent.name == ".demo-data"
    assert default_demo_dir(5000, 3).name == "demo-5000-3"
    monkeypatch.setenv("COCOWIDGET_DEMO_DIR", str(tmp_path))
    assert default_demo_dir(20, 1) == tmp_path / "demo-20-1"


def test_annotations_only_equals_the_demo_and_the_in_memory_dict(tmp_path: Path) -> None:
    demo = generate_demo(tmp_path / "demo", 12, seed=6, workers=1)
    path = write_annotations_only(
        tmp_path / "gt.json", 12, seed=6, predictions_path=tmp_path / "dt.json"
    )
    assert path.read_bytes() == demo.annotations.read_bytes()
    assert demo.predictions is not None
    assert (tmp_path / "dt.json").read_bytes() == demo.predictions.read_bytes()
    dataset, predictions = generate_coco_dict(12, seed=6)
    assert msgspec.json.decode(path.read_bytes()) == dataset
    assert msgspec.json.decode((tmp_path / "dt.json").read_bytes()) == predictions
    assert not any(p.suffix == ".partial" for p in tmp_path.iterdir())


def test_cli(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    main(
        [
            str(tmp_path / "cli"),
            "--images",
            "3",
            "--seed",
            "2",
            "--no-predictions",
            "--workers",
            "1",
        ]
    )
    out = capsys.readouterr().out
    assert "3 images" in out
    manifest = read_manifest(tmp_path / "cli")
    assert manifest is not None
    assert manifest["params"]["predictions"] is False
    assert not (tmp_path / "cli" / "predictions").exists()


def test_rejects_nonsense() -> None:
    with pytest.raises(ValueError, match="non-negative"):
        generate_coco_dict(-1)

"""Write the malformed-file corpus and its manifest (``cases.json``).

Each case is a small COCO file broken in one way. The manifest records, per file, what
strict loading must raise (``CocoFormatError`` kind, JSON path and a fragment of the
reason) and what lenient loading must list in ``ds.quality()`` (kind, severity, JSON
path), plus the table sizes lenient loading ends up with (what was kept, dropped or
repaired). Run ``python tests/data/malformed/make_corpus.py`` after changing a case.
"""

from __future__ import annotations

import copy
import gzip
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).parent

BASE: dict[str, Any] = {
    "info": {"description": "cocowidget malformed-file corpus: the valid base"},
    "images": [
        {"id": 1, "file_name": "a.jpg", "width": 640, "height": 480},
        {"id": 2, "file_name": "b.jpg", "width": 320, "height": 240},
    ],
    "annotations": [
        {
            "id": 10,
            "image_id": 1,
            "category_id": 1,
            "bbox": [10, 20, 30, 40],
            "area": 1200,
            "iscrowd": 0,
            "segmentation": [[10, 20, 40, 20, 40, 60, 10, 60]],
        },
        {
            "id": 11,
            "image_id": 1,
            "category_id": 2,
            "bbox": [100, 100, 50, 50],
            "area": 2500,
            "iscrowd": 0,
            "segmentation": [[100, 100, 150, 100, 150, 150, 100, 150]],
        },
        {
            "id": 12,
            "image_id": 2,
            "category_id": 1,
            "bbox": [5, 5, 20, 10],
            "area": 200,
            "iscrowd": 0,
            "segmentation": [[5, 5, 25, 5, 25, 15, 5, 15]],
        },
    ],
    "categories": [
        {"id": 1, "name": "cat", "supercategory": "animal"},
        {"id": 2, "name": "dog", "supercategory": "animal"},
    ],
}


def edited(change: Callable[[dict[str, Any]], Any]) -> bytes:
    document = copy.deepcopy(BASE)
    change(document)
    return json.dumps(document, indent=1).encode()


def text(value: str) -> bytes:
    return value.encode()


def base_text() -> str:
    return json.dumps(BASE, indent=1)


def nan_in(path: list[Any], literal: str) -> bytes:
    """The base with the number at ``path`` written as a bare literal (NaN, Infinity),
    as Python's json.dump writes non-finite floats."""
    document = copy.deepcopy(BASE)
    node: Any = document
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = "@@LITERAL@@"
    return json.dumps(document, indent=1).replace('"@@LITERAL@@"', literal).encode()


def setter(*path: Any, value: Any) -> Callable[[dict[str, Any]], None]:
    def change(document: dict[str, Any]) -> None:
        node: Any = document
        for key in path[:-1]:
            node = node[key]
        node[path[-1]] = value

    return change


def deleter(*path: Any) -> Callable[[dict[str, Any]], None]:
    def change(document: dict[str, Any]) -> None:
        node: Any = document
        for key in path[:-1]:
            node = node[key]
        del node[path[-1]]

    return change


def case(
    name: str,
    about: str,
    content: bytes,
    kind: str,
    json_path: str,
    reason: str,
    tables: tuple[int, int, int],
    severity: str = "error",
) -> dict[str, Any]:
    return {
        "file": name,
        "about": about,
        "content": content,
        "strict": {"kind": kind, "json_path": json_path, "reason": reason},
        "lenient": {"kind": kind, "severity": severity, "json_path": json_path},
        "tables": list(tables),
    }


FULL = (2, 3, 2)
CASES = [
    case(
        "empty.json", "a zero-byte file", b"", "malformed_json", "", "the file is empty", (0, 0, 0)
    ),
    case(
        "not_json.json",
        "plain text, not JSON",
        text("images: a.jpg, b.jpg\n"),
        "malformed_json",
        "",
        "malformed JSON at line 1 column 1",
        (0, 0, 0),
    ),
    case(
        "truncated.json",
        "cut off in the middle of an annotation (an interrupted download)",
        text(base_text()[: base_text().index('"area": 2500')]),
        "malformed_json",
        "",
        "malformed JSON at line",
        (0, 0, 0),
    ),
    case(
        "trailing_data.json",
        "a valid document followed by more data; the document is loaded",
        text(base_text() + "\n{}\n"),
        "malformed_json",
        "",
        "unexpected data after the JSON document",
        FULL,
    ),
    case(
        "top_level_array.json",
        "a results list where an instances file is expected",
        text('[{"image_id": 1, "category_id": 1, "bbox": [1, 2, 3, 4], "score": 0.5}]'),
        "invalid_structure",
        "",
        "got an array (a results list? use add_predictions)",
        (0, 0, 0),
    ),
    case(
        "top_level_number.json",
        "a bare number",
        text("42\n"),
        "invalid_structure",
        "",
        "got the number 42",
        (0, 0, 0),
    ),
    case(
        "utf16.json",
        "UTF-16 encoded (with a byte order mark); read anyway",
        base_text().encode("utf-16"),
        "encoding",
        "",
        "UTF-16 encoded",
        FULL,
    ),
    case(
        "missing_images.json",
        "no 'images' key: the annotations refer to nothing",
        edited(deleter("images")),
        "invalid_structure",
        "",
        "missing 'images'",
        (0, 3, 2),
    ),
    case(
        "annotations_not_array.json",
        "'annotations' is an object",
        edited(setter("annotations", value={"id": 10})),
        "invalid_structure",
        "annotations",
        "expected an array of annotation records, got an object",
        (2, 0, 2),
    ),
    case(
        "image_not_object.json",
        "an image record that is a number; a row of stand-ins, written back as read",
        edited(setter("images", 1, value=5)),
        "invalid_structure",
        "images[1]",
        "expected an object, got the number 5",
        FULL,
    ),
    case(
        "image_id_string.json",
        "an image id that is not a number; it keeps its identity (its annotations, of image 1,"
        " are dangling)",
        edited(setter("images", 0, "id", value="abc")),
        "invalid_field",
        "images[0].id",
        "expected an integer, got the string 'abc'",
        FULL,
    ),
    case(
        "image_id_numeric_string.json",
        "an image id written as a string of digits: the string '1' is not the number 1 (as"
        " in pycocotools' dicts)",
        edited(setter("images", 0, "id", value="1")),
        "invalid_field",
        "images[0].id",
        "expected an integer, got the string '1'",
        FULL,
    ),
    case(
        "annotation_id_nan.json",
        "an annotation id written as NaN (as json.dump writes float('nan'))",
        nan_in(["annotations", 0, "id"], "NaN"),
        "invalid_number",
        "annotations[0].id",
        "NaN is not a valid JSON number",
        FULL,
    ),
    case(
        "annotation_id_too_large.json",
        "an annotation id beyond 64 bits; it keeps its identity",
        edited(setter("annotations", 0, "id", value=2**70)),
        "invalid_field",
        "annotations[0].id",
        "expected an integer that fits in 64 bits",
        FULL,
    ),
    case(
        "annotation_id_missing.json",
        "an annotation without an id; it gets an internal one",
        edited(deleter("annotations", 1, "id")),
        "invalid_field",
        "annotations[1]",
        "missing required field 'id'",
        FULL,
    ),
    case(
        "bbox_three_numbers.json",
        "a bbox of 3 numbers; the box is unknown (NaN), written back as read",
        edited(setter("annotations", 1, "bbox", value=[100, 100, 50])),
        "invalid_field",
        "annotations[1].bbox",
        "expected 4 numbers [x, y, width, height], got 3",
        FULL,
    ),
    case(
        "bbox_string_no_segmentation.json",
        "a bbox written as a string, and no segmentation: the box is unknown (NaN)",
        edited(
            lambda d: (
                setter("annotations", 2, "bbox", value="5,5,20,10")(d),
                deleter("annotations", 2, "segmentation")(d),
            )
        ),
        "invalid_field",
        "annotations[2].bbox",
        "expected 4 numbers [x, y, width, height], got the string '5,5,20,10'",
        FULL,
    ),
    case(
        "bbox_nan.json",
        "a bbox with NaN",
        nan_in(["annotations", 0, "bbox", 2], "NaN"),
        "invalid_number",
        "annotations[0].bbox[2]",
        "NaN is not a valid JSON number",
        FULL,
    ),
    case(
        "bbox_infinity.json",
        "a bbox with a number beyond float range (1e999): Infinity, kept as read",
        text(base_text().replace("[\n    5,\n    5,\n    20,", "[\n    5,\n    5,\n    1e999,")),
        "invalid_field",
        "annotations[2].bbox[2]",
        "expected a finite number, got Infinity",
        FULL,
    ),
    case(
        "missing_image_id.json",
        "an annotation without image_id: of no image",
        edited(deleter("annotations", 2, "image_id")),
        "invalid_field",
        "annotations[2]",
        "missing required field 'image_id'",
        FULL,
    ),
    case(
        "category_id_float.json",
        "a fractional category id: an id of its own (a dangling reference)",
        edited(setter("annotations", 0, "category_id", value=1.5)),
        "invalid_field",
        "annotations[0].category_id",
        "expected an integer, got the number 1.5",
        FULL,
    ),
    case(
        "iscrowd_two.json",
        "iscrowd outside 0/1: kept, a crowd (as pycocotools treats any non-zero iscrowd)",
        edited(setter("annotations", 0, "iscrowd", value=2)),
        "invalid_field",
        "annotations[0].iscrowd",
        "expected 0 or 1, got 2",
        FULL,
    ),
    case(
        "iscrowd_boolean.json",
        "iscrowd written as true; read as 1",
        edited(setter("annotations", 0, "iscrowd", value=True)),
        "invalid_field",
        "annotations[0].iscrowd",
        "expected 0 or 1, got the boolean true",
        FULL,
    ),
    case(
        "area_string.json",
        "an area that is not a number; a stand-in from the segmentation, written back as read",
        edited(setter("annotations", 0, "area", value="big")),
        "invalid_field",
        "annotations[0].area",
        "expected a number, got the string 'big'",
        FULL,
    ),
    case(
        "area_missing.json",
        "an annotation without area; computed from the segmentation",
        edited(deleter("annotations", 1, "area")),
        "invalid_field",
        "annotations[1]",
        "missing required field 'area'",
        FULL,
    ),
    case(
        "width_negative.json",
        "a negative image width; the size is unknown (0), written back as read",
        edited(setter("images", 0, "width", value=-640)),
        "invalid_field",
        "images[0].width",
        "expected a positive width, got -640",
        FULL,
    ),
    case(
        "height_string.json",
        "an image height with a unit",
        edited(setter("images", 1, "height", value="240px")),
        "invalid_field",
        "images[1].height",
        "expected an integer, got the string '240px'",
        FULL,
    ),
    case(
        "category_missing_name.json",
        "a category without a name; named after its id",
        edited(deleter("categories", 1, "name")),
        "invalid_field",
        "categories[1]",
        "missing required field 'name'",
        FULL,
    ),
    case(
        "category_id_null.json",
        "a category whose id is null: an id of its own, its annotations become dangling",
        edited(setter("categories", 1, "id", value=None)),
        "invalid_field",
        "categories[1].id",
        "expected an integer, got null",
        FULL,
    ),
    case(
        "duplicate_image_id.json",
        "two images with the same id: references go to the last, as in pycocotools",
        edited(setter("images", 1, "id", value=1)),
        "duplicate_image_id",
        "images[1].id",
        "image id 1 is used by more than one image",
        FULL,
    ),
    case(
        "duplicate_annotation_id.json",
        "two annotations with the same id",
        edited(setter("annotations", 2, "id", value=10)),
        "duplicate_annotation_id",
        "annotations[2].id",
        "id 10 is used by more than one annotation",
        FULL,
    ),
    case(
        "dangling_image_ref.json",
        "an annotation of an image that does not exist",
        edited(setter("annotations", 0, "image_id", value=99)),
        "dangling_image_ref",
        "annotations[0].image_id",
        "refers to image 99, which is not in images",
        FULL,
    ),
    case(
        "dangling_category_ref.json",
        "an annotation of a category that does not exist",
        edited(setter("annotations", 1, "category_id", value=7)),
        "dangling_category_ref",
        "annotations[1].category_id",
        "refers to category 7, which is not in categories",
        FULL,
    ),
    case(
        "negative_box.json",
        "a box with negative width",
        edited(setter("annotations", 0, "bbox", value=[10, 20, -30, 40])),
        "negative_box",
        "annotations[0].bbox",
        "has a negative width or height",
        FULL,
    ),
    case(
        "segmentation_odd_coordinates.json",
        "a polygon with an odd number of coordinates",
        edited(setter("annotations", 0, "segmentation", value=[[10, 20, 40, 20, 40, 60, 10]])),
        "invalid_segmentation",
        "annotations[0].segmentation[0]",
        "odd number of coordinates (7)",
        FULL,
    ),
    case(
        "segmentation_string.json",
        "a segmentation that is a string",
        edited(setter("annotations", 1, "segmentation", value="polygon")),
        "invalid_segmentation",
        "annotations[1].segmentation",
        "got the string 'polygon'",
        FULL,
    ),
    case(
        "rle_size_mismatch.json",
        "a crowd RLE whose size is not the image's",
        edited(
            setter(
                "annotations",
                2,
                "segmentation",
                value={"size": [100, 100], "counts": [505, 10, 90, 10, 9385]},
            )
        ),
        "rle_size_mismatch",
        "annotations[2].segmentation.size",
        "RLE size is 100x100 (height x width); the image is 240x320",
        FULL,
    ),
    case(
        "rle_counts_wrong_total.json",
        "uncompressed RLE counts that do not cover the image",
        edited(
            setter(
                "annotations",
                2,
                "segmentation",
                value={"size": [240, 320], "counts": [100, 20, 30]},
            )
        ),
        "invalid_segmentation",
        "annotations[2].segmentation.counts",
        "run lengths add up to 150 pixels",
        FULL,
    ),
    case(
        "unsafe_file_name.json",
        "a file_name that climbs out of the image directory; never read",
        edited(setter("images", 1, "file_name", value="../../etc/passwd")),
        "unsafe_file_name",
        "images[1].file_name",
        "climbs out of the image directory",
        FULL,
    ),
    case(
        "bbox_all_infinite.json",
        "a box [Infinity, Infinity, -Infinity, -Infinity], as a public litter dataset has",
        nan_in(["annotations", 1, "bbox"], "[Infinity, Infinity, -Infinity, -Infinity]"),
        "invalid_number",
        "annotations[1].bbox[0]",
        "Infinity is not a valid JSON number",
        FULL,
    ),
    case(
        "area_nan.json",
        "an area written as NaN: kept as read, skipped by statistics",
        nan_in(["annotations", 2, "area"], "NaN"),
        "invalid_number",
        "annotations[2].area",
        "NaN is not a valid JSON number",
        FULL,
    ),
    case(
        "segmentation_nan.json",
        "a polygon coordinate written as NaN: reported once, kept as read",
        nan_in(["annotations", 0, "segmentation", 0, 3], "NaN"),
        "invalid_number",
        "annotations[0].segmentation[0][3]",
        "NaN is not a valid JSON number",
        FULL,
    ),
    case(
        "image_id_string_referenced.json",
        "string image ids, referenced as strings: annotations go to their image",
        edited(
            lambda d: (
                setter("images", 0, "id", value="a")(d),
                setter("annotations", 0, "image_id", value="a")(d),
                setter("annotations", 1, "image_id", value="a")(d),
            )
        ),
        "invalid_field",
        "images[0].id",
        "expected an integer, got the string 'a'",
        FULL,
    ),
    case(
        "image_id_too_large.json",
        "an image id beyond 64 bits, referenced by its annotations",
        edited(
            lambda d: (
                setter("images", 1, "id", value=2**64 + 2)(d),
                setter("annotations", 2, "image_id", value=2**64 + 2)(d),
            )
        ),
        "invalid_field",
        "images[1].id",
        "expected an integer that fits in 64 bits",
        FULL,
    ),
    case(
        "image_id_fraction.json",
        "a fractional image id, referenced by its annotations",
        edited(
            lambda d: (
                setter("images", 1, "id", value=2.5)(d),
                setter("annotations", 2, "image_id", value=2.5)(d),
            )
        ),
        "invalid_field",
        "images[1].id",
        "expected an integer, got the number 2.5",
        FULL,
    ),
    case(
        "width_missing.json",
        "an image without width: reported once (not also as a width of 0)",
        edited(deleter("images", 1, "width")),
        "invalid_field",
        "images[1]",
        "missing required field 'width'",
        FULL,
    ),
    case(
        "segmentation_empty_polygon.json",
        "a segmentation [[]]: no polygon at all",
        edited(setter("annotations", 1, "segmentation", value=[[]])),
        "empty_segmentation",
        "annotations[1].segmentation",
        "every polygon is empty",
        FULL,
        severity="warning",
    ),
    case(
        "duplicate_category_name.json",
        "two categories with the same name",
        edited(setter("categories", 1, "name", value="cat")),
        "duplicate_category_name",
        "categories[1].name",
        "category name 'cat' is used by more than one category",
        FULL,
        severity="warning",
    ),
    case(
        "gzipped.json.gz",
        "a gzip-compressed file (.json.gz): read",
        gzip.compress(base_text().encode(), mtime=0),
        "",
        "",
        "",
        FULL,
        severity="",
    ),
]


def main() -> None:
    manifest = []
    for entry in CASES:
        (HERE / entry["file"]).write_bytes(entry["content"])
        manifest.append({key: value for key, value in entry.items() if key != "content"})
    (HERE / "cases.json").write_text(json.dumps(manifest, indent=2) + "\n")
    print(f"wrote {len(CASES)} cases to {HERE}")


if __name__ == "__main__":
    main()

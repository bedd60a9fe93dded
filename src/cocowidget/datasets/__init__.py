"""A synthetic, realistic COCO dataset, generated deterministically from a seed.

The default dataset of the demo notebook, the tests and the benchmarks.

API
---
``generate_demo(out_dir, n_images=500, seed=0, *, predictions=True, broken_images=False,
workers=None) -> DemoPaths``
    Real JPEGs, the instances JSON and (optionally) a detector's results list in
    ``out_dir``; reused when ``out_dir`` already holds the same parameters' complete
    output. Layout and manifest: :mod:`cocowidget.datasets.demo`.
``write_annotations_only(path, n_images=118_000, seed=0, *, predictions_path=None)``
    The same entries without pixels, streamed: train2017-sized JSON (~860,000
    annotations, ~390 MB) in a few minutes and under 100 MB of memory.
``generate_coco_dict(n_images, seed=0, *, predictions=True) -> (dict, list)``
    The same, in memory, for tests that build special datasets.
``generate_coco_dict_with_mistakes(n_images, seed=0, *, label_mistakes=None)``
    ``-> (dict, list, record)``: with label mistakes planted into the annotations
    (``LabelMistakes`` rates; ``generate_demo(..., label_mistakes=True)`` and
    ``write_annotations_only(..., label_mistakes=..., mistakes_path=...)`` write them
    to disk) while the detector still sees the true objects; the record lists each
    mistake: :mod:`cocowidget.datasets.mistakes`.
``generate_panoptic_demo(out_dir, n_images=500, seed=0, *, images=True,
predictions=True, workers=None) -> PanopticDemoPaths``
    The same scenes as COCO panoptic: PNGs with things and stuff (sky, road, wall,
    floor, grass, ...; void seams and posts) and a simulated panoptic model's
    predictions: :mod:`cocowidget.datasets.panoptic_demo`.
``generate_keypoints_demo(out_dir, n_images=200, seed=0, *, predictions=True)`` and
``generate_keypoints_dict(n_images, seed=0, *, predictions=True)``
    The person-keypoints variant: people with COCO's 17 joints and skeleton, drawn as
    figures, and a pose model's results (:mod:`cocowidget.datasets.keypoints_demo`).
``generate_lvis_dict(n_images=40, seed=0, *, n_categories=12, result_kind="both",
crowded_images=2) -> (dict, list)``
    LVIS-style ground truth (federated image fields, r/c/f frequencies, polygon and RLE
    masks) and detections, without pixels, for evaluation by LVIS rules
    (:mod:`cocowidget.datasets.lvis_demo`).
``generate_mask_folders(out_dir, n_images=200, seed=0, *, size=128, classes=("salt",),
probabilities="png", ignore_border=False) -> MaskFolderPaths``
    A segmentation dataset as folders: images, index masks and a model's probability
    maps (8-bit PNGs or ``.npy``) with realistic errors, for ``from_mask_folders`` and
    ``add_mask_predictions`` (:mod:`cocowidget.datasets.mask_folders_demo`).
``default_demo_dir(n_images=500, seed=0)``
    ``<base>/demo-<n>-<seed>``; ``<base>`` is ``$COCOWIDGET_DEMO_DIR`` if set, else
    ``.demo-data`` in the project checkout (or the current directory).
``python -m cocowidget.datasets OUT_DIR --images 5000 --seed 0 [--broken]
[--no-predictions] [--workers N]``

What the data looks like
------------------------
* Images: mostly 640 px on the long side (4:3, 3:2, 16:9, square, portraits), 10 %
  smaller, 6 % larger, 1 % panoramas (~2000x250) and strips (~120x1000).
* 20 COCO categories with COCO's ids (so with gaps), 8 supercategories, Zipf frequencies
  (person ~35 %, apple ~0.7 %), and look-alike groups: car/truck/bus,
  bicycle/motorcycle, cat/dog, sheep/cow, cup/bowl, apple/orange.
* ~7.3 objects per image (0 to 40, ~5 % of images empty), sizes from a few pixels to
  most of the image (small/medium/large ~45/36/19 %; COCO: 41/34/24 %).
* Objects are painted through the masks pycocotools rasterises from their annotations,
  so overlays match pixels exactly. Annotation rules:
    - an object nothing covers: its polygon (~89 %), 2-decimal coordinates, vertex
      count growing with size (median 17; COCO: 16); some have several parts (a thin
      post in front splits them);
    - an object partly covered by objects in front: its visible pixels as compressed
      RLE (~10 %); objects more than 70 % hidden are left out of the scene altogether;
    - crowds (spectators, flocks) in ~7 % of images: ``iscrowd=1`` with uncompressed RLE
      (``counts`` a list of ints), as in COCO.
  ``area`` is the mask's pixel count (float for polygons, int for RLE, as COCO stores
  them) and ``bbox`` the mask's bounding box, so ``annToMask`` agrees with both exactly.
* Predictions (COCO results with compressed-RLE masks): see
  :mod:`cocowidget.datasets.detector`; ~1.2 detections per object, bbox AP ~0.40,
  mask AP ~0.29 (pycocotools), like a mid-range Mask R-CNN.
* ``broken_images=True`` appends a dozen problem files, listed in the JSON like any
  image and in the manifest's ``special_files`` by kind:
  :mod:`cocowidget.datasets.special_files`.

Everything about image ``i`` is drawn from random streams seeded by ``(seed, i)``, so any
number of worker processes gives byte-identical files.
"""

from cocowidget.datasets.annotations_only import (
    generate_coco_dict,
    generate_coco_dict_with_mistakes,
    write_annotations_only,
)
from cocowidget.datasets.demo import DemoPaths, default_demo_dir, generate_demo, read_manifest
from cocowidget.datasets.keypoints_demo import generate_keypoints_demo, generate_keypoints_dict
from cocowidget.datasets.lvis_demo import generate_lvis_dict
from cocowidget.datasets.mask_folders_demo import MaskFolderPaths, generate_mask_folders
from cocowidget.datasets.mistakes import LabelMistakes
from cocowidget.datasets.panoptic_demo import PanopticDemoPaths, generate_panoptic_demo
from cocowidget.datasets.special_files import SPECIAL_KINDS

__all__ = [
    "SPECIAL_KINDS",
    "DemoPaths",
    "LabelMistakes",
    "MaskFolderPaths",
    "PanopticDemoPaths",
    "default_demo_dir",
    "generate_coco_dict",
    "generate_coco_dict_with_mistakes",
    "generate_demo",
    "generate_keypoints_demo",
    "generate_keypoints_dict",
    "generate_lvis_dict",
    "generate_mask_folders",
    "generate_panoptic_demo",
    "read_manifest",
    "write_annotations_only",
]

"""A synthetic, realistic COCO dataset generated deterministically from a seed.

The default dataset of the demo notebook, the tests and the benchmarks: real JPEGs with
objects drawn exactly where their annotations say, a Zipf-skewed set of look-alike
classes, polygons, RLE and crowd regions, and a simulated detector's predictions with
realistic mistakes. Scales to 100,000+ images; `write_annotations_only` writes
train2017-sized JSON without pixels.
"""

from cocowidget.datasets.annotations_only import generate_coco_dict, write_annotations_only
from cocowidget.datasets.demo import DemoPaths, default_demo_dir, generate_demo, read_manifest
from cocowidget.datasets.special_files import SPECIAL_KINDS

__all__ = [
    "SPECIAL_KINDS",
    "DemoPaths",
    "default_demo_dir",
    "generate_coco_dict",
    "generate_demo",
    "read_manifest",
    "write_annotations_only",
]

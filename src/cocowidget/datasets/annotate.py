"""Scene objects → COCO annotations that agree with the pixels.

Objects are drawn back to front, so an object's visible pixels are its own mask minus
everything drawn later. Unoccluded objects are annotated with the very polygon that is
drawn. Occluded ones are annotated with their visible pixels as compressed RLE (a polygon
cannot describe "outline minus another outline" without a clipping library, and COCO
tools accept RLE for any object); crowds always get uncompressed RLE, as in COCO. Objects
that would be mostly hidden are removed from the scene altogether rather than left drawn
but unlabelled.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pycocotools import mask as mask_utils

from cocowidget.datasets import masks, shapes
from cocowidget.datasets.categories import CATEGORIES
from cocowidget.datasets.masks import Rle
from cocowidget.datasets.scene import Scene, SceneObject

MIN_VISIBLE_FRACTION = 0.3
MIN_AREA = 4


@dataclass(frozen=True)
class AnnotatedObject:
    obj: SceneObject
    annotated: Rle  # mask of the annotated polygon(s)
    silhouette: Rle  # mask of the full outline; equals `annotated` unless a post cuts it
    visible: Rle  # what the annotation describes
    occluded: bool
    area: int
    bbox: list[float]

    def coco(self, image_id: int) -> dict[str, Any]:
        """The annotation without its `id` (numbered when written), in COCO's key order."""
        segmentation: Any
        if self.obj.iscrowd:
            segmentation = masks.uncompressed(self.visible)
        elif self.occluded:
            segmentation = {
                "size": self.visible["size"],
                "counts": self.visible["counts"].decode("ascii"),
            }
        else:
            segmentation = shapes.to_coco(self.obj.annotated)
        return {
            "segmentation": segmentation,
            # COCO stores polygon areas as floats and crowd areas as integers.
            "area": self.area if self.obj.iscrowd or self.occluded else float(self.area),
            "iscrowd": int(self.obj.iscrowd),
            "image_id": image_id,
            "bbox": self.bbox,
            "category_id": CATEGORIES[self.obj.category].id,
        }


def annotate(scene: Scene) -> list[AnnotatedObject]:
    """Annotations of the objects that stay in the scene, back to front."""
    height, width = scene.spec.height, scene.spec.width
    kept: list[AnnotatedObject] = []
    in_front: Rle | None = None  # union of the pixels painted by kept objects in front
    for obj in reversed(scene.objects):
        silhouette = obj.silhouette_mask or masks.polygon_rle(obj.silhouette, height, width)
        annotated = silhouette
        if obj.cut_by_post:
            annotated = masks.polygon_rle(obj.annotated, height, width)
        full_area = masks.area(annotated)
        hidden = masks.overlap(annotated, in_front) if in_front is not None and full_area else 0
        visible_area = full_area - hidden
        if visible_area < MIN_AREA or visible_area < MIN_VISIBLE_FRACTION * full_area:
            continue
        visible = masks.difference(annotated, in_front) if hidden and in_front else annotated
        painted = masks.union(silhouette, annotated) if obj.cut_by_post else silhouette
        in_front = masks.union(in_front, painted)
        bbox = [float(v) for v in mask_utils.toBbox(visible)]
        kept.append(
            AnnotatedObject(obj, annotated, silhouette, visible, hidden > 0, visible_area, bbox)
        )
    kept.reverse()
    return kept

"""The scene model: what one image of the demo dataset shows.

Everything about image `index` comes from random streams seeded by (seed, index, purpose),
never from a shared generator, so images can be generated in any order, in parallel, or
alone, and always come out the same.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from cocowidget.datasets import masks, shapes
from cocowidget.datasets.categories import CATEGORIES, FREQUENCY

# Independent random streams per image.
STREAM_IMAGE = 0
STREAM_SCENE = 1
STREAM_DETECTOR = 2
STREAM_PIXELS = 3
STREAM_MISTAKES = 4  # planted label mistakes (cocowidget.datasets.mistakes)

Box = tuple[float, float, float, float]  # x0, y0, x1, y1
REFERENCE_PIXELS = 640 * 480  # category sizes are given for an image of this size

# Themes make classes co-occur as in photos (cups with bowls, cars with buses), while
# the overall class frequencies keep their Zipf skew.
THEMES: dict[str, frozenset[str]] = {
    "street": frozenset(
        {
            "person",
            "car",
            "truck",
            "bus",
            "bicycle",
            "motorcycle",
            "traffic light",
            "stop sign",
            "bird",
            "dog",
        }
    ),
    "indoor": frozenset(
        {"person", "chair", "cup", "bottle", "bowl", "cat", "dog", "apple", "orange", "sports ball"}
    ),
    "field": frozenset({"person", "sheep", "cow", "bird", "dog", "sports ball", "car", "bicycle"}),
}
THEME_NAMES = tuple(THEMES)
THEME_PROBABILITY = np.array([0.45, 0.35, 0.2])
OFF_THEME_WEIGHT = 0.06
CROWD_PROBABILITY = 0.07
CROWD_CATEGORIES = {"street": "person", "indoor": "person", "field": "sheep"}
POST_PROBABILITY = 0.05  # objects split in two by a thin post in front of them
MAX_OBJECTS = 40
OVERLAP_PROBABILITY = 0.06  # objects placed regardless of what they cover
PLACEMENT_TRIES = 12  # other objects look for a free spot this many times,
SHRINK_AFTER = 4  # getting smaller after this many tries
SHRINK_ON_RETRY = 0.9
AIRBORNE = frozenset({"bird", "traffic light", "sports ball"})  # may appear above the horizon


def _theme_weights() -> dict[str, np.ndarray]:
    """Per-theme class probabilities whose mixture over themes stays close to FREQUENCY:
    a class is weighted by 1 / (chance its theme is drawn), so appearing in every theme
    (person) gives it no extra share."""
    member = np.array([[c.name in THEMES[t] for c in CATEGORIES] for t in THEME_NAMES])
    coverage = THEME_PROBABILITY @ member
    weights = {}
    for row, theme in enumerate(THEME_NAMES):
        boost = np.where(member[row], 1.0 / np.maximum(coverage, 1e-9), OFF_THEME_WEIGHT)
        w = FREQUENCY * boost
        weights[theme] = w / w.sum()
    return weights


THEME_WEIGHTS = _theme_weights()
CATEGORY_INDEX = {c.name: i for i, c in enumerate(CATEGORIES)}


def stream(seed: int, index: int, purpose: int) -> np.random.Generator:
    return np.random.default_rng([seed, index, purpose])


@dataclass(frozen=True)
class ImageSpec:
    """One `images` entry, decided before any object is placed."""

    index: int
    id: int
    file_name: str
    width: int
    height: int
    license: int
    date_captured: str

    def coco(self) -> dict[str, object]:
        return {
            "license": self.license,
            "file_name": self.file_name,
            "height": self.height,
            "width": self.width,
            "date_captured": self.date_captured,
            "id": self.id,
        }


def image_spec(seed: int, index: int, extension: str = ".jpg") -> ImageSpec:
    rng = stream(seed, index, STREAM_IMAGE)
    width, height = _image_size(rng)
    # Ids grow with the index but skip numbers, like COCO's, so nobody can get away with
    # treating an id as a row number.
    image_id = 4 * index + 1 + int(rng.integers(0, 4))
    day, hour, minute, second = (int(v) for v in rng.integers((14, 0, 0, 0), (28, 24, 60, 60)))
    return ImageSpec(
        index=index,
        id=image_id,
        file_name=f"{image_id:012d}{extension}",
        width=width,
        height=height,
        license=int(rng.integers(1, 9)),
        date_captured=f"2013-11-{day:02d} {hour:02d}:{minute:02d}:{second:02d}",
    )


def _image_size(rng: np.random.Generator) -> tuple[int, int]:
    """(width, height): mostly 640 on the long side, some smaller or larger, a few
    extreme panoramas and strips."""
    u = rng.random()
    if u < 0.005:  # panorama, e.g. 2000x250
        width = int(rng.integers(1600, 2401))
        return width, round(width / rng.uniform(6.0, 9.0))
    if u < 0.01:  # tall strip, e.g. 120x1000
        width = int(rng.integers(100, 161))
        return width, round(width * rng.uniform(6.0, 10.0))
    if u < 0.07:
        long_side = int(rng.integers(800, 1281))
    elif u < 0.17:
        long_side = int(rng.integers(240, 561))
    else:
        long_side = 640
    aspect = float(
        rng.choice(
            [4 / 3, 3 / 2, 16 / 9, 1.0, rng.uniform(1.05, 2.0)], p=[0.55, 0.15, 0.1, 0.05, 0.15]
        )
    )
    short_side = round(long_side / aspect)
    if rng.random() < 0.27:
        return short_side, long_side
    return long_side, short_side


@dataclass(frozen=True)
class SceneObject:
    """One object as drawn. `annotated` is the polygon of what is visible of it unless
    later objects cover it; `silhouette` is its full outline (differs only when a post
    in front cuts it, the post being painted where silhouette and annotation differ).
    A crowd's silhouette is the union of its members, each drawn on its own."""

    category: int  # index into CATEGORIES
    annotated: shapes.Parts
    silhouette: shapes.Parts
    colour: tuple[int, int, int]
    iscrowd: bool = False
    members: tuple[shapes.Parts, ...] = ()
    cut_by_post: bool = False
    silhouette_mask: masks.Rle | None = None  # if already rasterised while placing it


@dataclass(frozen=True)
class Scene:
    seed: int
    content_index: int  # whose random streams drew the content (differs for duplicates)
    spec: ImageSpec
    theme: str
    horizon: float  # where sky meets ground, as a fraction of the height
    objects: tuple[SceneObject, ...]  # back to front


def sample_scene(seed: int, spec: ImageSpec, content_index: int | None = None) -> Scene:
    """The objects in image `spec`; `content_index` lets a duplicate show another
    image's content."""
    content_index = spec.index if content_index is None else content_index
    rng = stream(seed, content_index, STREAM_SCENE)
    theme = THEME_NAMES[int(rng.choice(len(THEME_NAMES), p=THEME_PROBABILITY))]
    horizon = float(rng.uniform(0.3, 0.7))
    objects: list[SceneObject] = []
    if rng.random() < CROWD_PROBABILITY:
        crowd = _crowd(rng, spec, horizon, CATEGORY_INDEX[CROWD_CATEGORIES[theme]])
        if crowd is not None:
            objects.append(crowd)
    # Negative binomial: mean ~7.3, a long tail to 40 and ~5 % of images empty.
    count = min(int(rng.negative_binomial(2, 2 / (2 + 7.3))), MAX_OBJECTS)
    categories = rng.choice(len(CATEGORIES), size=count, p=THEME_WEIGHTS[theme])
    sizes = [_object_size(rng, int(c), spec) for c in categories]
    # Big things stand behind small ones, so draw (and keep) them first.
    order = sorted(range(count), key=lambda i: -sizes[i][0] * sizes[i][1])
    boxes: list[Box] = []
    occupied: masks.Rle | None = None  # pixels of the objects placed so far
    for i in order:
        category = int(categories[i])
        w, h = sizes[i]
        outline = _outline(rng, category, w, h)
        grounded = CATEGORIES[category].name not in AIRBORNE
        found = _position(rng, outline, (w, h), spec, horizon if grounded else 0.0, boxes, occupied)
        if found is None:
            continue
        silhouette, box, rle = found
        boxes.append(box)
        occupied = masks.union(occupied, rle)
        objects.append(_finish(rng, category, silhouette, box, rle))
    return Scene(seed, content_index, spec, theme, horizon, tuple(objects))


def _object_size(rng: np.random.Generator, category: int, spec: ImageSpec) -> tuple[float, float]:
    cat = CATEGORIES[category]
    scale = math.sqrt(spec.width * spec.height / REFERENCE_PIXELS)
    side = cat.size_px * scale * math.exp(cat.size_spread * rng.standard_normal())
    aspect = cat.aspect * math.exp(0.15 * rng.standard_normal())
    w, h = side * math.sqrt(aspect), side / math.sqrt(aspect)
    shrink = min(1.0, 0.95 * spec.width / w, 0.95 * spec.height / h)
    return max(w * shrink, 3.0), max(h * shrink, 3.0)


def _position(
    rng: np.random.Generator,
    outline: shapes.Parts,
    size: tuple[float, float],
    spec: ImageSpec,
    horizon: float,
    boxes: list[Box],
    occupied: masks.Rle | None,
) -> tuple[shapes.Parts, Box, masks.Rle] | None:
    """Where to put an object: the outline in image coordinates, its box and mask.

    Up to ~20 % of an object may leave the frame, and grounded objects keep their feet
    below the horizon. Most objects look for a spot where they hide nothing already
    placed (boxes may overlap, masks may not), getting smaller (further away) if the
    first tries fail; the rest, and those that never find a spot, go anywhere and
    occlude what is behind them.
    """
    allow_overlap = rng.random() < OVERLAP_PROBABILITY
    anywhere = allow_overlap or occupied is None
    u = rng.random((2, PLACEMENT_TRIES)).tolist()
    points = np.vstack(outline)
    lo_x, lo_y = (points.min(axis=0) - 1).tolist()  # + pixel edges
    hi_x, hi_y = (points.max(axis=0) + 1).tolist()
    blocked: list[tuple[float, float, float, Box]] = []
    for attempt in range(PLACEMENT_TRIES):
        scale = SHRINK_ON_RETRY ** max(0, attempt - SHRINK_AFTER + 1)
        w, h = size[0] * scale, size[1] * scale
        x_lo, x_hi = 0.3 * w, spec.width - 0.3 * w
        y_lo, y_hi = max(0.3 * h, horizon * spec.height - 0.4 * h), spec.height - 0.3 * h
        cx = x_lo + u[0][attempt] * (x_hi - x_lo) if x_hi > x_lo else spec.width / 2
        cy = y_lo + u[1][attempt] * (y_hi - y_lo) if y_hi > y_lo else y_hi
        box = (cx + lo_x * scale, cy + lo_y * scale, cx + hi_x * scale, cy + hi_y * scale)
        if anywhere or not _overlaps_any(box, boxes):
            placed = _place_at(outline, scale, cx, cy, box, spec)
            if placed is not None:
                return placed
        else:
            blocked.append((scale, cx, cy, box))
    # No spot with a free box: the first whose mask touches nothing, else the least hidden.
    best: tuple[shapes.Parts, Box, masks.Rle] | None = None
    best_hidden = math.inf
    for scale, cx, cy, box in blocked:
        placed = _place_at(outline, scale, cx, cy, box, spec)
        if placed is None or occupied is None:
            continue
        hidden = masks.overlap(placed[2], occupied)
        if hidden == 0:
            return placed
        if hidden < best_hidden:
            best, best_hidden = placed, hidden
    return best


def _place_at(
    outline: shapes.Parts, scale: float, cx: float, cy: float, box: Box, spec: ImageSpec
) -> tuple[shapes.Parts, Box, masks.Rle] | None:
    parts = shapes.clip_to_image([p * scale + (cx, cy) for p in outline], spec.width, spec.height)
    if not parts:
        return None
    return parts, box, masks.polygon_rle(parts, spec.height, spec.width)


def _overlaps_any(box: Box, boxes: list[Box]) -> bool:
    x0, y0, x1, y1 = box
    return any(b[0] < x1 and x0 < b[2] and b[1] < y1 and y0 < b[3] for b in boxes)


def vertex_count(rng: np.random.Generator, w: float, h: float) -> int:
    """Annotators click more points on bigger objects: a median of ~9 on a 10 px object,
    ~16 at 50 px, ~25 at 150 px, with a long tail (COCO: median 16, mean ~21)."""
    side = math.sqrt(w * h) * 0.8
    median = 3.0 + 2.07 * math.sqrt(side)
    return max(4, round(median * math.exp(0.35 * rng.standard_normal())))


def _outline(rng: np.random.Generator, category: int, w: float, h: float) -> shapes.Parts:
    """The object's outline in pixels, centred on the origin."""
    cat = CATEGORIES[category]
    unit = shapes.outline(cat.shape, vertex_count(rng, w, h), rng)
    angle = float(rng.normal(0.0, 5.0)) if cat.shape != "round" else 0.0
    jitter = min(2.0, 0.02 * math.sqrt(w * h))
    return shapes.place(unit, (0.0, 0.0, w, h), angle, bool(rng.random() < 0.5), jitter, rng)


def _finish(
    rng: np.random.Generator,
    category: int,
    silhouette: shapes.Parts,
    box: Box,
    silhouette_mask: masks.Rle,
) -> SceneObject:
    """Colour it, and now and then stand a thin post in front of it."""
    annotated = silhouette
    w = box[2] - box[0]
    if w > 30 and rng.random() < POST_PROBABILITY:
        band = max(2.0, w * rng.uniform(0.05, 0.12))
        left = (box[0] + box[2]) / 2 + w * rng.uniform(-0.25, 0.25) - band / 2
        annotated = shapes.cut_vertical(silhouette, left, left + band) or silhouette
    return SceneObject(
        category,
        annotated,
        silhouette,
        _colour(rng, category),
        cut_by_post=annotated is not silhouette,
        silhouette_mask=silhouette_mask,
    )


def _colour(rng: np.random.Generator, category: int) -> tuple[int, int, int]:
    cat = CATEGORIES[category]
    base = np.array(cat.colour, dtype=np.float64)
    varied = base * np.exp(cat.colour_jitter * 0.5 * rng.standard_normal(3))
    varied *= math.exp(0.15 * rng.standard_normal())  # lighting
    r, g, b = (int(v) for v in np.clip(varied, 0, 255))
    return r, g, b


def _crowd(
    rng: np.random.Generator, spec: ImageSpec, horizon: float, category: int
) -> SceneObject | None:
    """A dense group (spectators, a flock) in the distance, annotated as one iscrowd
    region."""
    cat = CATEGORIES[category]
    region_w = spec.width * rng.uniform(0.25, 0.7)
    region_h = spec.height * rng.uniform(0.08, 0.25)
    x0 = rng.uniform(0, spec.width - region_w)
    y0 = max(0.0, horizon * spec.height - region_h * rng.uniform(0.6, 0.9))
    members: list[shapes.Parts] = []
    for _ in range(int(rng.integers(12, 41))):
        h = region_h * rng.uniform(0.45, 0.85)
        w = h * cat.aspect * math.exp(0.15 * rng.standard_normal())
        box = (x0 + rng.uniform(0, region_w), y0 + region_h - h / 2 * rng.uniform(0.8, 1.2), w, h)
        unit = shapes.outline(cat.shape, max(6, vertex_count(rng, w, h) // 2), rng)
        parts = shapes.clip_to_image(
            shapes.place(unit, box, float(rng.normal(0, 4)), bool(rng.random() < 0.5), 0.5, rng),
            spec.width,
            spec.height,
        )
        if parts:
            members.append(parts)
    if not members:
        return None
    silhouette = [part for member in members for part in member]
    return SceneObject(
        category, silhouette, silhouette, _colour(rng, category), True, tuple(members)
    )

"""Media layer: decode images safely, render thumbnails and previews, cache them.

Works on file paths only; it never imports widget code or the dataset classes.

- :func:`resolve_image_path` keeps ``file_name`` reads inside the image directory.
- :func:`render_thumbnail`, :func:`render_preview`, :func:`render_region` render one
  image synchronously into a :class:`Thumbnail` (never raising for a bad file);
  :func:`compute_pixel_statistics` measures brightness, contrast and sharpness.
- :class:`ThumbnailService` does the same in the background through a
  :class:`ThumbnailCache` (memory LRU in front of an SQLite file) on any
  ``concurrent.futures`` executor: by default one for the whole process, on threads
  while worker processes start and on the processes after;
  :func:`process_executor` makes a process pool fit for notebooks.
"""

from cocowidget.media.cache import DiskCache, MemoryCache, ThumbnailCache, default_cache_dir
from cocowidget.media.decode import DEFAULT_MAX_PIXELS, FileIdentity, ImageDecodeError
from cocowidget.media.executors import process_executor
from cocowidget.media.paths import UnsafePathError, resolve_image_path
from cocowidget.media.service import ThumbnailService
from cocowidget.media.statistics import ANALYSIS_SIDE, PixelStatistics
from cocowidget.media.thumbnail import (
    PREVIEW_SIDE,
    THUMBNAIL_SIDE,
    Thumbnail,
    compute_pixel_statistics,
    render_preview,
    render_region,
    render_thumbnail,
)

__all__ = [
    "ANALYSIS_SIDE",
    "DEFAULT_MAX_PIXELS",
    "PREVIEW_SIDE",
    "THUMBNAIL_SIDE",
    "DiskCache",
    "FileIdentity",
    "ImageDecodeError",
    "MemoryCache",
    "PixelStatistics",
    "Thumbnail",
    "ThumbnailCache",
    "ThumbnailService",
    "UnsafePathError",
    "compute_pixel_statistics",
    "default_cache_dir",
    "process_executor",
    "render_preview",
    "render_region",
    "render_thumbnail",
    "resolve_image_path",
]

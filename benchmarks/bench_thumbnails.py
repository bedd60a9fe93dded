"""Thumbnail pipeline throughput and preview latency, each beside its baseline.

Generates COCO-like 640x480 JPEGs (a colour field, filled shapes, texture and sensor noise;
4:4:4 chroma at quality 90 like COCO's files) in a temporary directory, then measures in
one run:

- the naive baseline: full decode, ``convert("RGB")``, ``thumbnail()``, JPEG encode, on
  one thread and on a thread per core;
- the pipeline cold (empty caches) with the default executor once it runs on worker
  processes, and with a thread pool (what it runs on while they start), interleaved; and
  how long the processes take to start;
- the pipeline warm: from the memory LRU, and from the disk cache alone;
- the disk cache layout: one SQLite file (as used) against a file per entry;
- hover previews (1024 px): naive full decode + resize + encode against ``render_preview``,
  cold and warm, on the 640 px images and on large 4000x3000 ones.

Files are read from the OS page cache (they were just written): the figures are for a
warm local disk. Each figure is the median of ``--repeat`` runs. Run::

    .venv/bin/python benchmarks/bench_thumbnails.py [--images 600] [--repeat 3]
"""

from __future__ import annotations

import argparse
import hashlib
import io
import os
import pickle
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Executor, ThreadPoolExecutor
from functools import partial
from pathlib import Path

import numpy as np
import PIL
from PIL import Image, ImageDraw, ImageFilter

from cocowidget.media import (
    PREVIEW_SIDE,
    THUMBNAIL_SIDE,
    Thumbnail,
    ThumbnailCache,
    ThumbnailService,
    render_preview,
)
from cocowidget.media.cache import DiskCache, MemoryCache
from cocowidget.media.decode import FileIdentity
from cocowidget.media.executors import (
    ProcessesWhenReady,
    default_worker_count,
    process_executor,
    shared_executor,
    thread_executor,
)
from cocowidget.media.thumbnail import THUMBNAIL_QUALITY, RenderSpec

SHARED_COCO = Path(__file__).resolve().parents[2] / "shared" / "data" / "coco_tiny"


# -- data ----------------------------------------------------------------------------------
def coco_like_jpeg(rng: np.random.Generator, width: int = 640, height: int = 480) -> bytes:
    """A photo-like JPEG: flat colour fields decode unrealistically fast, noise too slowly."""
    field = rng.integers(0, 256, (6, 8, 3), dtype=np.uint8)
    image = Image.fromarray(field).resize((width, height), Image.Resampling.BICUBIC)
    draw = ImageDraw.Draw(image)
    for _ in range(int(rng.integers(4, 14))):
        x0, y0 = int(rng.integers(-width // 6, width)), int(rng.integers(-height // 6, height))
        x1 = x0 + int(rng.integers(width // 30, width // 2))
        y1 = y0 + int(rng.integers(height // 30, height // 2))
        fill = tuple(int(v) for v in rng.integers(0, 256, 3))
        kind = int(rng.integers(3))
        if kind == 0:
            draw.ellipse((x0, y0, x1, y1), fill=fill)
        elif kind == 1:
            draw.rectangle((x0, y0, x1, y1), fill=fill)
        else:
            corners = rng.integers(0, max(width, height), (5, 2))
            draw.polygon([(int(x), int(y)) for x, y in corners], fill=fill)
    pixels = np.asarray(image.filter(ImageFilter.GaussianBlur(1.0)), dtype=np.float32)
    grain = rng.normal(0.0, 1.0, (height // 4, width // 4)).astype(np.float32)
    texture = np.asarray(
        Image.fromarray(grain, mode="F").resize((width, height), Image.Resampling.BICUBIC)
    )
    pixels += texture[..., None] * 12 + rng.normal(0.0, 7.0, pixels.shape).astype(np.float32)
    out = io.BytesIO()
    Image.fromarray(pixels.clip(0, 255).astype(np.uint8)).save(
        out, "JPEG", quality=90, subsampling=0
    )
    return out.getvalue()


def write_images(directory: Path, count: int, size: tuple[int, int], seed: int) -> list[Path]:
    rng = np.random.default_rng(seed)
    paths = []
    for i in range(count):
        path = directory / f"{size[0]}x{size[1]}_{i:05d}.jpg"
        path.write_bytes(coco_like_jpeg(rng, *size))
        paths.append(path)
    return paths


# -- workloads -----------------------------------------------------------------------------
def naive_thumbnail(path: Path, side: int = THUMBNAIL_SIDE) -> int:
    image = Image.open(path).convert("RGB")
    image.thumbnail((side, side), Image.Resampling.BICUBIC)
    out = io.BytesIO()
    image.save(out, "JPEG", quality=80)
    return out.tell()


def naive_preview(path: Path, side: int = PREVIEW_SIDE) -> int:
    image = Image.open(path).convert("RGB")
    image.thumbnail((side, side), Image.Resampling.BICUBIC)
    out = io.BytesIO()
    image.save(out, "JPEG", quality=85)
    return out.tell()


def naive_decode_rate(paths: Sequence[Path], side: int) -> float:
    """Reduced-scale decode alone, one thread: what the JPEG library allows per core."""

    def decode(path: Path) -> None:
        with Image.open(path) as image:
            scale = side / max(image.size)
            image.draft(None, (int(image.width * scale) + 1, int(image.height * scale) + 1))
            image.load()

    def run() -> None:
        for path in paths:
            decode(path)

    return throughput(run, len(paths))


def throughput(run: Callable[[], object], count: int) -> float:
    start = time.perf_counter()
    run()
    return count / (time.perf_counter() - start)


def on_threads(function: Callable[[Path], object], paths: Sequence[Path], threads: int) -> float:
    with ThreadPoolExecutor(threads) as pool:
        return throughput(lambda: list(pool.map(function, paths)), len(paths))


def grid_batches(paths: Sequence[Path]) -> list[Sequence[Path]]:
    """``paths`` split as the grid asks for rows: 12 first, then 48 at a time."""
    batches, start, size = [], 0, 12
    while start < len(paths):
        batches.append(paths[start : start + size])
        start, size = start + size, 48
    return batches


def service_rate(service: ThumbnailService, paths: Sequence[Path]) -> float:
    def run() -> None:
        futures = []
        for batch in grid_batches(paths):
            with service.batch():
                futures += [service.submit(path) for path in batch]
        for future in futures:
            if future.result().error:
                raise RuntimeError(future.result().error)

    return throughput(run, len(paths))


def cold_rate(paths: Sequence[Path], executor: Executor, cache_root: Path) -> float:
    """Thumbnails with empty caches, on an executor whose workers are already running."""
    list(executor.map(abs, range(16)))
    cache = ThumbnailCache(MemoryCache(), DiskCache(Path(tempfile.mkdtemp(dir=cache_root))))
    with ThumbnailService(cache, executor) as service:
        return service_rate(service, paths)


def processes_start_seconds(workers: int) -> float:
    """How long a new default-style executor runs on threads before moving to processes."""
    start = time.perf_counter()
    executor = ProcessesWhenReady(thread_executor(workers), process_executor(workers))
    executor.wait_until_ready()
    elapsed = time.perf_counter() - start
    executor.shutdown()
    return elapsed


def latencies_ms(render: Callable[[Path], object], paths: Sequence[Path]) -> list[float]:
    times = []
    for path in paths:
        start = time.perf_counter()
        render(path)
        times.append((time.perf_counter() - start) * 1000)
    return times


# -- disk cache layout ---------------------------------------------------------------------
class ShardedFiles:
    """The alternative design: a pickled Thumbnail per file, in 256 shard directories."""

    def __init__(self, root: Path) -> None:
        self.root = root
        for shard in range(256):
            (root / f"{shard:02x}").mkdir(parents=True, exist_ok=True)

    def _path(self, identity: FileIdentity, spec: RenderSpec) -> Path:
        key = f"{identity.path}\0{identity.size}\0{identity.mtime_ns}\0{spec.cache_key}"
        digest = hashlib.blake2b(key.encode(), digest_size=16).hexdigest()
        return self.root / digest[:2] / digest[2:]

    def put(self, spec: RenderSpec, thumbnail: Thumbnail) -> None:
        assert thumbnail.file is not None
        target = self._path(thumbnail.file, spec)
        temporary = target.with_suffix(".tmp")
        temporary.write_bytes(pickle.dumps(thumbnail, protocol=pickle.HIGHEST_PROTOCOL))
        temporary.replace(target)  # atomic, as an SQLite transaction is

    def get(self, identity: FileIdentity, spec: RenderSpec) -> Thumbnail | None:
        try:
            thumbnail: Thumbnail = pickle.loads(self._path(identity, spec).read_bytes())
        except FileNotFoundError:
            return None
        return thumbnail


def compare_cache_layouts(thumbs: Sequence[Thumbnail], root: Path) -> None:
    """Store and read back the same thumbnails in DiskCache and in a file per entry."""
    spec = RenderSpec("thumbnail", THUMBNAIL_SIDE, THUMBNAIL_QUALITY)
    stored = [t for t in thumbs if t.file is not None and t.data is not None]
    sqlite = DiskCache(root / "sqlite")
    files = ShardedFiles(root / "files")

    def per_entry_us(run: Callable[[], None]) -> float:
        start = time.perf_counter()
        run()
        return (time.perf_counter() - start) / len(stored) * 1e6

    def store(cache: DiskCache | ShardedFiles) -> None:
        for thumb in stored:
            cache.put(spec, thumb)
        if isinstance(cache, DiskCache):
            cache.flush()  # its writes are queued: time them until they have landed

    def read(cache: DiskCache | ShardedFiles) -> None:
        for thumb in stored:
            assert thumb.file is not None and cache.get(thumb.file, spec) == thumb

    print(f"\ndisk cache layout, {len(stored)} thumbnails (page cache warm):")
    print(f"  {'':<30} {'store':>10} {'read':>10} {'on disk':>10} {'files':>8}")
    for name, cache, directory in (
        ("one SQLite file (DiskCache)", sqlite, sqlite.directory),
        ("a file per entry, 256 shards", files, files.root),
    ):
        writing = per_entry_us(partial(store, cache))
        reading = per_entry_us(partial(read, cache))
        on_disk = [f for f in directory.rglob("*") if f.is_file()]
        size = sum(f.stat().st_blocks * 512 for f in on_disk) / 2**20
        print(f"  {name:<30} {writing:7.1f} us {reading:7.1f} us {size:7.1f} MB {len(on_disk):8d}")
    sqlite.close()


# -- report --------------------------------------------------------------------------------
def load() -> str:
    one, five, _ = os.getloadavg()
    return f"load average {one:.2f} (1 min), {five:.2f} (5 min) on {os.cpu_count()} cores"


def row(label: str, value: float, unit: str, baseline: float | None = None) -> None:
    ratio = f"  ({value / baseline:4.2f}x baseline)" if baseline else ""
    print(f"  {label:<62} {value:8.1f} {unit}{ratio}")


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=600)
    parser.add_argument("--large-images", type=int, default=20)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    workers = default_worker_count()

    with tempfile.TemporaryDirectory(prefix="cocowidget-bench-") as tmp:
        root = Path(tmp)
        (root / "images").mkdir()
        (root / "cache").mkdir()
        print(f"generating {args.images} COCO-like 640x480 JPEGs ...", flush=True)
        paths = write_images(root / "images", args.images, (640, 480), seed=0)
        large = write_images(root / "images", args.large_images, (4000, 3000), seed=1)
        mean_bytes = sum(p.stat().st_size for p in paths) / len(paths)
        print(f"Python {sys.version.split()[0]}, Pillow {PIL.__version__}, {workers} workers")
        print(f"before: {load()}")
        print(f"images: {mean_bytes / 1024:.0f} KiB each ({mean_bytes / 640 / 480:.2f} bytes/px)")

        # The decode rates of these images and of real COCO files at the same scale tell how
        # representative the generated images are.
        print(f"\nreduced-scale JPEG decode alone (1 thread, to {THUMBNAIL_SIDE} px):")
        row("generated 640x480", naive_decode_rate(paths, THUMBNAIL_SIDE), "images/s")
        real = sorted(SHARED_COCO.glob("*/*.jpg"))
        if real:
            real_rate = naive_decode_rate(real, THUMBNAIL_SIDE)
            row(f"real COCO (coco_tiny, {len(real)} files)", real_rate, "images/s")

        runs: dict[str, list[float]] = {}

        def record(name: str, value: float) -> None:
            runs.setdefault(name, []).append(value)

        default = shared_executor()
        if isinstance(default, ProcessesWhenReady):
            default.wait_until_ready()  # measure it once it runs on processes
        with thread_executor(workers) as threads:
            for _ in range(args.repeat):  # interleaved, so that load changes hit all alike
                record("naive1", on_threads(naive_thumbnail, paths, 1))
                record("naive2", on_threads(naive_thumbnail, paths, workers))
                record("cold", cold_rate(paths, default, root / "cache"))
                record("cold_threads", cold_rate(paths, threads, root / "cache"))
            warm_dir = root / "cache" / "warm"
            warm_cache = ThumbnailCache(MemoryCache(), DiskCache(warm_dir))
            with ThumbnailService(warm_cache, default) as service:
                service_rate(service, paths)  # fill both tiers
                for _ in range(args.repeat):
                    record("warm_memory", service_rate(service, paths))
            for _ in range(args.repeat):
                disk_only = ThumbnailCache(None, DiskCache(warm_dir))
                with ThumbnailService(disk_only, default) as service:
                    record("warm_disk", service_rate(service, paths))
            with ThumbnailService(ThumbnailCache.disabled(), default) as service:
                rendered = [thumb for _, thumb in service.thumbnails(paths)]
        processes_start = processes_start_seconds(workers)

        def report(label: str, name: str) -> None:
            row(label, statistics.median(runs[name]), "images/s", naive1)
            print(f"  {'':<62} runs: {', '.join(f'{value:.0f}' for value in runs[name])}")

        print(
            f"\nthumbnails, long side {THUMBNAIL_SIDE} px, {len(paths)} images"
            f" (median of {args.repeat} runs):"
        )
        naive1 = statistics.median(runs["naive1"])
        row("baseline: naive full decode + thumbnail + encode, 1 thread", naive1, "images/s")
        report(f"baseline: naive, {workers} threads", "naive2")
        report(f"pipeline cold (empty caches), default executor ({workers} processes)", "cold")
        report(f"pipeline cold (empty caches), ThreadPoolExecutor({workers})", "cold_threads")
        report("pipeline warm, memory LRU hits", "warm_memory")
        report("pipeline warm, disk cache hits (new service, empty memory)", "warm_disk")
        row("default executor: on threads until its processes start (once)", processes_start, "s")

        sizes = [len(t.data or b"") for t in rendered]
        row("thumbnail size, mean", statistics.mean(sizes) / 1024, "KiB")
        compare_cache_layouts(rendered, root / "layouts")

        print(f"\nhover preview, long side <= {PREVIEW_SIDE} px (per image, median / p95):")
        sample = paths[: min(50, len(paths))]
        for label, files in (("640x480", sample), ("4000x3000", large)):
            naive = latencies_ms(naive_preview, files)
            direct = latencies_ms(render_preview, files)
            with (
                thread_executor(1) as unused,  # previews run on the service's own thread
                ThumbnailService(ThumbnailCache.memory_only(), unused) as service,
            ):
                cold = latencies_ms(lambda p: service.submit_preview(p).result(), files)
                warm = latencies_ms(lambda p: service.submit_preview(p).result(), files)
            for name, times in (
                ("baseline: naive full decode + resize + encode", naive),
                ("render_preview (direct call)", direct),
                ("service cold (first request)", cold),
                ("service warm (memory LRU)", warm),
            ):
                p95 = float(np.percentile(times, 95))
                print(
                    f"  {label:>9} {name:<48} {statistics.median(times):7.2f} ms  p95 {p95:7.2f} ms"
                )
        print(f"\nafter: {load()}")


if __name__ == "__main__":
    main()

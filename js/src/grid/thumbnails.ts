// Fetches thumbnails for dataset rows in batches and keeps a bounded cache of object URLs.
import { copyBytes } from "../buffers";
import type { ThumbnailBatch, ThumbnailItem } from "../generated/protocol";
import { overlayArrays, toOverlay } from "../overlay/decode";
import type { Overlay } from "../overlay/types";
import { CancelledError, RpcClient } from "../rpc";

export interface Thumbnail {
  row: number;
  side: number; // the long side it was rendered at
  url: string | null; // null when the image could not be rendered
  width: number;
  height: number;
  error: string | null;
  caption: string;
  overlay: Overlay | null;
}

interface Batch {
  rows: number[];
  controller: AbortController;
}

const FIRST_BATCH_SIZE = 12;
const BATCH_SIZE = 48;

export class ThumbnailStore {
  private readonly cache = new Map<number, Thumbnail>(); // insertion order = LRU order
  private readonly inFlight = new Map<number, Batch>();
  private generation = 0;
  /** The long side to ask for; a cached thumbnail rendered smaller is shown until a
   * sharper one replaces it (cells made larger, or a screen of higher pixel density). */
  side: number;

  constructor(
    private readonly rpc: RpcClient,
    private readonly capacity: number,
    private readonly onLoaded: (rows: number[]) => void,
    baseSide: number,
  ) {
    this.side = baseSide;
  }

  get(row: number): Thumbnail | undefined {
    const hit = this.cache.get(row);
    if (hit) {
      this.cache.delete(row);
      this.cache.set(row, hit);
    }
    return hit;
  }

  get size(): number {
    return this.cache.size;
  }

  /** Request the rows not cached or under way; cancel batches no longer wanted. */
  want(rows: number[], keep: Set<number>): void {
    for (const batch of new Set(this.inFlight.values())) {
      if (!batch.rows.some((row) => keep.has(row))) batch.controller.abort();
    }
    const missing = rows.filter((row) => (this.cache.get(row)?.side ?? 0) < this.side && !this.inFlight.has(row));
    // A small first batch puts the first pictures on screen sooner; larger ones follow.
    let size = FIRST_BATCH_SIZE;
    for (let i = 0; i < missing.length; i += size, size = BATCH_SIZE) {
      this.fetch(missing.slice(i, i + size));
    }
  }

  /** Store thumbnails that came without a request (a grid's initial state), rendered
   * at `side`. */
  seed(response: ThumbnailBatch, buffers: DataView[], side: number): void {
    this.storeAll(response, buffers, side);
  }

  /** Forget everything (e.g. the rendering parameters changed). */
  clear(): void {
    this.generation++;
    for (const batch of new Set(this.inFlight.values())) batch.controller.abort();
    this.inFlight.clear();
    for (const thumb of this.cache.values()) if (thumb.url) URL.revokeObjectURL(thumb.url);
    this.cache.clear();
  }

  private async fetch(rows: number[]): Promise<void> {
    const batch: Batch = { rows, controller: new AbortController() };
    const generation = this.generation;
    const side = this.side;
    for (const row of rows) this.inFlight.set(row, batch);
    try {
      const { result, buffers } = await this.rpc.request(
        "thumbnails",
        { rows, side },
        batch.controller.signal,
      );
      if (generation !== this.generation) return;
      this.storeAll(result, buffers, side);
      this.onLoaded(result.items.map((item) => item.row));
    } catch (error) {
      if (!(error instanceof CancelledError)) console.error("cocowidget: thumbnails", error);
    } finally {
      for (const row of rows) if (this.inFlight.get(row) === batch) this.inFlight.delete(row);
    }
  }

  private storeAll(response: ThumbnailBatch, buffers: DataView[], side: number): void {
    const [coords, counts] = overlayArrays(response, buffers);
    for (const item of response.items) this.store(item, buffers, coords, counts, side);
  }

  private store(item: ThumbnailItem, buffers: DataView[], coords: Float32Array, counts: Uint32Array, side: number): void {
    let url: string | null = null;
    if (item.buffer >= 0) {
      url = URL.createObjectURL(new Blob([copyBytes(buffers[item.buffer])], { type: item.mime }));
    }
    const previous = this.cache.get(item.row);
    if (previous?.url) URL.revokeObjectURL(previous.url);
    this.cache.delete(item.row);
    const overlay = item.overlay ? toOverlay(item.overlay, coords, counts) : null;
    this.cache.set(item.row, { ...item, side, url, overlay });
    this.evict();
  }

  private evict(): void {
    while (this.cache.size > this.capacity) {
      const [row, oldest] = this.cache.entries().next().value as [number, Thumbnail];
      if (oldest.url) URL.revokeObjectURL(oldest.url);
      this.cache.delete(row);
    }
  }
}

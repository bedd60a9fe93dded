// The overlay layer: boxes, polygons and masks over the thumbnails. Overlays are drawn on
// one canvas per row, not one per cell: every canvas is a layer the browser composites on
// each frame, and a page with a few grids of a canvas per cell spent 15-35 ms a frame
// doing so (measured in a Chromium trace).
import { drawOverlayAt } from "../overlay/draw";
import type { OverlayOptions } from "../overlay/types";
import { cellX, GAP, type Geometry, rowOf, rowWidth } from "./layout";
import type { Thumbnail } from "./thumbnails";

export class RowOverlays {
  private readonly layers = new Map<number, HTMLCanvasElement>(); // row -> its canvas
  private readonly spare: HTMLCanvasElement[] = [];
  /** What each position's square shows, to skip redrawing it. */
  private readonly drawn = new Map<number, Thumbnail>();
  private geometryKey = "";

  constructor(private readonly parent: HTMLElement) {}

  /** Give each row from `firstRow` to `lastRow` a canvas, sized and placed; the others
   * go back to the spares. */
  place(geometry: Geometry, firstRow: number, lastRow: number): void {
    const { columns, size } = geometry;
    const ratio = devicePixelRatio;
    const key = `${columns}:${geometry.pitch}:${geometry.offset}:${size}:${ratio}`;
    if (key !== this.geometryKey) {
      this.geometryKey = key;
      this.releaseAll(); // cells move between rows and columns: draw them afresh
    }
    for (const [row, layer] of this.layers) {
      if (row < firstRow || row > lastRow) this.release(row, layer, geometry);
    }
    for (let row = firstRow; row <= lastRow; row++) {
      if (this.layers.has(row)) continue;
      const layer = this.spare.pop() ?? this.newLayer();
      const width = rowWidth(geometry);
      layer.width = Math.round(width * ratio); // (re)sizing clears it
      layer.height = Math.round(size * ratio);
      layer.style.width = `${width}px`;
      layer.style.height = `${size}px`;
      layer.style.transform = `translateY(${row * geometry.rowHeight}px)`;
      layer.hidden = false;
      this.layers.set(row, layer);
      this.forgetRow(row, geometry);
    }
  }

  /** Draw `thumb`'s overlay over the image shown `width` x `height`, centred in the
   * square of `position` (see .cw-cell-frame). */
  draw(
    geometry: Geometry,
    position: number,
    thumb: Thumbnail,
    width: number,
    height: number,
    options: OverlayOptions,
    emphasis: Set<string> | undefined,
  ): void {
    if (this.drawn.get(position) === thumb) return;
    const ctx = this.clear(geometry, position);
    if (!ctx || !thumb.overlay) return;
    const size = geometry.size;
    const ratio = devicePixelRatio;
    const region = {
      x: (cellX(geometry, position) + (size - width) / 2) * ratio,
      y: ((size - height) / 2) * ratio,
      width: width * ratio,
      height: height * ratio,
    };
    drawOverlayAt(ctx, region, thumb.overlay, options, emphasis);
    this.drawn.set(position, thumb);
  }

  /** Clear the square of `position` in its row's canvas; returns the canvas's context. */
  clear(geometry: Geometry, position: number): CanvasRenderingContext2D | null {
    this.drawn.delete(position);
    const layer = this.layers.get(rowOf(geometry, position));
    const ctx = layer?.getContext("2d");
    if (!layer || !ctx) return null;
    const ratio = devicePixelRatio;
    const x = cellX(geometry, position) * ratio;
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.clearRect(x, 0, (geometry.size + GAP) * ratio, layer.height);
    return ctx;
  }

  /** Draw every square again on the next paint (the options or emphasis changed). */
  invalidate(): void {
    this.drawn.clear();
  }

  releaseAll(): void {
    for (const layer of this.layers.values()) {
      layer.hidden = true;
      this.spare.push(layer);
    }
    this.layers.clear();
    this.drawn.clear();
  }

  private release(row: number, layer: HTMLCanvasElement, geometry: Geometry): void {
    layer.hidden = true;
    this.layers.delete(row);
    this.spare.push(layer);
    this.forgetRow(row, geometry);
  }

  private forgetRow(row: number, geometry: Geometry): void {
    for (let position = row * geometry.columns; position < (row + 1) * geometry.columns; position++) {
      this.drawn.delete(position);
    }
  }

  private newLayer(): HTMLCanvasElement {
    const layer = document.createElement("canvas");
    layer.className = "cw-row-overlay";
    this.parent.append(layer);
    return layer;
  }
}

// The windowed thumbnail grid: only visible rows (plus overscan) exist in the DOM,
// and their cells are recycled as the user scrolls.
import type { AnyModel } from "@anywidget/types";
import { bigInt64s, int32s } from "../buffers";
import { drawOverlayAt } from "../overlay/draw";
import type { Category, OverlayOptions } from "../overlay/types";
import { RpcClient } from "../rpc";
import type { GridModel } from "./model";
import { Preview, ZOOM_IN, ZOOM_OUT } from "./preview";
import { Selection } from "./selection";
import { Thumbnail, ThumbnailStore } from "./thumbnails";
import { buildToolbar } from "./toolbar";


const OVERSCAN_ROWS = 2;
const SETTLE_MS = 100;
const PREFETCH_ROWS = 12;
const CAPTION_HEIGHT = 18;
const GAP = 4;
/** .cw-grid-canvas's margin in grid.css. */
const CANVAS_MARGIN = 4;

interface Cell {
  el: HTMLDivElement;
  box: HTMLDivElement;
  img: HTMLImageElement;
  drawn: Thumbnail | null; // what its row's overlay canvas shows for it, to skip redrawing
  placeholder: HTMLDivElement;
  caption: HTMLDivElement;
  position: number;
}

export class GridView {
  readonly root = document.createElement("div");
  private readonly status = document.createElement("div");
  private readonly scroller = document.createElement("div");
  private readonly canvas = document.createElement("div");
  private readonly rpc: RpcClient;
  private readonly thumbnails: ThumbnailStore;
  private readonly preview: Preview;
  private readonly selection = new Selection();
  private readonly cells = new Map<number, Cell>(); // position in shown order -> cell
  private readonly spare: Cell[] = [];
  // Overlays are drawn on one canvas per row, not one per cell: every canvas is a layer
  // the browser composites on each frame, and a page with a few grids of a canvas per
  // cell spent 15-35 ms a frame doing so (measured in a Chromium trace).
  private readonly rowLayers = new Map<number, HTMLCanvasElement>(); // row -> its canvas
  private readonly spareLayers: HTMLCanvasElement[] = [];
  private layerGeometry = "";
  private readonly resizeObserver: ResizeObserver;
  private itemIds = new BigInt64Array(0);
  private order = new Int32Array(0);
  private columns = 1;
  /** Distance between column starts: the first column at the left edge, the last at the right. */
  private columnPitch = 0;
  private frame = 0;
  private settleTimer = 0;
  private lastTop = 0;
  private focus = -1;
  private overlayOptions: OverlayOptions = this.readOverlayOptions();
  private categories = new Map<number, Category>();

  constructor(private readonly model: AnyModel<GridModel>, el: HTMLElement) {
    this.rpc = new RpcClient(model);
    this.thumbnails = new ThumbnailStore(this.rpc, 1500, () => this.schedule(), model.get("_thumbnail_side"));
    this.preview = new Preview(this.rpc, {
      options: () => this.overlayOptions,
      categories: () => this.categories,
      runName: (source) => {
        const index = (this.model.get("_run_numbers") ?? []).indexOf(source);
        return this.model.get("_runs")[index] ?? `run ${source}`;
      },
    });
    this.root.className = "cw-grid";
    this.status.className = "cw-grid-status";
    this.scroller.className = "cw-grid-scroller";
    this.scroller.tabIndex = 0;
    this.canvas.className = "cw-grid-canvas";
    this.scroller.append(this.canvas);
    const refreshColumns = () => void this.rpc.request("refresh_columns", {}).catch(() => {});
    this.root.append(buildToolbar(model, refreshColumns), this.status, this.scroller);
    // In the page's body: inside the notebook, an ancestor with a transform or containment
    // becomes the containing block of a fixed element and pushes it off the viewport.
    document.body.append(this.preview.el);
    el.append(this.root);

    this.scroller.addEventListener("scroll", () => {
      this.preview.hide();
      this.schedule();
    }, { passive: true });
    this.scroller.addEventListener("keydown", (event) => this.onKey(event));
    this.scroller.addEventListener("pointerleave", () => this.preview.hide());
    this.scroller.addEventListener("wheel", (event) => this.onWheel(event), { passive: false });
    this.resizeObserver = new ResizeObserver(() => this.schedule());
    this.resizeObserver.observe(this.scroller);

    model.on("change:_image_ids", () => this.readIds());
    model.on("change:_order", () => this.readOrder());
    model.on("change:_selected_rows", () => this.readSelection());
    model.on("change:thumbnail_size", () => this.schedule());
    model.on("change:height", () => this.applyHeight());
    model.on("change:_render_version", () => {
      this.thumbnails.clear();
      this.preview.hide();
      this.schedule();
    });
    model.on("change:_categories", () => this.readCategories());
    model.on("change:_emphasis", () => this.redrawOverlays());
    model.on("change:evaluation_counts", () => this.updateStatus());
    const overlayTraits = ["show_ground_truth", "visible_runs", "_run_numbers", "score_threshold", "show_masks", "show_boxes"];
    for (const trait of [...overlayTraits, "color_by", "iou_threshold", "_iou_thresholds", "_evaluated_run"]) {
      model.on(`change:${trait}`, () => {
        this.overlayOptions = this.readOverlayOptions();
        this.redrawOverlays();
      });
    }
    const initial = model.get("_initial_batch");
    if (initial?.result && initial.buffers) {
      this.thumbnails.seed(initial.result, initial.buffers, model.get("_thumbnail_side"));
    }
    this.readCategories();
    this.readIds();
    this.readOrder();
    this.readSelection();
    this.applyHeight();
  }

  dispose(): void {
    cancelAnimationFrame(this.frame);
    clearTimeout(this.settleTimer);
    this.preview.hide();
    this.preview.el.remove();
    this.resizeObserver.disconnect();
    this.thumbnails.clear();
    this.rpc.dispose();
  }

  // -- model -> view ---------------------------------------------------------------------
  private readIds(): void {
    this.itemIds = bigInt64s(this.model.get("_image_ids"));
    this.schedule();
  }

  private readOrder(): void {
    this.order = int32s(this.model.get("_order"));
    this.selection.anchor = -1;
    this.focus = Math.min(this.focus, this.order.length - 1);
    this.scroller.scrollTop = 0;
    for (const cell of this.cells.values()) this.release(cell);
    this.cells.clear();
    this.releaseLayers();
    // The first rows are on screen at any width: ask for them before the first layout,
    // which waits until the grid is attached and measured.
    const first = Array.from(this.order.subarray(0, PREFETCH_ROWS));
    this.thumbnails.want(first, new Set(first));
    this.schedule();
  }

  private readSelection(): void {
    this.selection.assign(this.model.get("_selected_rows") ?? []);
    this.refreshCells();
    this.updateStatus();
  }

  private readCategories(): void {
    this.categories = new Map((this.model.get("_categories") ?? []).map((c) => [c.id, c]));
  }

  private readOverlayOptions(): OverlayOptions {
    const runs = this.model.get("_runs") ?? [];
    const numbers = this.model.get("_run_numbers") ?? [];
    const visible = new Set(this.model.get("visible_runs") ?? []);
    const thresholds = this.model.get("_iou_thresholds") ?? [];
    const iou = this.model.get("iou_threshold");
    const iouIndex = Math.max(0, thresholds.findIndex((t) => Math.abs(t - iou) < 1e-9));
    const evaluated = this.model.get("_evaluated_run");
    return {
      colorByMatch: this.model.get("color_by") === "match" && evaluated !== "",
      iouIndex,
      evaluatedSource: numbers[runs.indexOf(evaluated)] ?? 0,
      showGroundTruth: this.model.get("show_ground_truth"),
      visibleRuns: new Set(numbers.filter((_, i) => visible.has(runs[i]))),
      scoreThreshold: this.model.get("score_threshold"),
      masks: this.model.get("show_masks"),
      boxes: this.model.get("show_boxes"),
      lineWidth: 1.5,
    };
  }

  private redrawOverlays(): void {
    for (const cell of this.cells.values()) cell.drawn = null;
    this.refreshCells();
    this.preview.redraw();
  }

  private applyHeight(): void {
    this.scroller.style.height = `${this.model.get("height")}px`;
    this.schedule();
  }

  // -- layout ----------------------------------------------------------------------------
  private schedule(): void {
    if (!this.frame) {
      this.frame = requestAnimationFrame(() => {
        this.frame = 0;
        this.layout();
      });
    }
  }

  private get cellWidth(): number {
    return this.model.get("thumbnail_size") + GAP;
  }

  private get cellHeight(): number {
    return this.model.get("thumbnail_size") + CAPTION_HEIGHT + GAP;
  }

  private layout(): void {
    const width = this.scroller.clientWidth;
    // Hidden (a collapsed output, a background tab, a theme switch): keep the last layout;
    // laying out at zero width would leave one column behind once it is shown again.
    if (width === 0) return;
    // Cells are laid out inside the canvas, whose margin is on both sides.
    const inner = Math.max(1, width - 2 * CANVAS_MARGIN);
    const size = this.model.get("thumbnail_size");
    this.columns = Math.max(1, Math.floor((inner + GAP) / this.cellWidth));
    // Spread the width left over by whole columns between them, as an image browser
    // does, rather than leaving it as a blank strip on the right.
    this.columnPitch = this.columns > 1 ? (inner - size) / (this.columns - 1) : this.cellWidth;
    const rowCount = Math.ceil(this.order.length / this.columns);
    this.canvas.style.height = `${rowCount * this.cellHeight}px`;
    // The `height` trait, or less when every row fits in less (a handful of images).
    const content = Math.max(1, rowCount) * this.cellHeight + 2 * CANVAS_MARGIN;
    this.scroller.style.height = `${Math.min(this.model.get("height"), content)}px`;

    const top = this.scroller.scrollTop;
    const viewHeight = this.scroller.clientHeight || this.model.get("height");
    const firstRow = Math.max(0, Math.floor(top / this.cellHeight) - OVERSCAN_ROWS);
    const lastRow = Math.min(rowCount - 1, Math.ceil((top + viewHeight) / this.cellHeight) + OVERSCAN_ROWS);
    const first = firstRow * this.columns;
    const last = Math.min(this.order.length - 1, (lastRow + 1) * this.columns - 1);

    for (const [position, cell] of this.cells) {
      if (position < first || position > last) {
        this.release(cell);
        this.cells.delete(position);
      }
    }
    this.placeLayers(firstRow, lastRow);
    // Cells drawn with more device pixels than the thumbnails have get them rendered at
    // twice the side (a 240 px cell on a 2x screen); until they come, the smaller show.
    const base = this.model.get("_thumbnail_side");
    this.thumbnails.side = size * devicePixelRatio > base ? 2 * base : base;
    // Fetch what is visible first, then the overscan around it; ask before painting, so
    // the kernel works while the browser draws what it has.
    const visibleFirst = Math.floor(top / this.cellHeight) * this.columns;
    const byDistance: number[] = [];
    for (let position = first; position <= last; position++) byDistance.push(position);
    byDistance.sort((a, b) => Math.abs(a - visibleFirst) - Math.abs(b - visibleFirst));
    const wanted = byDistance.map((position) => this.order[position]);
    // While the user flings through thousands of rows, requesting every row passed over
    // would flood the kernel with work cancelled a frame later: fetch once scrolling slows.
    const fast = Math.abs(top - this.lastTop) > viewHeight;
    this.lastTop = top;
    clearTimeout(this.settleTimer);
    if (fast) this.settleTimer = window.setTimeout(() => this.schedule(), SETTLE_MS);
    else this.thumbnails.want(wanted, new Set(wanted));

    for (let position = first; position <= last; position++) {
      let cell = this.cells.get(position);
      if (!cell) {
        cell = this.acquire();
        cell.position = position;
        this.cells.set(position, cell);
      }
      this.place(cell);
      this.paint(cell);
    }
    this.updateStatus();
  }

  private place(cell: Cell): void {
    const size = this.model.get("thumbnail_size");
    const column = cell.position % this.columns;
    const row = Math.floor(cell.position / this.columns);
    cell.el.style.width = `${size}px`;
    cell.el.style.height = `${size + CAPTION_HEIGHT}px`;
    cell.el.style.transform = `translate(${Math.round(column * this.columnPitch)}px, ${row * this.cellHeight}px)`;
  }

  private paint(cell: Cell): void {
    const row = this.order[cell.position];
    const id = String(this.itemIds[row] ?? "");
    cell.el.dataset.itemId = id;
    if (this.model.get("_item_kind") === "image") cell.el.dataset.imageId = id;
    cell.el.dataset.position = String(cell.position);
    cell.el.classList.toggle("cw-selected", this.selection.has(row));
    cell.el.classList.toggle("cw-focused", cell.position === this.focus);
    const thumb: Thumbnail | undefined = this.thumbnails.get(row);
    if (!thumb) {
      cell.el.classList.add("cw-loading");
      cell.img.removeAttribute("src");
      cell.img.hidden = true;
      this.clearCellOverlay(cell);
      cell.placeholder.hidden = true;
      cell.caption.textContent = "";
      return;
    }
    cell.el.classList.remove("cw-loading");
    cell.caption.textContent = thumb.caption;
    cell.caption.title = thumb.caption;
    if (thumb.url) {
      if (cell.img.getAttribute("src") !== thumb.url) cell.img.src = thumb.url;
      cell.img.hidden = false;
      cell.placeholder.hidden = true;
      cell.el.classList.remove("cw-broken");
      this.drawCellOverlay(cell, thumb);
    } else {
      cell.img.removeAttribute("src");
      cell.img.hidden = true;
      this.clearCellOverlay(cell);
      cell.placeholder.hidden = false;
      cell.placeholder.textContent = thumb.error ?? "unavailable";
      cell.el.classList.add("cw-broken");
    }
  }

  private drawCellOverlay(cell: Cell, thumb: Thumbnail): void {
    const size = this.model.get("thumbnail_size");
    const scale = Math.min(size / thumb.width, size / thumb.height);
    const width = Math.max(1, Math.round(thumb.width * scale));
    const height = Math.max(1, Math.round(thumb.height * scale));
    cell.box.style.width = `${width}px`;
    cell.box.style.height = `${height}px`;
    if (cell.drawn === thumb) return;
    const ctx = this.clearCellOverlay(cell);
    if (!ctx || !thumb.overlay) return;
    // The image is centred in the cell's square frame (see .cw-cell-frame).
    const ratio = devicePixelRatio;
    const region = {
      x: (Math.round((cell.position % this.columns) * this.columnPitch) + (size - width) / 2) * ratio,
      y: ((size - height) / 2) * ratio,
      width: width * ratio,
      height: height * ratio,
    };
    const emphasis = this.model.get("_emphasis")?.[String(thumb.row)];
    const keys = emphasis ? new Set(emphasis.map((objectRow) => `0:${objectRow}`)) : undefined;
    drawOverlayAt(ctx, region, thumb.overlay, this.overlayOptions, keys);
    cell.drawn = thumb;
  }

  /** Clear the cell's square in its row's canvas; returns the canvas's context. */
  private clearCellOverlay(cell: Cell): CanvasRenderingContext2D | null {
    cell.drawn = null;
    const layer = this.rowLayers.get(Math.floor(cell.position / this.columns));
    const ctx = layer?.getContext("2d");
    if (!ctx) return null;
    const ratio = devicePixelRatio;
    const x = Math.round((cell.position % this.columns) * this.columnPitch) * ratio;
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.clearRect(x, 0, this.cellWidth * ratio, layer!.height);
    return ctx;
  }

  /** Give each row from `firstRow` to `lastRow` an overlay canvas, sized and placed. */
  private placeLayers(firstRow: number, lastRow: number): void {
    const size = this.model.get("thumbnail_size");
    const ratio = devicePixelRatio;
    const geometry = `${this.columns}:${this.columnPitch}:${size}:${ratio}`;
    if (geometry !== this.layerGeometry) {
      this.layerGeometry = geometry;
      this.releaseLayers(); // cells move between rows and columns: draw them afresh
      for (const cell of this.cells.values()) cell.drawn = null;
    }
    for (const [row, layer] of this.rowLayers) {
      if (row < firstRow || row > lastRow) this.releaseLayer(row, layer);
    }
    for (let row = firstRow; row <= lastRow; row++) {
      if (this.rowLayers.has(row)) continue;
      const layer = this.spareLayers.pop() ?? this.newLayer();
      const width = Math.ceil((this.columns - 1) * this.columnPitch) + size;
      layer.width = Math.round(width * ratio); // (re)sizing clears it
      layer.height = Math.round(size * ratio);
      layer.style.width = `${width}px`;
      layer.style.height = `${size}px`;
      layer.style.transform = `translateY(${row * this.cellHeight}px)`;
      layer.hidden = false;
      this.rowLayers.set(row, layer);
      for (let position = row * this.columns; position < (row + 1) * this.columns; position++) {
        const cell = this.cells.get(position);
        if (cell) cell.drawn = null;
      }
    }
  }

  private newLayer(): HTMLCanvasElement {
    const layer = document.createElement("canvas");
    layer.className = "cw-row-overlay";
    this.canvas.append(layer);
    return layer;
  }

  private releaseLayer(row: number, layer: HTMLCanvasElement): void {
    layer.hidden = true;
    this.rowLayers.delete(row);
    this.spareLayers.push(layer);
  }

  private releaseLayers(): void {
    for (const [row, layer] of this.rowLayers) this.releaseLayer(row, layer);
  }

  private refreshCells(): void {
    for (const cell of this.cells.values()) this.paint(cell);
  }

  private acquire(): Cell {
    const spare = this.spare.pop();
    if (spare) {
      spare.el.hidden = false;
      return spare;
    }
    const el = document.createElement("div");
    el.className = "cw-cell";
    const frame = document.createElement("div");
    frame.className = "cw-cell-frame";
    const box = document.createElement("div");
    box.className = "cw-thumb-box";
    const img = document.createElement("img");
    img.className = "cw-thumb";
    img.draggable = false;
    img.alt = "";
    const placeholder = document.createElement("div");
    placeholder.className = "cw-placeholder";
    const caption = document.createElement("div");
    caption.className = "cw-caption";
    box.append(img);
    frame.append(box, placeholder);
    el.append(frame, caption);
    this.canvas.append(el);
    const cell: Cell = { el, box, img, drawn: null, placeholder, caption, position: -1 };
    el.addEventListener("click", (event) => this.onClick(cell, event));
    el.addEventListener("pointermove", (event) => {
      if (cell.position >= 0) this.preview.rest(this.order[cell.position], { x: event.clientX, y: event.clientY });
    });
    el.addEventListener("pointerleave", () => this.preview.hide());
    return cell;
  }

  private release(cell: Cell): void {
    cell.el.hidden = true;
    cell.drawn = null;
    cell.position = -1;
    this.spare.push(cell);
  }

  private updateStatus(): void {
    const shown = this.order.length;
    const total = this.itemIds.length;
    const noun = this.model.get("_item_kind") === "object" ? "objects" : "images";
    const count = (n: number) => n.toLocaleString("en-US"); // 5,000, as the charts say
    const parts = [shown === total ? `${count(total)} ${noun}` : `${count(shown)} of ${count(total)} ${noun}`];
    if (this.selection.count) parts.push(`${this.selection.count} selected`);
    const counts = this.model.get("evaluation_counts") ?? {};
    // Image grids count all three; crops of detections TP and FP, of annotations TP and FN.
    const present = (["tp", "fp", "fn"] as const).filter((key) => counts[key] !== undefined);
    if (present.length) {
      const iou = this.model.get("iou_threshold").toFixed(2);
      const score = this.model.get("score_threshold").toFixed(2);
      const text = present.map((key) => `${key.toUpperCase()} ${count(counts[key] ?? 0)}`).join(" · ");
      // Of every object in the shown images, whatever filtered them (a class, say).
      const scope = noun === "images" ? " (all classes)" : "";
      parts.push(`${text}${scope} at IoU ${iou}, score ≥ ${score}`);
    }
    this.status.textContent = parts.join(" · ");
  }

  // -- interaction -----------------------------------------------------------------------
  private readonly rowAt = (position: number): number => this.order[position];

  private onClick(cell: Cell, event: MouseEvent): void {
    if (cell.position < 0) return;
    this.scroller.focus({ preventScroll: true });
    this.focus = cell.position;
    this.selection.click(cell.position, { shift: event.shiftKey, toggle: event.ctrlKey || event.metaKey }, this.rowAt);
    this.commitSelection();
  }

  private onKey(event: KeyboardEvent): void {
    const count = this.order.length;
    if (!count) return;
    const moves: Record<string, number> = {
      ArrowLeft: -1,
      ArrowRight: 1,
      ArrowUp: -this.columns,
      ArrowDown: this.columns,
    };
    if (event.key in moves) {
      event.preventDefault();
      const start = this.focus < 0 ? 0 : this.focus + moves[event.key];
      this.focus = Math.max(0, Math.min(count - 1, start));
      if (event.shiftKey) {
        this.selection.click(this.focus, { shift: true, toggle: false }, this.rowAt);
        this.commitSelection();
      }
      this.scrollToPosition(this.focus);
      this.refreshCells();
    } else if (event.key === " " || event.key === "Enter") {
      if (this.focus < 0) return;
      event.preventDefault();
      this.selection.click(this.focus, { shift: event.shiftKey, toggle: true }, this.rowAt);
      this.commitSelection();
    } else if (event.key === "a" && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      this.selection.selectAll(count, this.rowAt);
      this.commitSelection();
    } else if (event.key === "Escape") {
      event.preventDefault();
      if (this.preview.visible) this.preview.hide();
      else {
        this.selection.clear();
        this.commitSelection();
      }
    } else if ((event.key === "+" || event.key === "=") && this.preview.visible) {
      event.preventDefault();
      this.preview.zoomBy(ZOOM_IN);
    } else if (event.key === "-" && this.preview.visible) {
      event.preventDefault();
      this.preview.zoomBy(ZOOM_OUT);
    }
  }

  /** Over a previewed image the wheel zooms the preview, centred where the pointer is. */
  private onWheel(event: WheelEvent): void {
    if (!this.preview.visible) return;
    const cellEl = (event.target as HTMLElement).closest<HTMLElement>(".cw-cell");
    const box = cellEl?.querySelector<HTMLElement>(".cw-thumb-box");
    if (!box) return;
    event.preventDefault();
    const rect = box.getBoundingClientRect();
    const fx = Math.min(1, Math.max(0, (event.clientX - rect.left) / rect.width));
    const fy = Math.min(1, Math.max(0, (event.clientY - rect.top) / rect.height));
    this.preview.zoomBy(event.deltaY < 0 ? ZOOM_IN : ZOOM_OUT, fx, fy);
  }

  private scrollToPosition(position: number): void {
    const top = Math.floor(position / this.columns) * this.cellHeight;
    if (top < this.scroller.scrollTop) this.scroller.scrollTop = top;
    else if (top + this.cellHeight > this.scroller.scrollTop + this.scroller.clientHeight) {
      this.scroller.scrollTop = top + this.cellHeight - this.scroller.clientHeight;
    }
  }

  private commitSelection(): void {
    this.model.set("_selected_rows", this.selection.toArray());
    this.model.save_changes();
    this.refreshCells();
    this.updateStatus();
  }
}

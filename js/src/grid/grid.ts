// The windowed thumbnail grid: only visible rows (plus overscan) exist in the DOM,
// and their cells are recycled as the user scrolls.
import type { AnyModel } from "@anywidget/types";
import { float64s, int32s } from "../buffers";
import { RpcClient } from "../rpc";
import { Selection } from "./selection";
import { Thumbnail, ThumbnailStore } from "./thumbnails";

export interface GridModel {
  _image_ids: DataView; // float64 per dataset row
  _order: DataView; // int32 dataset rows, in shown order
  selected: number[];
  thumbnail_size: number;
  height: number;
  _render_version: number;
}

const OVERSCAN_ROWS = 2;
const CAPTION_HEIGHT = 18;
const GAP = 4;

interface Cell {
  el: HTMLDivElement;
  img: HTMLImageElement;
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
  private readonly selection = new Selection();
  private readonly cells = new Map<number, Cell>(); // position in shown order -> cell
  private readonly spare: Cell[] = [];
  private readonly resizeObserver: ResizeObserver;
  private imageIds = new Float64Array(0);
  private order = new Int32Array(0);
  private columns = 1;
  private frame = 0;
  private focus = -1;

  constructor(private readonly model: AnyModel<GridModel>, el: HTMLElement) {
    this.rpc = new RpcClient(model);
    this.thumbnails = new ThumbnailStore(this.rpc, 1500, () => this.schedule());
    this.root.className = "cw-grid";
    this.status.className = "cw-grid-status";
    this.scroller.className = "cw-grid-scroller";
    this.scroller.tabIndex = 0;
    this.canvas.className = "cw-grid-canvas";
    this.scroller.append(this.canvas);
    this.root.append(this.status, this.scroller);
    el.append(this.root);

    this.scroller.addEventListener("scroll", () => this.schedule(), { passive: true });
    this.scroller.addEventListener("keydown", (event) => this.onKey(event));
    this.resizeObserver = new ResizeObserver(() => this.schedule());
    this.resizeObserver.observe(this.scroller);

    model.on("change:_image_ids", () => this.readIds());
    model.on("change:_order", () => this.readOrder());
    model.on("change:selected", () => this.readSelection());
    model.on("change:thumbnail_size", () => this.schedule());
    model.on("change:height", () => this.applyHeight());
    model.on("change:_render_version", () => {
      this.thumbnails.clear();
      this.schedule();
    });
    this.readIds();
    this.readOrder();
    this.readSelection();
    this.applyHeight();
  }

  dispose(): void {
    cancelAnimationFrame(this.frame);
    this.resizeObserver.disconnect();
    this.thumbnails.clear();
    this.rpc.dispose();
  }

  // -- model -> view ---------------------------------------------------------------------
  private readIds(): void {
    this.imageIds = float64s(this.model.get("_image_ids"));
    this.schedule();
  }

  private readOrder(): void {
    this.order = int32s(this.model.get("_order"));
    this.selection.anchor = -1;
    this.focus = Math.min(this.focus, this.order.length - 1);
    this.scroller.scrollTop = 0;
    for (const cell of this.cells.values()) this.release(cell);
    this.cells.clear();
    this.schedule();
  }

  private readSelection(): void {
    this.selection.assign(this.model.get("selected") ?? []);
    this.refreshCells();
    this.updateStatus();
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
    this.columns = Math.max(1, Math.floor(width / this.cellWidth));
    const rowCount = Math.ceil(this.order.length / this.columns);
    this.canvas.style.height = `${rowCount * this.cellHeight}px`;

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
    // Fetch what is visible first, then the overscan around it.
    const visibleFirst = Math.floor(top / this.cellHeight) * this.columns;
    const byDistance: number[] = [];
    for (let position = first; position <= last; position++) {
      let cell = this.cells.get(position);
      if (!cell) {
        cell = this.acquire();
        cell.position = position;
        this.cells.set(position, cell);
      }
      this.place(cell);
      this.paint(cell);
      byDistance.push(position);
    }
    byDistance.sort((a, b) => Math.abs(a - visibleFirst) - Math.abs(b - visibleFirst));
    const wanted = byDistance.map((position) => this.order[position]);
    this.thumbnails.want(wanted, new Set(wanted));
    this.updateStatus();
  }

  private place(cell: Cell): void {
    const size = this.model.get("thumbnail_size");
    const column = cell.position % this.columns;
    const row = Math.floor(cell.position / this.columns);
    cell.el.style.width = `${size}px`;
    cell.el.style.height = `${size + CAPTION_HEIGHT}px`;
    cell.el.style.transform = `translate(${column * this.cellWidth}px, ${row * this.cellHeight}px)`;
  }

  private paint(cell: Cell): void {
    const row = this.order[cell.position];
    const id = this.imageIds[row];
    cell.el.dataset.imageId = String(id);
    cell.el.dataset.position = String(cell.position);
    cell.el.classList.toggle("cw-selected", this.selection.has(id));
    cell.el.classList.toggle("cw-focused", cell.position === this.focus);
    const thumb: Thumbnail | undefined = this.thumbnails.get(row);
    if (!thumb) {
      cell.el.classList.add("cw-loading");
      cell.img.removeAttribute("src");
      cell.img.hidden = true;
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
    } else {
      cell.img.removeAttribute("src");
      cell.img.hidden = true;
      cell.placeholder.hidden = false;
      cell.placeholder.textContent = thumb.error ?? "unavailable";
      cell.el.classList.add("cw-broken");
    }
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
    const img = document.createElement("img");
    img.className = "cw-thumb";
    img.draggable = false;
    img.alt = "";
    const placeholder = document.createElement("div");
    placeholder.className = "cw-placeholder";
    const caption = document.createElement("div");
    caption.className = "cw-caption";
    frame.append(img, placeholder);
    el.append(frame, caption);
    this.canvas.append(el);
    const cell: Cell = { el, img, placeholder, caption, position: -1 };
    el.addEventListener("click", (event) => this.onClick(cell, event));
    return cell;
  }

  private release(cell: Cell): void {
    cell.el.hidden = true;
    cell.position = -1;
    this.spare.push(cell);
  }

  private updateStatus(): void {
    const shown = this.order.length;
    const total = this.imageIds.length;
    const parts = [shown === total ? `${total} images` : `${shown} of ${total} images`];
    if (this.selection.count) parts.push(`${this.selection.count} selected`);
    this.status.textContent = parts.join(" · ");
  }

  // -- interaction -----------------------------------------------------------------------
  private readonly idAt = (position: number): number => this.imageIds[this.order[position]];

  private onClick(cell: Cell, event: MouseEvent): void {
    if (cell.position < 0) return;
    this.scroller.focus({ preventScroll: true });
    this.focus = cell.position;
    this.selection.click(cell.position, { shift: event.shiftKey, toggle: event.ctrlKey || event.metaKey }, this.idAt);
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
        this.selection.click(this.focus, { shift: true, toggle: false }, this.idAt);
        this.commitSelection();
      }
      this.scrollToPosition(this.focus);
      this.refreshCells();
    } else if (event.key === " " || event.key === "Enter") {
      if (this.focus < 0) return;
      event.preventDefault();
      this.selection.click(this.focus, { shift: event.shiftKey, toggle: true }, this.idAt);
      this.commitSelection();
    } else if (event.key === "a" && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      this.selection.selectAll(count, this.idAt);
      this.commitSelection();
    } else if (event.key === "Escape") {
      event.preventDefault();
      this.selection.clear();
      this.commitSelection();
    }
  }

  private scrollToPosition(position: number): void {
    const top = Math.floor(position / this.columns) * this.cellHeight;
    if (top < this.scroller.scrollTop) this.scroller.scrollTop = top;
    else if (top + this.cellHeight > this.scroller.scrollTop + this.scroller.clientHeight) {
      this.scroller.scrollTop = top + this.cellHeight - this.scroller.clientHeight;
    }
  }

  private commitSelection(): void {
    this.model.set("selected", this.selection.toArray());
    this.model.save_changes();
    this.refreshCells();
    this.updateStatus();
  }
}

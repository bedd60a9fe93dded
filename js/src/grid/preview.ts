// Hover-zoom: a large preview of the image under a resting pointer, beside its cell, with
// overlays and a list of its objects; Ctrl/Cmd + wheel over the cell (or a plain wheel
// over the image, or + / -) zooms into the full-resolution image.
// (About 400 lines: its placement, title, list and legend are modules of their own.)
import { copyBytes } from "../buffers";
import type { ImageReply, ImageTitle } from "../generated/protocol";
import { overlayArrays, toOverlay } from "../overlay/decode";
import { drawOverlay } from "../overlay/draw";
import type { Category, Overlay, OverlayOptions } from "../overlay/types";
import { CancelledError, RpcClient } from "../rpc";
import { ObjectList } from "./objectlist";
import { contains, corridor, fitIn, placePreview, type Placement, type Rect } from "./placement";

const REST_MS = 90;
/** On the way from a cell to its preview the pointer crosses the neighbours the preview
 * keeps clear: they preview only once the pointer stays on one this long. */
const AIM_MS = 400;
const MIN_TEXT_WIDTH = 320;
const ZOOM_STEP = 1.25;
const MAX_ZOOM = 16;
const MAC = /Mac|iPhone|iPad/.test(navigator.platform);
const HINT = `${MAC ? "⌘" : "Ctrl"}+wheel to zoom · point at a listed object to mark it`;

interface Loaded {
  response: ImageReply;
  buffers: DataView[];
  url: string | null; // the image, decoded once already, so that showing it is immediate
}

interface Pending {
  row: number;
  controller: AbortController;
  loaded: Promise<Loaded>;
}

/** Where the pointer rests: its position and the cell's rectangle, both in the viewport. */
export interface Spot {
  x: number;
  y: number;
  cell: Rect;
  /** A grid pitch: the cell's size plus the gap to its neighbour. */
  pitch: { width: number; height: number };
}

export interface PreviewContext {
  options(): OverlayOptions;
  categories(): Map<number, Category>;
  runName(source: number): string;
}

/** "×1.25": the zoom level as the preview's title shows it. */
export function zoomLabel(zoom: number): string {
  return `×${Number(zoom.toFixed(2))}`;
}

/** "000000000139.jpg · id 139 · 640×426", then the item's caption where it says more
 * (an ObjectGrid's class, a caption column of the user's). */
export function titleText(title: ImageTitle, caption: string): string {
  const text = `${title.file_name} · id ${title.image_id} · ${title.width}×${title.height}`;
  return caption && caption !== title.file_name ? `${text} · ${caption}` : text;
}

export class Preview {
  readonly el = document.createElement("div");
  private readonly titleBar = document.createElement("div");
  private readonly name = document.createElement("span");
  private readonly zoomText = document.createElement("span");
  private readonly hint = document.createElement("div");
  private readonly stage = document.createElement("div");
  private readonly layer = document.createElement("div");
  private readonly img = document.createElement("img");
  private readonly canvas = document.createElement("canvas");
  private readonly list: ObjectList;
  private timer = 0;
  private controller: AbortController | null = null;
  private pending: Pending | null = null;
  private row = -1;
  /** A clicked item's row: it does not preview again until the pointer has left it. */
  private suppressed = -1;
  private url: string | null = null;
  private overlay: Overlay | null = null;
  /** The objects marked in the image: the overlay's emphasis (an ObjectGrid's crop). */
  private marked = new Set<string>();
  /** The object pointed at in the list, marked instead while pointed at. */
  private pointed: string | null = null;
  private zoom = 1;
  private focusX = 0.5; // the image point (fractions) shown at the anchor
  private focusY = 0.5;
  private anchorX = 0.5; // where on the stage (fractions) that point is
  private anchorY = 0.5;
  private fullResolution = false;
  /** Canvas pixels per layer pixel and device pixel: the overlay is drawn at the zoom
   * (up to 4), so its lines stay thin and sharp when zoomed. */
  private canvasScale = 0;
  private aim: Rect | null = null;
  shownAt = 0;

  constructor(private readonly rpc: RpcClient, private readonly context: PreviewContext) {
    this.el.className = "cw-preview";
    this.el.hidden = true;
    this.titleBar.className = "cw-preview-title";
    this.name.className = "cw-preview-name";
    this.zoomText.className = "cw-preview-zoom";
    this.titleBar.append(this.name, this.zoomText);
    this.hint.className = "cw-preview-hint";
    this.hint.textContent = HINT;
    this.stage.className = "cw-preview-stage";
    this.layer.className = "cw-preview-layer";
    this.img.className = "cw-preview-image";
    this.img.alt = "";
    this.canvas.className = "cw-preview-overlay";
    this.list = new ObjectList(context, (key) => this.point(key));
    this.layer.append(this.img, this.canvas);
    this.stage.append(this.layer);
    this.el.append(this.titleBar, this.hint, this.stage, this.list.el);
    this.stage.addEventListener("wheel", (event) => this.onStageWheel(event), { passive: false });
  }

  get visible(): boolean {
    return !this.el.hidden;
  }

  /** The pointer moved over a cell showing `row`; show its preview once it rests. */
  rest(row: number, spot: Spot): void {
    clearTimeout(this.timer);
    if (row === this.suppressed) return;
    this.suppressed = -1;
    if (row === this.row && this.visible) return;
    // Asked for at once and shown once the pointer rests: the kernel's round trip and the
    // decoding overlap the wait instead of following it.
    if (this.pending?.row !== row) this.prefetch(row);
    const aiming = this.visible && this.aim !== null && contains(this.aim, spot.x, spot.y);
    this.timer = window.setTimeout(() => void this.open(row, spot), aiming ? AIM_MS : REST_MS);
  }

  /** The pointer is over the preview: keep it, and forget the cells crossed to get here. */
  hold(): void {
    this.cancelRest();
  }

  /** Forget the preview waiting for the pointer to rest (it moved off that cell). */
  cancelRest(): void {
    clearTimeout(this.timer);
    this.discardPending();
  }

  /** An item was clicked: close, and stay closed while the pointer is on it. */
  clicked(row: number): void {
    this.hide();
    this.suppressed = row;
  }

  /** The pointer left the grid and the preview. */
  leave(): void {
    this.hide();
    this.suppressed = -1;
  }

  hide(): void {
    clearTimeout(this.timer);
    this.discardPending();
    this.controller?.abort();
    this.controller = null;
    this.row = -1;
    this.el.hidden = true;
    this.aim = null;
    this.zoom = 1;
    this.fullResolution = false;
    this.pointed = null;
    if (this.url) URL.revokeObjectURL(this.url);
    this.url = null;
    this.img.removeAttribute("src");
  }

  /** Zoom in (factor > 1) or out, showing the image point (`fx`, `fy`, fractions of the
   * image) at the stage point (`ax`, `ay`, fractions of the stage). */
  zoomBy(factor: number, fx = this.focusX, fy = this.focusY, ax = this.anchorX, ay = this.anchorY): void {
    if (!this.visible) return;
    this.zoom = Math.min(MAX_ZOOM, Math.max(1, this.zoom * factor));
    this.focusX = fx;
    this.focusY = fy;
    this.anchorX = ax;
    this.anchorY = ay;
    this.applyZoom();
    if (this.zoom > 1.01 && !this.fullResolution) void this.loadFullResolution();
  }

  /** Draw again with the grid's current options (thresholds, runs, colours). */
  redraw(): void {
    if (!this.overlay || !this.visible) return;
    this.list.render(this.overlay, this.marked);
    this.drawMarks();
  }

  private drawMarks(): void {
    if (!this.overlay) return;
    const marks = this.pointed ? new Set([this.pointed]) : this.marked;
    drawOverlay(this.canvas, this.overlay, this.context.options(), marks, true);
    this.list.highlight(marks);
    this.el.dataset.marked = [...marks].join(" ");
  }

  /** An entry of the list is pointed at (null: no more): mark its object instead. */
  private point(key: string | null): void {
    this.pointed = key;
    this.drawMarks();
  }

  private prefetch(row: number): void {
    this.discardPending();
    const controller = new AbortController();
    const loaded = this.fetch(row, "preview", controller.signal).then(async ({ response, buffers }) => {
      let url: string | null = null;
      if (response.item.buffer >= 0) {
        url = URL.createObjectURL(new Blob([copyBytes(buffers[response.item.buffer])], { type: response.item.mime }));
        const image = new Image();
        image.src = url;
        await image.decode().catch(() => undefined); // a broken image shows as one
      }
      return { response, buffers, url };
    });
    this.pending = { row, controller, loaded };
  }

  /** Abandon the preview asked for but not shown (the pointer moved on). */
  private discardPending(): void {
    const pending = this.pending;
    if (!pending) return;
    this.pending = null;
    pending.controller.abort();
    pending.loaded.then(({ url }) => {
      if (url && url !== this.url) URL.revokeObjectURL(url);
    }, () => undefined);
  }

  private async open(row: number, spot: Spot): Promise<void> {
    const pending = this.pending;
    if (pending?.row !== row) return;
    try {
      const loaded = await pending.loaded;
      if (this.pending !== pending) return; // superseded or hidden meanwhile
      this.pending = null;
      this.controller?.abort();
      this.controller = pending.controller;
      this.row = row;
      this.zoom = 1;
      this.fullResolution = false;
      this.pointed = null;
      this.show(loaded, spot);
    } catch (error) {
      if (this.pending === pending) this.pending = null;
      if (!(error instanceof CancelledError)) console.error("cocowidget: preview", error);
    }
  }

  private async fetch(
    row: number,
    method: "preview" | "full_image",
    signal: AbortSignal,
  ): Promise<{ response: ImageReply; buffers: DataView[] }> {
    const { result, buffers } = await this.rpc.request(method, { row }, signal);
    return { response: result, buffers };
  }

  private show({ response, buffers, url }: Loaded, spot: Spot): void {
    const item = response.item;
    const title = titleText(response.title, item.caption);
    this.name.textContent = title;
    const [coords, counts] = overlayArrays(response, buffers);
    this.overlay = item.overlay ? toOverlay(item.overlay, coords, counts) : null;
    this.marked = new Set(this.overlay?.emphasis ?? []);
    if (this.url) URL.revokeObjectURL(this.url);
    this.url = url;
    if (url) {
      this.img.src = url;
    } else {
      this.img.removeAttribute("src");
      this.name.textContent = `${title} — ${item.error ?? "unavailable"}`;
    }
    this.list.render(this.overlay, this.marked); // before placing: the list's height is part of the fit
    this.place(item.width, item.height, spot);
    this.shownAt = performance.now();
    this.el.dataset.row = String(this.row);
    delete this.el.dataset.resolution; // set again if this image is zoomed into
    this.canvasScale = 0; // sized (and drawn) for this image by applyZoom
    this.applyZoom();
  }

  /** Put the preview beside the cell where its image shows largest (placement.ts), with
   * its title, hint and list inside the viewport too. */
  private place(width: number, height: number, spot: Spot): void {
    // Measure what the preview adds around the image at the narrowest text width: the
    // list wraps most there, so the fit is never too tall.
    this.size({ shownWidth: 1, shownHeight: 1, textWidth: MIN_TEXT_WIDTH });
    this.el.style.left = "0px";
    this.el.style.top = "0px";
    this.el.hidden = false;
    const chrome = () => ({
      width: this.el.offsetWidth - this.el.clientWidth + paddingX(this.el),
      height: this.el.offsetHeight - this.stage.offsetHeight,
    });
    const input = {
      viewport: { width: window.innerWidth, height: window.innerHeight },
      cell: spot.cell,
      neighbour: spot.pitch,
      image: { width, height },
      chrome: chrome(),
      minTextWidth: MIN_TEXT_WIDTH,
    };
    let placement = placePreview(input);
    if (!placement) {
      this.hide();
      return;
    }
    this.apply(placement, input.chrome.width);
    // Fit again with the text measured at its width (a wider list wraps less).
    const measured = chrome();
    if (Math.abs(measured.height - input.chrome.height) > 1) {
      const refit = fitIn({ ...input, chrome: measured }, placement.side, placement.region, placement.clearsNeighbour);
      if (refit) {
        placement = refit;
        this.apply(placement, measured.width);
      }
    }
    this.el.dataset.side = placement.side;
    this.aim = corridor(spot.cell, placement);
  }

  private apply(placement: Placement, chromeWidth: number): void {
    const { box } = placement;
    this.size({ shownWidth: placement.shownWidth, shownHeight: placement.shownHeight, textWidth: box.width - chromeWidth });
    this.el.style.left = `${Math.round(box.left)}px`;
    this.el.style.top = `${Math.round(box.top)}px`;
  }

  private size({ shownWidth, shownHeight, textWidth }: { shownWidth: number; shownHeight: number; textWidth: number }): void {
    for (const el of [this.stage, this.layer]) {
      el.style.width = `${shownWidth}px`;
      el.style.height = `${shownHeight}px`;
    }
    this.el.style.width = `${Math.max(shownWidth, textWidth)}px`;
  }

  /** A plain wheel over the image zooms it around the pointer (the page does not scroll:
   * the preview is not part of it). */
  private onStageWheel(event: WheelEvent): void {
    event.preventDefault();
    const rect = this.stage.getBoundingClientRect();
    const ax = Math.min(1, Math.max(0, (event.clientX - rect.left) / rect.width));
    const ay = Math.min(1, Math.max(0, (event.clientY - rect.top) / rect.height));
    const { tx, ty } = this.translation();
    // The image point under the pointer, which stays under it.
    const fx = (ax * rect.width - tx) / (rect.width * this.zoom);
    const fy = (ay * rect.height - ty) / (rect.height * this.zoom);
    this.zoomBy(event.deltaY < 0 ? ZOOM_STEP : 1 / ZOOM_STEP, fx, fy, ax, ay);
  }

  private translation(): { tx: number; ty: number } {
    const w = this.layer.clientWidth;
    const h = this.layer.clientHeight;
    const tx = Math.min(0, Math.max(w - w * this.zoom, this.anchorX * w - this.focusX * w * this.zoom));
    const ty = Math.min(0, Math.max(h - h * this.zoom, this.anchorY * h - this.focusY * h * this.zoom));
    return { tx, ty };
  }

  private applyZoom(): void {
    const { tx, ty } = this.translation();
    this.layer.style.transform = `translate(${tx}px, ${ty}px) scale(${this.zoom})`;
    this.el.dataset.zoom = this.zoom.toFixed(2);
    this.zoomText.textContent = zoomLabel(this.zoom);
    const scale = Math.min(this.zoom, 4);
    if (scale !== this.canvasScale) {
      this.canvasScale = scale;
      this.canvas.width = Math.round(this.layer.clientWidth * devicePixelRatio * scale);
      this.canvas.height = Math.round(this.layer.clientHeight * devicePixelRatio * scale);
      this.drawMarks();
    }
  }

  private async loadFullResolution(): Promise<void> {
    const row = this.row;
    this.fullResolution = true;
    const controller = this.controller ?? new AbortController();
    try {
      const { response, buffers } = await this.fetch(row, "full_image", controller.signal);
      if (row !== this.row || response.item.buffer < 0) return;
      if (this.url) URL.revokeObjectURL(this.url);
      this.url = URL.createObjectURL(new Blob([copyBytes(buffers[response.item.buffer])], { type: response.item.mime }));
      this.img.src = this.url;
      this.el.dataset.resolution = `${response.item.width}x${response.item.height}`;
    } catch (error) {
      if (!(error instanceof CancelledError)) console.error("cocowidget: full image", error);
    }
  }
}

/** The element's left and right padding (its width in style excludes them). */
function paddingX(el: HTMLElement): number {
  const style = getComputedStyle(el);
  return parseFloat(style.paddingLeft) + parseFloat(style.paddingRight);
}

export const ZOOM_IN = ZOOM_STEP;
export const ZOOM_OUT = 1 / ZOOM_STEP;

// Hover-zoom: a large preview of the image under a resting pointer, with overlays and a
// list of its objects; Ctrl/Cmd + wheel (or + / -) zooms into the full-resolution image.
import { copyBytes } from "../buffers";
import { categoryColor } from "../overlay/colors";
import { OUTCOME_TEXT, VERDICT_TEXT } from "../generated/protocol";
import type { ImageReply } from "../generated/protocol";
import { overlayArrays, toOverlay } from "../overlay/decode";
import { drawOverlay, matchStatus, visibleObjects } from "../overlay/draw";
import { jointColor, jointCounts, skeletonOf } from "../overlay/keypoints";
import type { Category, Overlay, OverlayObject, OverlayOptions } from "../overlay/types";
import { CancelledError, RpcClient } from "../rpc";

const REST_MS = 90;
const MAX_LISTED = 60;
const MIN_LIST_WIDTH = 320;
const ZOOM_STEP = 1.25;
const MAX_ZOOM = 16;

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

export interface PreviewContext {
  options(): OverlayOptions;
  categories(): Map<number, Category>;
  runName(source: number): string;
}

export class Preview {
  readonly el = document.createElement("div");
  private readonly title = document.createElement("div");
  private readonly stage = document.createElement("div");
  private readonly layer = document.createElement("div");
  private readonly img = document.createElement("img");
  private readonly canvas = document.createElement("canvas");
  private readonly list = document.createElement("ol");
  private timer = 0;
  private controller: AbortController | null = null;
  private pending: Pending | null = null;
  private row = -1;
  private url: string | null = null;
  private overlay: Overlay | null = null;
  private zoom = 1;
  private focusX = 0.5;
  private focusY = 0.5;
  private fullResolution = false;
  shownAt = 0;

  constructor(private readonly rpc: RpcClient, private readonly context: PreviewContext) {
    this.el.className = "cw-preview";
    this.el.hidden = true;
    this.title.className = "cw-preview-title";
    this.stage.className = "cw-preview-stage";
    this.layer.className = "cw-preview-layer";
    this.img.className = "cw-preview-image";
    this.img.alt = "";
    this.canvas.className = "cw-preview-overlay";
    this.list.className = "cw-preview-objects";
    this.layer.append(this.img, this.canvas);
    this.stage.append(this.layer);
    this.el.append(this.title, this.stage, this.list);
  }

  get visible(): boolean {
    return !this.el.hidden;
  }

  /** The pointer moved over a cell showing `row`; show its preview once it rests. */
  rest(row: number, pointer: { x: number; y: number }): void {
    clearTimeout(this.timer);
    if (row === this.row && this.visible) return;
    // Asked for at once and shown once the pointer rests: the kernel's round trip and the
    // decoding overlap the wait instead of following it.
    if (this.pending?.row !== row) this.prefetch(row);
    this.timer = window.setTimeout(() => void this.open(row, pointer), REST_MS);
  }

  hide(): void {
    clearTimeout(this.timer);
    this.discardPending();
    this.controller?.abort();
    this.controller = null;
    this.row = -1;
    this.el.hidden = true;
    this.zoom = 1;
    this.fullResolution = false;
    if (this.url) URL.revokeObjectURL(this.url);
    this.url = null;
    this.img.removeAttribute("src");
  }

  /** Zoom in (factor > 1) or out around a point given as fractions of the image. */
  zoomBy(factor: number, fx = this.focusX, fy = this.focusY): void {
    if (!this.visible) return;
    this.zoom = Math.min(MAX_ZOOM, Math.max(1, this.zoom * factor));
    this.focusX = fx;
    this.focusY = fy;
    this.applyZoom();
    if (this.zoom > 1.01 && !this.fullResolution) void this.loadFullResolution();
  }

  redraw(): void {
    if (this.overlay && this.visible) {
      drawOverlay(this.canvas, this.overlay, this.context.options());
      this.renderList();
    }
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

  private async open(row: number, pointer: { x: number; y: number }): Promise<void> {
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
      this.show(loaded, pointer);
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

  private show({ response, buffers, url }: Loaded, pointer: { x: number; y: number }): void {
    this.title.textContent = response.item.caption;
    const [coords, counts] = overlayArrays(response, buffers);
    this.overlay = response.item.overlay ? toOverlay(response.item.overlay, coords, counts) : null;
    if (this.url) URL.revokeObjectURL(this.url);
    this.url = url;
    if (url) {
      this.img.src = url;
    } else {
      this.img.removeAttribute("src");
      this.title.textContent = `${response.item.caption} — ${response.item.error ?? "unavailable"}`;
    }
    this.renderList(); // before placing: the list's height is part of the fit
    this.place(response.item.width, response.item.height, pointer);
    this.shownAt = performance.now();
    this.el.dataset.row = String(this.row);
    delete this.el.dataset.resolution; // set again if this image is zoomed into
    this.canvas.width = Math.round(this.layer.clientWidth * devicePixelRatio);
    this.canvas.height = Math.round(this.layer.clientHeight * devicePixelRatio);
    this.redraw();
    this.applyZoom();
  }

  /** Fit the image in the larger free side of the viewport, away from the pointer, with
   * its title and object list inside the viewport too. */
  private place(width: number, height: number, pointer: { x: number; y: number }): void {
    const margin = 16;
    const frame = 18; // .cw-preview's padding and border, left and right
    const onLeft = pointer.x > window.innerWidth / 2;
    const availableWidth = (onLeft ? pointer.x : window.innerWidth - pointer.x) - 2 * margin - frame;
    const fit = (chrome: number) => {
      const availableHeight = window.innerHeight - 2 * margin - chrome;
      const scale = Math.max(0, Math.min(availableWidth / width, availableHeight / height, 1));
      const shownWidth = Math.max(1, Math.round(width * scale));
      const shownHeight = Math.max(1, Math.round(height * scale));
      for (const el of [this.stage, this.layer]) {
        el.style.width = `${shownWidth}px`;
        el.style.height = `${shownHeight}px`;
      }
      // A tall, narrow image still gets a readable list (and title) below it.
      const textWidth = Math.min(Math.max(shownWidth, MIN_LIST_WIDTH), window.innerWidth - 2 * margin - frame);
      this.list.style.width = `${textWidth}px`;
      this.title.style.maxWidth = `${textWidth}px`;
      return shownHeight;
    };
    this.el.style.left = onLeft ? `${margin}px` : "";
    this.el.style.right = onLeft ? "" : `${margin}px`;
    // Size with a guess for the title and list, then again with what they measure.
    let shownHeight = fit(200);
    this.el.hidden = false;
    const chrome = this.el.offsetHeight - shownHeight;
    shownHeight = fit(chrome);
    const total = shownHeight + chrome;
    this.el.style.top = `${Math.max(margin, (window.innerHeight - total) / 2)}px`;
  }

  private applyZoom(): void {
    const w = this.layer.clientWidth;
    const h = this.layer.clientHeight;
    const tx = Math.min(0, Math.max(w - w * this.zoom, w / 2 - this.focusX * w * this.zoom));
    const ty = Math.min(0, Math.max(h - h * this.zoom, h / 2 - this.focusY * h * this.zoom));
    this.layer.style.transform = `translate(${tx}px, ${ty}px) scale(${this.zoom})`;
    this.el.dataset.zoom = this.zoom.toFixed(2);
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
      // Redraw the overlay sharper for the zoomed view.
      this.canvas.width = Math.round(this.layer.clientWidth * devicePixelRatio * Math.min(this.zoom, 4));
      this.canvas.height = Math.round(this.layer.clientHeight * devicePixelRatio * Math.min(this.zoom, 4));
      this.redraw();
    } catch (error) {
      if (!(error instanceof CancelledError)) console.error("cocowidget: full image", error);
    }
  }

  private renderJoints(objects: OverlayObject[]): void {
    if (this.overlay) this.list.append(...jointLegend(this.overlay, objects));
  }

  private renderList(): void {
    this.list.replaceChildren();
    if (!this.overlay) return;
    const categories = this.context.categories();
    const objects = visibleObjects(this.overlay, this.context.options());
    this.renderJoints(objects); // first: the list is cut at its height, the legend is not
    for (const object of objects.slice(0, MAX_LISTED)) {
      const item = document.createElement("li");
      const swatch = document.createElement("span");
      swatch.className = "cw-swatch";
      swatch.style.background = categoryColor(object.category);
      const name = categories.get(object.category)?.name ?? `category ${object.category}`;
      const parts = [name, `area ${Math.round(object.area)}`];
      if (object.score !== null) parts.push(`score ${object.score.toFixed(2)}`);
      parts.push(object.source === 0 ? "ground truth" : this.context.runName(object.source));
      if (object.crowd) parts.push("crowd");
      if (object.kp) {
        const { joints, labelled, visible } = jointCounts(this.overlay, object);
        parts.push(object.source === 0 ? `${labelled}/${joints} joints labelled, ${visible} visible` : `${joints} joints`);
      }
      if (object.stand_in) parts.push("box is a stand-in (the file's is not finite)");
      const options = this.context.options();
      const status = matchStatus(object, options);
      const m = object.m;
      if (status === "fp" && m?.k === "d") parts.push(`FP: ${OUTCOME_TEXT[m.oc[options.iouIndex] ?? 4]}`);
      else if (status) parts.push(VERDICT_TEXT[status]);
      const text = document.createElement("span");
      text.textContent = parts.join(" · ");
      item.append(swatch, text);
      this.list.append(item);
    }
    if (objects.length > MAX_LISTED) {
      const more = document.createElement("li");
      more.textContent = `… and ${objects.length - MAX_LISTED} more`;
      this.list.append(more);
    }
    if (!objects.length) {
      const none = document.createElement("li");
      none.textContent = "no objects";
      this.list.append(none);
    }
  }
}

/** A legend of the joints of the keypoint categories shown: each name in its colour, and
 * what a filled dot and a ring mean. Names are dataset text: set as text only. */
function jointLegend(overlay: Overlay, objects: OverlayObject[]): HTMLLIElement[] {
  const items: HTMLLIElement[] = [];
  const seen = new Set<number>();
  for (const object of objects) {
    if (!object.kp || seen.has(object.category)) continue;
    seen.add(object.category);
    const skeleton = skeletonOf(overlay, object.category);
    if (!skeleton) continue;
    const item = document.createElement("li");
    item.className = "cw-preview-joints";
    const title = document.createElement("span");
    title.textContent = "joints (● visible, ○ hidden):";
    item.append(title);
    skeleton.names.forEach((name, j) => {
      const joint = document.createElement("span");
      joint.className = "cw-joint";
      const dot = document.createElement("span");
      dot.className = "cw-joint-dot";
      dot.style.background = jointColor(j, skeleton.names.length);
      const label = document.createElement("span");
      label.textContent = name;
      joint.append(dot, label);
      item.append(joint);
    });
    items.push(item);
  }
  return items;
}

export const ZOOM_IN = ZOOM_STEP;
export const ZOOM_OUT = 1 / ZOOM_STEP;

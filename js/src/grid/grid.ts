// The windowed thumbnail grid: only visible rows (plus overscan) exist in the DOM, and
// their cells are recycled as the user scrolls. This file coordinates: it reads the
// model, lays out (layout.ts) the cells that exist (windowing.ts), paints them and their
// overlays (overlays.ts), and routes input to the selection, keys and hover preview.
// (About 450 lines: what has a job of its own is in the modules it imports.)
import type { AnyModel } from "@anywidget/types";
import { bigInt64s, int32s } from "../buffers";
import { visibleObjects } from "../overlay/draw";
import type { Category, OverlayOptions } from "../overlay/types";
import { RpcClient } from "../rpc";
import { Hover } from "./hover";
import { keyCommand, type KeyBindings } from "./keys";
import { paintBadge } from "./badges";
import { ClassLegend } from "./legend";
import { CANVAS_MARGIN, contentHeight, GAP, type Geometry, gridGeometry, initialGeometry, rowsInView, scrollToShow } from "./layout";
import type { GridModel } from "./model";
import { RowOverlays } from "./overlays";
import { Selection } from "./selection";
import { statusText } from "./status";
import { Thumbnail, ThumbnailStore } from "./thumbnails";
import { buildTagBar, type TagBar } from "./tagbar";
import { buildToolbar } from "./toolbar";
import { byDistance, type Cell, CellPool, placeCell } from "./windowing";

const OVERSCAN_ROWS = 2;
const SETTLE_MS = 100;
const PREFETCH_ROWS = 12;
const NOTHING_PICKED = "select items first (click, shift-click, ctrl-A)";

/** A tag or action reply's status line, or the error's text. */
function messageOf(reply: Promise<{ result: { message: string } }>): Promise<string> {
  return reply.then(
    (response) => response.result.message,
    (error: unknown) => (error instanceof Error ? error.message : String(error)),
  );
}

export class GridView {
  readonly root = document.createElement("div");
  private readonly status = document.createElement("div");
  private readonly legend = new ClassLegend();
  private readonly scroller = document.createElement("div");
  private readonly canvas = document.createElement("div");
  private readonly rpc: RpcClient;
  private readonly thumbnails: ThumbnailStore;
  private readonly hover: Hover;
  private readonly selection = new Selection();
  private readonly cells: CellPool;
  private readonly overlays: RowOverlays;
  private readonly resizeObserver: ResizeObserver;
  private readonly tagBar: TagBar;
  private itemIds = new BigInt64Array(0);
  private order = new Int32Array(0);
  private geometry: Geometry;
  private frame = 0;
  private settleTimer = 0;
  private lastTop = 0;
  private focus = -1;
  /** The positions in the scroller's view (not the overscan), for the class legend. */
  private inView = { first: 0, last: -1 };
  private overlayOptions: OverlayOptions = this.readOverlayOptions();
  private categories = new Map<number, Category>();

  constructor(private readonly model: AnyModel<GridModel>, el: HTMLElement) {
    this.rpc = new RpcClient(model);
    this.thumbnails = new ThumbnailStore(this.rpc, 1500, () => this.schedule(), model.get("_thumbnail_side"));
    this.geometry = initialGeometry(model.get("thumbnail_size"));
    this.root.className = "cw-grid";
    this.status.className = "cw-grid-status";
    this.scroller.className = "cw-grid-scroller";
    this.scroller.tabIndex = 0;
    this.canvas.className = "cw-grid-canvas";
    this.scroller.append(this.canvas);
    this.hover = new Hover(this.rpc, {
      options: () => this.overlayOptions,
      categories: () => this.categories,
      runName: (source) => {
        const index = (this.model.get("_run_numbers") ?? []).indexOf(source);
        return this.model.get("_runs")[index] ?? `run ${source}`;
      },
    }, this.scroller, (cellEl) => this.viewOf(cellEl));
    this.overlays = new RowOverlays(this.canvas);
    this.cells = new CellPool(this.canvas, {
      click: (cell, event) => this.onClick(cell, event),
      pointerMove: (cell, event) => {
        if (cell.position < 0) return;
        const pitch = { width: this.geometry.pitch || this.geometry.size + GAP, height: this.geometry.rowHeight };
        this.hover.pointerMove(this.order[cell.position], cell.el, pitch, event);
      },
      pointerLeave: () => this.hover.cellLeft(),
    });
    const refreshColumns = () => void this.rpc.request("refresh_columns", {}).catch(() => {});
    this.tagBar = buildTagBar(model, {
      tag: (name, remove) => this.tagPicked(name, remove),
      act: (action) => this.actOnPicked(action),
    });
    this.root.append(buildToolbar(model, refreshColumns), this.tagBar.el, this.legend.el, this.status, this.scroller);
    el.append(this.root);

    this.scroller.addEventListener("scroll", () => this.schedule(), { passive: true });
    this.scroller.addEventListener("keydown", (event) => this.onKey(event));
    this.resizeObserver = new ResizeObserver(() => this.schedule());
    this.resizeObserver.observe(this.scroller);

    model.on("change:_image_ids", () => this.readIds());
    model.on("change:_order", () => this.readOrder());
    model.on("change:_selected_rows", () => this.readSelection());
    model.on("change:thumbnail_size", () => this.schedule());
    model.on("change:height", () => this.applyHeight());
    model.on("change:_render_version", () => {
      this.thumbnails.clear();
      this.hover.hide();
      this.schedule();
    });
    model.on("change:_categories", () => this.readCategories());
    model.on("change:_emphasis", () => this.redrawOverlays());
    // The status names the thresholds too: counts that come out the same at the new ones
    // (crops of false positives, say) send no change of evaluation_counts.
    for (const trait of ["evaluation_counts", "iou_threshold", "score_threshold", "count_category"]) {
      model.on(`change:${trait}`, () => this.updateStatus());
    }
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
    this.hover.dispose();
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
    this.cells.releaseAll();
    this.overlays.releaseAll();
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
    this.overlays.invalidate();
    this.refreshCells();
    this.hover.redraw();
    this.updateLegend();
  }

  /** Name the classes drawn in the cells in view (when coloured by category). */
  private updateLegend(): void {
    const counts = new Map<number, number>();
    const options = this.overlayOptions;
    for (let position = this.inView.first; position <= this.inView.last; position++) {
      const overlay = this.thumbnails.get(this.order[position])?.overlay;
      if (!overlay) continue;
      for (const object of visibleObjects(overlay, options)) {
        counts.set(object.category, (counts.get(object.category) ?? 0) + 1);
      }
    }
    this.legend.update(counts, this.categories, !options.colorByMatch);
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

  private layout(): void {
    const width = this.scroller.clientWidth;
    // Hidden (a collapsed output, a background tab, a theme switch): keep the last layout;
    // laying out at zero width would leave one column behind once it is shown again.
    if (width === 0) return;
    const size = this.model.get("thumbnail_size");
    const geometry = (this.geometry = gridGeometry(width, size, this.order.length));
    this.canvas.style.height = `${contentHeight(geometry)}px`;
    // The `height` trait, or less when every row fits in less (a handful of images).
    const content = Math.max(1, geometry.rowCount) * geometry.rowHeight + 2 * CANVAS_MARGIN;
    this.scroller.style.height = `${Math.min(this.model.get("height"), content)}px`;

    const top = this.scroller.scrollTop;
    const viewHeight = this.scroller.clientHeight || this.model.get("height");
    const { firstRow, lastRow } = rowsInView(geometry, top, viewHeight, OVERSCAN_ROWS);
    const first = firstRow * geometry.columns;
    const last = Math.min(this.order.length - 1, (lastRow + 1) * geometry.columns - 1);
    this.cells.window(first, last);
    this.overlays.place(geometry, firstRow, lastRow);
    // Cells drawn with more device pixels than the thumbnails have get them rendered at
    // twice the side (a 240 px cell on a 2x screen); until they come, the smaller show.
    const base = this.model.get("_thumbnail_side");
    this.thumbnails.side = size * devicePixelRatio > base ? 2 * base : base;
    // Fetch what is visible first, then the overscan around it; ask before painting, so
    // the kernel works while the browser draws what it has.
    const visibleFirst = Math.floor(top / geometry.rowHeight) * geometry.columns;
    const wanted = byDistance(first, last, visibleFirst).map((position) => this.order[position]);
    // While the user flings through thousands of rows, requesting every row passed over
    // would flood the kernel with work cancelled a frame later: fetch once scrolling slows.
    const fast = Math.abs(top - this.lastTop) > viewHeight;
    this.lastTop = top;
    clearTimeout(this.settleTimer);
    if (fast) this.settleTimer = window.setTimeout(() => this.schedule(), SETTLE_MS);
    else this.thumbnails.want(wanted, new Set(wanted));

    for (let position = first; position <= last; position++) {
      const cell = this.cells.get(position)!;
      placeCell(cell, geometry);
      this.paint(cell);
    }
    const lastInView = Math.ceil((top + viewHeight) / geometry.rowHeight) * geometry.columns - 1;
    this.inView = { first: Math.max(first, visibleFirst), last: Math.min(last, lastInView) };
    this.updateLegend();
    this.updateStatus();
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
    // Without an image the box goes too: sized for the cell's previous image, it would
    // push the placeholder's text aside.
    cell.box.hidden = !thumb?.url;
    paintBadge(cell.badge, thumb?.overlay ?? null, this.overlayOptions, this.model.get("_item_kind") === "object");
    if (!thumb) {
      cell.el.classList.add("cw-loading");
      cell.img.removeAttribute("src");
      cell.img.hidden = true;
      this.overlays.clear(this.geometry, cell.position);
      cell.placeholder.hidden = true;
      cell.caption.textContent = "";
      return;
    }
    cell.el.classList.remove("cw-loading");
    cell.caption.textContent = thumb.caption;
    cell.caption.title = thumb.caption;
    if (thumb.url) {
      if (cell.img.getAttribute("src") !== thumb.url) cell.img.src = thumb.url;
      cell.img.hidden = cell.img.dataset.failed === thumb.url; // (windowing.ts)
      cell.placeholder.hidden = true;
      cell.el.classList.remove("cw-broken");
      this.paintOverlay(cell, thumb);
    } else {
      cell.img.removeAttribute("src");
      cell.img.hidden = true;
      this.overlays.clear(this.geometry, cell.position);
      cell.placeholder.hidden = false;
      cell.placeholder.textContent = thumb.error ?? "unavailable";
      cell.el.classList.add("cw-broken");
    }
  }

  /** Fit the image's box in the cell's square and draw its overlay over it. */
  private paintOverlay(cell: Cell, thumb: Thumbnail): void {
    const size = this.geometry.size;
    const scale = Math.min(size / thumb.width, size / thumb.height);
    const width = Math.max(1, Math.round(thumb.width * scale));
    const height = Math.max(1, Math.round(thumb.height * scale));
    cell.box.style.width = `${width}px`;
    cell.box.style.height = `${height}px`;
    const emphasis = this.model.get("_emphasis")?.[String(thumb.row)];
    const keys = emphasis ? new Set(emphasis) : undefined; // "source:row", as overlays name objects
    this.overlays.draw(this.geometry, cell.position, thumb, width, height, this.overlayOptions, keys);
  }

  /** The part of its image the cell `cellEl` shows, as fractions (see hover.ts). */
  private viewOf(cellEl: HTMLElement): [number, number, number, number] | null {
    const position = Number(cellEl.dataset.position ?? -1);
    const overlay = position >= 0 ? this.thumbnails.get(this.order[position])?.overlay : undefined;
    if (!overlay?.view) return null;
    const [left, top, width, height] = overlay.view;
    return [left / overlay.width, top / overlay.height, width / overlay.width, height / overlay.height];
  }

  private refreshCells(): void {
    for (const cell of this.cells.values()) this.paint(cell);
  }

  private updateStatus(): void {
    this.status.textContent = statusText({
      shown: this.order.length,
      total: this.itemIds.length,
      kind: this.model.get("_item_kind"),
      selected: this.selection.count,
      counts: this.model.get("evaluation_counts") ?? {},
      iouThreshold: this.model.get("iou_threshold"),
      scoreThreshold: this.model.get("score_threshold"),
      countedClass: this.countedClass(),
    });
  }

  private countedClass(): string | undefined {
    const id = this.model.get("count_category");
    if (id === null || id === undefined) return undefined;
    return this.categories.get(id)?.name ?? String(id);
  }

  // -- interaction -----------------------------------------------------------------------
  private readonly rowAt = (position: number): number => this.order[position];

  private onClick(cell: Cell, event: MouseEvent): void {
    if (cell.position < 0) return;
    this.scroller.focus({ preventScroll: true });
    this.hover.clicked(this.order[cell.position]);
    this.focus = cell.position;
    this.selection.click(cell.position, { shift: event.shiftKey, toggle: event.ctrlKey || event.metaKey }, this.rowAt);
    this.commitSelection();
  }

  private onKey(event: KeyboardEvent): void {
    if (!this.order.length || this.hover.onKey(event)) return;
    const command = keyCommand(event, this.focus, this.order.length, this.geometry.columns, this.keyBindings());
    if (!command) return;
    event.preventDefault();
    switch (command.kind) {
      case "move":
        this.focus = command.to;
        if (command.extend) {
          this.selection.click(this.focus, { shift: true, toggle: false }, this.rowAt);
          this.commitSelection();
        }
        const top = scrollToShow(this.geometry, this.focus, this.scroller.scrollTop, this.scroller.clientHeight);
        if (top !== this.scroller.scrollTop) this.scroller.scrollTop = top;
        this.refreshCells();
        break;
      case "toggle":
        this.selection.click(this.focus, { shift: command.extend, toggle: true }, this.rowAt);
        this.commitSelection();
        break;
      case "selectAll":
        this.selection.selectAll(this.order.length, this.rowAt);
        this.commitSelection();
        break;
      case "clear":
        this.selection.clear();
        this.commitSelection();
        break;
      case "tagInput":
        this.tagBar.focusTagInput();
        break;
      case "action":
        void this.actOnPicked(command.name).then((text) => {
          this.tagBar.say(text);
          this.scroller.focus({ preventScroll: true }); // the next key goes on reviewing
        });
        break;
    }
  }

  private keyBindings(): KeyBindings {
    const actions = new Map<string, string>();
    for (const action of this.model.get("_actions") ?? []) if (action.key) actions.set(action.key, action.name);
    return { tagging: Boolean(this.model.get("_tag_table")), actions };
  }

  /** What a tag or an action applies to: the selection, or else the focused item. */
  private pickedRows(): number[] {
    if (this.selection.count) return this.selection.toArray();
    return this.focus >= 0 && this.focus < this.order.length ? [this.order[this.focus]] : [];
  }

  private tagPicked(name: string, remove: boolean): Promise<string> {
    const rows = this.pickedRows();
    return rows.length ? messageOf(this.rpc.request("tag", { name, rows, remove })) : Promise.resolve(NOTHING_PICKED);
  }

  private actOnPicked(action: string): Promise<string> {
    const rows = this.pickedRows();
    return rows.length ? messageOf(this.rpc.request("act", { action, rows })) : Promise.resolve(NOTHING_PICKED);
  }


  private commitSelection(): void {
    this.model.set("_selected_rows", this.selection.toArray());
    this.model.save_changes();
    this.refreshCells();
    this.updateStatus();
  }
}

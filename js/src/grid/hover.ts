// Wires the hover preview to the grid: a pointer resting on a cell opens its preview
// beside it; a click, scrolling, or leaving both the grid and the preview closes it; the
// pointer may go over to the preview (its list marks objects, the wheel zooms it there).
// Ctrl/Cmd + wheel over the cell and + / - zoom it too.
import { RpcClient } from "../rpc";
import { Preview, type PreviewContext, type Spot, ZOOM_IN, ZOOM_OUT } from "./preview";

/** The part of its image a cell shows, as fractions of the image: [left, top, width,
 * height] (a crop of one object), or null for the whole image. */
export type CellView = (cellEl: HTMLElement) => [number, number, number, number] | null;

export class Hover {
  readonly preview: Preview;

  constructor(
    rpc: RpcClient,
    context: PreviewContext,
    private readonly scroller: HTMLElement,
    private readonly viewOf: CellView,
  ) {
    this.preview = new Preview(rpc, context);
    // In the page's body: inside the notebook, an ancestor with a transform or containment
    // becomes the containing block of a fixed element and pushes it off the viewport.
    document.body.append(this.preview.el);
    scroller.addEventListener("scroll", () => this.preview.hide(), { passive: true });
    scroller.addEventListener("pointerleave", (event) => {
      if (!this.within(this.preview.el, event.relatedTarget)) this.preview.leave();
    });
    scroller.addEventListener("wheel", (event) => this.onWheel(event), { passive: false });
    const el = this.preview.el;
    el.addEventListener("pointerenter", () => this.preview.hold());
    // Back over the grid, its cells take over; anywhere else, the preview closes.
    el.addEventListener("pointerleave", (event) => {
      if (!this.within(scroller, event.relatedTarget)) this.preview.leave();
    });
    el.addEventListener("click", () => this.preview.leave());
  }

  /** The pointer moved over `cellEl`, which shows `row`. */
  pointerMove(row: number, cellEl: HTMLElement, pitch: Spot["pitch"], event: PointerEvent): void {
    const rect = cellEl.getBoundingClientRect();
    const cell = { left: rect.left, top: rect.top, width: rect.width, height: rect.height };
    this.preview.rest(row, { x: event.clientX, y: event.clientY, cell, pitch });
  }

  /** The pointer left a cell: a preview not shown yet is not wanted any more. */
  cellLeft(): void {
    this.preview.cancelRest();
  }

  /** An item was clicked (selecting it): the preview closes until the pointer moves on. */
  clicked(row: number): void {
    this.preview.clicked(row);
  }

  hide(): void {
    this.preview.hide();
  }

  redraw(): void {
    this.preview.redraw();
  }

  /** Keys for an open preview (Escape closes it, + / - zoom); true when handled. */
  onKey(event: KeyboardEvent): boolean {
    if (!this.preview.visible) return false;
    if (event.key === "Escape") this.preview.hide();
    else if (event.key === "+" || event.key === "=") this.preview.zoomBy(ZOOM_IN);
    else if (event.key === "-") this.preview.zoomBy(ZOOM_OUT);
    else return false;
    event.preventDefault();
    return true;
  }

  dispose(): void {
    this.preview.hide();
    this.preview.el.remove();
  }

  private within(el: HTMLElement, target: EventTarget | null): boolean {
    return target instanceof Node && el.contains(target);
  }

  /** The wheel scrolls the grid (and past its end the notebook), closing the preview;
   * with Ctrl or Cmd held (a trackpad's pinch too) over the previewed image it zooms the
   * preview, centred where the pointer is. The preview stays beside the cell, never over
   * it, so a plain wheel has only the grid to go to. */
  private onWheel(event: WheelEvent): void {
    if (!this.preview.visible) return;
    const cellEl = (event.target as HTMLElement).closest<HTMLElement>(".cw-cell");
    const box = cellEl?.querySelector<HTMLElement>(".cw-thumb-box");
    if (!(event.ctrlKey || event.metaKey) || !box || !this.scroller.contains(box)) {
      this.preview.hide();
      return;
    }
    event.preventDefault(); // not the page's zoom
    const rect = box.getBoundingClientRect();
    const cx = Math.min(1, Math.max(0, (event.clientX - rect.left) / rect.width));
    const cy = Math.min(1, Math.max(0, (event.clientY - rect.top) / rect.height));
    // The preview shows the whole image: where in it the point of a crop is.
    const [left, top, width, height] = (cellEl && this.viewOf(cellEl)) ?? [0, 0, 1, 1];
    this.preview.zoomBy(event.deltaY < 0 ? ZOOM_IN : ZOOM_OUT, left + cx * width, top + cy * height, 0.5, 0.5);
  }
}

// Wires the hover preview to the grid: a pointer resting on a cell opens its preview,
// leaving or scrolling hides it, Ctrl/Cmd + wheel and + / - zoom it.
import { RpcClient } from "../rpc";
import { Preview, type PreviewContext, ZOOM_IN, ZOOM_OUT } from "./preview";

export class Hover {
  readonly preview: Preview;

  constructor(rpc: RpcClient, context: PreviewContext, private readonly scroller: HTMLElement) {
    this.preview = new Preview(rpc, context);
    // In the page's body: inside the notebook, an ancestor with a transform or containment
    // becomes the containing block of a fixed element and pushes it off the viewport.
    document.body.append(this.preview.el);
    scroller.addEventListener("scroll", () => this.preview.hide(), { passive: true });
    scroller.addEventListener("pointerleave", () => this.preview.hide());
    scroller.addEventListener("wheel", (event) => this.onWheel(event), { passive: false });
  }

  /** The pointer moved over a cell showing `row`. */
  pointerMove(row: number, event: PointerEvent): void {
    this.preview.rest(row, { x: event.clientX, y: event.clientY });
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

  /** The wheel scrolls the grid (and past its end the notebook), closing the preview;
   * with Ctrl or Cmd held (a trackpad's pinch too) over the previewed image it zooms the
   * preview, centred where the pointer is. The preview stays beside the pointer, never
   * under it, so a plain wheel has only the grid to go to. */
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
    const fx = Math.min(1, Math.max(0, (event.clientX - rect.left) / rect.width));
    const fy = Math.min(1, Math.max(0, (event.clientY - rect.top) / rect.height));
    this.preview.zoomBy(event.deltaY < 0 ? ZOOM_IN : ZOOM_OUT, fx, fy);
  }
}

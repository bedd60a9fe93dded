// Which cells exist: only the positions in view (plus overscan) have one, and a cell that
// scrolls out is hidden and reused for the next position that scrolls in, so the DOM
// stays the same size however many items the grid shows.
import { type Badge, createBadge } from "./badges";
import { cellX, type Geometry, rowOf, CAPTION_HEIGHT } from "./layout";

export interface Cell {
  el: HTMLDivElement;
  box: HTMLDivElement;
  img: HTMLImageElement;
  placeholder: HTMLDivElement;
  caption: HTMLDivElement;
  /** A crop's score and outcome (badges.ts). */
  badge: Badge;
  /** The position in the shown order it stands for; -1 while spare. */
  position: number;
}

/** What a cell tells its grid (the cell's `position` says which item it shows). */
export interface CellEvents {
  click(cell: Cell, event: MouseEvent): void;
  pointerMove(cell: Cell, event: PointerEvent): void;
  pointerLeave(cell: Cell): void;
}

export class CellPool {
  private readonly cells = new Map<number, Cell>(); // position in shown order -> cell
  private readonly spare: Cell[] = [];

  constructor(
    private readonly parent: HTMLElement,
    private readonly events: CellEvents,
  ) {}

  get(position: number): Cell | undefined {
    return this.cells.get(position);
  }

  values(): IterableIterator<Cell> {
    return this.cells.values();
  }

  /** Keep cells for positions `first` to `last` only, giving new ones to those without. */
  window(first: number, last: number): void {
    for (const [position, cell] of this.cells) {
      if (position < first || position > last) {
        this.release(cell);
        this.cells.delete(position);
      }
    }
    for (let position = first; position <= last; position++) {
      if (this.cells.has(position)) continue;
      const cell = this.acquire();
      cell.position = position;
      this.cells.set(position, cell);
    }
  }

  /** Give every cell back (the shown order changed: positions mean other items now). */
  releaseAll(): void {
    for (const cell of this.cells.values()) this.release(cell);
    this.cells.clear();
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
    const badge = createBadge();
    box.append(img);
    frame.append(box, placeholder, badge.el);
    el.append(frame, caption);
    this.parent.append(el);
    const cell: Cell = { el, box, img, placeholder, caption, badge, position: -1 };
    // A source that fails (an object URL revoked before it loaded) would show the broken-
    // image icon: hide the image, leaving the plain frame, until it gets another source.
    img.addEventListener("error", () => {
      img.dataset.failed = img.getAttribute("src") ?? "";
      img.hidden = true;
    });
    el.addEventListener("click", (event) => this.events.click(cell, event));
    el.addEventListener("pointermove", (event) => this.events.pointerMove(cell, event));
    el.addEventListener("pointerleave", () => this.events.pointerLeave(cell));
    return cell;
  }

  private release(cell: Cell): void {
    cell.el.hidden = true;
    cell.position = -1;
    this.spare.push(cell);
  }
}

/** Size and move a cell to its position's place. */
export function placeCell(cell: Cell, geometry: Geometry): void {
  const size = geometry.size;
  cell.el.style.width = `${size}px`;
  cell.el.style.height = `${size + CAPTION_HEIGHT}px`;
  cell.el.style.transform = `translate(${cellX(geometry, cell.position)}px, ${rowOf(geometry, cell.position) * geometry.rowHeight}px)`;
}

/** Which positions to fetch first: those nearest the first one in view. */
export function byDistance(first: number, last: number, visibleFirst: number): number[] {
  const positions: number[] = [];
  for (let position = first; position <= last; position++) positions.push(position);
  return positions.sort((a, b) => Math.abs(a - visibleFirst) - Math.abs(b - visibleFirst));
}

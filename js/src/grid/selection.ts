// Selection in a list of shown items: click, shift-click ranges, ctrl/cmd toggles.
// Works on positions in the shown order and holds item rows (Python maps them to ids:
// ids above 2**53 do not survive as JavaScript numbers).

export interface ClickModifiers {
  shift: boolean;
  toggle: boolean; // ctrl on Linux/Windows, cmd on macOS
}

export class Selection {
  private rows = new Set<number>();
  anchor = -1; // position the next shift-click extends from

  has(row: number): boolean {
    return this.rows.has(row);
  }

  get count(): number {
    return this.rows.size;
  }

  /** Replace the selection from Python (rows may include ones not shown). */
  assign(rows: readonly number[]): void {
    this.rows = new Set(rows);
  }

  /** Apply a click at `position`; `rowAt` maps positions in the shown order to rows. */
  click(position: number, modifiers: ClickModifiers, rowAt: (position: number) => number): void {
    const row = rowAt(position);
    if (modifiers.shift && this.anchor >= 0) {
      const [lo, hi] = this.anchor <= position ? [this.anchor, position] : [position, this.anchor];
      if (!modifiers.toggle) this.rows.clear();
      for (let p = lo; p <= hi; p++) this.rows.add(rowAt(p));
      return; // the anchor stays, as in file browsers
    }
    if (modifiers.toggle) {
      if (this.rows.has(row)) this.rows.delete(row);
      else this.rows.add(row);
    } else {
      this.rows = new Set([row]);
    }
    this.anchor = position;
  }

  selectAll(count: number, rowAt: (position: number) => number): void {
    this.rows = new Set();
    for (let p = 0; p < count; p++) this.rows.add(rowAt(p));
  }

  clear(): void {
    this.rows.clear();
    this.anchor = -1;
  }

  toArray(): number[] {
    return [...this.rows];
  }
}

// Selection in a list of shown items: click, shift-click ranges, ctrl/cmd toggles.
// Works on positions in the shown order and returns image ids.

export interface ClickModifiers {
  shift: boolean;
  toggle: boolean; // ctrl on Linux/Windows, cmd on macOS
}

export class Selection {
  private ids = new Set<number>();
  anchor = -1; // position the next shift-click extends from

  has(id: number): boolean {
    return this.ids.has(id);
  }

  get count(): number {
    return this.ids.size;
  }

  /** Replace the selection from Python (ids may include ones not shown). */
  assign(ids: readonly number[]): void {
    this.ids = new Set(ids);
  }

  /** Apply a click at `position`; `idAt` maps positions in the shown order to ids. */
  click(position: number, modifiers: ClickModifiers, idAt: (position: number) => number): void {
    const id = idAt(position);
    if (modifiers.shift && this.anchor >= 0) {
      const [lo, hi] = this.anchor <= position ? [this.anchor, position] : [position, this.anchor];
      if (!modifiers.toggle) this.ids.clear();
      for (let p = lo; p <= hi; p++) this.ids.add(idAt(p));
      return; // the anchor stays, as in file browsers
    }
    if (modifiers.toggle) {
      if (this.ids.has(id)) this.ids.delete(id);
      else this.ids.add(id);
    } else {
      this.ids = new Set([id]);
    }
    this.anchor = position;
  }

  selectAll(count: number, idAt: (position: number) => number): void {
    this.ids = new Set();
    for (let p = 0; p < count; p++) this.ids.add(idAt(p));
  }

  clear(): void {
    this.ids.clear();
    this.anchor = -1;
  }

  toArray(): number[] {
    return [...this.ids];
  }
}

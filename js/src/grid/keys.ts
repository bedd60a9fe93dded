// What a key pressed in the grid means, given where the keyboard focus is: pure, so the
// grid only carries commands out.

export type KeyCommand =
  /** Move the focus to `to`; `extend`: stretch the selection to it (shift). */
  | { kind: "move"; to: number; extend: boolean }
  /** Toggle the focused item (space, enter); `extend`: as a shift-click. */
  | { kind: "toggle"; extend: boolean }
  | { kind: "selectAll" }
  | { kind: "clear" }
  /** Put the focus in the toolbar's tag box (`t`, where items can be tagged). */
  | { kind: "tagInput" }
  /** A widget's action (GridAction) on the picked items, by its key. */
  | { kind: "action"; name: string };

export interface KeyPress {
  key: string;
  shiftKey: boolean;
  ctrlKey: boolean;
  metaKey: boolean;
}

/** What else the keyboard can do in this grid: `tagging` (key `t`) and the actions'
 * keys (key -> action name). */
export interface KeyBindings {
  tagging: boolean;
  actions: ReadonlyMap<string, string>;
}

const NO_BINDINGS: KeyBindings = { tagging: false, actions: new Map() };

/** The command for `event` with the focus at `focus` (-1: none) among `count` items laid
 * out in `columns` columns; null for keys the grid leaves alone. */
export function keyCommand(
  event: KeyPress,
  focus: number,
  count: number,
  columns: number,
  bindings: KeyBindings = NO_BINDINGS,
): KeyCommand | null {
  if (!count) return null;
  const plain = !event.ctrlKey && !event.metaKey;
  if (plain) {
    const action = bindings.actions.get(event.key);
    if (action !== undefined) return { kind: "action", name: action };
    if (event.key === "t" && bindings.tagging) return { kind: "tagInput" };
  }
  const moves: Record<string, number> = {
    ArrowLeft: -1,
    ArrowRight: 1,
    ArrowUp: -columns,
    ArrowDown: columns,
  };
  if (event.key in moves) {
    const start = focus < 0 ? 0 : focus + moves[event.key];
    return { kind: "move", to: Math.max(0, Math.min(count - 1, start)), extend: event.shiftKey };
  }
  if (event.key === " " || event.key === "Enter") {
    return focus < 0 ? null : { kind: "toggle", extend: event.shiftKey };
  }
  if (event.key === "a" && (event.ctrlKey || event.metaKey)) return { kind: "selectAll" };
  if (event.key === "Escape") return { kind: "clear" };
  return null;
}

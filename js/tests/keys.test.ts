// The grid's keys: a widget's action keys and `t` (tag box) only without ctrl/cmd, so
// ctrl-A still selects all; the tag filter's select values round-trip any tag name.
import { strict as assert } from "node:assert";
import { test } from "node:test";
import { keyCommand, type KeyPress } from "../src/grid/keys";
import { filterValue, parseFilterValue } from "../src/grid/tagbar";

const press = (key: string, mods: Partial<KeyPress> = {}): KeyPress => ({
  key,
  shiftKey: false,
  ctrlKey: false,
  metaKey: false,
  ...mods,
});
const review = { tagging: true, actions: new Map([["a", "accept"], ["r", "reject"]]) };

test("an action's key carries out the action; with ctrl it is the grid's own", () => {
  assert.deepEqual(keyCommand(press("a"), 0, 10, 4, review), { kind: "action", name: "accept" });
  assert.deepEqual(keyCommand(press("r"), -1, 10, 4, review), { kind: "action", name: "reject" });
  assert.deepEqual(keyCommand(press("a", { ctrlKey: true }), 0, 10, 4, review), { kind: "selectAll" });
  assert.equal(keyCommand(press("a"), 0, 10, 4), null); // a plain grid has no action keys
});

test("t opens the tag box only where items can be tagged", () => {
  assert.deepEqual(keyCommand(press("t"), 2, 10, 4, review), { kind: "tagInput" });
  assert.equal(keyCommand(press("t"), 2, 10, 4, { tagging: false, actions: new Map() }), null);
  assert.equal(keyCommand(press("t"), 2, 0, 4, review), null); // nothing shown
});

test("the filter's values name any tag or slice, whatever its characters", () => {
  for (const name of ["needs-review", "-x", "+y", "<b>bold</b>", " spaced ", '"quoted"', "[1,2]"]) {
    for (const kind of ["tag", "slice"] as const) {
      for (const negate of [false, true]) {
        assert.deepEqual(parseFilterValue(filterValue({ kind, name, negate })), { kind, name, negate });
      }
    }
  }
  assert.equal(filterValue({ kind: null, name: null, negate: false }), "");
  assert.deepEqual(parseFilterValue(""), { kind: null, name: null, negate: false });
});

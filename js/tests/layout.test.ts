// The grid's column layout: the columns that fit, spread evenly over the width.
import { strict as assert } from "node:assert";
import { test } from "node:test";
import { CANVAS_MARGIN, cellX, columnX, GAP, gridGeometry, rowsInView, rowWidth, scrollToShow } from "../src/grid/layout";

/** The blank widths left of the first column, between columns, right of the last. */
function gaps(width: number, size: number): number[] {
  const g = gridGeometry(width, size, 100);
  const inner = width - 2 * CANVAS_MARGIN;
  const starts = Array.from({ length: g.columns }, (_, c) => columnX(g, c));
  return [starts[0], ...starts.slice(1).map((x, i) => x - starts[i] - size), inner - starts[g.columns - 1] - size];
}

test("two 360 px columns in a 900 px grid leave no hole between them", () => {
  const g = gridGeometry(900, 360, 10);
  assert.equal(g.columns, 2);
  const blanks = gaps(900, 360);
  assert.ok(Math.max(...blanks) - Math.min(...blanks) <= 1, `uneven: ${blanks}`);
});

test("columns are spread evenly at every width and size, at least GAP apart", () => {
  for (const size of [48, 96, 160, 240, 360, 512]) {
    for (let width = size + 2 * CANVAS_MARGIN; width <= 2400; width += 37) {
      const g = gridGeometry(width, size, 100);
      const blanks = gaps(width, size);
      assert.ok(blanks.every((b) => b >= 0), `${size} in ${width}: ${blanks}`);
      const between = blanks.slice(1, -1);
      if (between.length) {
        assert.ok(Math.min(...between) >= GAP - 1, `${size} in ${width}: ${blanks}`);
        assert.ok(Math.max(...between) - Math.min(...between) <= 1, `${size} in ${width}: ${blanks}`);
      }
      // As many columns as fit with GAP between them.
      assert.equal(g.columns, Math.max(1, Math.floor((width - 2 * CANVAS_MARGIN + GAP) / (size + GAP))));
      // A row's overlay canvas reaches the last column's right edge.
      assert.ok(rowWidth(g) >= cellX(g, g.columns - 1) + size);
    }
  }
});

test("one column that does not fit starts at the edge", () => {
  const g = gridGeometry(200, 360, 3);
  assert.equal(g.columns, 1);
  assert.equal(columnX(g, 0), 0);
});

test("rows in view with overscan, and scrolling a row into view", () => {
  const g = gridGeometry(1000, 160, 1000); // 182 px rows
  assert.deepEqual(rowsInView(g, 0, 560, 2), { firstRow: 0, lastRow: 6 });
  assert.deepEqual(rowsInView(g, 1820, 560, 2), { firstRow: 8, lastRow: 16 });
  const below = 20 * g.columns; // row 20: 3640 to 3822
  assert.equal(scrollToShow(g, below, 0, 560), 3822 - 560);
  assert.equal(scrollToShow(g, 0, 500, 560), 0);
  assert.equal(scrollToShow(g, below, 3500, 560), 3500);
});

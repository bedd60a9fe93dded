// Compressed RLE strings made by pycocotools (js/tests/rle-cases.json: string, runs).
import { strict as assert } from "node:assert";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { decodeRleString, sampleRle } from "../src/overlay/rle";

const cases: [string, number[]][] = JSON.parse(readFileSync(new URL("./rle-cases.json", import.meta.url), "utf8"));

test("decodes pycocotools' compressed RLE strings", () => {
  assert.ok(cases.length >= 4);
  for (const [text, runs] of cases) assert.deepEqual([...decodeRleString(text)], runs);
});

test("empty string is no runs", () => {
  assert.equal(decodeRleString("").length, 0);
});

// A 3x4 mask (height 3, width 4), runs counted down the columns:
//   col:  0 1 2 3
//   row0: 1 0 0 1
//   row1: 1 0 1 1
//   row2: 1 0 1 0
const runs = [0, 3, 4, 4, 1];

test("sampling at the mask's own size reproduces it, row-major", () => {
  assert.deepEqual([...sampleRle(runs, 3, 4, 4, 3)], [1, 0, 0, 1, 1, 0, 1, 1, 1, 0, 1, 0]);
});

test("sampling at half and double size takes the pixel under each centre", () => {
  // 2x1 target: centres at columns 1 and 3 of row 1.
  assert.deepEqual([...sampleRle(runs, 3, 4, 2, 1)], [0, 1]);
  const double = sampleRle(runs, 3, 4, 8, 6);
  assert.equal(double.length, 48);
  assert.equal(double[0], 1); // top-left = pixel (0, 0)
  assert.equal(double[2 * 8 + 4], 1); // target (4, 2) samples column 2, row 1
  assert.equal(double[5 * 8 + 7], 0); // target (7, 5) samples column 3, row 2
});

test("runs past the end of the mask are clipped, not written out of bounds", () => {
  assert.deepEqual([...sampleRle([0, 100], 2, 2, 2, 2)], [1, 1, 1, 1]);
});

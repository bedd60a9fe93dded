// Compressed RLE strings made by pycocotools (js/tests/rle-cases.json: string, runs).
import { strict as assert } from "node:assert";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { decodeRleString } from "../src/overlay/rle";

const cases: [string, number[]][] = JSON.parse(readFileSync(new URL("./rle-cases.json", import.meta.url), "utf8"));

test("decodes pycocotools' compressed RLE strings", () => {
  assert.ok(cases.length >= 4);
  for (const [text, runs] of cases) assert.deepEqual([...decodeRleString(text)], runs);
});

test("empty string is no runs", () => {
  assert.equal(decodeRleString("").length, 0);
});

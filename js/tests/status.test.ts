// The grid's status line says whose counts it shows: every class, or the one counted.
import { strict as assert } from "node:assert";
import { test } from "node:test";
import { statusText, type StatusFacts } from "../src/grid/status";

const facts: StatusFacts = {
  shown: 16,
  total: 132,
  kind: "image",
  selected: 0,
  counts: { tp: 8, fp: 2, fn: 13 },
  iouThreshold: 0.5,
  scoreThreshold: 0.5,
};

test("an image grid's counts are of all classes unless one class is counted", () => {
  assert.equal(statusText(facts), "16 of 132 images · TP 8 · FP 2 · FN 13 (all classes) at IoU 0.50, score ≥ 0.50");
  assert.equal(
    statusText({ ...facts, countedClass: "sports ball" }),
    "16 of 132 images · TP 8 · FP 2 · FN 13 (sports ball only) at IoU 0.50, score ≥ 0.50",
  );
});

test("crops name the class they count, and no scope otherwise", () => {
  const crops: StatusFacts = { ...facts, kind: "object", counts: { tp: 3, fp: 1 } };
  assert.equal(statusText(crops), "16 of 132 objects · TP 3 · FP 1 at IoU 0.50, score ≥ 0.50");
  assert.match(statusText({ ...crops, countedClass: "dog" }), /TP 3 · FP 1 \(dog only\)/);
});

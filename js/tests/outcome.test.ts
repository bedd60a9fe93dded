// An object's outcome in words: the generated Python vocabulary, whatever colours the
// boxes, with a false positive's reason.
import { strict as assert } from "node:assert";
import { test } from "node:test";
import { OUTCOME_TEXT, VERDICT_TEXT } from "../src/generated/protocol";
import { outcomeText, verdictOf } from "../src/overlay/outcome";
import type { OverlayObject, OverlayOptions } from "../src/overlay/types";

const options: OverlayOptions = {
  colorByMatch: false, // coloured by category: the words are there all the same
  iouIndex: 1,
  evaluatedSource: 1,
  showGroundTruth: true,
  visibleRuns: new Set([1]),
  scoreThreshold: 0.5,
  masks: true,
  boxes: true,
  lineWidth: 1.5,
};

function detection(tp: number, oc: number[], score = 0.9, source = 1): OverlayObject {
  return {
    row: 0, source, category: 1, bbox: [0, 0, 1, 1], crowd: false, score, area: 1, poly: null, rle: null,
    m: { k: "d", tp, ign: 0, ev: true, oc }, stand_in: false, kp: null,
  };
}

test("a false positive reads FP and its reason at the grid's IoU threshold", () => {
  const object = detection(0b01, [0, 3]); // TP at IoU index 0, class confusion at 1
  assert.equal(verdictOf(object, options), "fp");
  assert.equal(outcomeText(object, "fp", options.iouIndex), `${VERDICT_TEXT.fp} · ${OUTCOME_TEXT[3]}`);
  assert.equal(outcomeText(object, "tp", 0), VERDICT_TEXT.tp);
  assert.equal(verdictOf(object, { ...options, iouIndex: 0 }), "tp");
});

test("below the score threshold, and detections of a run not evaluated", () => {
  assert.equal(verdictOf(detection(0, [4, 4], 0.2), options), "below_score");
  assert.equal(verdictOf(detection(0, [4, 4], 0.9, 2), options), null);
});

test("ground truth is found or FN", () => {
  const truth: OverlayObject = { ...detection(0, []), source: 0, score: null, m: { k: "g", ms: [0.8, -1], gi: false } };
  assert.equal(outcomeText(truth, verdictOf(truth, options)!, 1), VERDICT_TEXT.fn);
  assert.equal(outcomeText(truth, verdictOf(truth, { ...options, iouIndex: 0 })!, 0), VERDICT_TEXT.found);
});

// The browser's operating-point rule against the cases the Python rule is tested on.
import { strict as assert } from "node:assert";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import type { DetectionMatch, TruthMatch } from "../src/generated/protocol";
import { detectionVerdict, truthVerdict } from "../src/overlay/verdict";

interface Case<M> {
  why: string;
  match: M;
  score?: number;
  iouIndex: number;
  scoreThreshold: number;
  verdict: string;
}

const cases: { detections: Case<DetectionMatch>[]; groundTruth: Case<TruthMatch>[] } = JSON.parse(
  readFileSync(new URL("./operating_point.json", import.meta.url), "utf8"),
);

test("detections get the verdicts of the shared cases", () => {
  assert.ok(cases.detections.length >= 10);
  for (const c of cases.detections) {
    assert.equal(detectionVerdict(c.match, c.score ?? NaN, c.iouIndex, c.scoreThreshold), c.verdict, c.why);
  }
});

test("ground truth gets the verdicts of the shared cases", () => {
  assert.ok(cases.groundTruth.length >= 5);
  for (const c of cases.groundTruth) {
    assert.equal(truthVerdict(c.match, c.iouIndex, c.scoreThreshold), c.verdict, c.why);
  }
});

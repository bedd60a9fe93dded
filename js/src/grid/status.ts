// The grid's status line: how many items it shows, how many are selected, and the
// evaluation's counts among them at the thresholds they were counted at.
import { VERDICT_TEXT } from "../generated/protocol";

export interface StatusFacts {
  shown: number;
  total: number;
  kind: "image" | "object";
  selected: number;
  counts: { tp?: number; fp?: number; fn?: number };
  iouThreshold: number;
  scoreThreshold: number;
  countedClass?: string; // the one class the counts are of (CocoGrid.count_category)
}

const count = (n: number) => n.toLocaleString("en-US"); // 5,000, as the charts say

export function statusText(facts: StatusFacts): string {
  const { shown, total, counts } = facts;
  const noun = facts.kind === "object" ? "objects" : "images";
  const parts = [shown === total ? `${count(total)} ${noun}` : `${count(shown)} of ${count(total)} ${noun}`];
  if (facts.selected) parts.push(`${facts.selected} selected`);
  // Image grids count all three; crops of detections TP and FP, of annotations TP and FN.
  const present = (["tp", "fp", "fn"] as const).filter((key) => counts[key] !== undefined);
  if (present.length) {
    const iou = facts.iouThreshold.toFixed(2);
    const score = facts.scoreThreshold.toFixed(2);
    const text = present.map((key) => `${VERDICT_TEXT[key]} ${count(counts[key] ?? 0)}`).join(" · ");
    // Of every object in the shown images, or of the one class counted.
    const only = facts.countedClass;
    const scope = only !== undefined ? ` (${only} only)` : noun === "images" ? " (all classes)" : "";
    parts.push(`${text}${scope} at IoU ${iou}, score ≥ ${score}`);
  }
  return parts.join(" · ");
}

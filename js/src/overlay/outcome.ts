// What an object is at the grid's operating point, as a person reads it: the verdict
// (TP / FP / FN ...) and, for a false positive, its reason. Every word comes from Python
// (VERDICT_TEXT, DetectionOutcome.text), generated into ../generated/protocol.ts.
import { OUTCOME_TEXT, VERDICT_TEXT } from "../generated/protocol";
import type { OverlayObject, OverlayOptions } from "./types";
import { detectionVerdict, truthVerdict, type Verdict } from "./verdict";

/** The object's verdict when the grid has an evaluation of its source, whatever colours
 * the boxes (null: ground truth or detections of no evaluated run). */
export function verdictOf(object: OverlayObject, options: OverlayOptions): Verdict | null {
  const m = object.m;
  if (!m) return null;
  if (m.k === "g") return truthVerdict(m, options.iouIndex, options.scoreThreshold);
  if (object.source !== options.evaluatedSource) return null;
  return detectionVerdict(m, object.score ?? 1, options.iouIndex, options.scoreThreshold);
}

const BACKGROUND = 4; // DetectionOutcome.BACKGROUND: an FP without a recorded reason reads so

/** "TP", "FN", "FP · background": the verdict, with a false positive's reason. */
export function outcomeText(object: OverlayObject, verdict: Verdict, iouIndex: number): string {
  const m = object.m;
  if (verdict === "fp" && m?.k === "d") return `${VERDICT_TEXT.fp} · ${OUTCOME_TEXT[m.oc[iouIndex] ?? BACKGROUND]}`;
  return VERDICT_TEXT[verdict];
}

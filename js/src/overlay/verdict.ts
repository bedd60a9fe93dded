// The operating-point rule, as evaluation/operating_point.py writes it: what an object is
// at one evaluated IoU threshold and a score threshold. Both implementations are checked
// against tests/cases/operating_point.json.
import { VERDICTS } from "../generated/protocol";
import type { DetectionMatch, TruthMatch } from "../generated/protocol";

export type Verdict = keyof typeof VERDICTS;

export function detectionVerdict(
  match: DetectionMatch,
  score: number,
  iouIndex: number,
  scoreThreshold: number,
): Verdict {
  // `!(a >= b)` rather than `a < b`: a NaN score is below every threshold, as in numpy.
  if (!(score >= scoreThreshold)) return "below_score";
  if (!match.ev) return "ignored";
  const bit = 1 << iouIndex;
  if (match.tp & bit) return "tp";
  if (match.ign & bit) return "ignored";
  return "fp";
}

export function truthVerdict(match: TruthMatch, iouIndex: number, scoreThreshold: number): Verdict {
  if (match.gi) return "ignored";
  return (match.ms[iouIndex] ?? -1) >= scoreThreshold ? "found" : "fn";
}

// What a crop of one object says about it on the crop itself: its score and, with an
// evaluation, its outcome at the grid's thresholds ("FP · background"), so a grid of false
// positives sorted by score reads without hovering each one.
import { STATUS_COLORS } from "../overlay/colors";
import { outcomeText, verdictOf } from "../overlay/outcome";
import type { Overlay, OverlayOptions } from "../overlay/types";

export interface Badge {
  el: HTMLDivElement;
  verdict: HTMLSpanElement;
  score: HTMLSpanElement;
}

export function createBadge(): Badge {
  const el = document.createElement("div");
  el.className = "cw-badge";
  const verdict = document.createElement("span");
  verdict.className = "cw-badge-verdict";
  const score = document.createElement("span");
  score.className = "cw-badge-score";
  el.append(verdict, score);
  el.hidden = true;
  return { el, verdict, score };
}

/** Fill the badge of a crop from its overlay (the crop's one object); hidden for images. */
export function paintBadge(badge: Badge, overlay: Overlay | null, options: OverlayOptions, isCrop: boolean): void {
  const object = isCrop ? overlay?.objects[0] : undefined;
  const verdict = object ? verdictOf(object, options) : null;
  const score = object?.score ?? null;
  badge.el.hidden = !object || (verdict === null && score === null);
  if (badge.el.hidden || !object) return;
  badge.verdict.hidden = verdict === null;
  if (verdict) {
    badge.verdict.textContent = outcomeText(object, verdict, options.iouIndex);
    badge.verdict.style.background = STATUS_COLORS[verdict];
    badge.el.dataset.verdict = verdict;
  } else {
    delete badge.el.dataset.verdict;
  }
  badge.score.hidden = score === null;
  badge.score.textContent = score === null ? "" : score.toFixed(2);
}

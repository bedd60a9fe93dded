// A stable colour per category id: golden-angle hues, so neighbouring ids differ and
// the same category has the same colour in every widget and every session.

export function categoryColor(categoryId: number, alpha = 1): string {
  const hue = (categoryId * 137.508) % 360;
  const lightness = 45 + ((categoryId * 7) % 3) * 8;
  return `hsla(${hue.toFixed(1)}, 80%, ${lightness}%, ${alpha})`;
}

// Match colours, told apart also by line style (FP dashed) for colour-blind readers.
export const STATUS_COLORS: Record<string, string> = {  // keyed by Verdict (verdict.ts)
  tp: "#2e9e44", // true positive detection
  fp: "#e53935", // false positive detection
  found: "#1e88e5", // ground truth that was found
  fn: "#ffb300", // ground truth that was missed
  ignored: "#9e9e9e", // crowd regions and detections matched to them
  below_score: "#9e9e9e", // not drawn (below the score threshold)
};

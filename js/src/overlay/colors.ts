// A stable colour per category id: golden-angle hues, so neighbouring ids differ and
// the same category has the same colour in every widget and every session.

export function categoryColor(categoryId: number, alpha = 1): string {
  const hue = (categoryId * 137.508) % 360;
  const lightness = 45 + ((categoryId * 7) % 3) * 8;
  return `hsla(${hue.toFixed(1)}, 80%, ${lightness}%, ${alpha})`;
}

export const STATUS_COLORS: Record<string, string> = {
  tp: "#2e7d32",
  fp: "#d32f2f",
  fn: "#f9a825",
  gt: "#1e88e5",
  ignored: "#9e9e9e",
};

// What the colours mean: the classes in view, each in its colour (colour by category), or
// the outcomes with their colour and line style (colour by match). Class names are
// dataset text: set with textContent only.
import { VERDICT_TEXT } from "../generated/protocol";
import { categoryColor, STATUS_COLORS } from "../overlay/colors";
import type { Category } from "../overlay/types";
import type { Verdict } from "../overlay/verdict";

const MAX_CLASSES = 24;

/** The classes drawn in the cells in view, most frequent first. */
export class ClassLegend {
  readonly el = document.createElement("div");
  private key = "";

  constructor() {
    this.el.className = "cw-class-legend";
    this.el.hidden = true;
  }

  /** `counts`: category id -> objects drawn in view; hidden when `shown` is false. */
  update(counts: Map<number, number>, categories: Map<number, Category>, shown: boolean): void {
    const entries = [...counts].sort((a, b) => b[1] - a[1] || a[0] - b[0]);
    const key = shown ? entries.map(([id]) => id).join(",") : "";
    if (key === this.key) return; // the same classes in the same order: keep the DOM
    this.key = key;
    this.el.replaceChildren();
    this.el.hidden = !shown || entries.length === 0;
    if (this.el.hidden) return;
    for (const [id] of entries.slice(0, MAX_CLASSES)) {
      const item = document.createElement("span");
      item.className = "cw-class";
      item.dataset.category = String(id);
      const swatch = document.createElement("span");
      swatch.className = "cw-swatch";
      swatch.style.background = categoryColor(id);
      const name = document.createElement("span");
      name.textContent = categories.get(id)?.name ?? `category ${id}`;
      item.append(swatch, name);
      this.el.append(item);
    }
    if (entries.length > MAX_CLASSES) {
      const more = document.createElement("span");
      more.className = "cw-class-more";
      more.textContent = `+${entries.length - MAX_CLASSES} more`;
      this.el.append(more);
    }
  }
}

/** Each outcome's colour and line style, as drawn (draw.ts: ground truth solid,
 * detections dashed, false positives a tighter dash). */
const OUTCOMES: [Verdict, number[]][] = [
  ["tp", [6, 3]],
  ["fp", [3, 2]],
  ["found", []],
  ["fn", []],
  ["ignored", []],
];

/** The match legend: a line sample per outcome, named with Python's words. */
export function matchLegend(): HTMLElement {
  const legend = document.createElement("span");
  legend.className = "cw-legend";
  for (const [verdict, dash] of OUTCOMES) {
    const item = document.createElement("span");
    item.dataset.verdict = verdict;
    item.append(lineSample(STATUS_COLORS[verdict], dash), document.createTextNode(VERDICT_TEXT[verdict]));
    legend.append(item);
  }
  return legend;
}

function lineSample(color: string, dash: number[]): HTMLCanvasElement {
  const canvas = document.createElement("canvas");
  canvas.className = "cw-line-sample";
  const ratio = devicePixelRatio;
  canvas.width = Math.round(18 * ratio);
  canvas.height = Math.round(10 * ratio);
  const ctx = canvas.getContext("2d");
  if (ctx) {
    ctx.scale(ratio, ratio);
    ctx.strokeStyle = color;
    ctx.lineWidth = 2;
    ctx.setLineDash(dash);
    ctx.strokeRect(1, 1, 16, 8);
  }
  return canvas;
}

// Counts on hover for a bqplot bar chart whose bars sit under a brush.
//
// A BrushIntervalSelector covers the plot with its own overlay, so bqplot's tooltips
// never see the pointer. This readout listens on the document instead, finds the bar
// under the pointer from the bars' own rendered boxes (so it follows bqplot's layout,
// whatever the scale), and writes that bar's counts into a line under the chart.
// Labels and counts come from Python (widgets/charts/readout.py); nothing is computed here.
// The readout clears when the pointer leaves the chart, also when the chart leaves the
// pointer (a scroll moves it away: no pointer event fires then, so the last position is
// looked at again). Being the chart's one piece of our own code in the browser, it also
// lets a histogram's brush start on the axis band (brush_band.ts).
import type { AnyModel, RenderProps } from "@anywidget/types";

import { startBrushesOnAxisBand } from "./brush_band";

/** The traits of widgets/charts/readout.py's HoverReadout. */
interface ReadoutModel {
  labels: string[];
  full: number[];
  filtered: number[];
  filtering: boolean;
  noun: string;
  orientation: "vertical" | "horizontal";
  idle_text: string;
  brush_band: boolean;
}

const HOVER_SLACK_PX = 4;
const PAINTED_BY: (keyof ReadoutModel)[] = ["labels", "full", "filtered", "filtering", "noun", "idle_text"];

function formatCount(value: number): string {
  return Number(value).toLocaleString("en-US");
}

function render({ model, el }: RenderProps<ReadoutModel>): () => void {
  el.classList.add("cw-readout");
  const text = document.createElement("div");
  text.className = "cw-readout-text";
  el.append(text);
  let hovered = -1;
  let marked: Element | null = null;

  const box = (): Element | null => el.closest(".cw-chart");

  // The first mark's bar groups: the full distribution, one group per bar, in data order.
  const bars = (chart: Element): Element[] =>
    Array.from(chart.querySelectorAll(".bargroup")).slice(0, model.get("labels").length);

  const describe = (index: number): string => {
    const label = model.get("labels")[index] ?? "";
    const full = model.get("full")[index] ?? 0;
    const filtered = model.get("filtered")[index] ?? 0;
    const noun = model.get("noun");
    if (!model.get("filtering")) return `${label}: ${formatCount(full)} ${noun}`;
    const share = full > 0 ? ` (${Math.round((100 * filtered) / full)}%)` : "";
    return `${label}: ${formatCount(filtered)} of ${formatCount(full)} ${noun}${share}`;
  };

  const paint = (): void => {
    if (hovered < 0) {
      text.textContent = model.get("idle_text");
      text.classList.remove("cw-readout-active");
    } else {
      text.textContent = describe(hovered);
      text.classList.add("cw-readout-active");
    }
  };

  const show = (index: number, group: Element | null): void => {
    if (marked && marked !== group) marked.classList.remove("cw-hovered");
    marked = group;
    if (group) group.classList.add("cw-hovered");
    if (index !== hovered) {
      hovered = index;
      paint();
    }
  };

  // Where the pointer was last seen; null once it left the page.
  let pointer: { x: number; y: number } | null = null;

  const hitTest = (target: EventTarget | null, x: number, y: number): void => {
    const chart = box();
    const figure = chart?.querySelector(".bqplot");
    if (!chart || !figure || !(target instanceof Node) || !figure.contains(target)) {
      if (hovered >= 0) show(-1, null);
      return;
    }
    const vertical = model.get("orientation") === "vertical";
    const position = vertical ? x : y;
    let best = -1;
    let bestGroup: Element | null = null;
    let bestDistance = Infinity;
    bars(chart).forEach((group, index) => {
      const rect = group.getBoundingClientRect();
      const low = vertical ? rect.left : rect.top;
      const high = vertical ? rect.right : rect.bottom;
      const distance = position < low ? low - position : position > high ? position - high : 0;
      if (distance < bestDistance) {
        bestDistance = distance;
        best = index;
        bestGroup = group;
      }
    });
    if (bestDistance > HOVER_SLACK_PX) show(-1, null);
    else show(best, bestGroup);
  };

  const onMove = (event: PointerEvent): void => {
    pointer = { x: event.clientX, y: event.clientY };
    hitTest(event.target, event.clientX, event.clientY);
  };
  const onScroll = (): void => {
    if (hovered < 0 || !pointer) return;
    hitTest(document.elementFromPoint(pointer.x, pointer.y), pointer.x, pointer.y);
  };
  const onLeave = (): void => {
    pointer = null;
    show(-1, null);
  };
  const page = document.documentElement;
  document.addEventListener("pointermove", onMove, { passive: true });
  // Scroll events do not bubble: captured, every scroller's reach the document.
  document.addEventListener("scroll", onScroll, { capture: true, passive: true });
  page.addEventListener("pointerleave", onLeave);
  window.addEventListener("blur", onLeave);
  const stopBrushes = model.get("brush_band") ? startBrushesOnAxisBand(box) : () => {};
  for (const name of PAINTED_BY) (model as AnyModel<ReadoutModel>).on(`change:${name}`, paint);
  paint();
  return () => {
    document.removeEventListener("pointermove", onMove);
    document.removeEventListener("scroll", onScroll, { capture: true });
    page.removeEventListener("pointerleave", onLeave);
    window.removeEventListener("blur", onLeave);
    stopBrushes();
  };
}

export default { render };

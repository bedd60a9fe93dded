// Brushes that start anywhere over a histogram, its axis band included.
//
// bqplot's BrushIntervalSelector (d3-brush) listens only over the plot area, so a drag
// that starts on the x axis below it, where the values are named and where users aim,
// does nothing. A press elsewhere in the figure is handed to the brush as a press at the
// same x inside the plot: d3-brush reads the position from the event and then follows
// the pointer on the window, where only x counts for an interval. The press goes to
// whatever of the brush is at that x (the selection to move, a handle to resize, or the
// background to start afresh), as if it had been made there.

/** The brush's parts, from the back: the background every new brush starts on. */
const OVERLAY = ".selector rect.overlay";

function clamp(value: number, low: number, high: number): number {
  return Math.min(Math.max(value, low), high);
}

/** Forward presses on the figure of `chart()` outside its plot to its brush; returns the
 *  function that stops it. */
export function startBrushesOnAxisBand(chart: () => Element | null): () => void {
  const onDown = (event: MouseEvent): void => {
    // d3-brush starts on a plain primary press only; modified presses are bqplot's.
    if (event.button !== 0 || event.ctrlKey || event.metaKey || event.altKey) return;
    const figure = chart()?.querySelector(".bqplot");
    const target = event.target;
    if (!figure || !(target instanceof Element) || !figure.contains(target)) return;
    if (target.closest(".selector, .toolbar_div")) return; // the brush has it already
    const overlay = figure.querySelector(OVERLAY);
    if (!overlay) return;
    const plot = overlay.getBoundingClientRect();
    if (plot.width <= 0 || plot.height <= 0) return;
    const x = clamp(event.clientX, plot.left, plot.right - 1);
    const y = plot.top + plot.height / 2;
    const hit = document.elementFromPoint(x, y);
    const receiver = hit && hit.closest(".selector") && figure.contains(hit) ? hit : overlay;
    event.preventDefault(); // no text selection of the tick labels
    event.stopPropagation();
    receiver.dispatchEvent(
      new MouseEvent("mousedown", {
        bubbles: true,
        cancelable: true,
        view: window,
        clientX: x,
        clientY: y,
        screenX: event.screenX + (x - event.clientX),
        screenY: event.screenY + (y - event.clientY),
        button: 0,
        buttons: event.buttons,
        shiftKey: event.shiftKey,
      }),
    );
  };
  // Capturing, so the press is seen before anything in the figure acts on it.
  document.addEventListener("mousedown", onDown, true);
  return () => document.removeEventListener("mousedown", onDown, true);
}

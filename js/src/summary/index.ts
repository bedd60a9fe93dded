// COCO's summary numbers as a small table (widgets/evaluation/summary.py). Everything
// arrives from Python as text and is set with textContent.
import type { RenderProps } from "@anywidget/types";

interface SummaryStat {
  label: string;
  text: string;
  meaning: string;
}

interface SummaryRow {
  title: string;
  stats: SummaryStat[];
}

/** The traits of widgets/evaluation/summary.py's SummaryTable. */
interface SummaryModel {
  rows: SummaryRow[];
  caption: string;
}

function render({ model, el }: RenderProps<SummaryModel>): void {
  el.classList.add("cw-summary");
  const draw = (): void => {
    const table = document.createElement("table");
    table.className = "cw-summary-table";
    for (const row of model.get("rows")) {
      const tr = table.insertRow();
      const head = document.createElement("th");
      head.scope = "row";
      head.textContent = row.title;
      tr.append(head);
      for (const stat of row.stats) {
        const cell = tr.insertCell();
        cell.title = stat.meaning;
        const label = document.createElement("span");
        label.className = "cw-summary-label";
        label.textContent = stat.label;
        const value = document.createElement("span");
        value.className = "cw-summary-value";
        value.textContent = stat.text;
        cell.append(label, value);
      }
    }
    const caption = document.createElement("div");
    caption.className = "cw-summary-caption";
    caption.textContent = model.get("caption");
    el.replaceChildren(caption, table);
  };
  model.on("change:rows", draw);
  model.on("change:caption", draw);
  draw();
}

export default { render };

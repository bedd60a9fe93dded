// The grid's controls: thumbnail size, overlay toggles, score threshold, sort order.
// Every control writes a trait; Python is the single source of truth.
import type { AnyModel } from "@anywidget/types";
import { VERDICT_TEXT } from "../generated/protocol";
import { matchLegend } from "./legend";
import type { GridModel } from "./model";

function labelled(text: string, control: HTMLElement): HTMLLabelElement {
  const label = document.createElement("label");
  label.className = "cw-control";
  const span = document.createElement("span");
  span.textContent = text;
  label.append(span, control);
  return label;
}

function checkbox(model: AnyModel<GridModel>, trait: "show_ground_truth" | "show_masks" | "show_boxes"): HTMLInputElement {
  const input = document.createElement("input");
  input.type = "checkbox";
  const sync = () => (input.checked = Boolean(model.get(trait)));
  input.addEventListener("change", () => {
    model.set(trait, input.checked);
    model.save_changes();
  });
  model.on(`change:${trait}`, sync);
  sync();
  return input;
}

/** `refreshColumns` asks Python for the columns added since (e.g. by `ds.evaluate`). */
export function buildToolbar(model: AnyModel<GridModel>, refreshColumns: () => void): HTMLElement {
  const bar = document.createElement("div");
  bar.className = "cw-toolbar";

  const size = document.createElement("input");
  size.type = "range";
  size.min = "48"; // the thumbnail_size trait's bounds
  size.max = "512";
  size.step = "16";
  size.className = "cw-size";
  size.addEventListener("input", () => {
    model.set("thumbnail_size", Number(size.value));
    model.save_changes();
  });
  model.on("change:thumbnail_size", () => (size.value = String(model.get("thumbnail_size"))));
  size.value = String(model.get("thumbnail_size"));
  bar.append(labelled("size", size));

  bar.append(labelled("ground truth", checkbox(model, "show_ground_truth")));

  const runs = document.createElement("span");
  runs.className = "cw-runs";
  const renderRuns = () => {
    runs.replaceChildren();
    runs.hidden = model.get("_runs").length === 0;
    thresholdControl.hidden = runs.hidden; // the score threshold is for predictions
    const visible = new Set(model.get("visible_runs"));
    for (const name of model.get("_runs")) {
      const input = document.createElement("input");
      input.type = "checkbox";
      input.checked = visible.has(name);
      input.addEventListener("change", () => {
        const next = new Set(model.get("visible_runs"));
        if (input.checked) next.add(name);
        else next.delete(name);
        model.set("visible_runs", model.get("_runs").filter((run) => next.has(run)));
        model.save_changes();
      });
      runs.append(labelled(name, input));
    }
  };
  bar.append(runs);

  const threshold = document.createElement("input");
  threshold.type = "range";
  threshold.min = "0";
  threshold.max = "1";
  threshold.step = "0.05";
  threshold.className = "cw-threshold";
  const thresholdValue = document.createElement("span");
  thresholdValue.className = "cw-threshold-value";
  const syncThreshold = () => {
    threshold.value = String(model.get("score_threshold"));
    thresholdValue.textContent = model.get("score_threshold").toFixed(2);
  };
  threshold.addEventListener("input", () => {
    model.set("score_threshold", Number(threshold.value));
    model.save_changes();
    thresholdValue.textContent = Number(threshold.value).toFixed(2);
  });
  model.on("change:score_threshold", syncThreshold);
  syncThreshold();
  const thresholdControl = labelled("score ≥", threshold);
  thresholdControl.append(thresholdValue);
  bar.append(thresholdControl);
  model.on("change:_runs", renderRuns);
  model.on("change:visible_runs", renderRuns);
  renderRuns();

  bar.append(labelled("masks", checkbox(model, "show_masks")));
  bar.append(labelled("boxes", checkbox(model, "show_boxes")));

  bar.append(buildMatchControls(model));

  const sort = document.createElement("select");
  sort.className = "cw-sort";
  const renderSort = () => {
    sort.replaceChildren();
    const none = document.createElement("option");
    none.value = "";
    none.textContent = "dataset order";
    sort.append(none);
    for (const column of model.get("_sortable_columns")) {
      for (const [prefix, arrow] of [["", "↑"], ["-", "↓"]]) {
        const option = document.createElement("option");
        option.value = prefix + column;
        option.textContent = `${column} ${arrow}`;
        sort.append(option);
      }
    }
    sort.value = model.get("sort_by") ?? "";
  };
  sort.addEventListener("change", () => {
    model.set("sort_by", sort.value || null);
    model.save_changes();
  });
  // Before the list opens: a column added to the dataset since is then already in it.
  sort.addEventListener("pointerdown", refreshColumns);
  sort.addEventListener("focus", refreshColumns);
  model.on("change:_sortable_columns", renderSort);
  model.on("change:sort_by", () => (sort.value = model.get("sort_by") ?? ""));
  renderSort();
  bar.append(labelled("sort", sort));
  return bar;
}

/** Colour by category or by match status, and the IoU threshold; shown with an evaluation. */
function buildMatchControls(model: AnyModel<GridModel>): HTMLElement {
  const group = document.createElement("span");
  group.className = "cw-match-controls";
  const colorBy = document.createElement("select");
  const outcomes = `${VERDICT_TEXT.tp}/${VERDICT_TEXT.fp}/${VERDICT_TEXT.fn}`;
  for (const [value, text] of [["category", "category"], ["match", `match (${outcomes})`]]) {
    const option = document.createElement("option");
    option.value = value;
    option.textContent = text;
    colorBy.append(option);
  }
  colorBy.addEventListener("change", () => {
    model.set("color_by", colorBy.value as GridModel["color_by"]);
    model.save_changes();
  });
  const iou = document.createElement("select");
  iou.className = "cw-iou";
  iou.addEventListener("change", () => {
    model.set("iou_threshold", Number(iou.value));
    model.save_changes();
  });
  const render = () => {
    group.hidden = !model.get("_evaluated_run");
    colorBy.value = model.get("color_by");
    iou.replaceChildren();
    for (const threshold of model.get("_iou_thresholds") ?? []) {
      const option = document.createElement("option");
      option.value = String(threshold);
      option.textContent = threshold.toFixed(2);
      iou.append(option);
    }
    const current = model.get("iou_threshold");
    for (const option of iou.options) if (Math.abs(Number(option.value) - current) < 1e-9) option.selected = true;
  };
  for (const trait of ["_evaluated_run", "_iou_thresholds", "color_by", "iou_threshold"]) model.on(`change:${trait}`, render);
  render();
  const legend = matchLegend();
  const syncLegend = () => (legend.hidden = model.get("color_by") !== "match");
  model.on("change:color_by", syncLegend);
  syncLegend();
  group.append(labelled("colour", colorBy), labelled("IoU", iou), legend);
  return group;
}

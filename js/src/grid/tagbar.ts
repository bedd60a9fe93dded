// The toolbar's tag box, tag filter and the actions a widget adds to its grid. They act on
// the picked items (the selection, or the focused item); Python does the work (the tags
// are the dataset's) and answers with a line the grid shows. Tag names are text, always.
import type { AnyModel } from "@anywidget/types";
import type { GridAction } from "../generated/protocol";
import type { GridModel } from "./model";

export interface TagBarHooks {
  /** Tag (or untag) the picked items; resolves to the line to show. */
  tag(name: string, remove: boolean): Promise<string>;
  /** Carry out action `name` on the picked items; resolves to the line to show. */
  act(name: string): Promise<string>;
}

export interface TagBar {
  readonly el: HTMLElement;
  /** Put the keyboard focus in the tag box (key `t` in the grid). */
  focusTagInput(): void;
  /** Show what the last tag or action did. */
  say(text: string): void;
}

let datalistCount = 0;

/** What the filter select picks: a tag or a slice (or nothing: all items). */
export interface ShownBy {
  kind: "tag" | "slice" | null;
  name: string | null;
  negate: boolean;
}

const ALL: ShownBy = { kind: null, name: null, negate: false };

/** The filter select's option values: "" (all), else the choice as JSON (any name). */
export function filterValue(choice: ShownBy): string {
  return choice.kind === null || choice.name === null ? "" : JSON.stringify([choice.kind, choice.name, choice.negate]);
}

export function parseFilterValue(value: string): ShownBy {
  if (!value) return ALL;
  const [kind, name, negate] = JSON.parse(value) as [ShownBy["kind"], string, boolean];
  return { kind, name, negate };
}

/** The choice the traits hold (a tag filter first: the select shows one of them). */
function currentChoice(model: AnyModel<GridModel>): ShownBy {
  const tag = model.get("tag_filter");
  if (tag !== null) return { kind: "tag", name: tag, negate: model.get("tag_filter_negate") };
  const slice = model.get("slice_filter");
  if (slice !== null) return { kind: "slice", name: slice, negate: model.get("slice_filter_negate") };
  return ALL;
}

export function buildTagBar(model: AnyModel<GridModel>, hooks: TagBarHooks): TagBar {
  const bar = document.createElement("div");
  bar.className = "cw-tagbar";
  const message = document.createElement("span");
  message.className = "cw-tag-message";
  message.setAttribute("role", "status");
  const say = (text: string) => (message.textContent = text);
  const run = (work: Promise<string>) =>
    void work.then(say, (error: unknown) => say(error instanceof Error ? error.message : String(error)));

  const tags = document.createElement("span");
  tags.className = "cw-tags";
  const input = document.createElement("input");
  input.type = "text";
  input.className = "cw-tag-input";
  input.placeholder = "tag name";
  input.setAttribute("aria-label", "tag name");
  const list = document.createElement("datalist");
  list.id = `cw-tag-names-${++datalistCount}`;
  input.setAttribute("list", list.id);
  const tagButton = button("tag", "Tag the selected items (Enter)");
  const untagButton = button("untag", "Remove the tag from the selected items");
  const submit = (remove: boolean) => {
    const name = input.value.trim();
    if (!name) {
      say("type a tag name first");
      input.focus();
      return;
    }
    run(hooks.tag(name, remove));
  };
  tagButton.addEventListener("click", () => submit(false));
  untagButton.addEventListener("click", () => submit(true));
  input.addEventListener("keydown", (event) => {
    event.stopPropagation(); // typed text is not a grid key
    if (event.key === "Enter") submit(event.shiftKey);
  });

  const filter = document.createElement("select");
  filter.className = "cw-tag-filter";
  filter.setAttribute("aria-label", "show by tag or slice");
  filter.addEventListener("change", () => {
    const choice = parseFilterValue(filter.value);
    model.set("tag_filter", choice.kind === "tag" ? choice.name : null);
    model.set("tag_filter_negate", choice.kind === "tag" && choice.negate);
    model.set("slice_filter", choice.kind === "slice" ? choice.name : null);
    model.set("slice_filter_negate", choice.kind === "slice" && choice.negate);
    model.save_changes();
  });
  const renderTags = () => {
    const names = model.get("_tag_names") ?? [];
    const slices = model.get("_slice_names") ?? [];
    const taggable = Boolean(model.get("_tag_table"));
    input.hidden = tagButton.hidden = untagButton.hidden = !taggable;
    list.replaceChildren(...names.map((name) => option(name, name)));
    filter.replaceChildren(option("", "all"));
    const choices = (kind: "tag" | "slice", label: string, negated: string, of: string[]) => {
      if (!of.length) return;
      const group = document.createElement("optgroup");
      group.label = label;
      for (const name of of) {
        group.append(
          option(filterValue({ kind, name, negate: false }), `${kind === "tag" ? "tagged" : "in"} ${name}`),
          option(filterValue({ kind, name, negate: true }), `${negated} ${name}`),
        );
      }
      filter.append(group);
    };
    choices("tag", "tags", "not", taggable ? names : []);
    choices("slice", "slices", "not in", slices);
    filter.value = filterValue(currentChoice(model));
    filter.hidden = filter.options.length === 1;
    tags.hidden = !taggable && filter.hidden;
  };
  const traits = ["_tag_table", "_tag_names", "tag_filter", "tag_filter_negate"];
  for (const trait of [...traits, "_slice_names", "slice_filter", "slice_filter_negate"]) {
    model.on(`change:${trait}`, renderTags);
  }
  renderTags();
  tags.append(input, list, tagButton, untagButton, filter);

  const actions = document.createElement("span");
  actions.className = "cw-actions";
  const renderActions = () => {
    const declared = (model.get("_actions") ?? []) as GridAction[];
    actions.replaceChildren(
      ...declared.map((action) => {
        const text = action.key ? `${action.label} (${action.key})` : action.label;
        const element = button(text, `${action.label} the selected items`);
        element.dataset.action = action.name;
        element.addEventListener("click", () => run(hooks.act(action.name)));
        return element;
      }),
    );
    actions.hidden = declared.length === 0;
  };
  model.on("change:_actions", renderActions);
  renderActions();

  bar.append(actions, tags, message);
  return { el: bar, focusTagInput: () => input.focus(), say };
}

function button(text: string, title: string): HTMLButtonElement {
  const element = document.createElement("button");
  element.type = "button";
  element.className = "cw-button";
  element.textContent = text;
  element.title = title;
  return element;
}

function option(value: string, text: string): HTMLOptionElement {
  const element = document.createElement("option");
  element.value = value;
  element.textContent = text;
  return element;
}

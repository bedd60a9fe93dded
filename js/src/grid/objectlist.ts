// The preview's list of the objects drawn in its image: each with the colour of its box,
// its class, its outcome (TP / FP and why / FN ...), its source and size. The marked
// object (an ObjectGrid's hovered crop) comes first, highlighted; pointing at an entry
// marks that object in the image.
import { objectColor, visibleObjects } from "../overlay/draw";
import { jointColor, jointCounts, skeletonOf } from "../overlay/keypoints";
import { outcomeText, verdictOf } from "../overlay/outcome";
import type { Category, Overlay, OverlayObject, OverlayOptions } from "../overlay/types";

const MAX_LISTED = 60;

export interface ListContext {
  options(): OverlayOptions;
  categories(): Map<number, Category>;
  runName(source: number): string;
}

/** "source:row", how overlays name an object (ids overlap between tables). */
export const objectKey = (object: OverlayObject): string => `${object.source}:${object.row}`;

export class ObjectList {
  readonly el = document.createElement("ol");
  private pointed: string | null = null;

  /** `onPoint` is told the object pointed at in the list (null: none any more). */
  constructor(private readonly context: ListContext, private readonly onPoint: (key: string | null) => void) {
    this.el.className = "cw-preview-objects";
  }

  /** List `overlay`'s drawn objects, those in `marked` first. */
  render(overlay: Overlay | null, marked: ReadonlySet<string>): void {
    this.el.replaceChildren();
    this.pointed = null;
    if (!overlay) return;
    const options = this.context.options();
    const objects = visibleObjects(overlay, options);
    // Stable: the marked first, the others as drawn.
    const ordered = [...objects.filter((o) => marked.has(objectKey(o))), ...objects.filter((o) => !marked.has(objectKey(o)))];
    this.el.append(...jointLegend(overlay, objects)); // first: the list is cut at its height, the legend is not
    for (const object of ordered.slice(0, MAX_LISTED)) this.el.append(this.entry(overlay, object, options, marked));
    if (objects.length > MAX_LISTED) {
      const more = document.createElement("li");
      more.textContent = `… and ${objects.length - MAX_LISTED} more`;
      this.el.append(more);
    }
    if (!objects.length) {
      const none = document.createElement("li");
      none.textContent = "no objects";
      this.el.append(none);
    }
  }

  /** Highlight the entries of `keys` (the objects marked in the image). */
  highlight(keys: ReadonlySet<string>): void {
    for (const item of this.el.children) {
      const key = (item as HTMLElement).dataset.key;
      item.classList.toggle("cw-marked", key !== undefined && keys.has(key));
    }
  }

  private entry(overlay: Overlay, object: OverlayObject, options: OverlayOptions, marked: ReadonlySet<string>): HTMLLIElement {
    const item = document.createElement("li");
    const key = objectKey(object);
    item.dataset.key = key;
    if (marked.has(key)) item.classList.add("cw-marked");
    const swatch = document.createElement("span");
    swatch.className = "cw-swatch";
    swatch.style.background = objectColor(object, options); // its box's colour
    const name = this.context.categories().get(object.category)?.name ?? `category ${object.category}`;
    const parts = [name];
    const verdict = verdictOf(object, options);
    if (verdict) parts.push(outcomeText(object, verdict, options.iouIndex));
    const source = object.source === 0 ? "ground truth" : this.context.runName(object.source);
    parts.push(object.score !== null ? `${source} ${object.score.toFixed(2)}` : source);
    parts.push(`area ${Math.round(object.area)}`);
    if (object.crowd) parts.push("crowd");
    if (object.kp) {
      const { joints, labelled, visible } = jointCounts(overlay, object);
      parts.push(object.source === 0 ? `${labelled}/${joints} joints labelled, ${visible} visible` : `${joints} joints`);
    }
    if (object.stand_in) parts.push("box is a stand-in (the file's is not finite)");
    const text = document.createElement("span");
    text.className = "cw-object-text";
    text.textContent = parts.join(" · ");
    item.title = parts.join(" · "); // the whole line, where it is cut short (an attribute, not HTML)
    if (verdict) item.dataset.verdict = verdict;
    item.append(swatch, text);
    item.addEventListener("pointerenter", () => {
      this.pointed = key;
      this.onPoint(key);
    });
    item.addEventListener("pointerleave", () => {
      if (this.pointed !== key) return;
      this.pointed = null;
      this.onPoint(null);
    });
    return item;
  }
}

/** A legend of the joints of the keypoint categories shown: each name in its colour, and
 * what a filled dot and a ring mean. Names are dataset text: set as text only. */
function jointLegend(overlay: Overlay, objects: OverlayObject[]): HTMLLIElement[] {
  const items: HTMLLIElement[] = [];
  const seen = new Set<number>();
  for (const object of objects) {
    if (!object.kp || seen.has(object.category)) continue;
    seen.add(object.category);
    const skeleton = skeletonOf(overlay, object.category);
    if (!skeleton) continue;
    const item = document.createElement("li");
    item.className = "cw-preview-joints";
    const title = document.createElement("span");
    title.textContent = "joints (● visible, ○ hidden):";
    item.append(title);
    skeleton.names.forEach((name, j) => {
      const joint = document.createElement("span");
      joint.className = "cw-joint";
      const dot = document.createElement("span");
      dot.className = "cw-joint-dot";
      dot.style.background = jointColor(j, skeleton.names.length);
      const label = document.createElement("span");
      label.textContent = name;
      joint.append(dot, label);
      item.append(joint);
    });
    items.push(item);
  }
  return items;
}

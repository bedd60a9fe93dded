// Where the hover preview goes: beside the hovered cell, never over it, on the side where
// the image shows largest, and if that still leaves a good-sized preview, one cell further
// out, so the cells next to the pointer stay in sight for moving on to them. Pure
// arithmetic on rectangles, so it is testable without a DOM.

export interface Rect {
  left: number;
  top: number;
  width: number;
  height: number;
}

export type Side = "left" | "right" | "above" | "below";

export interface PlacementInput {
  viewport: { width: number; height: number };
  /** The hovered cell, in viewport coordinates. */
  cell: Rect;
  /** Distance from a cell's edge to the far edge of its neighbour (a grid pitch). */
  neighbour: { width: number; height: number };
  image: { width: number; height: number };
  /** The preview's own size besides the image: frame, title, hint and object list. */
  chrome: { width: number; height: number };
  /** The title and list get at least this width (a narrow image still reads). */
  minTextWidth: number;
}

export interface Placement {
  side: Side;
  /** One neighbour's width or height is left free between the cell and the preview. */
  clearsNeighbour: boolean;
  /** The preview's box (chrome included), in viewport coordinates. */
  box: Rect;
  /** The image's shown size. */
  shownWidth: number;
  shownHeight: number;
  /** The space it was fitted in (to fit it again once its text is measured). */
  region: Rect;
}

/** Distance kept from the viewport's edges and from the hovered cell. */
export const MARGIN = 8;
/** A preview that clears the neighbours is taken unless its image has less than this
 * share of the area the best one beside the cell would have. */
const CLEARING_SHARE = 0.5;

const SIDES: Side[] = ["right", "left", "below", "above"];

/** The free space on `side` of the cell, `skip` pixels further out. */
export function regionBeside(input: PlacementInput, side: Side, skip: number): Rect {
  const { viewport, cell } = input;
  const top = MARGIN;
  const left = MARGIN;
  const right = viewport.width - MARGIN;
  const bottom = viewport.height - MARGIN;
  switch (side) {
    case "right": {
      const start = cell.left + cell.width + MARGIN + skip;
      return { left: start, top, width: right - start, height: bottom - top };
    }
    case "left": {
      const end = cell.left - MARGIN - skip;
      return { left, top, width: end - left, height: bottom - top };
    }
    case "below": {
      const start = cell.top + cell.height + MARGIN + skip;
      return { left, top: start, width: right - left, height: bottom - start };
    }
    case "above": {
      const end = cell.top - MARGIN - skip;
      return { left, top, width: right - left, height: end - top };
    }
  }
}

/** The preview fitted in `region` on `side` of the cell; null if the image cannot show. */
export function fitIn(input: PlacementInput, side: Side, region: Rect, clearsNeighbour: boolean): Placement | null {
  const { image, chrome, cell } = input;
  const scale = Math.min(
    (region.width - chrome.width) / image.width,
    (region.height - chrome.height) / image.height,
    1, // never larger than the image
  );
  if (!(scale > 0)) return null;
  const shownWidth = Math.max(1, Math.round(image.width * scale));
  const shownHeight = Math.max(1, Math.round(image.height * scale));
  const textWidth = Math.min(Math.max(shownWidth, input.minTextWidth), region.width - chrome.width);
  const width = Math.max(shownWidth, textWidth) + chrome.width;
  const height = shownHeight + chrome.height;
  const clamp = (value: number, low: number, high: number) => Math.max(low, Math.min(value, high));
  let left: number;
  let top: number;
  if (side === "right" || side === "left") {
    left = side === "right" ? region.left : region.left + region.width - width;
    top = clamp(cell.top + cell.height / 2 - height / 2, region.top, region.top + region.height - height);
  } else {
    top = side === "below" ? region.top : region.top + region.height - height;
    left = clamp(cell.left + cell.width / 2 - width / 2, region.left, region.left + region.width - width);
  }
  return { side, clearsNeighbour, box: { left, top, width, height }, shownWidth, shownHeight, region };
}

/** Where the preview shows its image largest, clearing the cell's neighbours if it can. */
export function placePreview(input: PlacementInput): Placement | null {
  const best = (skip: (side: Side) => number, clears: boolean): Placement | null => {
    let chosen: Placement | null = null;
    for (const side of SIDES) {
      const placement = fitIn(input, side, regionBeside(input, side, skip(side)), clears);
      if (placement && (!chosen || area(placement) > area(chosen))) chosen = placement;
    }
    return chosen;
  };
  const beside = best(() => 0, false);
  const clearing = best((side) => (side === "left" || side === "right" ? input.neighbour.width : input.neighbour.height), true);
  if (clearing && (!beside || area(clearing) >= CLEARING_SHARE * area(beside))) return clearing;
  return beside;
}

/** The strip between the cell and its preview: a pointer in it has left the cell on its
 * way to the preview, over the neighbours it clears. */
export function corridor(cell: Rect, placement: Placement): Rect {
  const { box, side } = placement;
  if (side === "left" || side === "right") {
    const left = side === "right" ? cell.left + cell.width : box.left + box.width;
    const right = side === "right" ? box.left : cell.left;
    const top = Math.min(cell.top, box.top);
    return { left, top, width: right - left, height: Math.max(cell.top + cell.height, box.top + box.height) - top };
  }
  const top = side === "below" ? cell.top + cell.height : box.top + box.height;
  const bottom = side === "below" ? box.top : cell.top;
  const left = Math.min(cell.left, box.left);
  return { left, top, width: Math.max(cell.left + cell.width, box.left + box.width) - left, height: bottom - top };
}

export function contains(rect: Rect, x: number, y: number): boolean {
  return x >= rect.left && x <= rect.left + rect.width && y >= rect.top && y <= rect.top + rect.height;
}

function area(placement: Placement): number {
  return placement.shownWidth * placement.shownHeight;
}

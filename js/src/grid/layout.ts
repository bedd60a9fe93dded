// Where the grid's cells go: columns for a width, the distance between them, which rows a
// scroll position shows. Pure arithmetic on numbers, so it is testable without a DOM.

export const CAPTION_HEIGHT = 18;
export const GAP = 4;
/** .cw-grid-canvas's margin in grid.css. */
export const CANVAS_MARGIN = 4;

export interface Geometry {
  /** The side of a cell's square image frame (the thumbnail_size trait). */
  size: number;
  columns: number;
  /** Distance between column starts. */
  pitch: number;
  /** The first column's left edge: the columns are centred, as far from the edges as
   * from each other. */
  offset: number;
  /** Distance between row starts (the frame, its caption and a gap). */
  rowHeight: number;
  rowCount: number;
}

/** Before the first measurement: one column, nothing placed. */
export function initialGeometry(size: number): Geometry {
  return { size, columns: 1, pitch: 0, offset: 0, rowHeight: size + CAPTION_HEIGHT + GAP, rowCount: 0 };
}

/** The layout of `count` cells of side `size` in a scroller `width` pixels wide. */
export function gridGeometry(width: number, size: number, count: number): Geometry {
  // Cells are laid out inside the canvas, whose margin is on both sides.
  const inner = Math.max(1, width - 2 * CANVAS_MARGIN);
  const cellWidth = size + GAP;
  const columns = Math.max(1, Math.floor((inner + GAP) / cellWidth));
  // Spread the width left over by whole columns evenly, between the columns and at both
  // edges, rather than leaving it as a blank strip on the right. (All of it between the
  // columns put two 360 px columns at the far edges of a 900 px notebook with a hole
  // between them.) The gap between columns stays at least GAP.
  const free = Math.max(0, inner - columns * size);
  const gap = columns > 1 ? Math.max(GAP, free / (columns + 1)) : 0;
  const offset = Math.max(0, (free - (columns - 1) * gap) / 2);
  const pitch = size + gap;
  const rowHeight = size + CAPTION_HEIGHT + GAP;
  return { size, columns, pitch, offset, rowHeight, rowCount: Math.ceil(count / columns) };
}

export function rowOf(geometry: Geometry, position: number): number {
  return Math.floor(position / geometry.columns);
}

/** The left edge of a column, in whole pixels (cells and their overlays agree on it). */
export function columnX(geometry: Geometry, column: number): number {
  return Math.round(geometry.offset + column * geometry.pitch);
}

export function cellX(geometry: Geometry, position: number): number {
  return columnX(geometry, position % geometry.columns);
}

/** The width one row's overlay canvas spans: from the canvas's left edge to the last
 * column's right edge. */
export function rowWidth(geometry: Geometry): number {
  return Math.ceil(geometry.offset + (geometry.columns - 1) * geometry.pitch) + geometry.size;
}

/** The canvas's height for every row. */
export function contentHeight(geometry: Geometry): number {
  return geometry.rowCount * geometry.rowHeight;
}

/** The rows a scroller at `top`, `viewHeight` tall, shows, widened by `overscan` rows on
 * each side (clamped to the rows there are). */
export function rowsInView(
  geometry: Geometry,
  top: number,
  viewHeight: number,
  overscan: number,
): { firstRow: number; lastRow: number } {
  const firstRow = Math.max(0, Math.floor(top / geometry.rowHeight) - overscan);
  const lastRow = Math.min(geometry.rowCount - 1, Math.ceil((top + viewHeight) / geometry.rowHeight) + overscan);
  return { firstRow, lastRow };
}

/** The scroll position that brings the row of `position` into view, moving as little as
 * possible (the same position when it is in view already). */
export function scrollToShow(geometry: Geometry, position: number, top: number, viewHeight: number): number {
  const rowTop = rowOf(geometry, position) * geometry.rowHeight;
  if (rowTop < top) return rowTop;
  if (rowTop + geometry.rowHeight > top + viewHeight) return rowTop + geometry.rowHeight - viewHeight;
  return top;
}

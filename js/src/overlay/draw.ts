// Draws boxes, polygons, RLE masks and keypoints of one image onto a canvas at any scale.
import { categoryColor, STATUS_COLORS } from "./colors";
import { drawKeypoints } from "./keypoints";
import { decodeRleString, sampleRle } from "./rle";
import type { Overlay, OverlayObject, OverlayOptions } from "./types";
import { verdictOf } from "./outcome";
import type { Verdict } from "./verdict";

const maskCache = new WeakMap<OverlayObject, MaskRaster>();

/** The object's verdict at the grid's operating point (null: not coloured by match). */
export function matchStatus(object: OverlayObject, options: OverlayOptions): Verdict | null {
  return options.colorByMatch ? verdictOf(object, options) : null;
}

/** The colour an object is drawn in: its verdict's when coloured by match, else its
 * category's. (The preview's list gives each object the colour of its box.) */
export function objectColor(object: OverlayObject, options: OverlayOptions): string {
  const status = matchStatus(object, options);
  return status ? STATUS_COLORS[status] : categoryColor(object.category);
}

export function visibleObjects(overlay: Overlay, options: OverlayOptions): OverlayObject[] {
  return overlay.objects.filter((object) =>
    object.source === 0
      ? options.showGroundTruth
      : options.visibleRuns.has(object.source) && (object.score ?? 1) >= options.scoreThreshold,
  );
}

/** Where on a canvas an image's overlay goes, in canvas pixels. */
export interface Region {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** Draw `overlay` scaled to the canvas size (the canvas shows the whole image). */
export function drawOverlay(
  canvas: HTMLCanvasElement,
  overlay: Overlay,
  options: OverlayOptions,
  emphasis?: Set<string>,
  mark = false,
): void {
  const ctx = canvas.getContext("2d");
  if (!ctx) return;
  ctx.setTransform(1, 0, 0, 1, 0, 0);
  ctx.clearRect(0, 0, canvas.width, canvas.height);
  drawOverlayAt(ctx, { x: 0, y: 0, width: canvas.width, height: canvas.height }, overlay, options, emphasis, mark);
}

/**
 * Draw `overlay` into `region` of a canvas that other images share (a grid row), clipped
 * to it. The region is not cleared first. With `mark`, the emphasised objects are also
 * outlined in a halo above the others (the preview's hovered object).
 */
export function drawOverlayAt(
  ctx: CanvasRenderingContext2D,
  region: Region,
  overlay: Overlay,
  options: OverlayOptions,
  emphasis?: Set<string>,
  mark = false,
): void {
  const [left, top, width, height] = overlay.view ?? [0, 0, overlay.width, overlay.height];
  const sx = region.width / width;
  const sy = region.height / height;
  ctx.save();
  ctx.setTransform(1, 0, 0, 1, 0, 0);
  ctx.beginPath();
  ctx.rect(region.x, region.y, region.width, region.height);
  ctx.clip();
  // Geometry is in image pixels; a crop shows only part of the image.
  ctx.translate(region.x - left * sx, region.y - top * sy);
  // Annotation and detection ids overlap, so an emphasised object is named by its source
  // too ("source:id"); the grid's `_emphasis` trait names ground truth.
  const emphasised = emphasis ?? (overlay.emphasis ? new Set(overlay.emphasis) : undefined);
  const marked: OverlayObject[] = [];
  for (const object of visibleObjects(overlay, options)) {
    const key = `${object.source}:${object.row}`;
    const dimmed = emphasised !== undefined && emphasised.size > 0 && !emphasised.has(key);
    const status = matchStatus(object, options);
    const color = status ? STATUS_COLORS[status] : categoryColor(object.category);
    ctx.globalAlpha = dimmed ? 0.25 : 1;
    if (options.masks) drawMask(ctx, overlay, object, sx, sy, color);
    if (options.boxes || (!object.poly && !object.rle)) {
      drawBox(ctx, object, status, sx, sy, color, options.lineWidth);
      // A crowd region reads apart by its hatching; an RLE mask drawn above has it already.
      if (object.crowd && !(options.masks && object.rle)) hatchBox(ctx, object, sx, sy, color);
    }
    drawKeypoints(ctx, overlay, object, sx, sy, color, options.lineWidth);
    if (mark && emphasised?.has(key)) marked.push(object);
  }
  ctx.globalAlpha = 1;
  for (const object of marked) {
    drawMark(ctx, object, matchStatus(object, options), sx, sy, objectColor(object, options), options.lineWidth);
  }
  ctx.restore();
}

/** Smaller than this on screen (canvas pixels), a marked box also gets a ring around it:
 * a 20 px false positive in a 1,000 px image is otherwise a dot in the preview. */
const MARK_RING_PX = 28;

/** A marked object: its box over a light and a dark halo (it reads on any image), and a
 * ring around it when it is small. */
function drawMark(
  ctx: CanvasRenderingContext2D,
  object: OverlayObject,
  status: string | null,
  sx: number,
  sy: number,
  color: string,
  lineWidth: number,
): void {
  const [x, y, w, h] = object.bbox;
  const [left, top, width, height] = [x * sx, y * sy, Math.max(w * sx, 1), Math.max(h * sy, 1)];
  ctx.setLineDash([]);
  for (const [style, extra] of [["rgba(0, 0, 0, 0.7)", 7], ["#fff", 4.5]] as const) {
    ctx.strokeStyle = style;
    ctx.lineWidth = lineWidth + extra;
    ctx.strokeRect(left, top, width, height);
  }
  drawBox(ctx, object, status, sx, sy, color, lineWidth * 1.5);
  if (Math.max(width, height) < MARK_RING_PX) {
    const radius = MARK_RING_PX;
    ctx.beginPath();
    ctx.arc(left + width / 2, top + height / 2, radius, 0, 2 * Math.PI);
    ctx.strokeStyle = "rgba(0, 0, 0, 0.7)";
    ctx.lineWidth = lineWidth + 3;
    ctx.stroke();
    ctx.strokeStyle = color;
    ctx.lineWidth = lineWidth + 1;
    ctx.stroke();
  }
}

function drawBox(
  ctx: CanvasRenderingContext2D,
  object: OverlayObject,
  status: string | null,
  sx: number,
  sy: number,
  color: string,
  lineWidth: number,
): void {
  const [x, y, w, h] = object.bbox;
  ctx.strokeStyle = color;
  ctx.lineWidth = lineWidth;
  // Predictions are drawn dashed so they read apart from ground truth at a glance;
  // false positives get a tighter dash.
  // A stand-in for a box the file has as NaN or Infinity: dotted, whatever else it is.
  if (object.stand_in) ctx.setLineDash([1, 3]);
  else if (status === "fp") ctx.setLineDash([3, 2]);
  else if (object.source !== 0) ctx.setLineDash([6, 3]);
  else ctx.setLineDash([]);
  ctx.strokeRect(x * sx, y * sy, Math.max(w * sx, 1), Math.max(h * sy, 1));
  ctx.setLineDash([]);
}

const HATCH_SPACING_PX = 6;

function hatchBox(ctx: CanvasRenderingContext2D, object: OverlayObject, sx: number, sy: number, color: string): void {
  const [x, y, w, h] = object.bbox;
  const [left, top, width, height] = [x * sx, y * sy, Math.max(w * sx, 1), Math.max(h * sy, 1)];
  ctx.save();
  ctx.beginPath();
  ctx.rect(left, top, width, height);
  ctx.clip();
  ctx.beginPath();
  for (let offset = -height; offset < width; offset += HATCH_SPACING_PX) {
    ctx.moveTo(left + offset, top + height);
    ctx.lineTo(left + offset + height, top);
  }
  ctx.strokeStyle = color;
  ctx.lineWidth = 1;
  ctx.globalAlpha *= 0.6;
  ctx.stroke();
  ctx.restore();
}

function drawMask(
  ctx: CanvasRenderingContext2D,
  overlay: Overlay,
  object: OverlayObject,
  sx: number,
  sy: number,
  color: string,
): void {
  if (object.poly) {
    const [start, ...rings] = object.poly;
    ctx.beginPath();
    let offset = start;
    for (const length of rings) {
      for (let i = 0; i < length; i++) {
        const x = overlay.coords[offset + 2 * i] * sx;
        const y = overlay.coords[offset + 2 * i + 1] * sy;
        if (i === 0) ctx.moveTo(x, y);
        else ctx.lineTo(x, y);
      }
      ctx.closePath();
      offset += 2 * length;
    }
    ctx.fillStyle = color;
    ctx.globalAlpha *= 0.35;
    ctx.fill("evenodd");
    ctx.globalAlpha /= 0.35;
    ctx.strokeStyle = color;
    ctx.lineWidth = 1;
    ctx.stroke();
  } else if (object.rle) {
    const [height, width] = object.rle.size;
    const mask = rleCanvas(overlay, object, color, sx, sy);
    ctx.imageSmoothingEnabled = false;
    ctx.drawImage(mask, 0, 0, width * sx, height * sy);
  }
}

interface MaskRaster {
  canvas: HTMLCanvasElement;
  color: string;
}

/**
 * An RLE mask tinted with `color` (crowds hatched), rasterised at the size it is drawn at
 * (never above the image's own): cached per object and colour.
 */
function rleCanvas(overlay: Overlay, object: OverlayObject, color: string, sx: number, sy: number): HTMLCanvasElement {
  const [height, width] = object.rle!.size;
  const targetWidth = Math.max(1, Math.min(width, Math.ceil(width * sx)));
  const targetHeight = Math.max(1, Math.min(height, Math.ceil(height * sy)));
  const cached = maskCache.get(object);
  if (cached && cached.color === color && cached.canvas.width >= targetWidth && cached.canvas.height >= targetHeight) {
    return cached.canvas;
  }
  const rle = object.rle!;
  const runs = rle.string !== null
    ? decodeRleString(rle.string)
    : overlay.counts.subarray(rle.runs![0], rle.runs![0] + rle.runs![1]);
  const covered = sampleRle(runs, height, width, targetWidth, targetHeight);
  const canvas = document.createElement("canvas");
  canvas.width = targetWidth;
  canvas.height = targetHeight;
  const ctx = canvas.getContext("2d")!;
  const [r, g, b] = rgb(color);
  const image = ctx.createImageData(targetWidth, targetHeight);
  const pixels = image.data;
  const alpha = object.crowd ? 150 : 95;
  for (let p = 0; p < covered.length; p++) {
    if (!covered[p]) continue;
    // Crowd regions are hatched (in drawn pixels), so they read apart from single objects.
    if (object.crowd && (((p % targetWidth) + Math.floor(p / targetWidth)) >> 2) % 2 === 0) continue;
    const o = 4 * p;
    pixels[o] = r;
    pixels[o + 1] = g;
    pixels[o + 2] = b;
    pixels[o + 3] = alpha;
  }
  ctx.putImageData(image, 0, 0);
  maskCache.set(object, { canvas, color });
  return canvas;
}

const colorCache = new Map<string, [number, number, number]>();

/** Any CSS colour as RGB, as the browser parses it. */
function rgb(color: string): [number, number, number] {
  let value = colorCache.get(color);
  if (!value) {
    const canvas = document.createElement("canvas");
    canvas.width = canvas.height = 1;
    const ctx = canvas.getContext("2d", { willReadFrequently: true })!;
    ctx.fillStyle = color;
    ctx.fillRect(0, 0, 1, 1);
    const [r, g, b] = ctx.getImageData(0, 0, 1, 1).data;
    value = [r, g, b];
    colorCache.set(color, value);
  }
  return value;
}

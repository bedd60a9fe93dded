// Overlay geometry as sent by Python (widgets/overlays.py): JSON records plus two
// binary arrays, polygon coordinates and uncompressed RLE run lengths.

export interface OverlayObject {
  id: number;
  source: number; // 0 = ground truth, k = prediction run k (1-based, see GridModel._runs)
  category: number; // category id
  bbox: [number, number, number, number]; // x, y, w, h in original image pixels
  crowd: boolean;
  score: number | null;
  area: number;
  poly: number[] | null; // [start, ring length, ring length, ...] into coords (x,y pairs)
  rle: RleRecord | null;
  status?: string | null; // evaluation status, e.g. "tp", "fp", "fn"
}

export interface RleRecord {
  size: [number, number]; // height, width
  runs: [number, number] | null; // [start, length] into counts (uncompressed RLE)
  string: string | null; // compressed RLE, decoded when drawn
}

export interface Overlay {
  width: number; // original image size the geometry refers to
  height: number;
  view: [number, number, number, number] | null; // the part of the image shown (crops)
  emphasis: number[] | null; // object ids to emphasise (the others are dimmed)
  objects: OverlayObject[];
  coords: Float32Array;
  counts: Uint32Array;
}

export interface Category {
  id: number;
  name: string;
}

export interface OverlayOptions {
  showGroundTruth: boolean;
  visibleRuns: Set<number>;
  scoreThreshold: number;
  masks: boolean;
  boxes: boolean;
  lineWidth: number;
}

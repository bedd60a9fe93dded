// Overlay geometry as sent by Python (widgets/overlays.py): JSON records plus two
// binary arrays, polygon coordinates and uncompressed RLE run lengths.

export interface OverlayObject {
  id: string; // a string: only matched to emphasis keys (numbers merge ids above 2**53)
  source: number; // 0 = ground truth, k = prediction run k (1-based, see GridModel._runs)
  category: number; // category id
  bbox: [number, number, number, number]; // x, y, w, h in original image pixels
  crowd: boolean;
  score: number | null;
  area: number;
  poly: number[] | null; // [start, ring length, ring length, ...] into coords (x,y pairs)
  rle: RleRecord | null;
  m: MatchRecord | null; // evaluation data (views/matches.py), when the grid has one
}

/** Per IoU threshold: bit k of tp/ign is threshold k; ms[k] the matching detection's score. */
export interface MatchRecord {
  tp?: number; // detections: matched at threshold k
  ign?: number; // detections: ignored (crowd or area range) at threshold k
  ev?: boolean; // detections: evaluated at all (within maxDets)
  oc?: number[]; // detections: outcome code per threshold (DetectionOutcome)
  ms?: number[]; // ground truth: score of the detection that matched it, -1 if none
  gi?: boolean; // ground truth: ignored (crowd)
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
  emphasis: string[] | null; // "source:id" of objects to emphasise (the others are dimmed)
  objects: OverlayObject[];
  coords: Float32Array;
  counts: Uint32Array;
}

export interface Category {
  id: number;
  name: string;
}

export interface OverlayOptions {
  colorByMatch: boolean;
  iouIndex: number; // which evaluated IoU threshold colours matches
  evaluatedSource: number; // the run the evaluation is of (its source number), 0 if none
  showGroundTruth: boolean;
  visibleRuns: Set<number>;
  scoreThreshold: number;
  masks: boolean;
  boxes: boolean;
  lineWidth: number;
}

// Overlays as the front end draws them: the records of the protocol
// (src/cocowidget/protocol/messages.py, generated into ../generated/protocol.ts) with the
// shared binary arrays they index, and the drawing options.
import type { OverlayObject, SkeletonRecord } from "../generated/protocol";

export type { DetectionMatch, OverlayObject, RleRecord, SkeletonRecord, TruthMatch } from "../generated/protocol";

export interface Overlay {
  width: number; // original image size the geometry refers to
  height: number;
  view: [number, number, number, number] | null; // the part of the image shown (crops)
  emphasis: string[] | null; // "source:row" of objects to emphasise (the others are dimmed)
  skeletons: SkeletonRecord[] | null; // joint names and bones of the keypoint categories
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

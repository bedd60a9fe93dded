// Turns a reply's overlay records and shared binary arrays into Overlays.
import { copyBytes } from "../buffers";
import type { Overlay as OverlayRecord } from "../generated/protocol";
import type { Overlay } from "./types";

export interface OverlayArrays {
  coords: number; // buffer index of float32 polygon coordinates, -1 when none
  counts: number; // buffer index of uint32 RLE run lengths, -1 when none
}

export function overlayArrays(arrays: OverlayArrays, buffers: DataView[]): [Float32Array, Uint32Array] {
  const coords = arrays.coords >= 0 ? new Float32Array(copyBytes(buffers[arrays.coords])) : new Float32Array(0);
  const counts = arrays.counts >= 0 ? new Uint32Array(copyBytes(buffers[arrays.counts])) : new Uint32Array(0);
  return [coords, counts];
}

export function toOverlay(record: OverlayRecord, coords: Float32Array, counts: Uint32Array): Overlay {
  return {
    width: record.width,
    height: record.height,
    view: record.view,
    emphasis: record.emphasis,
    skeletons: record.skeletons,
    objects: record.objects,
    coords,
    counts,
  };
}

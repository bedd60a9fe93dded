// Person keypoints on canvas: the skeleton's bones in the object's colour, each joint in
// a colour of its own. A ground-truth joint that is visible (v = 2) is a filled dot; one
// labelled but hidden (v = 1) a hollow ring, so the two read apart without colour; an
// unlabelled one (v = 0) is not drawn. A detection's v is its confidence, not a flag:
// its joints are drawn as placed (filled), and its bones dashed, as its box is.
import type { Overlay, OverlayObject, SkeletonRecord } from "./types";

/** A joint's colour: hues around the wheel in joint order, the same in every widget. */
export function jointColor(joint: number, joints: number): string {
  const hue = (joint * 360) / Math.max(joints, 1);
  return `hsl(${hue.toFixed(0)}, 85%, 55%)`;
}

export function skeletonOf(overlay: Overlay, category: number): SkeletonRecord | undefined {
  return overlay.skeletons?.find((skeleton) => skeleton.category === category);
}

/** Joints labelled (v > 0) and, for ground truth, visible (v = 2), of an object. */
export function jointCounts(overlay: Overlay, object: OverlayObject): { joints: number; labelled: number; visible: number } {
  if (!object.kp) return { joints: 0, labelled: 0, visible: 0 };
  const [start, joints] = object.kp;
  let labelled = 0;
  let visible = 0;
  for (let j = 0; j < joints; j++) {
    const v = overlay.coords[start + 3 * j + 2];
    if (v > 0) labelled++;
    if (v === 2) visible++;
  }
  return { joints, labelled, visible };
}

export function drawKeypoints(
  ctx: CanvasRenderingContext2D,
  overlay: Overlay,
  object: OverlayObject,
  sx: number,
  sy: number,
  color: string,
  lineWidth: number,
): void {
  if (!object.kp) return;
  const [start, joints] = object.kp;
  const coords = overlay.coords;
  const x = (j: number) => coords[start + 3 * j] * sx;
  const y = (j: number) => coords[start + 3 * j + 1] * sy;
  const v = (j: number) => coords[start + 3 * j + 2];
  const truth = object.source === 0;
  // Dots scale with the person on screen, within what stays legible in a thumbnail.
  const side = Math.sqrt(Math.max(object.area, 1)) * Math.sqrt(Math.abs(sx * sy));
  const radius = Math.min(5, Math.max(1.5, side * 0.025));

  const skeleton = skeletonOf(overlay, object.category);
  if (skeleton) {
    ctx.beginPath();
    for (let b = 0; b + 1 < skeleton.bones.length; b += 2) {
      const [p, q] = [skeleton.bones[b], skeleton.bones[b + 1]];
      if (p >= joints || q >= joints || !(v(p) > 0) || !(v(q) > 0)) continue;
      ctx.moveTo(x(p), y(p));
      ctx.lineTo(x(q), y(q));
    }
    ctx.strokeStyle = color;
    ctx.lineWidth = Math.max(1, lineWidth);
    ctx.setLineDash(truth ? [] : [4, 2]);
    ctx.stroke();
    ctx.setLineDash([]);
  }
  for (let j = 0; j < joints; j++) {
    const flag = v(j);
    if (!(flag > 0)) continue;
    ctx.beginPath();
    ctx.arc(x(j), y(j), radius, 0, 2 * Math.PI);
    const hidden = truth && flag === 1;
    if (hidden) {
      ctx.lineWidth = Math.max(1, radius / 2);
      ctx.strokeStyle = jointColor(j, joints);
      ctx.stroke();
    } else {
      ctx.fillStyle = jointColor(j, joints);
      ctx.fill();
      ctx.lineWidth = 1;
      ctx.strokeStyle = "rgba(0, 0, 0, 0.6)";
      ctx.stroke();
    }
  }
}

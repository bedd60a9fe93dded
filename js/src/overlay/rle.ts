// COCO's compressed RLE strings, decoded to run lengths (a port of rleFrString in
// pycocotools' maskApi.c: 5 bits a character, sign-extended, counts after the second
// stored as differences from the count two before).

export function decodeRleString(text: string): Uint32Array {
  const counts: number[] = [];
  let p = 0;
  while (p < text.length) {
    let x = 0;
    let k = 0;
    let more = true;
    while (more) {
      const c = text.charCodeAt(p) - 48;
      x |= (c & 0x1f) << (5 * k);
      more = (c & 0x20) !== 0;
      p++;
      k++;
      if (!more && c & 0x10) x |= -1 << (5 * k);
    }
    if (counts.length > 2) x += counts[counts.length - 2];
    counts.push(x >>> 0);
  }
  return Uint32Array.from(counts);
}

/**
 * Coverage of a column-major RLE mask (`height` x `width`) sampled at the centres of a
 * `targetWidth` x `targetHeight` grid, row-major, 1 where the mask is set. Sampling at the
 * size the mask is drawn at costs the drawn pixels, not the image's: a thumbnail of a
 * 640x480 image draws 160x120.
 */
export function sampleRle(
  runs: ArrayLike<number>,
  height: number,
  width: number,
  targetWidth: number,
  targetHeight: number,
): Uint8Array {
  const bits = new Uint8Array(height * width);
  let index = 0;
  for (let k = 0; k < runs.length && index < bits.length; k++) {
    if (k % 2 === 1) bits.fill(1, index, Math.min(bits.length, index + runs[k]));
    index += runs[k];
  }
  const out = new Uint8Array(targetWidth * targetHeight);
  const columns = new Int32Array(targetWidth);
  for (let x = 0; x < targetWidth; x++) {
    columns[x] = Math.min(width - 1, Math.floor(((x + 0.5) * width) / targetWidth)) * height;
  }
  for (let y = 0; y < targetHeight; y++) {
    const row = Math.min(height - 1, Math.floor(((y + 0.5) * height) / targetHeight));
    const line = y * targetWidth;
    for (let x = 0; x < targetWidth; x++) out[line + x] = bits[columns[x] + row];
  }
  return out;
}

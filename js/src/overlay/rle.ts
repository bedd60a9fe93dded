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

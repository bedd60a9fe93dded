// Typed-array views of binary trait values and message buffers (which arrive as DataViews).

/** A copy of the bytes, so the typed array owns aligned memory of its own. */
export function copyBytes(view: DataView): ArrayBuffer {
  const copy = new ArrayBuffer(view.byteLength);
  new Uint8Array(copy).set(new Uint8Array(view.buffer, view.byteOffset, view.byteLength));
  return copy;
}

export const float64s = (view: DataView | null | undefined): Float64Array<ArrayBuffer> =>
  view ? new Float64Array(copyBytes(view)) : new Float64Array(0);

/** int64 values (ids): only to print with String(), never as numbers (float64 merges
 * integers above 2**53). */
export const bigInt64s = (view: DataView | null | undefined): BigInt64Array<ArrayBuffer> =>
  view ? new BigInt64Array(copyBytes(view)) : new BigInt64Array(0);

export const int32s = (view: DataView | null | undefined): Int32Array<ArrayBuffer> =>
  view ? new Int32Array(copyBytes(view)) : new Int32Array(0);
